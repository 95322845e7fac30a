/**
 * The G3 fragment-bundle Merkle binding (signing.md §6.4): leaves over (class, signer id, content
 * digest), canonical order, SHA-256 tree with odd nodes promoted. sbob records it for assembled
 * NetworkNeighborhoods in `signature.kubescape.io/bundle-manifest` so a set of pieces has one digest.
 */
import { createHash } from 'node:crypto';

export const BUNDLE_MANIFEST_ANNOTATION = 'signature.kubescape.io/bundle-manifest';

export interface BundleLeaf {
  class: string;
  signer: string;
  name: string;
  contentDigest: string;
  version?: number;
}

export interface BundleManifest {
  root: string;
  leaves: BundleLeaf[];
}

const CLASS_RANK: Record<string, number> = { base: 0, admission: 1, overlay: 2 };

export function canonicalOrder(leaves: BundleLeaf[]): BundleLeaf[] {
  const rank = (c: string) => CLASS_RANK[c] ?? 3;
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...leaves].sort((a, b) => rank(a.class) - rank(b.class) || cmp(a.signer, b.signer) || cmp(a.contentDigest, b.contentDigest));
}

export function leafHash(l: BundleLeaf): Buffer {
  const z = Buffer.from([0]);
  return createHash('sha256')
    .update(Buffer.concat([Buffer.from('kubescape-bundle-leaf'), z, Buffer.from(l.class), z, Buffer.from(l.signer), z, Buffer.from(l.contentDigest)]))
    .digest();
}

export function merkleRoot(leaves: BundleLeaf[]): string {
  let level = canonicalOrder(leaves).map(leafHash);
  if (level.length === 0) return createHash('sha256').update('kubescape-bundle-empty').digest('hex');
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      if (i + 1 === level.length) next.push(level[i]!);
      else next.push(createHash('sha256').update(Buffer.concat([Buffer.from([1]), level[i]!, level[i + 1]!])).digest());
    }
    level = next;
  }
  return level[0]!.toString('hex');
}

export function buildManifest(leaves: BundleLeaf[]): BundleManifest {
  const ordered = canonicalOrder(leaves);
  return { root: merkleRoot(ordered), leaves: ordered };
}
