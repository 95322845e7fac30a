/**
 * `sbob record`: run a command (or watch a running container) under the kernel tracer and write the
 * ApplicationProfile + NetworkNeighborhood of what it did (docs/tracer.md).
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { RuntimeEvent } from '../../events/index.ts';
import {
  KernelTracer, preflight, runTraced, straceAvailable, TracerUnavailableError, type TracedRun,
} from '../../events/tracer/index.ts';
import { buildProfiles, formatSummary, profilesToYaml } from '../../profile/record/index.ts';
import { CliError } from '../errors.ts';
import { engineFromFiles } from '../load.ts';

/** `5m`, `30s`, `1h`, `1500ms`, or plain seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new CliError(`--duration ${JSON.stringify(text)}: expected a number with unit ms, s, m or h (e.g. 5m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60000 : 3600000);
}

/** Picks the backend for a one-command run and explains a fallback. */
export function chooseBackend(wantStrace: boolean, log: (s: string) => void): 'kernel' | 'strace' {
  if (wantStrace) {
    if (!straceAvailable()) throw new CliError('--strace: strace not found on PATH; install it with `apt-get install -y strace`');
    return 'strace';
  }
  const pf = preflight();
  for (const a of pf.actions) log(`sbob: ${a}`);
  if (pf.ok) return 'kernel';
  if (straceAvailable()) {
    log(`sbob: the kernel tracer cannot run here, falling back to strace:\n${pf.reasons.map((r) => `  - ${r}`).join('\n')}`);
    return 'strace';
  }
  throw new CliError(`${new TracerUnavailableError(pf.reasons).message}\n  - strace (the fallback) is not installed either: \`apt-get install -y strace\``);
}

interface RecordOpts {
  output?: string;
  name?: string;
  namespace: string;
  containerName?: string;
  container?: string;
  duration?: string;
  strace?: boolean;
  literal?: boolean;
  events?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  program
    .command('record')
    .description('run CMD (or watch a running container) under the kernel tracer and write an ApplicationProfile and NetworkNeighborhood of what it did')
    .argument('[cmd...]', 'the command to run (after --)')
    .option('-o, --output <file>', 'write the profiles (multi-document YAML) here instead of stdout')
    .option('--name <name>', 'profile name (default: the command name, or container-<id>)')
    .option('--namespace <ns>', 'profile namespace', 'default')
    .option('--container-name <name>', 'container section name (default: the profile name)')
    .option('--container <id>', 'record a running container (id or unique prefix) instead of a command')
    .option('--duration <time>', 'with --container: how long to record (e.g. 30s, 5m)', '5m')
    .option('--strace', 'use strace instead of the kernel tracer (one command only, no root needed)')
    .option('--literal', 'keep literal values (no wildcards for PIDs, temp names, ephemeral ports; no collapsing)')
    .option('--events <file>', 'also write the raw events as NDJSON')
    .option('-q, --quiet', 'do not print the summary')
    .action(async (cmd: string[], o: RecordOpts) => {
      const log = (s: string) => process.stderr.write(`${s}\n`);
      let events: RuntimeEvent[];
      let lost = 0;
      let name = o.name;
      let command: string[] | undefined;
      if (o.container) {
        if (cmd.length) throw new CliError('give either --container ID or a command after --, not both');
        const id = o.container.replace(/^(containerd|docker|cri-o):\/\//, '').toLowerCase();
        if (!/^[0-9a-f]{4,64}$/.test(id)) throw new CliError(`--container ${JSON.stringify(o.container)}: expected a container id (hex, at least 4 characters)`);
        const ms = parseDuration(o.duration ?? '5m');
        const pf = preflight();
        if (!pf.ok) throw new CliError(new TracerUnavailableError(pf.reasons).message);
        name ??= `container-${id.slice(0, 12)}`;
        const r = await recordContainer(id, ms, log);
        events = r.events;
        lost = r.lost;
      } else {
        if (!cmd.length) throw new CliError('nothing to record: give a command after -- (sbob record -- CMD ARGS...) or --container ID');
        const backend = chooseBackend(o.strace === true, log);
        let run: TracedRun;
        try {
          run = await runTraced({ command: cmd, backend, stdio: o.output ? 'inherit' : 'stdout-to-stderr' });
        } catch (e) {
          if (e instanceof TracerUnavailableError) throw new CliError(e.message);
          throw e;
        }
        events = run.events;
        lost = run.lost;
        command = cmd;
        name ??= sanitizeName(basename(cmd[0]!));
        if (run.exitCode !== 0) log(`sbob: note: the command exited with ${run.signal ?? `status ${run.exitCode}`}`);
        if (backend === 'strace') log('sbob: recorded with strace: capabilities are not visible to strace and are missing from the profile');
      }
      // rule policies are learned with the default rule library's supportPolicy rules (R1010, R1012, R1030, ...)
      const learner = engineFromFiles({});
      const res = buildProfiles(events, {
        name: name!, namespace: o.namespace, containerName: o.containerName, lost, command, literal: o.literal === true,
        learnPolicies: (ev) => learner.learnPolicies(ev),
      });
      const yaml = profilesToYaml(res.applicationProfile, res.networkNeighborhood, [`recorded by sbob record${command ? `: ${JSON.stringify(command)}` : ` from container ${o.container}`}`]);
      if (o.output) writeFileSync(o.output, yaml);
      else process.stdout.write(yaml);
      if (o.events) writeFileSync(o.events, events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : ''));
      if (!o.quiet) for (const l of formatSummary(res.summary)) log(`sbob: ${l}`);
      if (o.output && !o.quiet) log(`sbob: wrote ${o.output}`);
    });
}

function sanitizeName(s: string): string {
  const n = s.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return n || 'recorded';
}

async function recordContainer(id: string, ms: number, log: (s: string) => void): Promise<{ events: RuntimeEvent[]; lost: number }> {
  const tracer = new KernelTracer({ mode: 'all' });
  const events: RuntimeEvent[] = [];
  tracer.subscribe((ev) => {
    if (ev.containerId && ev.containerId.startsWith(id)) events.push(ev);
  });
  const ended = tracer.start(() => undefined);
  ended.catch(() => undefined);
  try {
    await tracer.ready();
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  log(`sbob: recording container ${id} for ${ms / 1000}s (Ctrl-C to stop early)`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const onInt = () => {
      clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', onInt);
    ended.then(resolve, resolve);
  });
  await tracer.sync().catch(() => undefined);
  await tracer.stop();
  if (events.length === 0) log(`sbob: warning: no events were seen for container ${id} (is it running on this host?)`);
  return { events, lost: tracer.stats().lost };
}
