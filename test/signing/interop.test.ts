/**
 * Interop with the kubescape node-agent fork's published signed objects (../shared/interop): every
 * valid object verifies, every tampered twin fails naming why, signer fingerprints and content hashes
 * match the published values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ANN,
  checkSignature,
  keyFingerprint,
  loadTrustPolicy,
  mergePolicies,
  parseTrustPolicy,
  readPublicKey,
  treeHash,
  verifyObject,
  withSignatureAnnotations,
  type SignableObject,
  type TrustPolicy,
} from '../../src/signing/index.ts';
import { INTEROP, interopSkip, readObject } from './helpers.ts';

interface ExpectedFile {
  file: string;
  role: string;
  expected?: string;
  signer?: string;
  contentHash?: string;
  recomputedHash?: string;
  signatureVerifies?: boolean;
  of?: string;
}

const expected: ExpectedFile[] = interopSkip ? [] : (JSON.parse(readFileSync(`${INTEROP}expected.json`, 'utf8')) as { files: ExpectedFile[] }).files;
const byRole = (...roles: string[]) => expected.filter((f) => roles.includes(f.role));

const ROOT_PEM = () => readFileSync(`${INTEROP}pubkey-demo-root.pem`, 'utf8');

/**
 * The fork's own root-signed trust policies, loaded through sbob's converter (classes keyed on the signed
 * fragment-class label). Flat ContainerProfiles have no pinned signer upstream (allow-untrusted); sbob always
 * pins, so the bob vendor key is pinned for flat ContainerProfiles explicitly.
 */
function policyFor(file: string): TrustPolicy {
  const ct = loadTrustPolicy(`${INTEROP}trust-policy.signed.json`, { upstreamRootPem: ROOT_PEM() });
  const bob = loadTrustPolicy(`${INTEROP}bob-trust-policy.signed.json`, { upstreamRootPem: ROOT_PEM() });
  const flat = parseTrustPolicy({
    apiVersion: 'sbob.io/v1alpha1',
    kind: 'TrustPolicy',
    metadata: { name: 'bob-flat' },
    spec: { signers: [{ name: 'bob-vendor', key: { publicKeyFile: 'pubkey-bob-vendor.pem' }, allow: [{ kinds: ['ContainerProfile'] }] }] },
  }, 'inline', INTEROP);
  return file.startsWith('bob-') ? mergePolicies([bob, flat]) : ct;
}

function rootPolicy(): TrustPolicy {
  return parseTrustPolicy(
    {
      apiVersion: 'sbob.io/v1alpha1',
      kind: 'TrustPolicy',
      metadata: { name: 'demo-root' },
      spec: { signers: [{ name: 'demo-root', key: { publicKeyFile: 'pubkey-demo-root.pem' }, allow: [{ kinds: ['TrustPolicyArtifact'] }] }] },
    },
    'inline',
    INTEROP,
  );
}

test('interop: embedded content JSON files hash to the published content hashes', { skip: interopSkip }, () => {
  const decoded = byRole('decoded-embedded-content');
  assert.ok(decoded.length >= 9);
  for (const f of decoded) {
    const signed = expected.find((x) => x.file === f.of)!;
    assert.equal(treeHash(JSON.parse(readFileSync(`${INTEROP}${f.file}`, 'utf8'))), signed.contentHash, f.file);
  }
});

test('interop: public key fingerprints match the published key ids', { skip: interopSkip }, () => {
  const pems = byRole('public-key');
  assert.equal(pems.length, 7);
  const readme = readFileSync(`${INTEROP}README.md`, 'utf8');
  for (const p of pems) {
    const fp = keyFingerprint(readPublicKey(readFileSync(`${INTEROP}${p.file}`, 'utf8'), p.file));
    assert.ok(readme.includes(`\`${p.file}\`: \`${fp}\``), `${p.file} -> ${fp}`);
  }
});

test('interop: every published signed object verifies cryptographically with the published signer and hash', { skip: interopSkip }, () => {
  const signed = byRole('signed');
  assert.ok(signed.length >= 13);
  for (const f of signed) {
    const c = checkSignature(readObject(`${INTEROP}${f.file}`));
    assert.equal(c.status, 'valid', `${f.file}: ${c.reason}`);
    assert.equal(c.signer?.id, f.signer, f.file);
    assert.equal(c.hash, f.contentHash, f.file);
    assert.equal(c.liveMatchesSigned, true, `${f.file}: live object equals the embedded content`);
  }
});

test('interop: expected verdicts under the equivalent trust policies (valid / untrusted-signer)', { skip: interopSkip }, () => {
  const root = rootPolicy();
  for (const f of byRole('signed')) {
    const obj = readObject(`${INTEROP}${f.file}`);
    const r = verifyObject(obj, f.file.endsWith('.json') ? root : policyFor(f.file));
    const want = f.expected === 'valid' ? 'valid' : 'untrusted';
    assert.equal(r.status, want, `${f.file}: ${r.reason}`);
    if (want === 'untrusted') assert.match(r.reason, new RegExp(`signer (${f.signer} is not in trust policy|"[^"]+" \\(${f.signer}\\) may not sign)`), `${f.file}: ${r.reason}`);
  }
});

test('interop: every tampered twin fails as tampered and says why', { skip: interopSkip }, () => {
  const twins = byRole('tampered-twin');
  assert.equal(twins.length, 13);
  for (const f of twins) {
    const obj = readObject(`${INTEROP}${f.file}`);
    const c = checkSignature(obj);
    assert.equal(c.status, 'tampered', f.file);
    assert.equal(c.hash, f.recomputedHash, `${f.file}: recomputed hash`);
    assert.match(c.reason, /signature does not match the (embedded|object) content/, f.file);
    const r = verifyObject(obj, f.file.endsWith('.json') ? rootPolicy() : policyFor(f.file));
    assert.equal(r.status, 'tampered', f.file);
  }
});

test('interop: live-spec edit is ignored (embedded content wins), rename is tampered', { skip: interopSkip }, () => {
  const policy = policyFor('bundle37-base-signed.yaml');
  const edited = verifyObject(readObject(`${INTEROP}bundle37-base-signed-livespec-edited.yaml`), policy);
  assert.equal(edited.status, 'valid', edited.reason);
  assert.equal(edited.liveMatchesSigned, false);
  assert.match(edited.warnings.join(), /differs from its signed embedded content/);
  const execs = (edited.signedObject!.spec as { execs: Array<{ path: string }> }).execs.map((e) => e.path);
  assert.ok(!execs.includes('/usr/bin/nc'), 'the added exec is not part of the object to enforce');

  const strict = verifyObject(readObject(`${INTEROP}bundle37-base-signed-livespec-edited.yaml`), { ...policy, requireLiveMatch: true });
  assert.equal(strict.status, 'tampered');

  const renamed = verifyObject(readObject(`${INTEROP}bundle37-base-signed-renamed.yaml`), policy);
  assert.equal(renamed.status, 'tampered');
  assert.match(renamed.reason, /signed content is for name "bundle37-base" but the object is named "bundle37-base-copy"/);
});

test('interop: legacy path (no embedded content) verifies the stored object with the Go adapter quirks', { skip: interopSkip }, () => {
  const obj = readObject(`${INTEROP}bundle37-base-signed.yaml`);
  const ann = { ...obj.metadata!.annotations! };
  delete ann[ANN.content];
  const legacy = withSignatureAnnotations(obj, ann);
  const c = checkSignature(legacy);
  assert.equal(c.status, 'valid', c.reason);
  assert.equal(c.hash, 'f8da0b152166331932e2ef25576b91f81c4e9d5189a3c095ddf082e1b00732ff');
  const edited = structuredClone(legacy) as SignableObject;
  (edited.spec as { execs: unknown[] }).execs.push({ path: '/usr/bin/nc' });
  assert.equal(checkSignature(edited).status, 'tampered');
});

test('interop: a fork trust policy signed by a non-root key, or tampered, is refused as a policy', { skip: interopSkip }, () => {
  assert.throws(() => loadTrustPolicy(`${INTEROP}trust-policy.badsigner.signed.json`, { upstreamRootPem: ROOT_PEM() }), /is signed by key:e48442a2.*not by the policy root key:d0cc7f2e/);
  assert.throws(() => loadTrustPolicy(`${INTEROP}trust-policy.signed-tampered.json`, { upstreamRootPem: ROOT_PEM() }), /signed trust policy is tampered/);
  assert.throws(() => loadTrustPolicy(`${INTEROP}trust-policy.signed.json`), /pass the root public key that signed it/);
});

test('interop: the fork policy admits the overlay Rules (R0001 only) for ct-operator but not a base Rules file', { skip: interopSkip }, () => {
  const ct = policyFor('x');
  assert.equal(verifyObject(readObject(`${INTEROP}rules-namespace-override-signed.yaml`), ct).status, 'valid');
  assert.equal(verifyObject(readObject(`${INTEROP}bundle37-admission-signed.yaml`), ct).status, 'valid');
  const r = verifyObject(readObject(`${INTEROP}rules-untrusted-signer-signed.yaml`), ct);
  assert.equal(r.status, 'untrusted');
});

test('interop: sbob signs a fork-style trust policy artifact the way the fork verifies it (no embedded content)', { skip: interopSkip }, async () => {
  const { generateSigningKey, keySigner, signObject } = await import('../../src/signing/index.ts');
  const root = generateSigningKey();
  const artifact = { policy: (readObject(`${INTEROP}trust-policy.json`) as unknown) as object, annotations: {} } as SignableObject;
  const r = await signObject(artifact, keySigner(root.privateKey));
  assert.equal(r.annotations[ANN.content], undefined);
  assert.equal(r.hash, '6ca2538c49fd82853ac007d84e5c68fdc27dd3ac1a2f90bb446bb2a1f9514c52', 'same content hash as the published signed policy');
  assert.equal(checkSignature(withSignatureAnnotations(artifact, r.annotations)).status, 'valid');
});
