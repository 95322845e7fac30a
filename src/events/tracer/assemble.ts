/**
 * Turns tracer records (records.ts) into RuntimeEvents. Keeps a process table (comm, parent, cwd,
 * exec path, container) built from fork/exec/chdir/exit records, with /proc as a fallback for
 * processes that started before the tracer, and routes every event to the followed root it belongs
 * to (`tracerRoot`).
 */
import type { RuntimeEvent } from '../types.ts';
import { containerFromCgroupPath, containerFromProcCgroup } from './cgroup.ts';
import {
  capabilityName, decodeBpftraceBuffer, decodeOpenFlags, dnsQuestionName, dnsResponse, normalizePath, resolvePath,
  VM_ACCOUNTING_SYSCALLS,
} from './flags.ts';
import { nullProcReader, type ProcReader } from './procfs.ts';
import { normalizeFields } from './records.ts';
import { syscallName } from './syscalls.ts';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  pcomm?: string;
  uid?: number;
  exepath?: string;
  args?: string[];
  cwd?: string;
  containerId: string;
  runtime?: string;
  kubernetes?: boolean;
  root?: number;
  hasTty?: boolean;
  ttyMajor?: number;
  ttyMinor?: number;
  /** the executable lives in an overlayfs upper layer (written after the container started) */
  upper?: boolean;
}

export interface AssemblerOptions {
  proc?: ProcReader;
  now?: () => string;
  /** Emit capability checks the kernel makes for memory accounting (CAP_SYS_ADMIN on mmap/brk/execve). */
  keepVmAccountingCaps?: boolean;
}

const AT_FDCWD = -100;
const PTRACE_NAMES: Record<number, string> = { 0: 'PTRACE_TRACEME', 4: 'PTRACE_POKETEXT', 5: 'PTRACE_POKEDATA', 13: 'PTRACE_SETREGS', 16: 'PTRACE_ATTACH', 0x4206: 'PTRACE_SEIZE' };

export class Assembler {
  readonly procs = new Map<number, ProcessInfo>();
  private readonly pendingArgs = new Map<number, string[]>();
  private readonly pendingExec = new Map<number, { fields: string[]; cgLeaf?: string; cgV1Leaf?: string; done?: RuntimeEvent }>();
  private readonly pendingLink = new Map<number, { kind: number; oldPath: string }>();
  private readonly syscallSeen = new Map<string, Set<string>>();
  private readonly dnsSeen = new Map<string, number>();
  /** address → DNS name it was resolved from (from responses), per container/host */
  private readonly resolved = new Map<string, string>();
  private readonly proc: ProcReader;
  private readonly now: () => string;
  private readonly keepVmCaps: boolean;
  /** Records that did not match their expected shape. */
  malformed = 0;

  constructor(opts: AssemblerOptions = {}) {
    this.proc = opts.proc ?? nullProcReader;
    this.now = opts.now ?? (() => new Date().toISOString());
    this.keepVmCaps = opts.keepVmAccountingCaps ?? false;
  }

  /** Starts following `root` (and everything it forks from now on). */
  follow(root: number): void {
    const p = this.ensure(root, 0, '');
    p.root = root;
    const cwd = this.proc.cwd(root);
    if (cwd) p.cwd = cwd;
    this.attribute(p, undefined);
  }

  /** Forgets per-root state once a followed command is done. */
  release(root: number): void {
    this.syscallSeen.delete(`root:${root}`);
    for (const [pid, p] of this.procs) if (p.root === root) this.procs.delete(pid);
  }

  private ensure(pid: number, ppid: number, comm: string): ProcessInfo {
    let p = this.procs.get(pid);
    if (p) {
      if (comm && !p.comm) p.comm = comm;
      if (ppid && !p.ppid) p.ppid = ppid;
      return p;
    }
    const parent = ppid ? this.procs.get(ppid) : undefined;
    p = { pid, ppid, comm, containerId: '' };
    if (parent) {
      p.pcomm = parent.comm;
      p.cwd = parent.cwd;
      p.containerId = parent.containerId;
      p.runtime = parent.runtime;
      p.kubernetes = parent.kubernetes;
      p.root = parent.root;
      p.uid = parent.uid;
    }
    if (!parent || p.root === undefined) {
      // a process that started before we saw it: ask /proc once
      const cwd = this.proc.cwd(pid);
      if (cwd) p.cwd = cwd;
      if (!parent) {
        const exe = this.proc.exe(pid);
        if (exe) p.exepath = exe;
        this.attribute(p, undefined);
      }
    }
    if (this.procs.size > 65536) this.evictSome();
    this.procs.set(pid, p);
    return p;
  }

  private evictSome(): void {
    let n = 0;
    for (const pid of this.procs.keys()) {
      this.procs.delete(pid);
      if (++n >= 8192) break;
    }
  }

  /** Container attribution: kernel cgroup leaf first, then /proc/<pid>/cgroup, else keep inherited. */
  private attribute(p: ProcessInfo, cgLeaf: string | undefined, cgV1Leaf?: string): void {
    const fromLeaf = (cgLeaf ? containerFromCgroupPath(cgLeaf) : undefined) ?? (cgV1Leaf ? containerFromCgroupPath(cgV1Leaf) : undefined);
    if (fromLeaf) {
      p.containerId = fromLeaf.containerId;
      p.runtime = fromLeaf.runtime;
      p.kubernetes = fromLeaf.kubernetes;
      return;
    }
    const text = this.proc.cgroup(p.pid);
    if (text !== undefined) {
      const c = containerFromProcCgroup(text);
      p.containerId = c?.containerId ?? '';
      p.runtime = c?.runtime;
      p.kubernetes = c?.kubernetes;
    }
  }

  private base(p: ProcessInfo, eventType: string): RuntimeEvent {
    const ev: RuntimeEvent = {
      eventType,
      timestamp: this.now(),
      pid: p.pid,
      ppid: p.ppid,
      comm: p.comm,
      pcomm: p.pcomm ?? this.procs.get(p.ppid)?.comm ?? '',
      uid: p.uid ?? 0,
      containerId: p.containerId,
    };
    ev.context = p.containerId === '' ? 'host' : p.kubernetes ? 'kubernetes' : 'standalone';
    if (p.root !== undefined) ev.tracerRoot = p.root;
    return ev;
  }

  /** Header h = pid tid ppid comm → process entry. */
  private fromHeader(f: string[]): ProcessInfo {
    const pid = Number(f[0]);
    const ppid = Number(f[2]);
    const comm = f[3] ?? '';
    const p = this.ensure(pid, ppid, comm);
    if (comm) p.comm = comm;
    if (ppid && p.ppid !== ppid) {
      // reparented (parent exited): keep the root, update the parent
      p.ppid = ppid;
      p.pcomm = this.procs.get(ppid)?.comm ?? p.pcomm;
    }
    return p;
  }

  /** Processes one record; returns the events it completes. */
  handle(tag: string, raw: string[]): RuntimeEvent[] {
    const f = normalizeFields(tag, raw);
    if (!f) {
      this.malformed++;
      return [];
    }
    switch (tag) {
      case 'K': {
        const parent = this.ensure(Number(f[0]), 0, f[3] ?? '');
        const child = Number(f[2]);
        if (child === parent.pid) return [];
        const existing = this.procs.get(child);
        if (existing) this.procs.delete(child);
        this.procs.set(child, {
          pid: child, ppid: parent.pid, comm: parent.comm, pcomm: parent.pcomm, cwd: parent.cwd, uid: parent.uid,
          exepath: parent.exepath, args: parent.args, containerId: parent.containerId, runtime: parent.runtime, kubernetes: parent.kubernetes,
          // a fork record can be read after the child was followed (per-CPU buffers): keep its root
          root: parent.root ?? existing?.root, upper: parent.upper, hasTty: parent.hasTty, ttyMajor: parent.ttyMajor, ttyMinor: parent.ttyMinor,
        });
        return [];
      }
      case 'Q':
        this.procs.delete(Number(f[0]));
        return [];
      case 'A': {
        const tid = Number(f[0]);
        const idx = Number(f[1]);
        if (idx === 0) this.pendingArgs.set(tid, [f[2]!]);
        else {
          const list = this.pendingArgs.get(tid);
          if (list && list.length === idx) list.push(f[2]!);
        }
        return [];
      }
      case 'E': {
        // an exec still waiting for its EA record is emitted as it is
        const prev = this.pendingExec.get(Number(f[0]));
        this.pendingExec.set(Number(f[0]), { fields: f });
        return prev?.done ? [prev.done] : [];
      }
      case 'EC': {
        const pe = this.pendingExec.get(Number(f[0]));
        if (pe) pe.cgLeaf = f[1];
        return [];
      }
      case 'EV': {
        const pe = this.pendingExec.get(Number(f[0]));
        if (pe) pe.cgV1Leaf = f[1];
        return [];
      }
      case 'EF': {
        // wait for the EA record of the same exec (written right after, by the next probe)
        const pid = Number(f[0]);
        const ev = this.exec(pid, f[1]!);
        if (ev.length === 0) return [];
        this.pendingExec.set(pid, { fields: [], done: ev[0] });
        return [];
      }
      case 'EA': {
        const pid = Number(f[0]);
        const pe = this.pendingExec.get(pid);
        if (!pe?.done) return [];
        this.pendingExec.delete(pid);
        const ev = pe.done;
        ev.args = chooseArgs(ev.args ?? [], Number(f[1]), f[2]!);
        const p = this.procs.get(pid);
        if (p) p.args = ev.args;
        return [ev];
      }
      case 'D': {
        const p = this.ensure(Number(f[0]), 0, '');
        p.cwd = resolvePath(p.cwd, f[1]!);
        return [];
      }
      case 'DF': {
        const p = this.ensure(Number(f[0]), 0, '');
        const cwd = this.proc.cwd(p.pid);
        if (cwd) p.cwd = cwd;
        return [];
      }
      case 'O': {
        const p = this.fromHeader(f);
        const flagsRaw = Number(f[4]);
        const dfd = Number(f[5]);
        const path = this.resolveAt(p, dfd, f[6]!);
        const ev = this.base(p, 'open');
        ev.path = path;
        ev.flagsRaw = flagsRaw;
        ev.flags = decodeOpenFlags(flagsRaw);
        return [ev];
      }
      case 'LO':
        this.pendingLink.set(Number(f[0]), { kind: Number(f[1]), oldPath: f[2]! });
        return [];
      case 'LN': {
        const p = this.fromHeader(f);
        const pend = this.pendingLink.get(Number(f[1]));
        this.pendingLink.delete(Number(f[1]));
        if (!pend) return [];
        const ev = this.base(p, pend.kind === 1 ? 'symlink' : 'hardlink');
        // a symlink's target is stored verbatim; resolve it like the kernel would for display
        ev.oldPath = resolvePath(p.cwd, pend.oldPath);
        ev.newPath = resolvePath(p.cwd, f[4]!);
        ev.exepath = p.exepath ?? '';
        ev.upperlayer = p.upper === true;
        return [ev];
      }
      case 'C': {
        const p = this.fromHeader(f);
        const proto = protoName(Number(f[5]));
        const ev = this.base(p, 'network');
        ev.dstAddr = unmapV4(f[7]!);
        ev.dstPort = Number(f[6]);
        ev.proto = proto;
        ev.pktType = 'OUTGOING';
        ev.direction = 'outbound';
        const dnsName = this.resolved.get(`${p.containerId}\u0000${ev.dstAddr}`);
        if (dnsName) ev.dnsName = dnsName;
        return [ev];
      }
      case 'I': {
        const p = this.fromHeader(f);
        const ev = this.base(p, 'network');
        ev.dstAddr = unmapV4(f[7]!);
        ev.dstPort = Number(f[5]);
        ev.srcPort = Number(f[6]);
        ev.proto = protoName(Number(f[4]));
        ev.pktType = 'HOST';
        ev.direction = 'inbound';
        return [ev];
      }
      case 'N': {
        const p = this.fromHeader(f);
        const name = dnsQuestionName(decodeBpftraceBuffer(f[5]!));
        if (!name) return [];
        // A and AAAA queries for one lookup arrive together: report the name once per process/second
        const key = `${p.pid}\u0000${name}`;
        const t = Date.now();
        const last = this.dnsSeen.get(key);
        if (last !== undefined && t - last < 1000) return [];
        if (this.dnsSeen.size > 4096) this.dnsSeen.clear();
        this.dnsSeen.set(key, t);
        const ev = this.base(p, 'dns');
        ev.name = name;
        ev.dstPort = 53;
        ev.proto = 'UDP';
        ev.cwd = p.cwd ?? '';
        ev.exepath = p.exepath ?? '';
        return [ev];
      }
      case 'NR': {
        const p = this.fromHeader(f);
        const len = Number(f[4]);
        const r = dnsResponse(decodeBpftraceBuffer(f[5]!).subarray(0, len));
        if (!r) return [];
        if (this.resolved.size > 8192) this.resolved.clear();
        for (const addr of r.addresses) this.resolved.set(`${p.containerId}\u0000${addr}`, r.name);
        return [];
      }
      case 'P': {
        const p = this.fromHeader(f);
        const sc = syscallName(Number(f[6]));
        const cap = capabilityName(Number(f[4]));
        if (!this.keepVmCaps && cap === 'CAP_SYS_ADMIN' && VM_ACCOUNTING_SYSCALLS.has(sc)) return [];
        const ev = this.base(p, 'capabilities');
        ev.capName = cap;
        ev.syscallName = sc;
        return [ev];
      }
      case 'T': {
        const p = this.fromHeader(f);
        const ev = this.base(p, 'ptrace');
        ev.exepath = p.exepath ?? '';
        ev.ptraceRequest = Number(f[4]);
        ev.ptraceRequestName = PTRACE_NAMES[Number(f[4])] ?? String(f[4]);
        ev.targetPid = Number(f[5]);
        return [ev];
      }
      case 'U': {
        const p = this.fromHeader(f);
        const ev = this.base(p, 'unshare');
        ev.exepath = p.exepath ?? '';
        ev.unshareFlags = Number(f[4]);
        ev.upperlayer = p.upper === true;
        return [ev];
      }
      case 'B': {
        const p = this.fromHeader(f);
        const ev = this.base(p, 'bpf');
        ev.exepath = p.exepath ?? '';
        ev.cmd = Number(f[4]);
        ev.attrSize = Number(f[5]);
        ev.upperlayer = p.upper === true;
        return [ev];
      }
      case 'MOD': {
        const p = this.fromHeader(f);
        const ev = this.base(p, 'kmod');
        ev.exepath = p.exepath ?? '';
        ev.syscallName = f[4]!;
        let module = f[6] ?? '';
        const fd = Number(f[5]);
        if (!module && fd >= 0) {
          const path = this.proc.fdPath(p.pid, fd);
          if (path) module = path.replace(/^.*\//, '').replace(/\.ko(\.[a-z]+)?$/, '');
        }
        ev.module = module;
        ev.upperlayer = p.upper === true;
        return [ev];
      }
      case 'IU': {
        const p = this.fromHeader(f);
        const ev = this.base(p, 'iouring');
        const opcode = Number(f[4]);
        const flags = Number(f[5]);
        ev.exepath = p.exepath ?? '';
        ev.opcode = opcode;
        ev.flagsRaw = flags;
        ev.flags = flags === 0 ? [] : [String(flags)];
        if (opcode < 0) ev.syscallName = 'io_uring_setup';
        return [ev];
      }
      case 'RX': {
        const p = this.fromHeader(f);
        const ev = this.base(p, 'randomx');
        ev.exepath = p.exepath ?? '';
        ev.mxcsr = Number(f[4]);
        return [ev];
      }
      case 'S': {
        const pid = Number(f[0]);
        const p = this.ensure(pid, Number(f[1]), f[3] ?? '');
        const name = syscallName(Number(f[2]));
        const group = p.root !== undefined ? `root:${p.root}` : p.containerId ? `c:${p.containerId}` : 'host';
        let seen = this.syscallSeen.get(group);
        if (!seen) this.syscallSeen.set(group, (seen = new Set()));
        if (seen.has(name)) return [];
        seen.add(name);
        const ev = this.base(p, 'syscall');
        ev.syscallName = name;
        return [ev];
      }
      default:
        return [];
    }
  }

  private resolveAt(p: ProcessInfo, dfd: number, path: string): string {
    if (path.startsWith('/')) return normalizePath(path);
    if (dfd === AT_FDCWD) {
      if (!p.cwd) {
        const cwd = this.proc.cwd(p.pid);
        if (cwd) p.cwd = cwd;
      }
      return resolvePath(p.cwd, path);
    }
    const dir = this.proc.fdPath(p.pid, dfd);
    return resolvePath(dir, path);
  }

  private exec(pid: number, filename: string): RuntimeEvent[] {
    const pe = this.pendingExec.get(pid);
    this.pendingExec.delete(pid);
    if (!pe) return [];
    const f = pe.fields;
    const oldTid = Number(f[1]);
    const ppid = Number(f[2]);
    const args = this.pendingArgs.get(oldTid) ?? [];
    this.pendingArgs.delete(oldTid);
    const p = this.ensure(pid, ppid, f[4] ?? '');
    p.ppid = ppid;
    p.comm = f[4] ?? p.comm;
    p.pcomm = f[5] || p.pcomm;
    p.uid = Number(f[3]);
    const ttyMajor = Number(f[6]);
    const ttyMinor = Number(f[7]);
    p.hasTty = ttyMajor !== 0;
    p.ttyMajor = ttyMajor;
    p.ttyMinor = ttyMinor;
    let exepath = resolvePath(p.cwd, filename);
    this.attribute(p, pe.cgLeaf, pe.cgV1Leaf);
    if (p.containerId === '') exepath = this.proc.realpath(exepath) ?? exepath;
    p.exepath = exepath;
    p.args = args;
    const ev = this.base(p, 'exec');
    ev.exepath = exepath;
    ev.args = args;
    ev.cwd = p.cwd ?? '';
    ev.hasTty = p.hasTty;
    ev.ttyMajor = ttyMajor;
    ev.ttyMinor = ttyMinor;
    p.upper = f[9] === '1';
    ev.upperlayer = p.upper;
    ev.pupperlayer = f[10] === '1';
    return [ev];
  }
}

const EA_MAX = 200;

/**
 * The exec's argv: the argv area read at exec time is exact when it fits in EA_MAX bytes; otherwise
 * the per-argument records (up to 64 args of 199 bytes) are used when they belong to this exec (same
 * argv[0]), else the truncated argv area.
 */
export function chooseArgs(fromRecords: string[], argLen: number, rendered: string): string[] {
  const bytes = decodeBpftraceBuffer(rendered).subarray(0, Math.max(0, Math.min(argLen, EA_MAX)));
  const parts = Buffer.from(bytes).toString('utf8').split('\0');
  if (parts.length && parts[parts.length - 1] === '') parts.pop();
  if (argLen > 0 && argLen <= EA_MAX) return parts;
  if (fromRecords.length && (parts.length === 0 || fromRecords[0] === parts[0])) return fromRecords;
  return parts.length ? parts : fromRecords;
}

function protoName(n: number): string {
  return n === 6 ? 'TCP' : n === 17 ? 'UDP' : '';
}

/** `::ffff:1.2.3.4` → `1.2.3.4` (dstAddr is IPv4 dotted quad where possible). */
function unmapV4(addr: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  return m ? m[1]! : addr;
}
