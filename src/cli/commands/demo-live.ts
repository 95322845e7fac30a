/**
 * The live variant of `sbob demo`: the scenario's process behaviour runs for real under the kernel
 * tracer (bpftrace). The stand-in workload is examples/demo/live/greeter.mjs, run by this Node
 * binary. Every run starts inside a private mount namespace (`unshare --mount`) where /run is a
 * fresh tmpfs holding a fake service-account token, so the token read touches nothing of the host;
 * the namespace is set up before the tracer follows the process (behind a gate), so only the
 * workload's own behaviour is traced. DNS queries go to a UDP listener of the demo on a loopback
 * address: nothing leaves the machine.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { RuntimeEvent } from '../../events/index.ts';
import { findExecutable, KernelTracer, preflight } from '../../events/tracer/index.ts';

/**
 * Loopback address the demo's DNS listener binds (port 53): any 127/8 address is local on Linux; one
 * per process (from the pid) so that demos running at the same time do not collide.
 */
export const DNS_ADDR = `127.83.${(process.pid >> 8) & 255}.${(process.pid & 255) || 1}`;

/**
 * System calls whose use depends on thread timing (lock contention, sleeps), not on what the
 * workload does: one recording may miss them, so they are added to the recorded profile.
 */
export const TIMING_SYSCALLS = ['sched_yield', 'futex', 'nanosleep', 'clock_nanosleep', 'restart_syscall'];
export const TOKEN_PATH = '/run/secrets/kubernetes.io/serviceaccount/token';
export type LivePhase = 'normal' | 'attack' | 'after-update';

const GATE = `mount -t tmpfs sbob-demo /run && mkdir -p ${TOKEN_PATH.slice(0, TOKEN_PATH.lastIndexOf('/'))} && echo sbob-demo-fake-token > ${TOKEN_PATH} || exit 97; `
  + 'echo ready >&4; exec 4>&-; read _ <&3; exec 3<&-; exec "$@"';

/** Why the live mode cannot run here ('' when it can, as far as can be checked without starting it). */
export function liveUnavailableReason(): string {
  const pf = preflight();
  const reasons = pf.ok ? [] : [...pf.reasons];
  if (!findExecutable('unshare')) reasons.push('`unshare` (util-linux) not found: the live scenario runs in a private mount namespace');
  return reasons.join('; ');
}

export interface LiveRun {
  events: RuntimeEvent[];
  exitCode: number | null;
  lost: number;
}

export class LiveSession {
  private constructor(readonly tracer: KernelTracer, private readonly dns: Socket, readonly greeter: string, readonly afterBinary: string, readonly dnsQueries: string[]) {}

  /** Starts the tracer and the DNS listener; throws (with the reason) when either cannot start. */
  static async start(demoDir: string): Promise<LiveSession> {
    const dns = createSocket('udp4');
    const queries: string[] = [];
    dns.on('message', (m) => { queries.push(qname(m)); });
    await new Promise<void>((resolve, reject) => {
      dns.once('error', (e) => reject(new Error(`cannot listen on ${DNS_ADDR}:53/udp for the demo's DNS queries: ${e.message}`)));
      dns.bind(53, DNS_ADDR, () => resolve());
    });
    const tracer = new KernelTracer({ mode: 'tree', startTimeoutMs: 20_000 });
    let startErr: Error | undefined;
    tracer.start(() => undefined).catch((e: Error) => { startErr = e; });
    try {
      await tracer.ready();
    } catch (e) {
      dns.close();
      throw startErr ?? e;
    }
    const after = ['curl', 'wget', 'uname'].map((b) => findExecutable(b)).find(Boolean) ?? '/usr/bin/uname';
    return new LiveSession(tracer, dns, join(demoDir, 'live', 'greeter.mjs'), realpathSync(after), queries);
  }

  /** Runs greeter in `phase` under the tracer; `onEvent` sees each of its events as it arrives. */
  async run(phase: LivePhase, configFile: string, onEvent: (ev: RuntimeEvent) => void): Promise<LiveRun> {
    const child = spawn('unshare', ['--mount', '--propagation', 'private', '/bin/sh', '-c', GATE, 'sbob-demo-gate', process.execPath, this.greeter], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', NODE_OPTIONS: '',
        SBOB_DEMO_PHASE: phase, SBOB_DEMO_DNS: `${DNS_ADDR}:53`, SBOB_DEMO_CONFIG: configFile, SBOB_DEMO_AFTER: this.afterBinary,
      },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.on('exit', (code) => resolve(code));
      child.on('error', reject);
    });
    const ready = new Promise<boolean>((resolve) => {
      (child.stdio[4] as Readable).once('data', () => resolve(true));
      void exited.then(() => resolve(false), () => resolve(false));
    });
    if (!(await ready)) {
      await exited.catch(() => undefined);
      throw new Error(`the live workload could not be prepared (private mount namespace with a fake token): ${stderr.trim() || 'setup failed'}`);
    }
    const root = child.pid!;
    const events: RuntimeEvent[] = [];
    const lostBefore = this.tracer.stats().lost;
    const unsubscribe = this.tracer.subscribe((ev) => {
      if (ev.tracerRoot !== root) return;
      events.push(ev);
      onEvent(ev);
    });
    try {
      await this.tracer.follow(root);
      (child.stdio[3] as Writable).end('go\n');
      const exitCode = await exited;
      await this.tracer.sync();
      if (exitCode !== 0) throw new Error(`the live workload (${phase}) exited with status ${exitCode}: ${stderr.trim()}`);
      return { events, exitCode, lost: this.tracer.stats().lost - lostBefore };
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    } finally {
      unsubscribe();
      this.tracer.release(root);
    }
  }

  async close(): Promise<void> {
    this.dns.close();
    await this.tracer.stop();
  }
}

/** The question name of a DNS query packet (for the output; '' when it does not parse). */
function qname(m: Buffer): string {
  const labels: string[] = [];
  let i = 12;
  while (i < m.length && m[i] !== 0 && labels.length < 64) {
    labels.push(m.subarray(i + 1, i + 1 + m[i]!).toString('latin1'));
    i += 1 + m[i]!;
  }
  return labels.join('.');
}
