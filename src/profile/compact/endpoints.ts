/**
 * Endpoint compaction (`AnalyzeEndpoints`, `MergeDuplicateEndpoints`; profiles.md §2.3, §4.1): each port
 * is a separate trie, duplicates merge, and a `:0` entry absorbs the same path on specific ports.
 */
import { splitEndpointPortAndPath, WILDCARD_PORT } from '../../match/index.ts';
import type { HTTPEndpoint } from '../../model/index.ts';
import type { PathAnalyzer } from './analyzer.ts';

const HEX = /^[0-9a-fA-F]$/;

/** Go `unescape` validity: every `%` is followed by two hex digits. */
function validEscapes(s: string, host: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') continue;
    const a = s[i + 1];
    const b = s[i + 2];
    if (a === undefined || b === undefined || !HEX.test(a) || !HEX.test(b)) return false;
    // in hosts, only %25 or escapes of bytes >= 0x80 are allowed
    if (host && parseInt(a, 16) < 8 && s.slice(i, i + 3) !== '%25') return false;
    i += 2;
  }
  return true;
}

const HOST_OK = new Set("!$&'()*+,;=:[]<>\"-_.~%".split(''));
const USERINFO_OK = new Set("-._:~!$&'()*+,;=%@".split(''));

function isAlnum(c: string): boolean {
  return /^[A-Za-z0-9]$/.test(c);
}

function validOptionalPort(p: string): boolean {
  if (p === '') return true;
  if (p[0] !== ':') return false;
  for (let i = 1; i < p.length; i++) if (p[i]! < '0' || p[i]! > '9') return false;
  return true;
}

function validHost(host: string): boolean {
  let name = host;
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return false;
    if (!validOptionalPort(host.slice(close + 1))) return false;
    name = host.slice(1, close);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !validOptionalPort(host.slice(colon))) return false;
  }
  if (!validEscapes(name, true)) return false;
  for (const ch of name) {
    if (ch.charCodeAt(0) >= 0x80 || isAlnum(ch) || HOST_OK.has(ch)) continue;
    return false;
  }
  return true;
}

/**
 * Whether Go's `url.ParseRequestURI("http://" + endpoint)` accepts the endpoint: no control bytes, a
 * valid authority (userinfo characters, host characters, numeric optional port) and valid `%` escapes
 * in the path. This follows Go's net/url rules for the inputs storage sees; exotic corners (IPv6 zone
 * syntax inside brackets) are not modelled.
 */
export function isValidEndpointURI(endpoint: string): boolean {
  const raw = 'http://' + endpoint;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  let rest = raw.slice('http:'.length);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  let authority = rest.slice(2);
  let path = '';
  const slash = authority.indexOf('/');
  if (slash >= 0) {
    path = authority.slice(slash);
    authority = authority.slice(0, slash);
  }
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    for (const ch of userinfo) if (!(isAlnum(ch) || USERINFO_OK.has(ch))) return false;
    if (!validEscapes(userinfo, false)) return false;
  }
  if (!validHost(at >= 0 ? authority.slice(at + 1) : authority)) return false;
  return validEscapes(path, false);
}

function sameFlag(a: boolean | undefined, b: boolean | undefined): boolean {
  return (a ?? false) === (b ?? false);
}

function unionInto(list: string[], more: readonly string[] | null | undefined): void {
  if (!more) return;
  for (const m of more) if (!list.includes(m)) list.push(m);
}

function mergeHeaders(
  a: Record<string, string[]> | null | undefined,
  b: Record<string, string[]> | null | undefined,
): Record<string, string[]> | null | undefined {
  if (!b || Object.keys(b).length === 0) return a;
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(a ?? {})) out[k] = [...(v ?? [])];
  for (const [k, v] of Object.entries(b)) {
    const list = out[k] ?? (out[k] = []);
    unionInto(list, v);
  }
  return out;
}

function cloneEndpoint(e: HTTPEndpoint): HTTPEndpoint {
  const c: HTTPEndpoint = { ...e };
  if (e.methods) c.methods = [...e.methods];
  if (e.headers) c.headers = Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, [...(v ?? [])]]));
  return c;
}

function absorb(into: HTTPEndpoint, other: HTTPEndpoint): void {
  if (other.methods && other.methods.length) {
    const m = into.methods ? into.methods : (into.methods = []);
    unionInto(m, other.methods);
  }
  const h = mergeHeaders(into.headers, other.headers);
  if (h !== into.headers) into.headers = h;
}

/**
 * Storage `MergeDuplicateEndpoints`: entries with the same endpoint, direction and internal flag merge
 * (methods in order of first appearance, header values united); then a `:0` entry absorbs every entry
 * with the same path, direction and internal flag on another port, whichever comes first. A merged
 * entry keeps the position of the first entry of its group.
 */
export function mergeDuplicateEndpoints(list: readonly HTTPEndpoint[]): HTTPEndpoint[] {
  const out: HTTPEndpoint[] = [];
  const byKey = new Map<string, HTTPEndpoint>();
  for (const e of list) {
    const key = JSON.stringify([e.endpoint ?? '', e.direction ?? '', e.internal ?? false]);
    const have = byKey.get(key);
    if (have) absorb(have, e);
    else {
      const c = cloneEndpoint(e);
      byKey.set(key, c);
      out.push(c);
    }
  }
  const slots: Array<HTTPEndpoint | null> = out;
  for (let i = 0; i < slots.length; i++) {
    const w = slots[i];
    if (!w) continue;
    const ws = splitEndpointPortAndPath(w.endpoint ?? '');
    if (ws.port !== WILDCARD_PORT) continue;
    const members: number[] = [];
    slots.forEach((e, j) => {
      if (!e) return;
      if (j === i) return void members.push(j);
      const s = splitEndpointPortAndPath(e.endpoint ?? '');
      if (
        s.port !== WILDCARD_PORT &&
        s.path === ws.path &&
        (e.direction ?? '') === (w.direction ?? '') &&
        sameFlag(e.internal, w.internal)
      ) {
        members.push(j);
      }
    });
    if (members.length === 1) continue;
    // merge in list order, so methods keep their order of appearance
    const merged: HTTPEndpoint = { ...w };
    if (merged.methods) merged.methods = [];
    if (merged.headers) merged.headers = undefined;
    for (const j of members) absorb(merged, slots[j]!);
    for (const j of members) slots[j] = null;
    slots[members[0]!] = merged;
  }
  return slots.filter((e): e is HTTPEndpoint => e !== null);
}

/** Identifier of a port's trie. */
function portIdentifier(port: string): string {
  return port;
}

export interface AnalyzeEndpointsResult {
  endpoints: HTTPEndpoint[];
  /** input endpoint → output endpoint (dropped invalid endpoints are absent) */
  mapping: Map<string, string>;
  /** endpoints dropped because Go's request-URI parser would reject them */
  invalid: string[];
}

/** {@link analyzeEndpoints} that also reports where each input endpoint went. */
export function analyzeEndpointsDetailed(endpoints: readonly HTTPEndpoint[], analyzer: PathAnalyzer): AnalyzeEndpointsResult {
  const valid: HTTPEndpoint[] = [];
  const invalid: string[] = [];
  for (const e of endpoints) {
    if (isValidEndpointURI(e.endpoint ?? '')) valid.push(e);
    else invalid.push(e.endpoint ?? '');
  }
  const split = valid.map((e) => splitEndpointPortAndPath(e.endpoint ?? ''));
  split.forEach((s) => analyzer.analyzePath(s.path, portIdentifier(s.port)));
  const mapping = new Map<string, string>();
  const rewritten = valid.map((e, i) => {
    const s = split[i]!;
    const ep = ':' + s.port + analyzer.analyzePath(s.path, portIdentifier(s.port));
    mapping.set(e.endpoint ?? '', ep);
    return { ...e, endpoint: ep };
  });
  const merged = mergeDuplicateEndpoints(rewritten);
  // `:0` folding may have moved entries into a `:0` sibling with the same path
  const present = new Set(merged.map((e) => e.endpoint ?? ''));
  const wildByPath = new Map<string, string>();
  for (const e of merged) {
    const ms = splitEndpointPortAndPath(e.endpoint ?? '');
    if (ms.port === WILDCARD_PORT && !wildByPath.has(ms.path)) wildByPath.set(ms.path, e.endpoint ?? '');
  }
  for (const [k, v] of mapping) {
    if (present.has(v)) continue;
    const w = wildByPath.get(splitEndpointPortAndPath(v).path);
    if (w !== undefined) mapping.set(k, w);
  }
  return { endpoints: merged, mapping, invalid };
}

/** Storage `AnalyzeEndpoints`: drop unparseable endpoints, collapse paths per port, merge duplicates. */
export function analyzeEndpoints(endpoints: readonly HTTPEndpoint[], analyzer: PathAnalyzer): HTTPEndpoint[] {
  return analyzeEndpointsDetailed(endpoints, analyzer).endpoints;
}
