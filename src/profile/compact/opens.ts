/**
 * Opens compaction (`AnalyzeOpens`, profiles.md §4.1): trie collapse of all paths, merge of entries that
 * end up equal (sorted union of flags), then consolidation: a literal entry covered by a wildcard entry
 * is dropped and its flags join the most specific covering pattern. SBOM-listed paths are never
 * collapsed or dropped. Output sorted by path.
 */
import { compareDynamic, isDynamicEntry, splitSegments, DYNAMIC, WILDCARD } from '../../match/index.ts';
import type { OpenCall } from '../../model/index.ts';
import type { PathAnalyzer } from './analyzer.ts';

/** Identifier under which the opens surface lives in a {@link PathAnalyzer}. */
export const OPENS_IDENTIFIER = 'opens';

export interface OpenEntry {
  path: string;
  flags: string[];
}

function sortedUnion(into: Set<string>, flags: readonly string[] | null | undefined): void {
  if (flags) for (const f of flags) into.add(f);
}

/** Wildcard specificity: more literal segments first, then fewer `*`, then longer text. */
function specificity(p: string): [number, number, number] {
  let literal = 0;
  let stars = 0;
  for (const s of splitSegments(p)) {
    if (s === WILDCARD) stars++;
    else if (s !== DYNAMIC) literal++;
  }
  return [literal, stars, p.length];
}

export interface AnalyzeOpensResult {
  opens: OpenEntry[];
  /** input path → output path, for every input entry */
  mapping: Map<string, string>;
}

/** {@link analyzeOpens} that also reports where each input path went. */
export function analyzeOpensDetailed(
  opens: readonly OpenCall[],
  analyzer: PathAnalyzer,
  sbom?: ReadonlySet<string> | readonly string[] | null,
): AnalyzeOpensResult {
  const protectedPaths = sbom ? new Set(sbom) : new Set<string>();
  for (const o of opens) analyzer.analyzePath(o.path, OPENS_IDENTIFIER);

  const byPath = new Map<string, Set<string>>();
  const mapping = new Map<string, string>();
  for (const o of opens) {
    const out = protectedPaths.has(o.path) ? o.path : analyzer.analyzePath(o.path, OPENS_IDENTIFIER);
    mapping.set(o.path, out);
    let flags = byPath.get(out);
    if (!flags) byPath.set(out, (flags = new Set()));
    sortedUnion(flags, o.flags);
  }

  const patterns = [...byPath.keys()].filter(isDynamicEntry);
  patterns.sort((a, b) => {
    const x = specificity(a);
    const y = specificity(b);
    return y[0] - x[0] || x[1] - y[1] || y[2] - x[2] || (a < b ? -1 : a > b ? 1 : 0);
  });
  const coveredBy = new Map<string, string>();
  if (patterns.length > 0) {
    for (const [path, flags] of [...byPath]) {
      if (isDynamicEntry(path) || protectedPaths.has(path)) continue;
      const cover = patterns.find((p) => compareDynamic(p, path));
      if (!cover) continue;
      sortedUnion(byPath.get(cover)!, [...flags]);
      byPath.delete(path);
      coveredBy.set(path, cover);
    }
    for (const [k, v] of mapping) {
      const cover = coveredBy.get(v);
      if (cover !== undefined) mapping.set(k, cover);
    }
  }

  const result: OpenEntry[] = [...byPath].map(([path, flags]) => ({ path, flags: [...flags].sort() }));
  result.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { opens: result, mapping };
}

/** Storage `AnalyzeOpens`: the compacted opens list (see module comment). */
export function analyzeOpens(
  opens: readonly OpenCall[],
  analyzer: PathAnalyzer,
  sbom?: ReadonlySet<string> | readonly string[] | null,
): OpenEntry[] {
  return analyzeOpensDetailed(opens, analyzer, sbom).opens;
}
