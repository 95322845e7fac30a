import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSignature } from '../../src/signing/index.ts';
import { buildManifest, leafHash, merkleRoot, type BundleLeaf } from '../../src/signing/bundle.ts';
import { INTEROP, interopSkip, readObject } from './helpers.ts';

test('bundle Merkle root of the bundle37 fragments equals the value derived in signing.md §5', { skip: interopSkip }, () => {
  const leaves: BundleLeaf[] = ['bundle37-overlay', 'bundle37-base', 'bundle37-admission'].map((n) => {
    const obj = readObject(`${INTEROP}${n}-signed.yaml`);
    const c = checkSignature(obj);
    return { class: obj.metadata!.labels!['signature.kubescape.io/fragment-class']!, signer: c.signer!.id, name: obj.metadata!.name!, contentDigest: c.hash! };
  });
  const m = buildManifest(leaves);
  assert.deepEqual(m.leaves.map((l) => l.class), ['base', 'admission', 'overlay']);
  assert.match(leafHash(m.leaves[0]!).toString('hex'), /^89e820f9.*1eb53$/);
  assert.match(leafHash(m.leaves[1]!).toString('hex'), /^bed4f7c3.*e9e6$/);
  assert.match(leafHash(m.leaves[2]!).toString('hex'), /^631eae9c.*06350$/);
  assert.equal(m.root, 'acc1c4b5dede580900766f30b5ad1b3db4f8f3530da0f9799dc600f201ced57b');
  assert.equal(merkleRoot(leaves), m.root, 'order of input does not matter');
});

test('bundle Merkle root: empty set and single leaf', () => {
  assert.equal(merkleRoot([]).length, 64);
  const l = { class: 'overlay', signer: 'key:x', name: 'n', contentDigest: 'ab' };
  assert.equal(merkleRoot([l]), leafHash(l).toString('hex'));
});
