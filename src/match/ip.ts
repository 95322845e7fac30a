/**
 * IP address and CIDR handling with Go `net.ParseIP` / `net.ParseCIDR` / `IP.String()` semantics, and the
 * profile IP matchers (`MatchIP`, spec rule-engine.md §2.5; helper `matchIP(field, observed)`, §2.4).
 */
import { InvalidCIDRError, InvalidIPEntryError, InvalidIPError } from './errors.ts';
import { WILDCARD } from './tokens.ts';

const V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** Parses a dotted quad (no leading zeros, 0..255) into `out[off..off+4]`. */
function parseV4Into(s: string, out: Uint8Array, off: number): boolean {
  let val = 0;
  let digits = 0;
  let pos = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && val === 0) return false; // leading zero
      val = val * 10 + (c - 48);
      digits++;
      if (val > 255) return false;
    } else if (c === 46 /* . */) {
      if (i === 0 || i === s.length - 1 || s.charCodeAt(i - 1) === 46) return false;
      if (pos === 3) return false;
      out[off + pos++] = val;
      val = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (pos < 3 || digits === 0) return false;
  out[off + 3] = val;
  return true;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function parseV6(s: string): Uint8Array | null {
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  let pos = 0; // index into s
  let i = 0; // bytes filled
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    pos = 2;
    if (pos === s.length) return ip;
  }
  while (i < 16) {
    let off = 0;
    let acc = 0;
    while (pos + off < s.length) {
      const h = hexVal(s.charCodeAt(pos + off));
      if (h < 0) break;
      acc = acc * 16 + h;
      off++;
      if (off > 4) return null; // more than 4 hex digits
    }
    if (off === 0) return null;
    if (pos + off < s.length && s[pos + off] === '.') {
      if (ellipsis < 0 && i !== 12) return null;
      if (i + 4 > 16) return null;
      if (!parseV4Into(s.slice(pos), ip, i)) return null;
      pos = s.length;
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    pos += off;
    if (pos === s.length) break;
    if (s[pos] !== ':' || pos + 1 === s.length) return null;
    pos++;
    if (s[pos] === ':') {
      if (ellipsis >= 0) return null;
      ellipsis = i;
      pos++;
      if (pos === s.length) break;
    }
  }
  if (pos !== s.length) return null;
  if (i < 16) {
    if (ellipsis < 0) return null;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return null; // `::` must stand for at least one zero group
  }
  return ip;
}

/**
 * Go `net.ParseIP`: returns the 16-byte form (IPv4 as IPv4-mapped IPv6) or null. Dotted quads with
 * leading zeros, zones (`%eth0`) and anything else malformed are rejected.
 */
export function parseIP(s: string): Uint8Array | null {
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === '.') {
      const ip = new Uint8Array(16);
      ip.set(V4_PREFIX);
      return parseV4Into(s, ip, 12) ? ip : null;
    }
    if (c === ':') return parseV6(s);
    if (c === '%') return null;
  }
  return null;
}

/** Like {@link parseIP} but throws {@link InvalidIPError}. */
export function parseIPOrThrow(s: string): Uint8Array {
  const ip = parseIP(s);
  if (!ip) throw new InvalidIPError(s);
  return ip;
}

/** Go `IP.To4() != nil`: the 16-byte address is IPv4-mapped (`::ffff:a.b.c.d`). */
export function isV4Mapped(ip: Uint8Array): boolean {
  if (ip.length === 4) return true;
  for (let k = 0; k < 12; k++) if (ip[k] !== V4_PREFIX[k]) return false;
  return true;
}

/** Go `IP.String()` of a 16-byte address: dotted quad for IPv4-mapped, else RFC 5952 compressed IPv6. */
export function formatIP(ip: Uint8Array): string {
  if (ip.length === 4) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`;
  if (isV4Mapped(ip)) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const g: number[] = [];
  for (let k = 0; k < 16; k += 2) g.push((ip[k]! << 8) | ip[k + 1]!);
  let zs = -1;
  let ze = -1;
  for (let k = 0; k < 8; k++) {
    let j = k;
    while (j < 8 && g[j] === 0) j++;
    if (j - k >= 2 && j - k > ze - zs) {
      zs = k;
      ze = j;
    }
    if (j > k) k = j - 1;
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === zs) {
      out += '::';
      k = ze - 1;
      continue;
    }
    if (k > 0 && !out.endsWith(':')) out += ':';
    out += g[k]!.toString(16);
  }
  return out;
}

/** Canonical text of an IP string (Go `ParseIP(s).String()`), or null when `s` is not an IP. */
export function canonicalIP(s: string): string | null {
  const ip = parseIP(s);
  return ip ? formatIP(ip) : null;
}

/** A parsed CIDR with Go `IPNet` semantics. */
export interface CIDR {
  /** the address as written (16-byte form) */
  readonly ip: Uint8Array;
  /** prefix length as written */
  readonly bits: number;
  /** network number: 4 bytes for IPv4 networks, 16 for IPv6 (Go networkNumberAndMask) */
  readonly network: Uint8Array;
  /** mask of the same length as `network` */
  readonly mask: Uint8Array;
  /** true if the network is IPv4 (or IPv4-mapped) */
  readonly v4: boolean;
  contains(ip: Uint8Array): boolean;
}

function cidrMask(ones: number, bytes: number): Uint8Array {
  const m = new Uint8Array(bytes);
  for (let k = 0; k < bytes; k++) {
    const b = Math.max(0, Math.min(8, ones - k * 8));
    m[k] = b === 0 ? 0 : (0xff << (8 - b)) & 0xff;
  }
  return m;
}

/** Go `net.ParseCIDR` (host bits allowed; mask length 0..32 for IPv4, 0..128 for IPv6). */
export function parseCIDR(s: string): CIDR | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const addr = s.slice(0, slash);
  const maskText = s.slice(slash + 1);
  const ip = parseIP(addr);
  if (!ip) return null;
  // Go: an address written as dotted quad (not as IPv6) makes this an IPv4 prefix.
  const writtenV4 = !addr.includes(':');
  const width = writtenV4 ? 32 : 128;
  if (!/^[0-9]+$/.test(maskText) || maskText.length > 8) return null;
  const bits = Number(maskText);
  if (bits > width) return null;
  const m = cidrMask(bits, width / 8);
  // IP(addr16).Mask(m)
  let base: Uint8Array = ip;
  if (m.length === 4) base = ip.subarray(12);
  const masked = new Uint8Array(base.length);
  for (let k = 0; k < base.length; k++) masked[k] = base[k]! & m[k]!;
  // networkNumberAndMask
  let network: Uint8Array = masked;
  let mask: Uint8Array = m;
  if (masked.length === 16 && isV4Mapped(masked)) network = masked.subarray(12);
  if (network.length === 4 && mask.length === 16) mask = mask.subarray(12);
  const v4 = network.length === 4;
  return {
    ip,
    bits,
    network,
    mask,
    v4,
    contains(obs: Uint8Array): boolean {
      let x: Uint8Array = obs;
      if (x.length === 16 && isV4Mapped(x)) x = x.subarray(12);
      if (x.length !== network.length) return false;
      for (let k = 0; k < x.length; k++) if ((network[k]! & mask[k]!) !== (x[k]! & mask[k]!)) return false;
      return true;
    },
  };
}

/** Like {@link parseCIDR} but throws {@link InvalidCIDRError}. */
export function parseCIDROrThrow(s: string): CIDR {
  const c = parseCIDR(s);
  if (!c) throw new InvalidCIDRError(s, 'expected <ip>/<prefix length> with a prefix length that fits the address family');
  return c;
}

function sameIP(a: Uint8Array, b: Uint8Array): boolean {
  for (let k = 0; k < 16; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Storage `MatchIP(entries, observed)`: observed must be an IP; `*` matches any IP; an entry with `/` is a
 * CIDR (containment, host bits allowed); other entries compare as parsed IPs (IPv4 ≡ IPv4-mapped).
 * Invalid and empty entries are ignored.
 */
export function matchIP(entries: readonly string[], observed: string): boolean {
  const ip = parseIP(observed);
  if (!ip) return false;
  for (const e of entries) {
    if (e === '') continue;
    if (e === WILDCARD) return true;
    if (e.includes('/')) {
      const c = parseCIDR(e);
      if (c && c.contains(ip)) return true;
      continue;
    }
    const lit = parseIP(e);
    if (lit && sameIP(lit, ip)) return true;
  }
  return false;
}

function ipKey(ip: Uint8Array): string {
  let s = '';
  for (let k = 0; k < 16; k++) s += String.fromCharCode(ip[k]!);
  return s;
}

/** A compiled IP entry list answering the helper semantics of `matchIP(field, observed)`. */
export interface IPSet {
  has(observed: string): boolean;
  readonly size: number;
}

/**
 * Compiles entries for the helper semantics of rule-engine.md §2.4 `matchIP(field, observed)`:
 * observed "" → false; exact string membership; canonical text membership; then `MatchIP` (`*`, CIDRs,
 * literal IPs by value). Literals and raw strings are hashed, so a lookup is O(1) + O(#CIDRs).
 */
export function compileIPSet(entries: readonly string[]): IPSet {
  const raw = new Set<string>();
  const literals = new Set<string>();
  const cidrs: CIDR[] = [];
  let any = false;
  for (const e of entries) {
    raw.add(e);
    if (e === '') continue;
    if (e === WILDCARD) {
      any = true;
      continue;
    }
    if (e.includes('/')) {
      const c = parseCIDR(e);
      if (c) cidrs.push(c);
      continue;
    }
    const ip = parseIP(e);
    if (ip) literals.add(ipKey(ip));
  }
  return {
    size: raw.size,
    has(observed: string): boolean {
      if (observed === '') return false;
      if (raw.has(observed)) return true;
      const ip = parseIP(observed);
      if (!ip) return false;
      if (any) return true;
      if (literals.has(ipKey(ip))) return true; // covers the canonical-text step
      for (const c of cidrs) if (c.contains(ip)) return true;
      return false;
    },
  };
}

/** Why an `ipAddress`/`ipAddresses[]` entry is invalid, or null when it is a valid IP, CIDR or `*`. */
export function checkIPEntry(s: string): string | null {
  if (s === '') return 'empty entry';
  if (s === WILDCARD) return null;
  if (s.includes('/')) return parseCIDR(s) ? null : 'not a valid CIDR (expected <ip>/<prefix length>)';
  return parseIP(s) ? null : 'not a valid IP address, CIDR or "*"';
}

/** True if the entry is a literal IP, a CIDR or `*` (storage admission rule for NN entries). */
export function isValidIPEntry(s: string): boolean {
  return checkIPEntry(s) === null;
}

/** Throws {@link InvalidIPEntryError} when {@link checkIPEntry} reports a problem. */
export function assertIPEntry(s: string): void {
  const why = checkIPEntry(s);
  if (why) throw new InvalidIPEntryError(s, why);
}
