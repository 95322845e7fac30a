/**
 * Plain string tests used by the profile projection (node-agent `prefixAny`/`suffixAny`/`containsAny`):
 * `⋯` and `*` have no special meaning here.
 */

export function prefixAny(patterns: readonly string[], s: string): boolean {
  for (const p of patterns) if (s.startsWith(p)) return true;
  return false;
}

export function suffixAny(patterns: readonly string[], s: string): boolean {
  for (const p of patterns) if (s.endsWith(p)) return true;
  return false;
}

export function containsAny(patterns: readonly string[], s: string): boolean {
  for (const p of patterns) if (s.includes(p)) return true;
  return false;
}
