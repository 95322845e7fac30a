/**
 * Content hashes.
 *
 * `treeHash` is the upstream (kubescape node-agent / storage `CanonicalHash`) structural hash,
 * reproduced exactly for interoperability (spec signing.md §1.2). It is order-insensitive for arrays
 * (multisets) and has known type confusions; both are kept on purpose.
 *
 * `canonicalHash` is sbob's stricter option: SHA-256 over a domain-separated canonical JSON
 * encoding (object keys sorted, array order kept, types distinct). Objects that use it name it in
 * the `signature.sbob.io/hash` annotation.
 */
import { createHash } from 'node:crypto';

export const TREE_HASH = 'kubescape-jsonhash';
export const CANONICAL_HASH = 'sbob-canonical-v1';
export type HashAlgorithm = typeof TREE_HASH | typeof CANONICAL_HASH;
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = [TREE_HASH, CANONICAL_HASH];

const EXCLUDED = new Set(['.status.conditions']);

function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

const EMPTY = sha256('');

function compareBytes(a: string, b: string): number {
  // all compared strings are ASCII (hex, ':' and '|'), so code unit order is byte order
  return a < b ? -1 : a > b ? 1 : 0;
}

function tree(value: unknown, path: string): Buffer {
  if (EXCLUDED.has(path)) return EMPTY;
  if (value === null || value === undefined) return sha256('null');
  switch (typeof value) {
    case 'boolean':
      return sha256(value ? 'true' : 'false');
    case 'string':
      return sha256(Buffer.from(value, 'utf8'));
    case 'number': {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(value, 0);
      return sha256(b);
    }
    case 'bigint': {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(Number(value), 0);
      return sha256(b);
    }
    case 'object': {
      if (Array.isArray(value)) {
        const parts = value.map((v) => tree(v, path).toString('hex')).sort(compareBytes);
        return sha256(Buffer.from(parts.join('|'), 'utf8'));
      }
      const entries: string[] = [];
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue; // JSON.stringify would drop it as well
        const p = `${path}.${k}`;
        if (EXCLUDED.has(p)) continue;
        entries.push(`${sha256(Buffer.from(k, 'utf8')).toString('hex')}:${tree(v, p).toString('hex')}`);
      }
      entries.sort(compareBytes);
      return sha256(Buffer.from(entries.join('|'), 'utf8'));
    }
    default:
      throw new TypeError(`cannot hash a value of type ${typeof value}`);
  }
}

/** The upstream structural hash of a parsed JSON value, as 64 lowercase hex characters. */
export function treeHash(value: unknown): string {
  return tree(value, '').toString('hex');
}

function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('cannot hash a non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const keys = Object.keys(value as object)
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .sort(compareUtf16);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`cannot hash a value of type ${typeof value}`);
  }
}

function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sbob's strict canonical hash: order-preserving for arrays, type-exact. */
export function canonicalHash(value: unknown): string {
  return sha256(Buffer.from(`${CANONICAL_HASH}\n${canonicalJson(value)}`, 'utf8')).toString('hex');
}

export function contentHash(value: unknown, algorithm: HashAlgorithm): string {
  return algorithm === CANONICAL_HASH ? canonicalHash(value) : treeHash(value);
}
