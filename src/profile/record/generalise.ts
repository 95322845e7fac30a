/**
 * Record-time generalisation: values that differ on every run (PIDs in /proc paths, random temp
 * file names, pty numbers, ephemeral ports) become wildcards so a recorded profile stays valid on the
 * next run. `⋯` replaces exactly one path segment (rule-engine.md §2.5).
 */
export const DYN = '\u22ef';

const TEMP_ROOTS = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/user/'];

/** A name segment that looks generated: mkstemp suffixes, hex ids, mixed random alphanumerics. */
export function looksRandom(seg: string): boolean {
  if (/^\d+$/.test(seg)) return true;
  // strip a fixed prefix/suffix around the random part: tmp.AbC123, sbob-tracer-Xy12Ab, x.ABCDEF.tmp
  const parts = seg.split(/[._-]/).filter(Boolean);
  return parts.some((p) => {
    if (p.length < 6) return false;
    if (/^[0-9a-f]{8,}$/i.test(p) && /\d/.test(p)) return true;
    const classes = [/[a-z]/, /[A-Z]/, /\d/].filter((re) => re.test(p)).length;
    if (classes >= 2 && /^[A-Za-z0-9]+$/.test(p)) {
      // CamelCase words (e.g. "MyFile") are not random: random names switch case often
      const cls = (ch: string) => (/[a-z]/.test(ch) ? 0 : /[A-Z]/.test(ch) ? 1 : 2);
      let switches = 0;
      // count lower→upper and letter↔digit changes (CamelCase words have few of them)
      for (let i = 1; i < p.length; i++) {
        const a = cls(p[i - 1]!);
        const b = cls(p[i]!);
        if ((a === 0 && b === 1) || (a === 2) !== (b === 2)) switches++;
      }
      return switches >= 3;
    }
    return false;
  });
}

/** Generalises one absolute path; returns it unchanged when nothing varies. */
export function generalisePath(path: string): string {
  if (!path.startsWith('/')) return path;
  const segs = path.split('/');
  // /proc/<pid>/..., /proc/<pid>/task/<tid>/...
  if (segs[1] === 'proc') {
    if (segs[2] && /^\d+$/.test(segs[2])) segs[2] = DYN;
    if (segs[3] === 'task' && segs[4] && /^\d+$/.test(segs[4])) segs[4] = DYN;
    if (segs[3] === 'fd' && segs[4] && /^\d+$/.test(segs[4])) segs[4] = DYN;
  }
  if (segs[1] === 'dev' && segs[2] === 'pts' && segs[3] && /^\d+$/.test(segs[3])) segs[3] = DYN;
  const root = TEMP_ROOTS.find((r) => path.startsWith(r));
  if (root) {
    const start = root.split('/').length - 1;
    for (let i = start; i < segs.length; i++) {
      if (root === '/run/user/' && i === start && /^\d+$/.test(segs[i]!)) continue; // the uid is stable
      if (looksRandom(segs[i]!)) segs[i] = DYN;
    }
  }
  return segs.join('/');
}

/** Generalises exec arguments that are run-specific paths (temp files, /proc/<pid>). */
export function generaliseArgs(args: string[]): string[] {
  return args.map((a) => (a.startsWith('/') ? generalisePath(a) : a));
}

/** Linux's default ephemeral port range (net.ipv4.ip_local_port_range). */
export function isEphemeralPort(port: number): boolean {
  return port >= 32768 && port <= 60999;
}
