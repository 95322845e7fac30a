/**
 * The kernel event source: runs the shipped bpftrace script as a child process and turns its output
 * into RuntimeEvents. Modes: `all` traces every process on the host (the agent); `tree` traces only
 * process trees announced with `follow(pid)` (record/watch), which keeps the event rate down.
 *
 * Markers: the script watches getpriority(PRIO_PROCESS, who) for `who` in a magic range; `follow()`
 * and `sync()` issue such calls from this process (os.getPriority) and wait for the tracer to echo
 * them, which proves the probes are attached and, for sync, that earlier events were delivered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EmitFn, EventSource, EventSourceStats } from '../source.ts';
import type { RuntimeEvent } from '../types.ts';
import { Assembler, type AssemblerOptions } from './assemble.ts';
import { TracerError, TracerUnavailableError } from './errors.ts';
import { preflight } from './preflight.ts';
import { hostProcReader } from './procfs.ts';
import { parseTracerLine } from './records.ts';
import { loadScript, tracefsTracepointExists } from './script.ts';

export const MAGIC_BASE = 0x7e000000;
const FOLLOW_OFFSET = 0x400000;

export interface KernelTracerOptions extends AssemblerOptions {
  mode?: 'all' | 'tree';
  bpftrace?: string;
  /** max string length bpftrace copies (paths, args); bpftrace 0.17 allows up to 200 */
  strlen?: number;
  /** how long start may take (bpftrace compiles the script first) */
  startTimeoutMs?: number;
  /** called with bpftrace's stderr lines that are not known noise */
  onStderr?: (line: string) => void;
}

export interface KernelTracerStats extends EventSourceStats {
  /** events delivered to emit */
  events: number;
  /** records read from bpftrace */
  records: number;
  /** records that did not parse */
  malformed: number;
  /** tracepoints the kernel lacks (their event types are not produced) */
  missingProbes: string[];
  attachedProbes: number;
}

const STDERR_NOISE = [/couldn't set RLIMIT_MEMLOCK/, /Addrspace mismatch/, /^\s*if \(\$proto/, /^\s*~+\s*$/];

export class KernelTracer implements EventSource {
  readonly name = 'kernel';
  readonly mode: 'all' | 'tree';
  readonly assembler: Assembler;
  private child?: ChildProcess;
  private emit?: EmitFn;
  private readonly opts: KernelTracerOptions;
  private lost = 0;
  private records = 0;
  private events = 0;
  private attached = 0;
  private missing: string[] = [];
  private readyResolve?: () => void;
  private readyReject?: (e: Error) => void;
  private readonly readyPromise: Promise<void>;
  private readonly waiters = new Map<string, () => void>();
  private nextMark = 1;
  private stopping = false;
  private stderrTail: string[] = [];
  private ended?: Promise<void>;
  private tmp?: string;
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();
  private readonly ignored = new Set<number>();

  constructor(opts: KernelTracerOptions = {}) {
    this.opts = opts;
    this.mode = opts.mode ?? 'all';
    this.assembler = new Assembler({ proc: hostProcReader(), ...opts });
    this.readyPromise = new Promise<void>((res, rej) => {
      this.readyResolve = res;
      this.readyReject = rej;
    });
    this.readyPromise.catch(() => undefined);
  }

  /** Resolves once the probes are attached. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  /** Extra observer of every event (used by record/watch to route events by root). */
  subscribe(fn: (ev: RuntimeEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  stats(): KernelTracerStats {
    return {
      lost: this.lost, events: this.events, records: this.records, malformed: this.assembler.malformed,
      missingProbes: this.missing, attachedProbes: this.attached,
    };
  }

  start(emit: EmitFn): Promise<void> {
    if (this.ended) throw new TracerError('tracer already started');
    this.emit = emit;
    const pf = preflight({ bpftrace: this.opts.bpftrace });
    if (!pf.ok) {
      const err = new TracerUnavailableError(pf.reasons);
      this.readyReject?.(err);
      return Promise.reject(err);
    }
    const script = loadScript(tracefsTracepointExists(pf.tracefs));
    this.missing = script.missing;
    this.tmp = mkdtempSync(join(tmpdir(), 'sbob-tracer-'));
    const file = join(this.tmp, 'sbob.bt');
    writeFileSync(file, script.text);
    const strlen = Math.min(200, Math.max(32, this.opts.strlen ?? 200));
    const child = spawn(pf.bpftrace!, ['-f', 'json', file, this.mode === 'tree' ? '1' : '0', String(MAGIC_BASE)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // its own process group: Ctrl-C at the terminal stops the traced command, not the tracer
      // (record/watch still need it to collect the last events); stop() and process exit end it
      detached: true,
      env: {
        ...process.env,
        BPFTRACE_STRLEN: String(strlen),
        BPFTRACE_MAP_KEYS_MAX: '65536',
        BPFTRACE_PERF_RB_PAGES: process.env.BPFTRACE_PERF_RB_PAGES ?? '1024',
      },
    });
    this.child = child;
    const killOnExit = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const timeout = setTimeout(() => {
      this.readyReject?.(new TracerError(`bpftrace did not attach within ${(this.opts.startTimeoutMs ?? 60000) / 1000}s${this.stderrSummary()}`));
      child.kill('SIGKILL');
    }, this.opts.startTimeoutMs ?? 60000);
    const out = createInterface({ input: child.stdout! });
    out.on('line', (line) => this.onLine(line));
    const errLines = createInterface({ input: child.stderr! });
    errLines.on('line', (line) => {
      if (STDERR_NOISE.some((re) => re.test(line))) return;
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
      this.opts.onStderr?.(line);
    });
    this.ended = new Promise<void>((resolve, reject) => {
      let outClosed = false;
      let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      const finish = () => {
        if (!outClosed || !exitInfo) return;
        clearTimeout(timeout);
        if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
        const { code, signal } = exitInfo;
        if (this.stopping || code === 0) {
          resolve();
        } else {
          const err = new TracerError(`bpftrace exited (${signal ?? `code ${code}`})${this.stderrSummary()}`);
          this.readyReject?.(err);
          reject(err);
        }
      };
      out.on('close', () => {
        outClosed = true;
        finish();
      });
      child.on('exit', (code, signal) => {
        exitInfo = { code, signal };
        finish();
      });
      child.on('error', (e) => {
        this.readyReject?.(e);
        reject(e);
      });
    });
    this.ended.catch(() => undefined);
    return this.ended;
  }

  private stderrSummary(): string {
    return this.stderrTail.length ? `:\n${this.stderrTail.join('\n')}` : '';
  }

  private onLine(line: string): void {
    const parsed = parseTracerLine(line);
    if (!parsed) return;
    if (parsed.kind === 'lost') {
      this.lost += parsed.count;
      return;
    }
    if (parsed.kind === 'attached') {
      this.attached = parsed.probes;
      return;
    }
    if (parsed.kind !== 'record') return;
    this.records++;
    const { tag, fields } = parsed;
    if (tag === 'READY') {
      // the tracer's own processes (bpftrace, this Node process) are not reported
      this.ignored.add(Number(fields[0]));
      this.ignored.add(process.pid);
      this.readyResolve?.();
      return;
    }
    if (tag === 'F') {
      const root = Number(fields[1]);
      this.assembler.follow(root);
      this.waiters.get(`F${root}`)?.();
      return;
    }
    if (tag === 'M') {
      this.waiters.get(`M${Number(fields[1])}`)?.();
      return;
    }
    for (const ev of this.assembler.handle(tag, fields)) {
      if (this.ignored.has(ev.pid ?? -1)) continue;
      this.events++;
      for (const l of this.listeners) l(ev);
      void this.emit?.(ev);
    }
  }

  private signal(who: number): void {
    try {
      getPriority(who);
    } catch {
      /* ESRCH is expected: no such process */
    }
  }

  private waitFor(key: string, trigger: () => void, timeoutMs = 10000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        clearInterval(retry);
        this.waiters.delete(key);
        reject(new TracerError(`the tracer did not confirm ${key} within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      // the marker is re-sent until seen (the first one may precede attachment)
      const retry = setInterval(trigger, 250);
      this.waiters.set(key, () => {
        clearTimeout(timer);
        clearInterval(retry);
        this.waiters.delete(key);
        resolve();
      });
      trigger();
    });
  }

  /** Starts following `pid` and its future descendants; resolves once the kernel side tracks it. */
  async follow(pid: number): Promise<void> {
    await this.ready();
    if (pid <= 0 || pid >= FOLLOW_OFFSET) throw new TracerError(`cannot follow pid ${pid}`);
    await this.waitFor(`F${pid}`, () => this.signal(MAGIC_BASE + FOLLOW_OFFSET + pid));
  }

  /** Stops routing events of a finished root and frees its state. */
  release(pid: number): void {
    this.assembler.release(pid);
  }

  /**
   * Resolves when every event the kernel produced before this call has been delivered: two markers
   * in a row (per-CPU buffers are drained in an arbitrary order within one poll).
   */
  async sync(): Promise<void> {
    await this.ready();
    for (let i = 0; i < 2; i++) {
      const id = this.nextMark++ % FOLLOW_OFFSET || this.nextMark++;
      await this.waitFor(`M${id}`, () => this.signal(MAGIC_BASE + id));
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      await this.ended?.catch(() => undefined);
      return;
    }
    child.kill('SIGINT');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.ended?.catch(() => undefined);
    clearTimeout(killTimer);
  }
}
