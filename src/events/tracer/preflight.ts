/**
 * Checks whether the kernel tracer can run on this machine, mounting tracefs/debugfs when they are
 * missing. Every problem comes with the command that fixes it.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface PreflightResult {
  ok: boolean;
  /** one line per problem: what is wrong and how to fix it */
  reasons: string[];
  bpftrace?: string;
  bpftraceVersion?: string;
  tracefs?: string;
  /** what preflight changed (mounts) */
  actions: string[];
}

export interface PreflightOptions {
  /** bpftrace binary (name or path); default `bpftrace` on PATH, or $SBOB_BPFTRACE */
  bpftrace?: string;
  /** mount tracefs/debugfs when missing (default true) */
  mount?: boolean;
  uid?: number;
}

export function findExecutable(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function tracefsMounted(dir: string): boolean {
  return existsSync(join(dir, 'events')) && existsSync(join(dir, 'available_events'));
}

function tryMount(type: string, dir: string): boolean {
  const r = spawnSync('mount', ['-t', type, type, dir], { stdio: 'ignore' });
  return r.status === 0;
}

let cached: PreflightResult | undefined;

export function preflight(opts: PreflightOptions = {}): PreflightResult {
  if (cached && !opts.bpftrace && opts.uid === undefined) return cached;
  const reasons: string[] = [];
  const actions: string[] = [];
  const uid = opts.uid ?? process.getuid?.() ?? 0;
  const res: PreflightResult = { ok: false, reasons, actions };
  if (process.platform !== 'linux') {
    reasons.push(`the kernel tracer needs Linux (this is ${process.platform}); use \`sbob record\` with --strace on Linux or replay NDJSON events`);
    return res;
  }
  if (uid !== 0) {
    reasons.push(`not running as root (uid ${uid}): eBPF tracing needs root (or CAP_BPF+CAP_PERFMON+CAP_SYS_ADMIN); run with sudo, or use \`sbob record --strace\` to trace one command without root`);
  }
  const bin = opts.bpftrace ?? process.env.SBOB_BPFTRACE ?? 'bpftrace';
  const found = findExecutable(bin);
  if (!found) {
    reasons.push(`bpftrace not found (looked for \`${bin}\` on PATH): install it with \`apt-get install -y bpftrace\` (Debian/Ubuntu) or \`dnf install bpftrace\`, or point SBOB_BPFTRACE at the binary`);
  } else {
    res.bpftrace = found;
    const v = spawnSync(found, ['--version'], { encoding: 'utf8' });
    res.bpftraceVersion = (v.stdout ?? '').trim() || undefined;
  }
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    reasons.push('kernel BTF is missing (/sys/kernel/btf/vmlinux): the tracer reads kernel structures (task, socket) through BTF; use a kernel built with CONFIG_DEBUG_INFO_BTF=y (all current distribution kernels are)');
  }
  let tracefs: string | undefined;
  for (const dir of ['/sys/kernel/tracing', '/sys/kernel/debug/tracing']) {
    if (tracefsMounted(dir)) {
      tracefs = dir;
      break;
    }
  }
  if (!tracefs && uid === 0 && opts.mount !== false) {
    if (existsSync('/sys/kernel/tracing') && tryMount('tracefs', '/sys/kernel/tracing') && tracefsMounted('/sys/kernel/tracing')) {
      tracefs = '/sys/kernel/tracing';
      actions.push('mounted tracefs at /sys/kernel/tracing');
    }
  }
  if (uid === 0 && opts.mount !== false && existsSync('/sys/kernel/debug') && !existsSync('/sys/kernel/debug/tracing')) {
    // bpftrace 0.17 looks tracepoint ids up under debugfs as well
    if (tryMount('debugfs', '/sys/kernel/debug')) actions.push('mounted debugfs at /sys/kernel/debug');
  }
  if (!tracefs) {
    reasons.push(
      uid === 0
        ? 'tracefs is not mounted and mounting it failed: run `mount -t tracefs tracefs /sys/kernel/tracing` (in a container: run privileged with /sys/kernel mounted)'
        : existsSync('/sys/kernel/tracing')
          ? `tracefs (/sys/kernel/tracing) is not readable by uid ${uid} or not mounted: it is root-only; as root run \`mount -t tracefs tracefs /sys/kernel/tracing\` if it is not mounted`
          : 'tracefs is not mounted at /sys/kernel/tracing: as root run `mount -t tracefs tracefs /sys/kernel/tracing`',
    );
  } else {
    res.tracefs = tracefs;
    if (!existsSync(join(tracefs, 'events/syscalls/sys_enter_openat'))) {
      reasons.push(`syscall tracepoints are missing under ${tracefs}/events/syscalls: the kernel needs CONFIG_FTRACE_SYSCALLS=y`);
    }
  }
  res.ok = reasons.length === 0;
  if (!opts.bpftrace && opts.uid === undefined) cached = res;
  return res;
}

/** Clears the cached result (tests). */
export function resetPreflight(): void {
  cached = undefined;
}
