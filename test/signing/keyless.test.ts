import { test, before, after } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import assert from 'node:assert/strict';
import { keylessSigner, parseTrustPolicy, signObject, verifyObject, withSignatureAnnotations, ANN, type SignableObject } from '../../src/signing/index.ts';
import { fakeIdentityToken, startMockSigstore, type MockSigstore } from './mock-sigstore.ts';

const ISSUER = 'https://token.example.test';
const SUBJECT = 'https://github.com/acme/sbobs/.github/workflows/release.yml@refs/heads/main';

const profile: SignableObject = {
  apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  kind: 'ApplicationProfile',
  metadata: { name: 'nginx', namespace: 'web', labels: { app: 'nginx' } },
  spec: { architectures: ['amd64'], containers: [{ name: 'nginx', execs: [{ path: '/usr/sbin/nginx', args: ['-g', 'daemon off;'] }], syscalls: ['read', 'write'] }] },
};

let mock: MockSigstore;
before(async () => {
  mock = await startMockSigstore();
});
after(async () => {
  await mock.close();
});

function policy(identity: string, root = mock.fulcioRootPem, rekorPublicKeys?: string[]) {
  return parseTrustPolicy({
    apiVersion: 'sbob.io/v1alpha1',
    kind: 'TrustPolicy',
    metadata: { name: 'keyless' },
    spec: { signers: [{ name: 'acme-ci', keyless: { issuer: ISSUER, identity, fulcioRoots: [root], ...(rekorPublicKeys ? { rekorPublicKeys } : {}) }, allow: [{ kinds: ['ApplicationProfile'], namespaces: ['*'] }] }] },
  });
}

test('keyless: sign through mock Fulcio + Rekor on 127.0.0.1, then verify under a keyless policy', async () => {
  const signer = keylessSigner({ identityToken: fakeIdentityToken({ iss: ISSUER, sub: SUBJECT }), fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, retries: 0 });
  const { annotations } = await signObject(profile, signer);
  assert.equal(mock.requests.fulcio, 1);
  assert.equal(mock.requests.rekor, 1);
  assert.equal(annotations[ANN.issuer], ISSUER);
  assert.equal(annotations[ANN.identity], SUBJECT);
  const bundle = JSON.parse(Buffer.from(annotations[ANN.rekorBundle]!, 'base64').toString('utf8'));
  assert.equal(bundle.verificationMaterial.tlogEntries.length, 1, 'the bundle carries the Rekor entry');
  assert.ok(annotations[ANN.chain], 'certificate chain annotation is set');
  const signed = withSignatureAnnotations(profile, annotations);

  const ok = verifyObject(signed, policy(SUBJECT));
  assert.equal(ok.status, 'valid', ok.reason);
  assert.equal(ok.signerName, 'acme-ci');
  assert.match(ok.signer!, /release\.yml.*via https:\/\/token\.example\.test/);

  const other = verifyObject(signed, policy('https://github.com/evil/x/.github/workflows/x.yml@refs/heads/main'));
  assert.equal(other.status, 'untrusted');
  assert.match(other.reason, /is not in trust policy "keyless"/);

  // a certificate from another CA does not chain to the policy root
  const mock2 = await startMockSigstore();
  try {
    const foreign = verifyObject(signed, policy(SUBJECT, mock2.fulcioRootPem));
    assert.equal(foreign.status, 'untrusted');
    assert.match(foreign.reason, /does not chain to the listed Fulcio roots/);
  } finally {
    await mock2.close();
  }

  // tampering is detected for keyless signatures too
  const tampered = structuredClone(signed);
  (tampered.spec as { architectures: string[] }).architectures.push('arm64');
  const t = verifyObject(withSignatureAnnotations(tampered, { ...annotations, [ANN.content]: Buffer.from('x').toString('base64') }), policy(SUBJECT));
  assert.notEqual(t.status, 'valid');
});

test('keyless: a Fulcio certificate that expired before the signing time is rejected with "certificate expired"', async () => {
  const old = await startMockSigstore({ caClock: new Date(Date.now() - 3600_000) });
  try {
    const signer = keylessSigner({ identityToken: fakeIdentityToken({ iss: ISSUER, sub: SUBJECT }), fulcioURL: old.fulcioURL, rekorURL: old.rekorURL, retries: 0 });
    const { annotations } = await signObject(profile, signer);
    const r = verifyObject(withSignatureAnnotations(profile, annotations), policy(SUBJECT, old.fulcioRootPem));
    assert.equal(r.status, 'invalid');
    assert.match(r.reason, /certificate expired/);
  } finally {
    await old.close();
  }
});

test('keyless: unreachable Fulcio gives an actionable error naming the URL', async () => {
  const signer = keylessSigner({ identityToken: fakeIdentityToken({ iss: ISSUER, sub: SUBJECT }), fulcioURL: 'http://127.0.0.1:9', rekorURL: mock.rekorURL, retries: 0, timeoutMs: 2000 });
  await assert.rejects(signObject(profile, signer), /keyless signing failed \(Fulcio http:\/\/127\.0\.0\.1:9/);
});

test('keyless: an expired identity token is refused before contacting Fulcio', () => {
  assert.throws(() => keylessSigner({ identityToken: fakeIdentityToken({ iss: ISSUER, sub: SUBJECT, exp: 1000 }) }), /identity token expired/);
});

test('keyless through the CLI: sbob sign --keyless --identity-token ... --fulcio-url ... --rekor-url ...', async () => {
  const { main } = await import('../../src/cli/main.ts');
  const { mkdtempSync, readFileSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const YAML = (await import('yaml')).default;
  const dir = mkdtempSync(join(tmpdir(), 'sbob-keyless-'));
  const err = process.stderr.write.bind(process.stderr);
  let stderr = '';
  try {
    writeFileSync(join(dir, 'ap.yaml'), YAML.stringify(profile));
    const token = fakeIdentityToken({ iss: ISSUER, sub: SUBJECT });
    process.stderr.write = ((c: string) => ((stderr += c), true)) as typeof process.stderr.write;
    const code = await main(['node', 'sbob', 'sign', '--keyless', '--identity-token', token, '--fulcio-url', mock.fulcioURL, '--rekor-url', mock.rekorURL, '--in-place', join(dir, 'ap.yaml')]);
    process.stderr.write = err;
    assert.equal(code, 0, stderr);
    const signed = YAML.parse(readFileSync(join(dir, 'ap.yaml'), 'utf8')) as SignableObject;
    assert.equal(signed.metadata!.annotations![ANN.identity], SUBJECT);
    assert.ok(signed.metadata!.annotations![ANN.rekorBundle]);
    const r = verifyObject(signed, policy(SUBJECT));
    assert.equal(r.status, 'valid', r.reason);
  } finally {
    process.stderr.write = err;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keyless: with rekorPublicKeys in the policy the Rekor entry (SET, logged signature and certificate) is required', async () => {
  const token = fakeIdentityToken({ iss: ISSUER, sub: SUBJECT });
  const logged = await signObject(profile, keylessSigner({ identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, retries: 0 }));
  const obj = withSignatureAnnotations(profile, logged.annotations);
  const ok = verifyObject(obj, policy(SUBJECT, mock.fulcioRootPem, [mock.rekorPublicKeyPem]));
  assert.equal(ok.status, 'valid', ok.reason);

  const otherLog = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const unknown = verifyObject(obj, policy(SUBJECT, mock.fulcioRootPem, [otherLog]));
  assert.equal(unknown.status, 'untrusted');
  assert.match(unknown.reason, /Rekor: Rekor entry from an unknown log/);

  // the bundle of another signature does not vouch for this one
  const other = await signObject({ ...profile, metadata: { ...profile.metadata, name: 'other' } }, keylessSigner({ identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, retries: 0 }));
  const swapped = withSignatureAnnotations(profile, { ...logged.annotations, [ANN.rekorBundle]: other.annotations[ANN.rekorBundle]! });
  const s = verifyObject(swapped, policy(SUBJECT, mock.fulcioRootPem, [mock.rekorPublicKeyPem]));
  assert.equal(s.status, 'untrusted');
  assert.match(s.reason, /Rekor: the Rekor entry is for other content/);

  const unlogged = await signObject(profile, keylessSigner({ identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, tlogUpload: false, retries: 0 }));
  const n = verifyObject(withSignatureAnnotations(profile, unlogged.annotations), policy(SUBJECT, mock.fulcioRootPem, [mock.rekorPublicKeyPem]));
  assert.equal(n.status, 'untrusted');
  assert.match(n.reason, /no Rekor entry in the signature bundle/);
  assert.equal(verifyObject(withSignatureAnnotations(profile, unlogged.annotations), policy(SUBJECT)).status, 'valid', 'without rekorPublicKeys the log is optional');
});
