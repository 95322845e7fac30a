/**
 * DNS name matching (`MatchDNS`, spec rule-engine.md §2.5; helper `matchDNS(field, observed)`, §2.4) and
 * the admission grammar for `dns`/`dnsNames[]` entries (profiles.md §2.4).
 */
import { InvalidDNSEntryError } from './errors.ts';
import { DYNAMIC, WILDCARD } from './tokens.ts';

function stripDot(s: string): string {
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

/** Label kinds of a compiled DNS pattern. */
const enum L {
  Literal,
  One,
  OneOrMore,
}

interface DNSPattern {
  kinds: L[];
  labels: string[];
}

/** Compiles one entry (lower-cased, trailing dot stripped), or null if MatchDNS ignores it. */
function compileEntry(entry: string): DNSPattern | null {
  const s = stripDot(entry.toLowerCase());
  if (s === '' || s === WILDCARD) return null;
  const labels = s.split('.');
  const kinds: L[] = [];
  for (let k = 0; k < labels.length; k++) {
    const l = labels[k]!;
    if (l === '' || l === '**') return null;
    if (l === WILDCARD) kinds.push(k === labels.length - 1 && k !== 0 ? L.OneOrMore : L.One);
    else if (l === DYNAMIC) kinds.push(L.One);
    else kinds.push(L.Literal);
  }
  return { kinds, labels };
}

function hasWildcard(p: DNSPattern): boolean {
  for (const k of p.kinds) if (k !== L.Literal) return true;
  return false;
}

function matchPattern(p: DNSPattern, obs: readonly string[]): boolean {
  const m = p.kinds.length;
  for (let k = 0; k < m; k++) {
    const kind = p.kinds[k]!;
    if (kind === L.OneOrMore) return obs.length > k; // always last
    if (k >= obs.length) return false;
    if (kind === L.Literal && p.labels[k] !== obs[k]) return false;
  }
  return obs.length === m;
}

/** Lower-cases, strips one trailing dot and splits; null when the name has an empty label. */
function observedLabels(observed: string): string[] | null {
  const s = stripDot(observed.toLowerCase());
  if (s === '') return null;
  const labels = s.split('.');
  for (const l of labels) if (l === '') return null;
  return labels;
}

/**
 * Storage `MatchDNS(entries, observed)`: case-insensitive, one trailing dot ignored on both sides, anchored.
 * A leading `*` and any `⋯` or middle `*` match exactly one label; a trailing `*` (not also leading) one or
 * more. Entries that are empty, have an empty or `**` label, or are a lone `*` are ignored.
 */
export function matchDNS(entries: readonly string[], observed: string): boolean {
  const obs = observedLabels(observed);
  if (!obs) return false;
  for (const e of entries) {
    const p = compileEntry(e);
    if (p && matchPattern(p, obs)) return true;
  }
  return false;
}

/** A compiled DNS entry list answering the helper semantics of `matchDNS(field, observed)`. */
export interface DNSSet {
  has(observed: string): boolean;
  readonly size: number;
}

/**
 * Compiles entries for rule-engine.md §2.4 `matchDNS(field, observed)`: observed "" → false; exact
 * (case-sensitive) membership of the name with or without one trailing dot; then `MatchDNS`. Literal
 * entries are hashed by their normalised form; only wildcard entries are scanned.
 */
export function compileDNSSet(entries: readonly string[]): DNSSet {
  const raw = new Set<string>(entries);
  const literals = new Set<string>();
  const patterns: DNSPattern[] = [];
  for (const e of entries) {
    const p = compileEntry(e);
    if (!p) continue;
    if (hasWildcard(p)) patterns.push(p);
    else literals.add(p.labels.join('.'));
  }
  return {
    size: raw.size,
    has(observed: string): boolean {
      if (observed === '') return false;
      const c = stripDot(observed);
      if (raw.has(c) || raw.has(c + '.')) return true;
      const obs = observedLabels(observed);
      if (!obs) return false;
      if (literals.has(obs.join('.'))) return true;
      for (const p of patterns) if (matchPattern(p, obs)) return true;
      return false;
    },
  };
}

const LABEL_RE = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/i;

/**
 * Why a `dns`/`dnsNames[]` entry is invalid, or null when valid. Rejected: empty names, empty labels, a
 * `**` label, a lone `*`, and `*` anywhere but the first or last label. Literal labels must be RFC 1123
 * style (letters, digits, `-`, `_`; at most 63 characters).
 */
export function checkDNSEntry(entry: string): string | null {
  const s = stripDot(entry);
  if (s === '') return 'empty name';
  if (s === WILDCARD) return 'a lone "*" is not allowed';
  const labels = s.split('.');
  for (let k = 0; k < labels.length; k++) {
    const l = labels[k]!;
    if (l === '') return 'empty label';
    if (l === '**') return '"**" is not allowed';
    if (l === WILDCARD) {
      if (k !== 0 && k !== labels.length - 1) return '"*" is only allowed as the first or last label';
      continue;
    }
    if (l === DYNAMIC) continue;
    if (l.length > 63) return `label ${JSON.stringify(l)} is longer than 63 characters`;
    if (!LABEL_RE.test(l)) return `label ${JSON.stringify(l)} has characters outside [A-Za-z0-9_-]`;
  }
  if (s.length > 253) return 'name is longer than 253 characters';
  return null;
}

/** True if the entry passes the DNS admission grammar. */
export function isValidDNSEntry(entry: string): boolean {
  return checkDNSEntry(entry) === null;
}

/** Throws {@link InvalidDNSEntryError} when {@link checkDNSEntry} reports a problem. */
export function assertDNSEntry(entry: string): void {
  const why = checkDNSEntry(entry);
  if (why) throw new InvalidDNSEntryError(entry, why);
}
