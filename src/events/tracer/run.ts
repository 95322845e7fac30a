/**
 * Runs one command under a tracer and collects the events of its whole process tree. The command is
 * started behind a gate (`sh -c 'read _ <&3; exec "$@"'`) so that tracing is in place before its
 * first instruction: the gate's pid is followed, the tracer confirms, then the gate is released.
 */
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { RuntimeEvent } from '../types.ts';
import { KernelTracer } from './kernel.ts';
import { StraceSource } from './strace.ts';
import { stdioFor, type RunStdio } from './stdio.ts';

export type { RunStdio };

export interface RunTracedOptions {
  command: string[];
  /** `kernel` (bpftrace) or `strace` (ptrace, one process tree, no root needed) */
  backend?: 'kernel' | 'strace';
  /** a running tracer session to reuse (tree or all mode); otherwise one is started and stopped */
  tracer?: KernelTracer;
  /** called for each event as it arrives */
  onEvent?: (ev: RuntimeEvent) => void;
  /** the command's stdio; `stdout-to-stderr` keeps stdout free for sbob's own output */
  stdio?: RunStdio;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface TracedRun {
  backend: 'kernel' | 'strace';
  rootPid: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  events: RuntimeEvent[];
  /** events the tracer lost while this command ran */
  lost: number;
  stdout?: string;
  stderr?: string;
}

const GATE = 'read _ <&3; exec 3<&-; exec "$@"';

export async function runTraced(opts: RunTracedOptions): Promise<TracedRun> {
  if (opts.command.length === 0) throw new Error('no command given');
  if ((opts.backend ?? 'kernel') === 'strace') return runStrace(opts);
  const own = !opts.tracer;
  const tracer = opts.tracer ?? new KernelTracer({ mode: 'tree' });
  let startErr: unknown;
  if (own) {
    tracer.start(() => undefined).catch((e) => {
      startErr = e;
    });
  }
  try {
    await tracer.ready();
  } catch (e) {
    throw startErr ?? e;
  }
  const lostBefore = tracer.stats().lost;
  const events: RuntimeEvent[] = [];
  const stdio = opts.stdio ?? 'inherit';
  const child = spawn('/bin/sh', ['-c', GATE, 'sbob-gate', ...opts.command], {
    stdio: [...stdioFor(stdio), 'pipe'],
    cwd: opts.cwd,
    env: opts.env,
  });
  const rootPid = child.pid!;
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', reject);
  });
  const unsubscribe = tracer.subscribe((ev) => {
    if (ev.tracerRoot !== rootPid) return;
    events.push(ev);
    opts.onEvent?.(ev);
  });
  // Ctrl-C at the terminal reaches the command (same process group); keep running to collect its events
  const onSigint = () => undefined;
  if (stdio !== 'pipe' && stdio !== 'ignore') process.on('SIGINT', onSigint);
  try {
    await tracer.follow(rootPid);
    (child.stdio[3] as Writable).end('go\n');
    const { code, signal } = await exited;
    await tracer.sync();
    return {
      backend: 'kernel', rootPid, exitCode: code, signal, events, lost: tracer.stats().lost - lostBefore,
      ...(stdio === 'pipe' ? { stdout, stderr } : {}),
    };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
    unsubscribe();
    tracer.release(rootPid);
    if (own) await tracer.stop();
  }
}

async function runStrace(opts: RunTracedOptions): Promise<TracedRun> {
  const src = new StraceSource({ command: opts.command, stdio: opts.stdio ?? 'inherit', cwd: opts.cwd, env: opts.env });
  const events: RuntimeEvent[] = [];
  const onSigint = () => undefined;
  if (opts.stdio !== 'pipe' && opts.stdio !== 'ignore') process.on('SIGINT', onSigint);
  try {
    await src.start((ev) => {
      events.push(ev);
      opts.onEvent?.(ev);
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const r = src.result();
  return {
    backend: 'strace', rootPid: r.rootPid, exitCode: r.exitCode, signal: r.signal, events, lost: src.stats().lost,
    ...(opts.stdio === 'pipe' ? { stdout: r.stdout, stderr: r.stderr } : {}),
  };
}
