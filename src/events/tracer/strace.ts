/**
 * Fallback event source for one command's process tree using strace (ptrace; no eBPF, no root for
 * one's own processes). strace writes to a file; it is parsed when the command has finished (events
 * are therefore delivered at the end, not live). Produces exec, open, network (connect/accept), dns
 * (UDP/53 payloads), symlink, hardlink, ptrace, unshare, bpf, kmod, iouring (setup) and syscall
 * events. Capability checks are invisible to strace.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { EmitFn, EventSource } from '../source.ts';
import type { RuntimeEvent } from '../types.ts';
import { decodeOpenFlags, dnsQuestionName, normalizePath, resolvePath } from './flags.ts';
import { findExecutable } from './preflight.ts';
import { stdioFor, type RunStdio } from './stdio.ts';

export function straceAvailable(): string | undefined {
  return findExecutable(process.env.SBOB_STRACE ?? 'strace');
}

/** One parsed strace line. */
export interface StraceCall {
  pid: number;
  name: string;
  args: string;
  ret: number;
  /** errno name when ret is -1 */
  errno?: string;
}

const OPEN_FLAG_VALUES: Record<string, number> = {
  O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 0o100, O_EXCL: 0o200, O_NOCTTY: 0o400, O_TRUNC: 0o1000,
  O_APPEND: 0o2000, O_NONBLOCK: 0o4000, O_DSYNC: 0o10000, O_SYNC: 0o4010000, O_ASYNC: 0o20000, O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000, O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000, O_NOATIME: 0o1000000, O_CLOEXEC: 0o2000000,
  O_PATH: 0o10000000, O_TMPFILE: 0o20200000,
};
const BPF_CMDS = ['BPF_MAP_CREATE', 'BPF_MAP_LOOKUP_ELEM', 'BPF_MAP_UPDATE_ELEM', 'BPF_MAP_DELETE_ELEM', 'BPF_MAP_GET_NEXT_KEY', 'BPF_PROG_LOAD'];

/** Open flags written symbolically by strace (`O_RDONLY|O_CLOEXEC`, possibly with a trailing number). */
export function parseOpenFlags(text: string): number {
  let v = 0;
  for (const part of text.split('|')) {
    const t = part.trim();
    if (t in OPEN_FLAG_VALUES) v |= OPEN_FLAG_VALUES[t]!;
    else if (/^0x[0-9a-f]+$/i.test(t)) v |= parseInt(t, 16);
    else if (/^0[0-7]*$/.test(t)) v |= parseInt(t, 8);
    else if (/^\d+$/.test(t)) v |= Number(t);
  }
  return v;
}

/** Decodes the C-escaped contents of a quoted strace string (`-xx` gives `\xHH` for every byte). */
export function decodeStraceString(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = s[++i];
    if (n === 'x') {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (n !== undefined && /[0-7]/.test(n)) {
      let j = i;
      while (j < i + 3 && /[0-7]/.test(s[j] ?? '')) j++;
      out.push(parseInt(s.slice(i, j), 8));
      i = j - 1;
    } else {
      const map: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, '\\': 92, '"': 34 };
      out.push(map[n ?? ''] ?? (n ?? '').charCodeAt(0));
    }
  }
  return Buffer.from(out);
}

/** Splits an argument list on top-level commas (quotes, brackets, braces and comments respected). */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      cur += s.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '/' && s[i + 1] === '*') {
      const end = s.indexOf('*/', i + 2);
      i = end < 0 ? s.length : end + 1;
      continue;
    }
    if (c === '[' || c === '{' || c === '(') depth++;
    if (c === ']' || c === '}' || c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** The strings inside a quoted argument (`"..."`, with a possible trailing `...` for truncation). */
export function quotedStrings(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out.push(decodeStraceString(m[1]!).toString('utf8'));
  return out;
}

/**
 * Parses strace `-f` output lines, joining `<unfinished ...>` / `<... resumed>` halves. Returns the
 * completed calls in order.
 */
export class StraceLineParser {
  private readonly unfinished = new Map<number, string>();

  push(line: string): StraceCall | undefined {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) return undefined;
    const pid = Number(m[1]);
    let rest = m[2]!;
    if (rest.startsWith('+++') || rest.startsWith('---')) return undefined;
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/.exec(rest);
    if (resumed) {
      const head = this.unfinished.get(pid);
      this.unfinished.delete(pid);
      if (!head) return undefined;
      rest = head + resumed[2]!;
    } else if (rest.endsWith('<unfinished ...>')) {
      this.unfinished.set(pid, rest.slice(0, -'<unfinished ...>'.length));
      return undefined;
    }
    return parseStraceCall(pid, rest);
  }
}

export function parseStraceCall(pid: number, text: string): StraceCall | undefined {
  const nm = /^(\w+)\(/.exec(text);
  if (!nm) return undefined;
  const rm = /\)\s+=\s+(-?\d+|\?|0x[0-9a-f]+)(?:\s+(E[A-Z0-9]+))?[^)]*$|\)\s+=\s+(-?\d+|\?|0x[0-9a-f]+)(?:\s+(E[A-Z0-9]+).*)?$/.exec(text);
  if (!rm) return undefined;
  const retText = rm[1] ?? rm[3] ?? '?';
  const errno = rm[2] ?? rm[4];
  const idx = text.lastIndexOf(rm[0]);
  const args = text.slice(nm[0].length, idx);
  const ret = retText === '?' ? 0 : retText.startsWith('0x') ? parseInt(retText, 16) : Number(retText);
  return { pid, name: nm[1]!, args, ret, ...(errno ? { errno } : {}) };
}

/** Convenience for tests: parse one complete (not split) line. */
export function parseStraceLine(line: string): StraceCall | undefined {
  return new StraceLineParser().push(line);
}

interface SProc {
  pid: number;
  ppid: number;
  comm: string;
  cwd: string;
  exepath: string;
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function comm15(path: string): string {
  return basename(path).slice(0, 15);
}

/** Turns the calls of one traced tree into RuntimeEvents. */
export function straceEvents(calls: StraceCall[], rootPid: number, rootCwd: string, rootCmd: string): RuntimeEvent[] {
  const tgid = new Map<number, number>();
  const procs = new Map<number, SProc>();
  const events: RuntimeEvent[] = [];
  const sockets = new Map<string, { family: string; type: string }>();
  const dnsFds = new Set<string>();
  const syscalls = new Set<string>();
  const now = new Date().toISOString();
  procs.set(rootPid, { pid: rootPid, ppid: 0, comm: comm15(rootCmd), cwd: rootCwd, exepath: '' });
  // first pass: process tree (children may appear before their parent's fork returns)
  for (const c of calls) {
    if ((c.name === 'clone' || c.name === 'clone3' || c.name === 'fork' || c.name === 'vfork') && c.ret > 0) {
      const thread = /CLONE_THREAD/.test(c.args);
      const parentTgid = tgid.get(c.pid) ?? c.pid;
      if (thread) tgid.set(c.ret, parentTgid);
      else tgid.set(c.ret, c.ret);
    }
  }
  const proc = (tid: number): SProc => {
    const pid = tgid.get(tid) ?? tid;
    let p = procs.get(pid);
    if (!p) {
      p = { pid, ppid: 0, comm: '', cwd: rootCwd, exepath: '' };
      procs.set(pid, p);
    }
    return p;
  };
  const base = (p: SProc, type: string): RuntimeEvent => ({
    eventType: type, timestamp: now, pid: p.pid, ppid: p.ppid, comm: p.comm,
    pcomm: procs.get(p.ppid)?.comm ?? '', uid: process.getuid?.() ?? 0, containerId: '', context: 'host', tracerRoot: rootPid,
  });
  for (const c of calls) {
    const p = proc(c.pid);
    syscalls.add(c.name);
    const a = splitArgs(c.args);
    const ok = c.ret >= 0 && !c.errno;
    switch (c.name) {
      case 'clone': case 'clone3': case 'fork': case 'vfork': {
        if (c.ret > 0 && !/CLONE_THREAD/.test(c.args)) {
          procs.set(c.ret, { pid: c.ret, ppid: p.pid, comm: p.comm, cwd: p.cwd, exepath: p.exepath });
        }
        break;
      }
      case 'execve': case 'execveat': {
        if (!ok) break;
        const fileArg = c.name === 'execve' ? a[0] : a[1];
        const argvArg = c.name === 'execve' ? a[1] : a[2];
        const file = quotedStrings(fileArg ?? '')[0] ?? '';
        const args = quotedStrings(argvArg ?? '');
        const resolved = resolvePath(p.cwd, file);
        const exepath = realpathOr(resolved);
        p.exepath = exepath;
        p.comm = comm15(resolved);
        const ev = base(p, 'exec');
        ev.exepath = exepath;
        ev.args = args;
        ev.cwd = p.cwd;
        ev.upperlayer = false;
        ev.pupperlayer = false;
        events.push(ev);
        break;
      }
      case 'chdir':
        if (ok) p.cwd = resolvePath(p.cwd, quotedStrings(a[0] ?? '')[0] ?? '');
        break;
      case 'open': case 'openat': case 'creat': case 'openat2': {
        if (!ok) break;
        const at = c.name === 'openat' || c.name === 'openat2';
        const path = quotedStrings(a[at ? 1 : 0] ?? '')[0] ?? '';
        let flagsRaw = 0;
        if (c.name === 'creat') flagsRaw = 0o1101;
        else if (c.name === 'openat2') flagsRaw = parseOpenFlags(/flags=([^,}]+)/.exec(a[2] ?? '')?.[1] ?? '0');
        else flagsRaw = parseOpenFlags(a[at ? 2 : 1] ?? '0');
        const dir = at && a[0] !== 'AT_FDCWD' ? undefined : p.cwd;
        const ev = base(p, 'open');
        ev.path = dir === undefined && !path.startsWith('/') ? normalizePath(path) : resolvePath(dir, path);
        ev.flagsRaw = flagsRaw;
        ev.flags = decodeOpenFlags(flagsRaw);
        events.push(ev);
        break;
      }
      case 'socket':
        if (ok) sockets.set(`${p.pid}:${c.ret}`, { family: a[0] ?? '', type: a[1] ?? '' });
        break;
      case 'connect': {
        const sa = a[1] ?? '';
        const fam = /sa_family=(AF_INET6?)/.exec(sa)?.[1];
        if (!fam) break;
        if (c.errno && c.errno !== 'ECONNREFUSED' && c.errno !== 'EINPROGRESS' && c.errno !== 'ETIMEDOUT' && c.errno !== 'ENETUNREACH' && c.errno !== 'EHOSTUNREACH') break;
        const port = Number(/sin6?_port=htons\((\d+)\)/.exec(sa)?.[1] ?? 0);
        const addr = quotedStrings(sa)[0] ?? '';
        const sock = sockets.get(`${p.pid}:${a[0]}`);
        const proto = sock?.type.includes('SOCK_DGRAM') ? 'UDP' : 'TCP';
        if (proto === 'UDP' && port === 53) dnsFds.add(`${p.pid}:${a[0]}`);
        const ev = base(p, 'network');
        ev.dstAddr = addr.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
        ev.dstPort = port;
        ev.proto = proto;
        ev.pktType = 'OUTGOING';
        ev.direction = 'outbound';
        events.push(ev);
        break;
      }
      case 'accept': case 'accept4': {
        if (!ok) break;
        const sa = a[1] ?? '';
        const addr = quotedStrings(sa)[0];
        if (!addr) break;
        const ev = base(p, 'network');
        ev.dstAddr = addr;
        ev.dstPort = 0;
        ev.srcPort = Number(/sin6?_port=htons\((\d+)\)/.exec(sa)?.[1] ?? 0);
        ev.proto = 'TCP';
        ev.pktType = 'HOST';
        ev.direction = 'inbound';
        events.push(ev);
        break;
      }
      case 'sendto': case 'sendmsg': case 'sendmmsg': {
        const text = c.args;
        const to53 = /sin6?_port=htons\(53\)/.test(text) || dnsFds.has(`${p.pid}:${a[0]}`);
        if (!to53) break;
        const payload = c.name === 'sendto' ? a[1] ?? '' : /iov_base="((?:[^"\\]|\\.)*)"/.exec(text)?.[0] ?? '';
        const buf = decodeStraceString(/"((?:[^"\\]|\\.)*)"/.exec(payload)?.[1] ?? '');
        const name = dnsQuestionName(buf);
        if (!name) break;
        const last = events[events.length - 1];
        if (last?.eventType === 'dns' && last.pid === p.pid && last.name === name) break;
        const ev = base(p, 'dns');
        ev.name = name;
        ev.dstPort = 53;
        ev.proto = 'UDP';
        ev.cwd = p.cwd;
        ev.exepath = p.exepath;
        events.push(ev);
        break;
      }
      case 'symlink': case 'symlinkat': case 'link': case 'linkat': {
        if (!ok) break;
        const strs = quotedStrings(c.args);
        const ev = base(p, c.name.startsWith('sym') ? 'symlink' : 'hardlink');
        ev.oldPath = resolvePath(p.cwd, strs[0] ?? '');
        ev.newPath = resolvePath(p.cwd, strs[1] ?? '');
        ev.exepath = p.exepath;
        ev.upperlayer = false;
        events.push(ev);
        break;
      }
      case 'ptrace': {
        const ev = base(p, 'ptrace');
        ev.exepath = p.exepath;
        ev.ptraceRequestName = a[0] ?? '';
        events.push(ev);
        break;
      }
      case 'unshare': {
        const ev = base(p, 'unshare');
        ev.exepath = p.exepath;
        ev.upperlayer = false;
        events.push(ev);
        break;
      }
      case 'bpf': {
        const ev = base(p, 'bpf');
        ev.exepath = p.exepath;
        const cmd = BPF_CMDS.indexOf(a[0] ?? '');
        ev.cmd = cmd >= 0 ? cmd : Number(a[0]) || 0;
        ev.attrSize = Number(a[2]) || 0;
        ev.upperlayer = false;
        events.push(ev);
        break;
      }
      case 'init_module': case 'finit_module': {
        const ev = base(p, 'kmod');
        ev.exepath = p.exepath;
        ev.syscallName = c.name;
        ev.module = '';
        ev.upperlayer = false;
        events.push(ev);
        break;
      }
      case 'io_uring_setup': {
        const ev = base(p, 'iouring');
        ev.exepath = p.exepath;
        ev.opcode = -1;
        ev.flagsRaw = 0;
        ev.flags = [];
        events.push(ev);
        break;
      }
      default:
        break;
    }
  }
  const root = procs.get(rootPid)!;
  for (const name of [...syscalls].sort()) {
    const ev = base(root, 'syscall');
    ev.syscallName = name;
    events.push(ev);
  }
  return events;
}

export interface StraceSourceOptions {
  command: string[];
  stdio?: RunStdio;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** EventSource over one strace'd command: start() runs it and emits its events when it ends. */
export class StraceSource implements EventSource {
  readonly name = 'strace';
  private lost = 0;
  private res?: { rootPid: number; exitCode: number | null; signal: NodeJS.Signals | null; stdout?: string; stderr?: string };

  constructor(private readonly opts: StraceSourceOptions) {}

  stats() {
    return { lost: this.lost };
  }

  result() {
    if (!this.res) throw new Error('strace run not finished');
    return this.res;
  }

  async start(emit: EmitFn): Promise<void> {
    const bin = straceAvailable();
    if (!bin) throw new Error('strace not found on PATH: install it with `apt-get install -y strace`');
    const dir = mkdtempSync(join(tmpdir(), 'sbob-strace-'));
    const out = join(dir, 'trace.txt');
    const stdio = this.opts.stdio ?? 'inherit';
    try {
      const child = spawn(bin, ['-f', '-qq', '-xx', '-s', '4096', '-e', 'signal=none', '-o', out, '--', ...this.opts.command], {
        stdio: stdioFor(stdio), cwd: this.opts.cwd, env: this.opts.env,
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.on('exit', (c, s) => resolve({ code: c, signal: s }));
        child.on('error', reject);
      });
      let text = '';
      try {
        text = readFileSync(out, 'utf8');
      } catch {
        throw new Error(`strace produced no trace${stderr ? `: ${stderr.trim()}` : ''}`);
      }
      const parser = new StraceLineParser();
      const calls: StraceCall[] = [];
      let rootPid = 0;
      for (const line of text.split('\n')) {
        const call = parser.push(line);
        if (!call) continue;
        if (!rootPid) rootPid = call.pid;
        calls.push(call);
      }
      const events = straceEvents(calls, rootPid, this.opts.cwd ?? process.cwd(), this.opts.command[0]!);
      for (const ev of events) await emit(ev);
      this.res = { rootPid, exitCode: code, signal, ...(stdio === 'pipe' ? { stdout, stderr } : {}) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async stop(): Promise<void> {}
}

/** Whether ptrace is allowed here (strace -V runs; a real attach is tried by running `true`). */
export function straceWorks(): boolean {
  const bin = straceAvailable();
  if (!bin) return false;
  return spawnSync(bin, ['-qq', '-o', '/dev/null', '--', 'true'], { stdio: 'ignore' }).status === 0;
}
