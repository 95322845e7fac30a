/**
 * Parsing of bpftrace's `-f json` output into tracer records. Each `printf` of the shipped script is
 * one JSON line `{"type":"printf","data":"TAG\x1f field \x1f ... \n"}`; fields are separated by U+001F
 * and the free-text field (path, argument, buffer) is always last, so it may itself contain tabs,
 * quotes, spaces or newlines.
 *
 * Record tags (after the tag; `h` = pid tid ppid comm):
 *   READY pid                      script attached (BEGIN ran)
 *   F pid root                     marker: start following `root` (tree mode)
 *   M pid id                       marker: sync point `id`
 *   K pid tid child comm           fork/clone
 *   Q pid                          process exit
 *   A tid idx arg                  one argv element of an execve in progress
 *   E pid oldTid ppid uid comm pcomm ttyMajor ttyMinor cgroupId upper pupper   successful exec (then
 *                                  EC, EV, EF, EA); upper/pupper: exe (parent's exe) in an overlayfs upper layer
 *   EC pid cgroupLeaf              v2 cgroup leaf name of the exec'ed process
 *   EV pid cgroupLeaf              v1 memory-controller cgroup leaf name (hybrid hosts)
 *   EF pid filename                exec'ed file name
 *   EA pid argLen argv             argv area of the new program (NUL-separated, first 200 bytes, %r)
 *   D pid path                     successful chdir;  DF pid  successful fchdir
 *   O h flags dfd path             successful open/openat/openat2/creat
 *   LO tid kind oldPath            symlink (kind 1) / hardlink (kind 2), followed by
 *   LN h newPath
 *   C h fd proto port addr         connect() to an IPv4/IPv6 address
 *   I h proto localPort remotePort remoteAddr     accept()ed connection
 *   N h fd payload                 UDP payload sent to port 53 (bpftrace %r rendering)
 *   NR h length payload            DNS response received on such a socket (first 200 bytes)
 *   P h cap ret syscallNr          cap_capable (deduplicated per pid/cap/syscall in the kernel)
 *   T h request targetPid          ptrace
 *   U h flags                      unshare
 *   B h cmd size                   bpf
 *   MOD h syscall fd name          init_module / finit_module / delete_module
 *   IU h opcode flags              io_uring submission (opcode -1: io_uring_setup)
 *   S pid ppid syscallNr comm      first time a process used a syscall (per 30 s)
 *   RX h mxcsr                     RandomX heuristic: non-default SSE rounding mode seen repeatedly
 */

export type TracerLine =
  | { kind: 'record'; tag: string; fields: string[] }
  | { kind: 'lost'; count: number }
  | { kind: 'attached'; probes: number }
  | { kind: 'other'; type: string; data: unknown }
  | { kind: 'text'; text: string };

const SEP = '\u001f';

/** Parses one stdout line of `bpftrace -f json`. */
export function parseTracerLine(line: string): TracerLine | undefined {
  if (line.trim() === '') return undefined;
  let obj: { type?: unknown; data?: unknown };
  try {
    obj = JSON.parse(line) as { type?: unknown; data?: unknown };
  } catch {
    return { kind: 'text', text: line };
  }
  const type = String(obj.type ?? '');
  if (type === 'printf' && typeof obj.data === 'string') {
    let data = obj.data;
    if (data.endsWith('\n')) data = data.slice(0, -1);
    const fields = data.split(SEP);
    const tag = fields.shift() ?? '';
    return { kind: 'record', tag, fields };
  }
  if (type === 'lost_events') {
    const d = obj.data as { events?: unknown } | undefined;
    return { kind: 'lost', count: Number(d?.events ?? 0) || 0 };
  }
  if (type === 'attached_probes') {
    const d = obj.data as { probes?: unknown } | undefined;
    return { kind: 'attached', probes: Number(d?.probes ?? 0) || 0 };
  }
  return { kind: 'other', type, data: obj.data };
}

/** Number of fields (after the tag) each record carries; the last one may contain separators. */
export const RECORD_ARITY: Readonly<Record<string, number>> = {
  READY: 1, F: 2, M: 2, K: 4, Q: 1, A: 3, E: 11, EC: 2, EV: 2, EF: 2, EA: 3, D: 2, DF: 1,
  O: 7, LO: 3, LN: 5, C: 8, I: 8, N: 6, NR: 6, P: 7, T: 6, U: 5, B: 6, MOD: 7, IU: 6, S: 4, RX: 5,
};

/** Re-joins fields beyond the record's arity into its last (free-text) field. */
export function normalizeFields(tag: string, fields: string[]): string[] | undefined {
  const n = RECORD_ARITY[tag];
  if (n === undefined) return undefined;
  if (fields.length < n) return undefined;
  if (fields.length === n) return fields;
  return [...fields.slice(0, n - 1), fields.slice(n - 1).join(SEP)];
}
