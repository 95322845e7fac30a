/** Wildcard tokens used in profiles (spec profiles.md §2). */

/** U+22EF MIDLINE HORIZONTAL ELLIPSIS: exactly one path segment / exec argument / DNS label. */
export const DYNAMIC = '\u22ef';
/** `*`: path glob segment (zero-or-more in the middle, one-or-more at the end) or DNS edge wildcard. */
export const WILDCARD = '*';
/** Two U+22EF: zero or more whole exec arguments. */
export const EXEC_ARGS_WILDCARD = '\u22ef\u22ef';

/** True if the entry contains `⋯` or `*` anywhere (node-agent's "dynamic" classification). */
export function isDynamicEntry(s: string): boolean {
  return s.includes(DYNAMIC) || s.includes(WILDCARD);
}

/** Profile surfaces whose entries are paths (opens, execs, endpoints). */
export const PATH_SURFACES: ReadonlySet<string> = new Set(['opens', 'execs', 'endpoints']);

/**
 * node-agent's projection classification of one raw profile entry: on the path surfaces an entry
 * containing `⋯` or `*` is a `pattern` (matched with CompareDynamic); everything else is a `value`.
 */
export function classifyEntry(surface: string, entry: string): 'pattern' | 'value' {
  return PATH_SURFACES.has(surface) && isDynamicEntry(entry) ? 'pattern' : 'value';
}
