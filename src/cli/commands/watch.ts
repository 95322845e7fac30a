/**
 * `sbob watch`: run CMD under detection with a profile; alerts are printed as they happen and the
 * exit status is 1 when any alert fired (docs/tracer.md).
 */
import type { Command } from 'commander';
import type { RuntimeAlert } from '../../alerts/index.ts';
import { normalizeEvent, type RuntimeEvent } from '../../events/index.ts';
import { runTraced, TracerUnavailableError, type KernelTracer, type TracedRun } from '../../events/tracer/index.ts';
import type { RuleEngine } from '../../rules/index.ts';
import type { ProfileObject } from '../../model/index.ts';
import { CliError } from '../errors.ts';
import { engineFromFiles, loadKinds } from '../load.ts';
import { chooseBackend } from './record.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export interface WatchIdentity {
  containerName: string;
  namespace: string;
  podName: string;
}

/** The synthetic pod/container a watched command runs as, taken from the profile objects. */
export function identityFromProfiles(objs: ProfileObject[], over: { containerName?: string; namespace?: string }): WatchIdentity {
  const first = objs[0];
  if (!first) throw new CliError('--profile: no ApplicationProfile, NetworkNeighborhood or ContainerProfile found');
  let containerName = over.containerName;
  if (!containerName) {
    for (const o of objs) {
      const spec = (o.spec ?? {}) as Record<string, unknown>;
      const list = (spec.containers ?? spec.initContainers ?? spec.ephemeralContainers) as Array<{ name?: string }> | undefined;
      if (Array.isArray(list) && list[0]?.name) {
        containerName = list[0].name;
        break;
      }
    }
    containerName ??= first.metadata.name;
  }
  const namespace = over.namespace ?? first.metadata.namespace ?? 'default';
  const workload = first.metadata.labels?.['kubescape.io/workload-name'];
  return { containerName, namespace, podName: workload ?? 'sbob-watch' };
}

export function formatAlert(a: RuntimeAlert): string {
  const ev = (a.event ?? {}) as Record<string, unknown>;
  return `ALERT ${a.ruleID} ${a.alertName} (severity ${a.severity}): ${a.message} [pid ${String(ev.pid ?? a.infectedPID)} ${String(ev.comm ?? '')}]`;
}

export interface WatchCommandOptions {
  command: string[];
  engine: RuleEngine;
  identity: WatchIdentity;
  backend?: 'kernel' | 'strace';
  /** a running tracer session to reuse */
  tracer?: KernelTracer;
  onAlert?: (a: RuntimeAlert) => void;
  stdio?: 'inherit' | 'ignore' | 'pipe';
}

export interface WatchResult {
  run: TracedRun;
  alerts: RuntimeAlert[];
}

/**
 * Runs a command under detection: every event of its process tree is given the synthetic identity
 * (container `host-<root pid>` in pod `identity.podName`), registered with the engine and evaluated.
 */
export async function watchCommand(opts: WatchCommandOptions): Promise<WatchResult> {
  const { engine, identity: id } = opts;
  const alerts: RuntimeAlert[] = [];
  let registered = -1;
  const onEvent = (raw: RuntimeEvent) => {
    const root = Number(raw.tracerRoot ?? 0);
    const containerId = `host-${root}`;
    if (registered !== root) {
      engine.registerContainer({ containerId, name: id.containerName, namespace: id.namespace, podName: id.podName });
      registered = root;
    }
    const ev = normalizeEvent({
      ...raw, containerId, containerName: id.containerName, namespace: id.namespace, podName: id.podName, context: 'kubernetes',
    });
    for (const a of engine.evaluate(ev)) {
      alerts.push(a);
      opts.onAlert?.(a);
    }
  };
  const run = await runTraced({ command: opts.command, backend: opts.backend, tracer: opts.tracer, onEvent, stdio: opts.stdio });
  if (registered >= 0) engine.removeContainer(`host-${registered}`);
  return { run, alerts };
}

interface WatchOpts {
  profile?: string[];
  rules?: string[];
  bindings?: string[];
  containerName?: string;
  namespace?: string;
  strace?: boolean;
  json?: boolean;
  cooldown: boolean;
}

export function register(program: Command): void {
  program
    .command('watch')
    .description('run CMD under detection with a profile; print alerts as they happen; exit status 1 when any alert fired')
    .argument('<cmd...>', 'the command to run (after --)')
    .requiredOption('--profile <file>', 'ApplicationProfile / NetworkNeighborhood / ContainerProfile file (repeatable), e.g. from sbob record', collect)
    .option('--rules <path>', 'Rules file or directory (repeatable; default: the built-in rules/ library)', collect)
    .option('--bindings <path>', 'RuntimeRuleAlertBinding file or directory (repeatable; default: every rule applies)', collect)
    .option('--container-name <name>', 'container name the command runs as (default: the profile\'s first container)')
    .option('--namespace <ns>', 'namespace the command runs in (default: the profile\'s namespace)')
    .option('--strace', 'use strace instead of the kernel tracer (alerts are printed when the command ends)')
    .option('--json', 'print alerts as JSON lines instead of one-line summaries')
    .option('--no-cooldown', 'report every firing (default: one alert per uniqueId per hour)')
    .action(async (cmd: string[], o: WatchOpts) => {
      const log = (s: string) => process.stderr.write(`${s}\n`);
      const profiles = loadKinds(o.profile ?? [], ['ApplicationProfile', 'NetworkNeighborhood', 'ContainerProfile'], '--profile');
      const id = identityFromProfiles(profiles.map((p) => p.object as ProfileObject), o);
      const engine = engineFromFiles(
        { rules: o.rules, profiles: o.profile, bindings: o.bindings },
        { cooldown: { disabled: !o.cooldown } },
      );
      for (const w of engine.loadWarnings) log(`sbob: warning: ${w}`);
      const backend = chooseBackend(o.strace === true, log);
      let res: WatchResult;
      try {
        res = await watchCommand({ command: cmd, engine, identity: id, backend, onAlert: (a) => log(o.json ? JSON.stringify(a) : formatAlert(a)) });
      } catch (e) {
        if (e instanceof TracerUnavailableError) throw new CliError(e.message);
        throw e;
      }
      const { run, alerts } = res;
      const fired = alerts.length;
      log(`sbob: watched ${run.events.length} events, ${fired} alert${fired === 1 ? '' : 's'}${run.lost ? `, ${run.lost} events LOST` : ''}; command exited with ${run.signal ?? `status ${run.exitCode}`}`);
      process.exitCode = fired > 0 ? 1 : 0;
    });
}
