import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, createPublicKey } from 'node:crypto';
import { COSIGN_SCRYPT, encryptCosignKey, generateSigningKey, keyFingerprint, readPrivateKey, readPublicKey, KeyFormatError, WrongPasswordError } from '../../src/signing/index.ts';
import { parsePemBlocks } from '../../src/signing/cert.ts';
import { decryptCosignPayload } from '../../src/signing/keys.ts';

test('cosign key: PEM label, JSON layout (scrypt N=32768 r=8 p=1, 32-byte salt, secretbox 24-byte nonce) and round trip', async () => {
  const { privateKey, publicKey } = generateSigningKey();
  const pem = encryptCosignKey(privateKey, 'correct horse');
  const [block] = parsePemBlocks(pem);
  assert.equal(block!.label, 'ENCRYPTED SIGSTORE PRIVATE KEY');
  const doc = JSON.parse(block!.der.toString('utf8'));
  assert.deepEqual(doc.kdf.params, { N: 32768, r: 8, p: 1 });
  assert.deepEqual(COSIGN_SCRYPT, { N: 32768, r: 8, p: 1 });
  assert.equal(doc.kdf.name, 'scrypt');
  assert.equal(Buffer.from(doc.kdf.salt, 'base64').length, 32);
  assert.equal(doc.cipher.name, 'nacl/secretbox');
  assert.equal(Buffer.from(doc.cipher.nonce, 'base64').length, 24);
  // secretbox adds a 16-byte tag to the PKCS#8 DER
  assert.equal(Buffer.from(doc.ciphertext, 'base64').length, privateKey.export({ format: 'der', type: 'pkcs8' }).length + 16);
  const back = await readPrivateKey(pem, { password: 'correct horse', file: 'k.key' });
  assert.equal(keyFingerprint(back), keyFingerprint(publicKey));
  // the legacy label is read too
  const legacy = pem.replaceAll('ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY');
  assert.equal(keyFingerprint(await readPrivateKey(legacy, { password: 'correct horse' })), keyFingerprint(publicKey));
  // the password callback is only called for encrypted keys
  let asked = 0;
  await readPrivateKey(pem, { password: () => (asked++, 'correct horse') });
  assert.equal(asked, 1);
});

test('cosign key: a wrong password names the file and COSIGN_PASSWORD', async () => {
  const pem = encryptCosignKey(generateSigningKey().privateKey, 'right', { N: 1024, r: 8, p: 1 });
  await assert.rejects(readPrivateKey(pem, { password: 'wrong', file: 'vendor.key' }), (e: Error) => {
    assert.ok(e instanceof WrongPasswordError);
    assert.match(e.message, /^vendor\.key: wrong password for the encrypted private key .*COSIGN_PASSWORD/);
    return true;
  });
  await assert.rejects(readPrivateKey(pem, { file: 'vendor.key' }), /vendor\.key: the private key is encrypted; set COSIGN_PASSWORD/);
});

test('plain keys: PKCS#8 and SEC1 PEM (with a leading EC PARAMETERS block) are read', async () => {
  const { privateKey, publicKey } = generateSigningKey();
  const fp = keyFingerprint(publicKey);
  const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const sec1 = privateKey.export({ format: 'pem', type: 'sec1' }).toString();
  assert.equal(keyFingerprint(await readPrivateKey(pkcs8)), fp);
  assert.equal(keyFingerprint(await readPrivateKey(sec1)), fp);
  const withParams = `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${sec1}`;
  assert.equal(keyFingerprint(await readPrivateKey(withParams)), fp);
});

test('unknown key formats get an actionable error naming the file', async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  await assert.rejects(readPrivateKey(rsa, { file: 'rsa.pem' }), (e: Error) => e instanceof KeyFormatError && /^rsa\.pem: unsupported key type rsa; sbob signs with ECDSA P-256 keys/.test(e.message));
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  await assert.rejects(readPrivateKey(p384, { file: 'p384.pem' }), /p384\.pem: unsupported key type ec \(secp384r1\)/);
  await assert.rejects(readPrivateKey('hello', { file: 'x.txt' }), /x\.txt: unknown key format: no PEM block found/);
  await assert.rejects(readPrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', { file: 'id' }), /id: unknown key format "OPENSSH PRIVATE KEY"/);
  await assert.rejects(readPrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n', { file: 'e.pem' }), /e\.pem: unknown key format: PKCS#8 "ENCRYPTED PRIVATE KEY" is not supported/);
  await assert.rejects(readPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', { file: 'b.pem' }), /b\.pem: broken PRIVATE KEY block/);
  assert.throws(() => readPublicKey('nope', 'pub.pem'), /pub\.pem: unknown public key format/);
});

test('fingerprint = key: + sha256 of the DER SubjectPublicKeyInfo', () => {
  const { publicKey } = generateSigningKey();
  const der = publicKey.export({ format: 'der', type: 'spki' });
  assert.equal(keyFingerprint(publicKey), `key:${createHash('sha256').update(der).digest('hex')}`);
  assert.equal(keyFingerprint(createPublicKey(publicKey.export({ format: 'pem', type: 'spki' }))), keyFingerprint(publicKey));
});


test('cosign envelope: decrypts the Go securesystemslib published vector (N=32768) and refuses odd parameters', () => {
  // public test vector of github.com/secure-systems-lab/go-securesystemslib encrypted (passphrase "supersecret")
  const vector = '{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"N9a7x5JFGbrtB2uBR81jPwp0eiLR4A7FV3mjVAQrg1g="},"cipher":{"name":"nacl/secretbox","nonce":"2h8HxMmgRfuYdpswZBQaU3xJ1nkA/5Ik"},"ciphertext":"SEW6sUh0jf2wfdjJGPNS9+bkk2uB+Cxamf32zR8XkQ=="}';
  assert.equal(decryptCosignPayload(vector, 'supersecret').toString('utf8'), 'reallyimportant');
  assert.throws(() => decryptCosignPayload(vector, 'supersecreT', 'v.key'), /v\.key: wrong password/);
  const odd = JSON.stringify({ ...JSON.parse(vector), kdf: { name: 'scrypt', params: { N: 99, r: 99, p: 99 }, salt: 'AAAA' } });
  assert.throws(() => decryptCosignPayload(odd, 'x', 'o.key'), /o\.key: unsupported scrypt parameters/);
});
