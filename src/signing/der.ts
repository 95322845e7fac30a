/**
 * A minimal DER encoder/decoder: just enough to build a self-signed X.509 certificate for a signing
 * key (upstream `certificate` annotation) and to read extensions of Fulcio certificates.
 */

export function tlv(tag: number, body: Uint8Array): Buffer {
  const len = body.length;
  let head: number[];
  if (len < 0x80) head = [tag, len];
  else {
    const bytes: number[] = [];
    for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    head = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(head), body]);
}

export const seq = (...items: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: Uint8Array[]): Buffer => tlv(0x31, Buffer.concat(items));
export const octets = (b: Uint8Array): Buffer => tlv(0x04, b);
export const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));
export const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
export const explicit = (n: number, body: Uint8Array): Buffer => tlv(0xa0 | n, body);
export const bitString = (b: Uint8Array, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));

/** A non-negative INTEGER from big-endian magnitude bytes. */
export function uint(bytes: Uint8Array): Buffer {
  let b = Buffer.from(bytes);
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map((p) => BigInt(p));
  const out: number[] = [Number(parts[0]! * 40n + parts[1]!)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [];
    let v = p;
    do {
      chunk.unshift(Number(v & 0x7fn));
      v >>= 7n;
    } while (v > 0n);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
export function time(d: Date): Buffer {
  const pad = (n: number) => String(n).padStart(2, '0');
  const y = d.getUTCFullYear();
  const rest = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(0x17, Buffer.from(`${String(y % 100).padStart(2, '0')}${rest}`, 'ascii'));
  return tlv(0x18, Buffer.from(`${y}${rest}`, 'ascii'));
}

export interface DerNode {
  tag: number;
  /** full encoding including header */
  raw: Buffer;
  body: Buffer;
  children?: DerNode[];
}

export function parseDer(buf: Buffer, offset = 0, end = buf.length): DerNode[] {
  const out: DerNode[] = [];
  let i = offset;
  while (i < end) {
    const tag = buf[i]!;
    let len = buf[i + 1];
    if (len === undefined) throw new Error('truncated DER');
    let hdr = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4) throw new Error('unsupported DER length');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + buf[i + 2 + k]!;
      hdr += n;
    }
    const start = i + hdr;
    const stop = start + len;
    if (stop > end) throw new Error('truncated DER');
    const node: DerNode = { tag, raw: buf.subarray(i, stop), body: buf.subarray(start, stop) };
    if (tag & 0x20) node.children = parseDer(buf, start, stop);
    out.push(node);
    i = stop;
  }
  return out;
}

export function decodeOid(body: Buffer): string {
  const first = body[0]!;
  const parts: bigint[] = [BigInt(Math.floor(Math.min(first, 80) / 40)), BigInt(first - Math.min(2, Math.floor(first / 40)) * 40)];
  let v = 0n;
  for (const b of body.subarray(1)) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0n;
    }
  }
  return parts.join('.');
}
