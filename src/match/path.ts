/**
 * Path wildcard matching (`CompareDynamic`, spec rule-engine.md §2.5, profiles.md §2.1) and event path
 * normalisation (rule-engine.md §1.5).
 */
import { DYNAMIC, WILDCARD } from './tokens.ts';

/**
 * Splits a path into `/` segments the way CompareDynamic walks them: a leading `/` gives an empty first
 * segment (the anchor), trailing `/` are ignored, and the root `/` is the anchor alone.
 */
export function splitSegments(s: string): string[] {
  let end = s.length;
  while (end > 1 && s.charCodeAt(end - 1) === 47 /* / */) end--;
  const t = end === s.length ? s : s.slice(0, end);
  if (t === '/') return [''];
  return t.split('/');
}

/** A path pattern split once, reusable for many comparisons. */
export interface CompiledPathPattern {
  readonly pattern: string;
  /** true if the pattern has a `⋯` or `*` segment (otherwise it only matches itself) */
  readonly dynamic: boolean;
  match(path: string): boolean;
}

/** Pre-splits a pattern so repeated comparisons do not re-parse it. */
export function compileDynamic(pattern: string): CompiledPathPattern {
  const segs = pattern === '' ? null : splitSegments(pattern);
  let hasStar = false;
  let dynamic = false;
  if (segs) {
    for (const s of segs) {
      if (s === WILDCARD) hasStar = dynamic = true;
      else if (s === DYNAMIC) dynamic = true;
    }
  }
  return {
    pattern,
    dynamic,
    match(path: string): boolean {
      if (segs === null || path === '') return false;
      const p = splitSegments(path);
      return hasStar ? matchWithStars(segs, p) : matchLinear(segs, p);
    },
  };
}

/**
 * `CompareDynamic(pattern, path)`: segment-wise match where a `⋯` segment matches exactly one segment and a
 * whole-segment `*` matches zero or more segments in the middle and one or more at the end. Everything
 * else (including `*` inside a segment) is literal. Either string empty → false. Linear for patterns
 * without `*`, memoised (O(segments²) per `*`) otherwise, so adversarial patterns cannot blow up.
 */
export function compareDynamic(pattern: string, path: string): boolean {
  if (pattern === '' || path === '') return false;
  const ps = splitSegments(pattern);
  const ss = splitSegments(path);
  for (let i = 0; i < ps.length; i++) {
    if (ps[i] === WILDCARD) return matchWithStars(ps, ss);
  }
  return matchLinear(ps, ss);
}

function matchLinear(ps: readonly string[], ss: readonly string[]): boolean {
  if (ps.length !== ss.length) return false;
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    if (p !== DYNAMIC && p !== ss[i]) return false;
  }
  return true;
}

function matchWithStars(ps: readonly string[], ss: readonly string[]): boolean {
  const m = ps.length;
  const n = ss.length;
  const w = n + 1;
  // 0 = unknown, 1 = false, 2 = true
  const memo = new Uint8Array((m + 1) * w);
  const go = (pi: number, si: number): boolean => {
    const key = pi * w + si;
    const cached = memo[key]!;
    if (cached !== 0) return cached === 2;
    let res: boolean;
    if (pi === m) {
      res = si === n;
    } else if (ps[pi] === WILDCARD) {
      let k = pi + 1;
      while (k < m && ps[k] === WILDCARD) k++; // a run of `*` is one `*`
      if (k === m) {
        res = si < n; // trailing: one or more segments
      } else {
        res = false;
        for (let t = si; t <= n; t++) {
          if (go(k, t)) {
            res = true;
            break;
          }
        }
      }
    } else if (si === n) {
      res = false;
    } else {
      const p = ps[pi]!;
      res = (p === DYNAMIC || p === ss[si]) && go(pi + 1, si + 1);
    }
    memo[key] = res ? 2 : 1;
    return res;
  };
  return go(0, 0);
}

/**
 * Event path normalisation (node-agent HEAD `NormalizePath`): empty stays empty, `.` becomes `/`, a
 * missing leading `/` is added, then POSIX `path.Clean`. Unlike node-agent v0.3.147, a headless
 * `/<pid>/(task|fd)` path is NOT given a `/proc` prefix.
 */
export function normalizePath(p: string): string {
  if (p === '') return '';
  if (p === '.') return '/';
  if (!p.startsWith('/')) p = '/' + p;
  return cleanPath(p);
}

/** Go `path.Clean` for rooted and relative slash paths. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const body = out.join('/');
  if (rooted) return '/' + body;
  return body === '' ? '.' : body;
}
