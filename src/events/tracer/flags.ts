/** Decoders for raw kernel values (rule-engine.md §1.5). */
import { decodeOpenFlags, normalizeEventPath as normalizePath } from '../normalize.ts';

/** Open flags and path normalisation are shared with every event source (src/events/normalize.ts). */
export { decodeOpenFlags, normalizePath };

export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

export function capabilityName(cap: number): string {
  return CAPABILITY_NAMES[cap] ?? `CAP_${cap}`;
}

/** Syscalls whose CAP_SYS_ADMIN check is the kernel's memory-accounting probe, not a privileged act. */
export const VM_ACCOUNTING_SYSCALLS = new Set(['mmap', 'brk', 'mprotect', 'mremap', 'execve', 'execveat', 'shmat', 'shmget']);

/** Joins a possibly relative path onto a directory, then normalises. */
export function resolvePath(dir: string | undefined, p: string): string {
  if (p.startsWith('/') || !dir) return normalizePath(p);
  return normalizePath(`${dir}/${p}`);
}

/** Decodes bpftrace's `%r` rendering of a buffer (printable bytes as-is, others as `\xHH`). */
export function decodeBpftraceBuffer(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      out.push(s.charCodeAt(i) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/**
 * Reads the first question name of a DNS message (header 12 bytes, then labels). Returns the
 * fully-qualified name with a trailing dot, or undefined when the payload is not a plausible query.
 */
export function dnsQuestionName(msg: Uint8Array): string | undefined {
  if (msg.length < 13) return undefined;
  const qdcount = (msg[4]! << 8) | msg[5]!;
  if (qdcount < 1) return undefined;
  const labels: string[] = [];
  let i = 12;
  for (;;) {
    if (i >= msg.length) return undefined;
    const len = msg[i]!;
    if (len === 0) break;
    if (len > 63 || i + 1 + len > msg.length) return undefined;
    let label = '';
    for (let k = i + 1; k <= i + len; k++) label += String.fromCharCode(msg[k]!);
    labels.push(label.toLowerCase());
    i += 1 + len;
  }
  if (labels.length === 0) return '.';
  return `${labels.join('.')}.`;
}

/** Skips a (possibly compressed) DNS name starting at `i`; returns the index after it, or -1. */
function skipName(msg: Uint8Array, i: number): number {
  for (let hops = 0; hops < 128; hops++) {
    if (i >= msg.length) return -1;
    const len = msg[i]!;
    if (len === 0) return i + 1;
    if ((len & 0xc0) === 0xc0) return i + 2 <= msg.length ? i + 2 : -1;
    i += 1 + len;
  }
  return -1;
}

function ipv6Text(b: Uint8Array): string {
  const words: number[] = [];
  for (let k = 0; k < 16; k += 2) words.push((b[k]! << 8) | b[k + 1]!);
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  }
  // longest run of zero words (length >= 2) becomes '::'
  let best = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (words[k] !== 0) {
      k++;
      continue;
    }
    let j = k;
    while (j < 8 && words[j] === 0) j++;
    if (j - k > bestLen && j - k >= 2) {
      best = k;
      bestLen = j - k;
    }
    k = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * Reads a DNS response: the question name (trailing dot) and the A/AAAA addresses among the answers
 * that fit in the captured bytes. Undefined when the message is not a response.
 */
export function dnsResponse(msg: Uint8Array): { name: string; addresses: string[] } | undefined {
  if (msg.length < 13 || (msg[2]! & 0x80) === 0) return undefined;
  const name = dnsQuestionName(Uint8Array.from([msg[0]!, msg[1]!, 1, 0, ...msg.subarray(4)]));
  if (!name) return undefined;
  const qd = (msg[4]! << 8) | msg[5]!;
  const an = (msg[6]! << 8) | msg[7]!;
  let i = 12;
  for (let q = 0; q < qd; q++) {
    i = skipName(msg, i);
    if (i < 0) return { name, addresses: [] };
    i += 4;
  }
  const addresses: string[] = [];
  for (let a = 0; a < an; a++) {
    i = skipName(msg, i);
    if (i < 0 || i + 10 > msg.length) break;
    const type = (msg[i]! << 8) | msg[i + 1]!;
    const rdlen = (msg[i + 8]! << 8) | msg[i + 9]!;
    i += 10;
    if (i + rdlen > msg.length) break;
    if (type === 1 && rdlen === 4) addresses.push(`${msg[i]}.${msg[i + 1]}.${msg[i + 2]}.${msg[i + 3]}`);
    if (type === 28 && rdlen === 16) addresses.push(ipv6Text(msg.subarray(i, i + 16)));
    i += rdlen;
  }
  return { name, addresses };
}
