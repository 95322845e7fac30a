import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { selfSignedCertificate } from '../../src/signing/cert.ts';
import { generateSigningKey, keyFingerprint } from '../../src/signing/index.ts';

test('self-signed local-key certificate: CN=local-key, codeSigning, CA:false, one-year window, verifies with its own key', () => {
  const { privateKey, publicKey } = generateSigningKey();
  const now = new Date('2026-08-11T17:39:03Z');
  const cert = new X509Certificate(selfSignedCertificate(privateKey, { notBefore: now }));
  assert.equal(cert.subject, 'CN=local-key');
  assert.equal(cert.issuer, 'CN=local-key');
  assert.equal(cert.ca, false);
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.3']);
  assert.equal(new Date(cert.validFrom).toISOString(), now.toISOString());
  assert.equal(new Date(cert.validTo).getTime() - now.getTime(), 365 * 86400 * 1000);
  assert.ok(cert.verify(publicKey));
  assert.equal(keyFingerprint(cert.publicKey), keyFingerprint(publicKey));
  // dates after 2049 use GeneralizedTime and still parse
  const late = new X509Certificate(selfSignedCertificate(privateKey, { notBefore: new Date('2060-01-01T00:00:00Z') }));
  assert.equal(new Date(late.validFrom).getUTCFullYear(), 2060);
});
