/**
 * Tamper matrix: for a signed ApplicationProfile, NetworkNeighborhood and Rules object, every
 * single-field mutation of the signed content (change a scalar, add or remove a value anywhere) is
 * rejected, and so is swapping the signature annotations with another object's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  ANN,
  CANONICAL_HASH,
  contentOf,
  keySigner,
  policyFromKeys,
  publicKeyPem,
  signObject,
  verifyObject,
  withSignatureAnnotations,
  type HashAlgorithm,
  type SignableObject,
} from '../../src/signing/index.ts';
import { encodeEmbedded } from '../../src/signing/content.ts';
import { fixture } from './helpers.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Mutation {
  what: string;
  value: Json;
}

/** Every single-field mutation of `root`: change each scalar, remove each element/key, add to each container. */
function mutations(root: Json): Mutation[] {
  const out: Mutation[] = [];
  const walk = (node: Json, path: string, replace: (v: Json | undefined) => Json) => {
    if (Array.isArray(node)) {
      out.push({ what: `add element to ${path || '(root)'}`, value: replace([...node, node.length ? structuredClone(node[0]!) : 'added']) });
      node.forEach((child, i) => {
        out.push({ what: `remove ${path}[${i}]`, value: replace(node.filter((_, j) => j !== i)) });
        walk(child, `${path}[${i}]`, (v) => replace(v === undefined ? node.filter((_, j) => j !== i) : node.map((c, j) => (j === i ? v : c))));
      });
      return;
    }
    if (node && typeof node === 'object') {
      out.push({ what: `add key to ${path || '(root)'}`, value: replace({ ...node, 'zz-added': 'x' }) });
      for (const k of Object.keys(node)) {
        const without = () => Object.fromEntries(Object.entries(node).filter(([kk]) => kk !== k)) as Json;
        out.push({ what: `remove ${path}.${k}`, value: replace(without()) });
        walk(node[k]!, `${path}.${k}`, (v) => replace(v === undefined ? without() : { ...node, [k]: v }));
      }
      return;
    }
    let changed: Json;
    if (node === null) changed = 'x';
    else if (typeof node === 'boolean') changed = !node;
    else if (typeof node === 'number') changed = node + 1;
    else changed = `${node}x`;
    out.push({ what: `change ${path} ${JSON.stringify(node)} -> ${JSON.stringify(changed)}`, value: replace(changed) });
  };
  walk(root, '', (v) => v as Json);
  return out;
}

/** The live object an attacker would build from mutated content (keeps namespace and annotations). */
function objectFrom(original: SignableObject, content: Json, annotations: Record<string, string>): SignableObject {
  const c = (content ?? {}) as Record<string, Json>;
  const meta = (c.metadata ?? {}) as Record<string, Json>;
  const obj: SignableObject = { apiVersion: c.apiVersion as string, kind: c.kind as string, metadata: { name: meta.name as string, namespace: original.metadata?.namespace } };
  if (meta.labels) obj.metadata!.labels = meta.labels as Record<string, string>;
  for (const [k, v] of Object.entries(meta)) if (k !== 'name' && k !== 'labels') obj.metadata![k] = v;
  if ('spec' in c) obj.spec = c.spec;
  for (const [k, v] of Object.entries(c)) if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(k)) obj[k] = v;
  return withSignatureAnnotations(obj, annotations);
}

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const policy = policyFromKeys([{ name: 'vendor', pem: publicKeyPem(keys.publicKey) }]);
const FIXTURES = ['ap-nginx.yaml', 'nn-nginx.yaml', 'rules-baseline.yaml'];

async function signed(name: string, hash?: HashAlgorithm, embed = true) {
  const obj = fixture(name);
  const r = await signObject(obj, keySigner(keys.privateKey), { hash, embed });
  return { obj, annotations: r.annotations, signedObj: withSignatureAnnotations(obj, r.annotations) };
}

for (const name of FIXTURES) {
  for (const mode of ['embedded', 'live (no embedded content)', 'canonical hash'] as const) {
    test(`tamper matrix: ${name}, ${mode}: every single-field mutation is rejected`, async () => {
      const hash = mode === 'canonical hash' ? CANONICAL_HASH : undefined;
      const { obj, annotations, signedObj } = await signed(name, hash, mode !== 'live (no embedded content)');
      assert.equal(verifyObject(signedObj, policy).status, 'valid', 'the untouched object verifies');
      const content = contentOf(obj) as Json;
      // Without embedded content the verifier rebuilds the content from the live object: fields outside
      // {apiVersion, kind, metadata.name, metadata.labels, spec} (status, annotations, ...) are not signed by
      // design, and a missing apiVersion takes the kind's default (as upstream). Those are not mutations
      // of signed content there.
      const unsignedInLive = new Set(['add key to (root)', 'add key to .metadata', 'remove .apiVersion']);
      const muts = mutations(content).filter((m) => mode !== 'live (no embedded content)' || !unsignedInLive.has(m.what));
      assert.ok(muts.length > 40, `${muts.length} mutations`);
      const accepted: string[] = [];
      for (const m of muts) {
        const ann = mode === 'live (no embedded content)' ? annotations : { ...annotations, [ANN.content]: encodeEmbedded(m.value) };
        const r = verifyObject(objectFrom(obj, m.value, ann), policy);
        if (r.status === 'valid') accepted.push(m.what);
        else assert.match(r.reason, /does not match|is for name|is a |garbled|not .*allowed/, `${m.what}: ${r.reason}`);
      }
      assert.deepEqual(accepted, [], `mutations accepted: ${accepted.join('; ')}`);
    });
  }
}

test('tamper matrix: the canonical hash also rejects reordering arrays (the upstream tree hash does not)', async () => {
  const tree = await signed('ap-nginx.yaml');
  const canon = await signed('ap-nginx.yaml', CANONICAL_HASH);
  const reorder = (o: SignableObject) => {
    const c = structuredClone(contentOf(o)) as { spec: { containers: Array<{ execs: Array<{ args: string[] }> }> } };
    c.spec.containers[0]!.execs[0]!.args.reverse();
    return c as unknown as Json;
  };
  const mut = reorder(tree.obj);
  const viaTree = verifyObject(objectFrom(tree.obj, mut, { ...tree.annotations, [ANN.content]: encodeEmbedded(mut) }), policy);
  assert.equal(viaTree.status, 'valid', 'documented upstream weakness: exec args order is not covered');
  const viaCanon = verifyObject(objectFrom(canon.obj, mut, { ...canon.annotations, [ANN.content]: encodeEmbedded(mut) }), policy);
  assert.equal(viaCanon.status, 'tampered');
  // stripping the hash-name annotation does not downgrade: the signature was over the canonical hash
  const stripped = { ...canon.annotations };
  delete stripped[ANN.hash];
  assert.equal(verifyObject(withSignatureAnnotations(canon.obj, stripped), policy).status, 'tampered');
  const unknown = verifyObject(withSignatureAnnotations(canon.obj, { ...canon.annotations, [ANN.hash]: 'md5' }), policy);
  assert.equal(unknown.status, 'invalid');
  assert.match(unknown.reason, /annotation signature\.sbob\.io\/hash is garbled: unknown hash algorithm "md5"/);
});

test('tamper matrix: swapping signature annotations between the three objects is rejected', async () => {
  const all = await Promise.all(FIXTURES.map((f) => signed(f)));
  const allLive = await Promise.all(FIXTURES.map((f) => signed(f, undefined, false)));
  for (const set of [all, allLive]) {
    for (const a of set) {
      for (const b of set) {
        if (a === b) continue;
        const r = verifyObject(withSignatureAnnotations(a.obj, b.annotations), policy);
        assert.notEqual(r.status, 'valid', `${a.obj.kind} with ${b.obj.kind}'s annotations`);
        assert.equal(r.status, 'tampered');
      }
    }
  }
  // same kind and name, different content: still rejected (content differs)
  const ap = all[0]!;
  const ap2 = structuredClone(ap.obj);
  (ap2.spec as { architectures: string[] }).architectures = ['s390x'];
  const s2 = await signObject(ap2, keySigner(keys.privateKey));
  assert.equal(verifyObject(withSignatureAnnotations(ap.obj, { ...s2.annotations }), policy).status, 'valid', 'embedded content wins...');
  assert.equal(verifyObject(withSignatureAnnotations(ap.obj, { ...s2.annotations }), policy).liveMatchesSigned, false, '...but the live object is flagged as different');
  assert.equal(verifyObject(withSignatureAnnotations(ap.obj, { ...s2.annotations }), { ...policy, requireLiveMatch: true }).status, 'tampered');
});

test('tamper matrix: mutating any signature annotation is rejected or harmless', async () => {
  const { obj, annotations } = await signed('rules-baseline.yaml');
  const flip = (b64: string) => {
    const buf = Buffer.from(b64, 'base64');
    buf[buf.length - 5]! ^= 0x01;
    return buf.toString('base64');
  };
  const otherSig = await signObject(obj, keySigner(other.privateKey));
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['signature bit flipped', { ...annotations, [ANN.signature]: flip(annotations[ANN.signature]!) }, /does not match|garbled/],
    ['certificate of another key', { ...annotations, [ANN.certificate]: otherSig.annotations[ANN.certificate]! }, /does not match/],
    ['signature not base64', { ...annotations, [ANN.signature]: 'not base64!' }, /annotation signature\.kubescape\.io\/signature is garbled: not base64/],
    ['certificate garbled', { ...annotations, [ANN.certificate]: Buffer.from('hello').toString('base64') }, /annotation signature\.kubescape\.io\/certificate is garbled/],
    ['content not gzip', { ...annotations, [ANN.content]: Buffer.from('{}').toString('base64') }, /annotation signature\.kubescape\.io\/content is garbled: not gzip data/],
    ['timestamp not a number', { ...annotations, [ANN.timestamp]: 'yesterday' }, /annotation signature\.kubescape\.io\/timestamp is garbled/],
    ['timestamp unquoted in YAML (a number)', { ...annotations, [ANN.timestamp]: 1786469943 as unknown as string }, /annotation signature\.kubescape\.io\/timestamp is garbled: its value is a number, not a string \(quote it in YAML\)/],
    ['timestamp after the certificate expired', { ...annotations, [ANN.timestamp]: String(Math.floor(Date.now() / 1000) + 2 * 365 * 86400) }, /certificate expired/],
  ];
  for (const [what, ann, re] of cases) {
    const r = verifyObject(withSignatureAnnotations(obj, ann), policy);
    assert.notEqual(r.status, 'valid', what);
    assert.match(r.reason, re, `${what}: ${r.reason}`);
  }
  const noSig = { ...annotations };
  delete noSig[ANN.signature];
  const r = verifyObject(withSignatureAnnotations(obj, noSig), policy);
  assert.equal(r.status, 'invalid');
  assert.match(r.reason, /annotation signature\.kubescape\.io\/signature is missing/);
  const noCert = { ...annotations };
  delete noCert[ANN.certificate];
  assert.match(verifyObject(withSignatureAnnotations(obj, noCert), policy).reason, /annotation signature\.kubescape\.io\/certificate is missing/);
  assert.equal(verifyObject(obj, policy).status, 'unsigned');
});

test('namespace binding (--sign-namespace): moving the object to another namespace is tampered; by default it is not signed', async () => {
  for (const embed of [true, false]) {
    const obj = fixture('nn-nginx.yaml');
    const bound = await signObject(obj, keySigner(keys.privateKey), { includeNamespace: true, embed });
    assert.equal(verifyObject(withSignatureAnnotations(obj, bound.annotations), policy).status, 'valid');
    const moved = withSignatureAnnotations(obj, bound.annotations);
    moved.metadata!.namespace = 'prod';
    const r = verifyObject(moved, policy);
    assert.equal(r.status, 'tampered', `embed=${embed}`);
    if (embed) assert.match(r.reason, /bound to namespace "web" but the object is in namespace "prod"/);
    const free = await signObject(obj, keySigner(keys.privateKey), { embed });
    const movedFree = withSignatureAnnotations(obj, free.annotations);
    movedFree.metadata!.namespace = 'prod';
    assert.equal(verifyObject(movedFree, policy).status, 'valid', 'namespace is not part of the default (G3) content');
  }
});
