import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateSigningKey,
  keyFingerprint,
  keySigner,
  loadTrustPolicy,
  parseTrustPolicy,
  publicKeyPem,
  signObject,
  verifyObject,
  withSignatureAnnotations,
  PolicyError,
} from '../../src/signing/index.ts';
import { fixture } from './helpers.ts';

const doc = (spec: unknown, extra: Record<string, unknown> = {}) => ({ apiVersion: 'sbob.io/v1alpha1', kind: 'TrustPolicy', metadata: { name: 'p' }, spec, ...extra });

test('trust policy: validation errors name the file and the field', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ apiVersion: 'v1', kind: 'TrustPolicy', spec: {} }, /f\.yaml: trust policy field apiVersion: must be "sbob\.io\/v1alpha1"/],
    [doc({ signers: [] }), /field spec\.signers: must be a non-empty list/],
    [doc({ signers: [{ key: { fingerprint: `key:${'a'.repeat(64)}` } }] }), /field spec\.signers\[0\]\.name: is required/],
    [doc({ signers: [{ name: 'a' }] }), /field spec\.signers\[0\]: needs key or keyless/],
    [doc({ signers: [{ name: 'a', key: { fingerprint: 'abc' } }] }), /spec\.signers\[0\]\.key\.fingerprint: must be "key:" followed by 64/],
    [doc({ signers: [{ name: 'a', key: { publicKey: 'garbage' } }] }), /spec\.signers\[0\]\.key\.publicKey: cannot read garbage/],
    [doc({ signers: [{ name: 'a', keyless: { identity: 'x' } }] }), /spec\.signers\[0\]\.keyless\.issuer: is required/],
    [doc({ signers: [{ name: 'a', keyless: { issuer: 'https://i', identity: 'x' } }] }), /spec\.signers\[0\]\.keyless\.fulcioRoots: is required/],
    [doc({ signers: [{ name: 'a', key: { fingerprint: `key:${'a'.repeat(64)}` }, allow: [{ namespaces: ['x'] }] }] }), /spec\.signers\[0\]\.allow\[0\]\.kinds: is required/],
    [doc({ signers: [{ name: 'a', key: { fingerprint: `key:${'a'.repeat(64)}` }, network: { cidrs: ['nope'] } }] }), /spec\.signers\[0\]\.network\.cidrs\[0\]: "nope" is not a CIDR/],
    [doc({ signers: [{ name: 'a', key: { fingerprint: `key:${'a'.repeat(64)}` } }, { name: 'a', key: { fingerprint: `key:${'b'.repeat(64)}` } }] }), /spec\.signers\[1\]\.name: duplicate signer name "a"/],
  ];
  for (const [d, re] of bad) {
    assert.throws(() => parseTrustPolicy(d, 'f.yaml'), (e: Error) => e instanceof PolicyError && re.test(e.message), String(re));
  }
});

test('trust policy: loadTrustPolicy reads YAML with relative key files; unreadable or non-YAML files are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-policy-'));
  try {
    const k = generateSigningKey();
    writeFileSync(join(dir, 'vendor.pub'), publicKeyPem(k.publicKey));
    writeFileSync(join(dir, 'p.yaml'), 'apiVersion: sbob.io/v1alpha1\nkind: TrustPolicy\nmetadata: {name: prod}\nspec:\n  signers:\n    - name: vendor\n      key: {publicKeyFile: vendor.pub}\n      allow: [{kinds: [ApplicationProfile], namespaces: [web]}]\n');
    const p = loadTrustPolicy(join(dir, 'p.yaml'));
    assert.equal(p.name, 'prod');
    assert.equal(p.signers[0]!.fingerprint, keyFingerprint(k.publicKey));
    writeFileSync(join(dir, 'bad.yaml'), 'a: [');
    assert.throws(() => loadTrustPolicy(join(dir, 'bad.yaml')), /bad\.yaml: the trust policy is not valid YAML/);
    assert.throws(() => loadTrustPolicy(join(dir, 'missing.yaml')), /missing\.yaml: cannot read the trust policy/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('trust policy: kinds, namespace globs and rule ids; the untrusted signer is named', async () => {
  const vendor = generateSigningKey();
  const stranger = generateSigningKey();
  const policy = parseTrustPolicy(
    doc({
      signers: [
        { name: 'vendor', key: { publicKey: publicKeyPem(vendor.publicKey) }, allow: [{ kinds: ['ApplicationProfile'], namespaces: ['web', 'team-*'] }, { kinds: ['Rules'], ruleIds: ['R0001'] }] },
      ],
    }),
  );
  const ap = fixture('ap-nginx.yaml');
  const sign = async (o: typeof ap, k = vendor) => withSignatureAnnotations(o, (await signObject(o, keySigner(k.privateKey))).annotations);
  assert.equal(verifyObject(await sign(ap), policy).status, 'valid');
  const other = structuredClone(ap);
  other.metadata!.namespace = 'team-blue';
  assert.equal(verifyObject(await sign(other), policy).status, 'valid');
  other.metadata!.namespace = 'kube-system';
  const wrongNs = verifyObject(await sign(other), policy);
  assert.equal(wrongNs.status, 'untrusted');
  assert.match(wrongNs.reason, /signer "vendor" \(key:[0-9a-f]{64}\) may not sign ApplicationProfile in namespace "kube-system" under trust policy "p"/);
  const s = verifyObject(await sign(ap, stranger), policy);
  assert.equal(s.status, 'untrusted');
  assert.equal(s.signer, keyFingerprint(stranger.publicKey));
  assert.match(s.reason, new RegExp(`signer ${keyFingerprint(stranger.publicKey)} is not in trust policy "p"`));
  const rules = verifyObject(await sign(fixture('rules-baseline.yaml')), policy);
  assert.equal(rules.status, 'untrusted');
  assert.match(rules.reason, /signer "vendor" may not ship rule\(s\) R0002 \(allowed: R0001\)/);
  const nn = verifyObject(await sign(fixture('nn-nginx.yaml')), policy);
  assert.match(nn.reason, /may not sign NetworkNeighborhood/);
});

test('verifyFiles: per document results with file and line; bad files are named', async () => {
  const { verifyFiles, policyFromKeys } = await import('../../src/signing/index.ts');
  const dir = mkdtempSync(join(tmpdir(), 'sbob-vf-'));
  try {
    const k = generateSigningKey();
    const ap = fixture('ap-nginx.yaml');
    const signed = withSignatureAnnotations(ap, (await signObject(ap, keySigner(k.privateKey))).annotations);
    const YAML = (await import('yaml')).default;
    writeFileSync(join(dir, 'two.yaml'), `${YAML.stringify(signed)}---\n${YAML.stringify(fixture('rules-baseline.yaml'))}`);
    const res = verifyFiles([join(dir, 'two.yaml')], policyFromKeys([{ name: 'k', pem: publicKeyPem(k.publicKey) }]));
    assert.deepEqual(res.map((r) => [r.docIndex, r.result.status, r.result.kind]), [[0, 'valid', 'ApplicationProfile'], [1, 'unsigned', 'Rules']]);
    assert.ok(res[1]!.line > 1);
    writeFileSync(join(dir, 'bad.yaml'), 'a: [');
    assert.throws(() => verifyFiles([join(dir, 'bad.yaml')], policyFromKeys([{ name: 'k', pem: publicKeyPem(k.publicKey) }])), /bad\.yaml: YAML document 1 does not parse/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
