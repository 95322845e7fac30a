/**
 * `sbob demo` (what `npm start` runs): the node agent on the embedded example (examples/demo).
 *
 * Copies the signed demo SBoB and the default rule library (signed for the demo with the demo key)
 * into a temporary object directory, starts the real agent in-process on it (strict verification,
 * the demo trust policy), feeds it the scenario step by step — normal behaviour, an attack, a
 * tampered profile update, one more event — and prints what happens and every alert readably.
 * Each step waits on the agent's own state (events evaluated, log lines, alerts), never on a timer.
 * When the kernel tracer can run here (root, bpftrace, tracefs: the tracer's own preflight) the
 * scenario's process behaviour runs for real under it (./demo-live.ts); otherwise, or with
 * --replay, the recorded scenario is replayed and the output header says why. See docs/demo.md.
 */
import type { Command } from 'commander';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import YAML from 'yaml';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Agent, defaultConfig } from '../../agent/index.ts';
import type { RuntimeAlert } from '../../alerts/index.ts';
import type { RuntimeEvent } from '../../events/index.ts';
import { registerEventSource, type EmitFn, type EventSource } from '../../events/source.ts';
import {
  keySigner, loadTrustPolicy, parseObjects, readPrivateKey, rewriteAnnotations, signObject, verifyObject,
  type SignableObject,
} from '../../signing/index.ts';
import { CliError } from '../errors.ts';
import { PACKAGE_ROOT } from '../paths.ts';
import { buildProfiles, type RecordResult } from '../../profile/record/index.ts';
import { DNS_ADDR, LiveSession, TIMING_SYSCALLS, liveUnavailableReason, type LiveRun } from './demo-live.ts';

/** The demo key's password (examples/demo/README.md: a demo key, committed on purpose). */
export const DEMO_KEY_PASSWORD = 'sbob-demo';
export const DEMO_DIR = join(PACKAGE_ROOT, 'examples', 'demo');
const PROFILE_FILE = 'application-profile.yaml';
const SOURCE_TYPE = 'sbob-demo-scenario';
const STEP_TIMEOUT_MS = 15_000;

export type DemoStep = 'normal' | 'attack' | 'after-update';
export interface ScenarioEvent extends RuntimeEvent {
  demoStep?: DemoStep;
}

/** An event source the demo drives by hand: `push` events, `end` when the scenario is over. */
class ScenarioSource implements EventSource {
  readonly name = 'demo-scenario';
  private emit: EmitFn | undefined;
  private ended!: () => void;
  private readonly done = new Promise<void>((r) => { this.ended = r; });
  private readonly started: Promise<void>;
  private onStarted!: () => void;
  constructor() {
    this.started = new Promise((r) => { this.onStarted = r; });
  }
  start(emit: EmitFn): Promise<void> {
    this.emit = emit;
    this.onStarted();
    return this.done;
  }
  async push(evs: RuntimeEvent[]): Promise<void> {
    await this.started;
    for (const ev of evs) await this.emit!(ev);
  }
  end(): void {
    this.ended();
  }
  async stop(): Promise<void> {
    this.ended();
  }
  stats(): { lost: number } {
    return { lost: 0 };
  }
}

const severityWord = (s: number): string => (s >= 10 ? 'critical' : s >= 7 ? 'high' : s >= 4 ? 'medium' : 'low');

/** One readable block per alert: severity, rule id + name, message, where. */
export function formatAlert(a: RuntimeAlert): string {
  const ev = (a.event ?? {}) as Record<string, unknown>;
  const where: string[] = [];
  if (a.namespace) where.push(`namespace ${a.namespace}`);
  if (a.podName) where.push(`pod ${a.podName}`);
  if (a.containerName) where.push(`container ${a.containerName}${a.containerID ? ` (${a.containerID})` : ''}`);
  const comm = ev.comm ?? a.identifiers?.process?.name;
  const pid = ev.pid ?? (a.ruleID === 'R1016' ? undefined : a.infectedPID);
  if (comm) where.push(`process ${String(comm)}${pid !== undefined ? ` (pid ${String(pid)})` : ''}`);
  const args = a.arguments as Record<string, unknown> | undefined;
  if (a.ruleID === 'R1016' && args?.file) where.push(`file ${String(args.file)}`);
  return [
    `  ▲ ALERT ${a.ruleID} ${a.alertName} — severity ${a.severity} (${severityWord(a.severity)})`,
    `      ${a.message}`,
    `      where: ${where.join(', ') || '(node)'}`,
  ].join('\n');
}

function describeEvent(ev: RuntimeEvent): string {
  const e = ev as Record<string, unknown>;
  const what = ev.eventType === 'exec' ? (Array.isArray(e.args) && e.args.length ? `${String(e.exepath)}  args: ${(e.args as string[]).join(' ')}` : String(e.exepath))
    : ev.eventType === 'open' ? String(e.path)
      : ev.eventType === 'dns' ? `lookup ${String(e.name)}`
        : ev.eventType === 'network' ? `connect ${String(e.dstAddr)}:${String(e.dstPort)}/${String(e.proto ?? '')}`
          : '';
  return `  ${ev.eventType.padEnd(7)} ${String(e.comm ?? '').padEnd(8)} ${what}`;
}

export function readScenario(file: string): ScenarioEvent[] {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return [];
    try {
      const ev = JSON.parse(line) as ScenarioEvent;
      if (!['normal', 'attack', 'after-update'].includes(String(ev.demoStep))) throw new Error(`field "demoStep" must be normal, attack or after-update, got ${JSON.stringify(ev.demoStep)}`);
      return [ev];
    } catch (err) {
      throw new CliError(`${file}: line ${i + 1}: ${(err as Error).message}`);
    }
  });
}

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface DemoOptions {
  verbose?: boolean;
  /** use the recorded scenario even when the kernel tracer could run */
  replay?: boolean;
  /** write the demo's output (default stdout) */
  write?: (s: string) => void;
  /** examples/demo (tests may point elsewhere) */
  demoDir?: string;
  rulesFile?: string;
}

export interface DemoResult {
  alerts: RuntimeAlert[];
  events: number;
  tamperRejected: boolean;
  mode: 'live' | 'replay';
}

const LIVE_IDENTITY = { containerId: 'sbob-demo-live-greeter', containerName: 'app', podName: 'greeter-5d8f9c-q7k2m', namespace: 'demo', context: 'kubernetes' };

/** The kernel events worth a line in the output (execs, DNS queries, token reads). */
function notable(ev: RuntimeEvent): boolean {
  return ev.eventType === 'exec' || ev.eventType === 'dns' || (ev.eventType === 'open' && String(ev.path).includes('/secrets/'));
}

function countByType(evs: RuntimeEvent[]): string {
  const n = new Map<string, number>();
  for (const e of evs) n.set(e.eventType, (n.get(e.eventType) ?? 0) + 1);
  return [...n].map(([t, c]) => `${c} ${t}`).join(', ');
}

/** Runs the demo; resolves when the agent has stopped. */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const out = opts.write ?? ((s: string) => { process.stdout.write(s); });
  const say = (s = ''): void => out(`${s}\n`);
  const demoDir = opts.demoDir ?? DEMO_DIR;
  const rulesFile = opts.rulesFile ?? join(PACKAGE_ROOT, 'rules', 'default-rules.yaml');
  const rel = (p: string): string => relative(process.cwd(), p) || p;
  const scenario = readScenario(join(demoDir, 'scenario.ndjson'));
  const liveConfig = join(demoDir, 'live', 'config.yaml');
  let live: LiveSession | undefined;
  let recorded: { run: LiveRun; built: RecordResult } | undefined;
  let reason = '--replay was given';
  if (!opts.replay) {
    const why = liveUnavailableReason();
    reason = why ? `the kernel tracer cannot run here: ${why}` : '';
    if (!reason) {
      // A vendor's SBoB cannot know this host's binaries and libraries: record greeter here first.
      try {
        live = await LiveSession.start(demoDir);
        const run = await live.run('normal', liveConfig, () => undefined);
        if (run.lost) throw new Error(`the tracer lost ${run.lost} events while recording greeter's profile`);
        const built = buildProfiles(run.events.map((e) => ({ ...e, ...LIVE_IDENTITY }) as RuntimeEvent), {
          name: 'greeter', namespace: 'demo', containerName: 'app', lost: run.lost, command: [process.execPath, live.greeter],
        });
        for (const o of [built.applicationProfile, built.networkNeighborhood]) {
          o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubescape.io/workload-name': 'greeter' };
        }
        for (const c of built.applicationProfile.spec.containers ?? []) c.syscalls = [...new Set([...(c.syscalls ?? []), ...TIMING_SYSCALLS])].sort();
        recorded = { run, built };
      } catch (err) {
        await live?.close().catch(() => undefined);
        live = undefined;
        reason = `the live scenario could not be set up: ${(err as Error).message.replace(/\s*\n\s*/g, ' ')}`;
      }
    }
  }

  const work = mkdtempSync(join(tmpdir(), 'sbob-demo-'));
  const objDir = join(work, 'objects');
  try {
    say('sbob demo: the node agent on the embedded example (examples/demo, workload demo/greeter)');
    say(live
      ? `mode: live kernel events (bpftrace follows ${rel(live.greeter)}; DNS queries go to ${DNS_ADDR}:53, a listener of this demo; the token is a fake one in a private mount namespace)`
      : `mode: recorded replay of ${rel(join(demoDir, 'scenario.ndjson'))} (reason: ${reason})`);
    say();

    // --- the object directory: the signed SBoB, the rule library signed with the demo key
    mkdirSync(objDir);
    const policyFile = join(work, 'trust-policy.yaml');
    copyFileSync(join(demoDir, 'trust-policy.yaml'), policyFile);
    const keyFile = join(demoDir, 'keys', 'demo-vendor.key');
    const key = await readPrivateKey(readFileSync(keyFile, 'utf8'), { file: keyFile, password: DEMO_KEY_PASSWORD });
    const signText = async (text: string, file: string): Promise<string> => {
      const updates = [];
      for (const o of parseObjects(text, file)) {
        const r = await signObject(o.object, keySigner(key), { embed: false });
        updates.push({ docIndex: o.docIndex, annotations: r.annotations });
      }
      return rewriteAnnotations(text, updates, file);
    };
    writeFileSync(join(objDir, 'default-rules.yaml'), await signText(readFileSync(rulesFile, 'utf8'), rulesFile));
    let tamperedFile = join(demoDir, 'tampered', PROFILE_FILE);
    if (live && recorded) {
      const { run: rec, built } = recorded;
      say('[0] greeter\'s SBoB, recorded on this machine under the kernel tracer (a shipped profile cannot know this host\'s binaries and libraries)');
      const sm = built.summary;
      say(`  ${rec.events.length} kernel events (${rec.lost} lost) → ApplicationProfile + NetworkNeighborhood demo/greeter: ${sm.execs} execs, ${sm.opens} opens, ${sm.syscalls} syscalls, ${sm.capabilities} capabilities, ${sm.egress} egress`);
      say(`  plus the system calls that depend on thread timing (${TIMING_SYSCALLS.join(', ')}); signed with the demo key`);
      writeFileSync(join(objDir, PROFILE_FILE), await signText(YAML.stringify(built.applicationProfile, { lineWidth: 0 }), PROFILE_FILE));
      writeFileSync(join(objDir, 'network-neighborhood.yaml'), await signText(YAML.stringify(built.networkNeighborhood, { lineWidth: 0 }), 'network-neighborhood.yaml'));
      // the tampered update: the signed profile with one more exec, not re-signed
      const signed = YAML.parse(readFileSync(join(objDir, PROFILE_FILE), 'utf8')) as { spec: { containers: Array<{ execs?: Array<{ path: string; args: string[] }> }> } };
      (signed.spec.containers[0]!.execs ??= []).push({ path: live.afterBinary, args: [] });
      tamperedFile = join(work, `tampered-${PROFILE_FILE}`);
      writeFileSync(tamperedFile, YAML.stringify(signed, { lineWidth: 0 }));
      say();
    } else {
      for (const f of [PROFILE_FILE, 'network-neighborhood.yaml']) copyFileSync(join(demoDir, 'objects', f), join(objDir, f));
    }

    // --- what the agent is about to load, as the trust policy sees it
    const policy = loadTrustPolicy(policyFile);
    say(`[1] loading the signed SBoB and the rule library (verification strict, trust policy ${rel(join(demoDir, 'trust-policy.yaml'))})`);
    for (const f of [PROFILE_FILE, 'network-neighborhood.yaml', 'default-rules.yaml']) {
      for (const o of parseObjects(readFileSync(join(objDir, f), 'utf8'), f)) {
        const v = verifyObject(o.object as SignableObject, policy);
        const id = `${String(o.object.kind)} ${o.object.metadata?.namespace ? `${String(o.object.metadata.namespace)}/` : ''}${String(o.object.metadata?.name)}`;
        const from = f === 'default-rules.yaml' ? 'rules/default-rules.yaml, signed with the demo key for this run'
          : live ? 'recorded above, signed with the demo key' : rel(join(demoDir, 'objects', f));
        say(`  ${id} (${from}) … ${v.status === 'valid' ? `verified (signer ${v.signerName ?? v.signer ?? '?'})` : `${v.status}: ${v.reason}`}`);
      }
    }

    // --- the agent, in-process; its JSON logs are parsed (and shown with --verbose)
    const logs: LogLine[] = [];
    const alerts: RuntimeAlert[] = [];
    const logStream = {
      write(s: string): void {
        if (opts.verbose) process.stderr.write(s);
        try { logs.push(JSON.parse(s) as LogLine); } catch { /* not JSON */ }
      },
    };
    const alertStream = new Writable({
      write(chunk: Buffer, _enc, cb): void {
        for (const line of String(chunk).split('\n')) if (line.trim()) alerts.push(JSON.parse(line) as RuntimeAlert);
        cb();
      },
    });
    const source = new ScenarioSource();
    registerEventSource(SOURCE_TYPE, () => source);
    const cfg = defaultConfig();
    cfg.objects = { dir: objDir, watch: true, debounceMs: 20, rescanIntervalMs: 1000 };
    cfg.verification = { mode: 'strict', trustPolicy: policyFile };
    cfg.sources = [{ type: SOURCE_TYPE }];
    cfg.queue.overflow = 'block'; // the demo waits for every event to be evaluated: none may be dropped
    cfg.sinks = [{ type: 'stdout' }];
    cfg.server.listen = '';
    cfg.stateDir = join(work, 'state');
    cfg.log.level = 'info';
    const agent = new Agent(cfg, { logger: pino({ level: 'info', base: { component: 'sbob-agent' } }, logStream), stdout: alertStream });

    let agentError: Error | undefined;
    let agentDone = false;
    /** Resolves once `pred` holds on the agent's state / logs / alerts (bounded poll, 2 ms steps), or fails. */
    const until = <T>(pred: () => T | undefined | false, what: string): Promise<T> => new Promise((resolve, reject) => {
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      const check = (): void => {
        const v = pred();
        if (v) { resolve(v); return; }
        if (agentError) { reject(new CliError(`demo: the agent failed while waiting for ${what}: ${agentError.message}`)); return; }
        if (agentDone) { reject(new CliError(`demo: the agent stopped (interrupted?) while waiting for ${what}`)); return; }
        if (Date.now() > deadline) {
          reject(new CliError(`demo: timed out after ${STEP_TIMEOUT_MS} ms waiting for ${what}\n${logs.slice(-8).map((l) => JSON.stringify(l)).join('\n')}`));
          return;
        }
        setTimeout(check, 2);
      };
      check();
    });

    const running = agent.run();
    running.then(() => { agentDone = true; }, (err: Error) => { agentError = err; });
    await until(() => logs.find((l) => l.msg === 'agent ready'), 'the agent to start');
    const loaded = logs.filter((l) => l.msg === 'profile loaded').map((l) => String(l.object));
    const rejected = logs.filter((l) => l.msg === 'object rejected');
    const rules = agent.engine.getRules();
    say(`  agent: loaded ${loaded.join(', ') || 'no profile'}; ${rules.length} rules (${rules.filter((r) => r.enabled).length} enabled)${rejected.length ? `; REJECTED: ${rejected.map((r) => `${String(r.object)} (${String(r.reason)})`).join('; ')}` : ''}`);
    if (!loaded.length || !rules.length) throw new CliError('demo: the agent did not load the demo SBoB and the rules (run with --verbose to see its logs)');
    say();

    let fed = 0;
    const feedLive = async (session: LiveSession, step: DemoStep): Promise<void> => {
      const alertsBefore = alerts.length;
      const evaluatedBefore = agent.engine.stats.events;
      const pushes: Array<Promise<void>> = [];
      const run = await session.run(step, liveConfig, (raw) => {
        const ev = { ...raw, ...LIVE_IDENTITY } as RuntimeEvent;
        if (notable(ev)) say(describeEvent(ev));
        pushes.push(source.push([ev]));
      });
      await Promise.all(pushes);
      await until(() => agent.engine.stats.events >= evaluatedBefore + run.events.length, `the agent to evaluate ${run.events.length} kernel events`);
      fed += run.events.length;
      say(`  (${run.events.length} kernel events: ${countByType(run.events)}${run.lost ? `; ${run.lost} LOST` : ''})`);
      for (const a of alerts.slice(alertsBefore)) say(formatAlert(a));
      if (alerts.length === alertsBefore) say(`  → ${agent.engine.stats.events - evaluatedBefore} events evaluated, no alert: everything is in the SBoB`);
    };
    const feed = async (step: DemoStep): Promise<void> => {
      if (live) return feedLive(live, step);
      const evs = scenario.filter((e) => e.demoStep === step);
      const alertsBefore = alerts.length;
      const evaluatedBefore = agent.engine.stats.events;
      for (const ev of evs) {
        say(describeEvent(ev));
        const before = alerts.length;
        const evaluated = agent.engine.stats.events;
        const { demoStep: _s, ...event } = ev;
        await source.push([event as RuntimeEvent]);
        await until(() => agent.engine.stats.events > evaluated, `the agent to evaluate event ${fed + 1}`);
        fed++;
        for (const a of alerts.slice(before)) say(formatAlert(a));
      }
      if (alerts.length === alertsBefore) say(`  → ${agent.engine.stats.events - evaluatedBefore} events evaluated, no alert: everything is in the SBoB`);
    };

    say('[2] normal behaviour of greeter');
    await feed('normal');
    say();
    say('[3] the attack');
    await feed('attack');
    say();

    // --- the tampered update: replace the profile file atomically; wait for the agent's verdict
    const allowed = live ? live.afterBinary : '/usr/bin/curl';
    say(`[4] a tampered profile update: ${PROFILE_FILE} is replaced by ${live ? 'a tampered copy' : rel(tamperedFile)}`);
    say(`    (the signed profile with ${allowed} added to its execs after signing, not re-signed)`);
    const alertsBefore = alerts.length;
    const staged = join(work, `${PROFILE_FILE}.new`);
    copyFileSync(tamperedFile, staged);
    renameSync(staged, join(objDir, PROFILE_FILE));
    const verdict = await until(
      () => logs.find((l) => l.msg.startsWith('object update rejected') || (l.msg === 'profile loaded' && loaded.length < logs.filter((x) => x.msg === 'profile loaded').length)),
      'the agent to verify the profile update',
    );
    const tamperRejected = verdict.msg.startsWith('object update rejected');
    if (!tamperRejected) throw new CliError(`demo: the agent ACCEPTED the tampered profile (${JSON.stringify(verdict)})`);
    say(`  tampered profile update rejected: ${String(verdict.reason)}`);
    say(`  the last verified ${String(verdict.object)} stays in force`);
    await until(() => alerts.slice(alertsBefore).some((a) => a.ruleID === 'R1016'), 'the R1016 alert');
    for (const a of alerts.slice(alertsBefore)) say(formatAlert(a));
    say();

    say(`[5] after the rejected update: ${basename(allowed)} runs (the tampered profile would allow it, the verified one does not)`);
    await feed('after-update');
    say();

    source.end();
    const code = await running;
    if (code !== 0) throw new CliError(`demo: the agent stopped with status ${code}`);
    const byRule = new Map<string, number>();
    for (const a of alerts) byRule.set(a.ruleID, (byRule.get(a.ruleID) ?? 0) + 1);
    say(`done: ${fed} ${live ? 'kernel events traced' : 'events replayed'}, ${alerts.length} alerts (${[...byRule].map(([id, n]) => (n > 1 ? `${id} ×${n}` : id)).join(', ')}); agent stopped`);
    if (!opts.verbose) say('(the agent\'s JSON logs are hidden; `sbob demo --verbose` shows them on stderr)');
    return { alerts, events: fed, tamperRejected, mode: live ? 'live' : 'replay' };
  } finally {
    await live?.close().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the node agent on the embedded example (examples/demo): a signed SBoB, the default rules, a scenario with an attack and a tampered profile update; prints the alerts readably')
    .option('--replay', 'replay the recorded scenario even when the kernel tracer could run the scenario live')
    .option('-v, --verbose', 'show the agent\'s JSON logs on stderr')
    .action(async (o: { replay?: boolean; verbose?: boolean }) => {
      await runDemo({ verbose: o.verbose === true, replay: o.replay === true });
    });
}
