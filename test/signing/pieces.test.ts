/**
 * Piece-wise signed NetworkNeighborhoods: pieces signed by different parties, assembled with local
 * entries; verification per piece and per entry; tampering and out-of-scope pieces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ANN,
  PIECES_ANNOTATION,
  assemble,
  checkSignature,
  generateSigningKey,
  keyFingerprint,
  keySigner,
  parseTrustPolicy,
  publicKeyPem,
  signObject,
  verifyObject,
  withSignatureAnnotations,
  type SignableObject,
} from '../../src/signing/index.ts';
import { decodeEmbedded, encodeEmbedded } from '../../src/signing/content.ts';
import { BUNDLE_MANIFEST_ANNOTATION } from '../../src/signing/bundle.ts';
import { fixture } from './helpers.ts';

const vendor = generateSigningKey();
const aws = generateSigningKey();
const local = generateSigningKey();

const policy = parseTrustPolicy({
  apiVersion: 'sbob.io/v1alpha1',
  kind: 'TrustPolicy',
  metadata: { name: 'shop' },
  spec: {
    signers: [
      { name: 'shop-vendor', key: { publicKey: publicKeyPem(vendor.publicKey) }, allow: [{ kinds: ['NetworkNeighborhood', 'ApplicationProfile'] }], network: { hosts: ['api.shop-vendor.example'], cidrs: ['203.0.113.0/24'] } },
      { name: 'aws', key: { publicKey: publicKeyPem(aws.publicKey) }, allow: [{ kinds: ['NetworkNeighborhood'] }], network: { hosts: ['*.amazonaws.com'], cidrs: ['52.216.0.0/13', '2600:1f00::/24'] } },
      { name: 'platform-team', key: { publicKey: publicKeyPem(local.publicKey) }, allow: [{ kinds: ['*'], namespaces: ['shop'] }] },
    ],
  },
});

async function signPiece(name: string, key: ReturnType<typeof generateSigningKey>): Promise<SignableObject> {
  const obj = fixture(`pieces/${name}`);
  const r = await signObject(obj, keySigner(key.privateKey));
  return withSignatureAnnotations(obj, r.annotations);
}

async function assembled() {
  const pieces = [
    { object: await signPiece('app-api.yaml', vendor), file: 'app-api.yaml' },
    { object: await signPiece('s3.yaml', aws), file: 's3.yaml' },
  ];
  return assemble({ pieces, local: { object: fixture('pieces/local.yaml'), file: 'local.yaml' }, policy });
}

const byKey = (r: ReturnType<typeof verifyObject>) => Object.fromEntries((r.entries ?? []).map((e) => [e.key, e]));

test('pieces: each signed piece is an ordinary signed NetworkNeighborhood (verifies on its own, upstream format)', async () => {
  const p = await signPiece('s3.yaml', aws);
  const c = checkSignature(p);
  assert.equal(c.status, 'valid');
  assert.equal(c.source, 'embedded');
  assert.equal(verifyObject(p, policy).status, 'valid');
  assert.equal(verifyObject(p, policy).signerName, 'aws');
});

test('pieces: assembly records piece and signer per entry; without a whole-object signature local entries are unsigned', async () => {
  const nn = await assembled();
  assert.equal(nn.metadata!.name, 'shop');
  assert.equal(nn.metadata!.namespace, 'shop');
  const egress = (nn.spec as { containers: Array<{ name: string; egress: Array<{ identifier: string }> }> }).containers[0]!.egress.map((e) => e.identifier);
  assert.deepEqual(egress, ['orders-db', 'vendor-api', 's3-eu-west-1']);
  const records = JSON.parse(nn.metadata!.annotations![PIECES_ANNOTATION]!);
  assert.deepEqual(records.map((r: { name: string }) => r.name), ['shop-vendor-api', 'aws-s3-eu-west-1']);
  assert.deepEqual(records.map((r: { signer: string }) => r.signer), [keyFingerprint(vendor.publicKey), keyFingerprint(aws.publicKey)]);
  const r = verifyObject(nn, policy);
  assert.equal(r.status, 'unsigned');
  const e = byKey(r);
  assert.equal(e['containers/shop/egress/vendor-api']!.status, 'valid');
  assert.match(e['containers/shop/egress/vendor-api']!.reason, /signed by "shop-vendor"/);
  assert.equal(e['containers/shop/egress/vendor-api']!.source, 'piece:shop-vendor-api');
  assert.equal(e['containers/shop/egress/s3-eu-west-1']!.status, 'valid');
  assert.match(e['containers/shop/egress/s3-eu-west-1']!.reason, /signed by "aws"/);
  assert.equal(e['containers/shop/egress/orders-db']!.status, 'unsigned');
  assert.equal(e['containers/shop/ingress/ingress-controller']!.source, 'local');
  assert.deepEqual(r.pieces!.map((p) => [p.name, p.status, p.signerName]), [
    ['shop-vendor-api', 'valid', 'shop-vendor'],
    ['aws-s3-eu-west-1', 'valid', 'aws'],
  ]);
});

test('pieces: signing the assembled object locally vouches for the local entries; everything valid', async () => {
  const nn = await assembled();
  const s = await signObject(nn, keySigner(local.privateKey));
  const signed = withSignatureAnnotations(nn, s.annotations);
  assert.ok(signed.metadata!.annotations![PIECES_ANNOTATION], 'piece records survive signing');
  const r = verifyObject(signed, policy);
  assert.equal(r.status, 'valid', r.reason);
  assert.ok(r.entries!.every((e) => e.status === 'valid'));
  assert.equal(r.entries!.length, 4);
});

test('pieces: a tampered piece invalidates only its own entries', async () => {
  const nn = await assembled();
  const s = await signObject(nn, keySigner(local.privateKey));
  const signed = withSignatureAnnotations(nn, s.annotations);
  const records = JSON.parse(signed.metadata!.annotations![PIECES_ANNOTATION]!);
  const s3 = records[1];
  const content = decodeEmbedded(s3.annotations[ANN.content]) as { spec: { containers: Array<{ egress: Array<{ ports: Array<{ port: number }> }> }> } };
  content.spec.containers[0]!.egress[0]!.ports[0]!.port = 4444;
  s3.annotations[ANN.content] = encodeEmbedded(content);
  signed.metadata!.annotations![PIECES_ANNOTATION] = JSON.stringify(records);
  // the attacker also edits the assembled spec to match
  (signed.spec as { containers: Array<{ egress: Array<{ identifier: string; ports: Array<{ port: number }> }> }> }).containers[0]!.egress.find((e) => e.identifier === 's3-eu-west-1')!.ports[0]!.port = 4444;
  const r = verifyObject(signed, policy);
  assert.equal(r.status, 'tampered');
  const e = byKey(r);
  assert.equal(e['containers/shop/egress/s3-eu-west-1']!.status, 'tampered');
  assert.match(e['containers/shop/egress/s3-eu-west-1']!.reason, /piece "aws-s3-eu-west-1": signature does not match the embedded content/);
  assert.equal(e['containers/shop/egress/vendor-api']!.status, 'valid');
  assert.equal(e['containers/shop/egress/orders-db']!.status, 'valid');
  assert.equal(e['containers/shop/ingress/ingress-controller']!.status, 'valid');
  assert.match(r.reason, /piece "aws-s3-eu-west-1": signature does not match/);
});

test('pieces: editing a piece entry in the assembled spec is caught for that entry only', async () => {
  const nn = await assembled();
  (nn.spec as { containers: Array<{ egress: Array<{ identifier: string; ipAddress: string }> }> }).containers[0]!.egress.find((e) => e.identifier === 'vendor-api')!.ipAddress = '198.51.100.99';
  const r = verifyObject(nn, policy);
  const e = byKey(r);
  assert.equal(e['containers/shop/egress/vendor-api']!.status, 'tampered');
  assert.match(e['containers/shop/egress/vendor-api']!.reason, /entry differs from piece "shop-vendor-api" as signed/);
  assert.equal(e['containers/shop/egress/s3-eu-west-1']!.status, 'valid');
  assert.equal(r.status, 'tampered');
});

test('pieces: a provider piece for a host outside its scope is rejected (assembly and verification)', async () => {
  const over = await signPiece('s3-overreach.yaml', aws);
  const r = verifyObject(over, policy);
  assert.equal(r.status, 'untrusted');
  assert.match(r.reason, /signer "aws" may not vouch for entry containers\/shop\/egress\/exfil: host "collector\.evil\.example" is outside the allowed hosts \[\*\.amazonaws\.com\]/);
  assert.throws(
    () => assemble({ pieces: [{ object: over, file: 'over.yaml' }], local: { object: fixture('pieces/local.yaml'), file: 'local.yaml' }, policy }),
    /over\.yaml: NetworkNeighborhood aws-overreach: piece rejected: signer "aws" may not vouch for entry containers\/shop\/egress\/exfil: host "collector\.evil\.example"/,
  );
  // assembled without a policy, then verified: the piece's entries are untrusted, the others unaffected
  const nn = assemble({ pieces: [{ object: over, file: 'over.yaml' }, { object: await signPiece('s3.yaml', aws), file: 's3.yaml' }], name: 'shop', namespace: 'shop' });
  const v = verifyObject(nn, policy);
  const e = byKey(v);
  assert.equal(e['containers/shop/egress/exfil']!.status, 'untrusted');
  assert.equal(e['containers/shop/egress/s3-eu-west-1']!.status, 'valid');
  assert.equal(v.status, 'untrusted');
  // an address outside the CIDRs is named too
  const ipOnly = fixture('pieces/s3.yaml');
  (ipOnly.spec as { containers: Array<{ egress: Array<{ ipAddresses: string[] }> }> }).containers[0]!.egress[0]!.ipAddresses = ['8.8.8.8'];
  const signedIp = withSignatureAnnotations(ipOnly, (await signObject(ipOnly, keySigner(aws.privateKey))).annotations);
  assert.match(verifyObject(signedIp, policy).reason, /address 8\.8\.8\.8 is outside the allowed CIDRs \[52\.216\.0\.0\/13, 2600:1f00::\/24\]/);
});

test('pieces: assembly refuses unsigned, tampered and conflicting pieces, naming the file', async () => {
  assert.throws(() => assemble({ pieces: [{ object: fixture('pieces/s3.yaml'), file: 's3.yaml' }], name: 'x' }), /s3\.yaml: NetworkNeighborhood aws-s3-eu-west-1: piece is unsigned/);
  const p = await signPiece('s3.yaml', aws);
  const t = structuredClone(p);
  t.metadata!.annotations![ANN.content] = encodeEmbedded({ ...(decodeEmbedded(t.metadata!.annotations![ANN.content]!) as object), spec: {} });
  assert.throws(() => assemble({ pieces: [{ object: t, file: 't.yaml' }], name: 'x' }), /t\.yaml: .*piece is tampered/);
  assert.throws(() => assemble({ pieces: [{ object: p, file: 'a.yaml' }, { object: p, file: 'b.yaml' }], name: 'x' }), /b\.yaml: .*two pieces are named "aws-s3-eu-west-1"/);
  const renamed = await signPiece('s3.yaml', aws);
  const r2 = fixture('pieces/s3.yaml');
  r2.metadata!.name = 'other';
  const sr2 = withSignatureAnnotations(r2, (await signObject(r2, keySigner(aws.privateKey))).annotations);
  assert.throws(() => assemble({ pieces: [{ object: renamed, file: 'a.yaml' }, { object: sr2, file: 'b.yaml' }], name: 'x' }), /entry containers\/shop\/egress\/s3-eu-west-1 is already provided by piece:aws-s3-eu-west-1/);
  assert.throws(() => assemble({ pieces: [] }), /needs a name: pass --name or --local/);
});

test('pieces: garbled piece bookkeeping is reported, not thrown', async () => {
  const nn = await assembled();
  nn.metadata!.annotations![PIECES_ANNOTATION] = '{not json';
  const r = verifyObject(nn, policy);
  assert.equal(r.status, 'invalid');
  assert.match(r.reason, /annotation sbob\.io\/pieces is garbled: not JSON/);
});

test('pieces: an entry added to the live spec of a signed assembled object is not vouched for', async () => {
  const nn = await assembled();
  const signed = withSignatureAnnotations(nn, (await signObject(nn, keySigner(local.privateKey))).annotations);
  (signed.spec as { containers: Array<{ egress: unknown[] }> }).containers[0]!.egress.push({ identifier: 'sneaky', type: 'external', dns: 'x.evil.example.', ipAddress: '198.51.100.1' });
  const r = verifyObject(signed, policy);
  assert.equal(r.liveMatchesSigned, false);
  assert.ok(!r.entries!.some((e) => e.key.endsWith('/sneaky')), 'the added entry is not reported as signed');
  const enforced = (r.signedObject!.spec as { containers: Array<{ egress: Array<{ identifier: string }> }> }).containers[0]!.egress.map((e) => e.identifier);
  assert.ok(!enforced.includes('sneaky'));
  assert.equal(verifyObject(signed, { ...policy, requireLiveMatch: true }).status, 'tampered');
});

test('pieces: the assembled object carries a G3-style bundle manifest (Merkle root over the pieces) that survives signing', async () => {
  const nn = await assembled();
  const manifest = JSON.parse(nn.metadata!.annotations![BUNDLE_MANIFEST_ANNOTATION]!);
  assert.match(manifest.root, /^[0-9a-f]{64}$/);
  assert.deepEqual(manifest.leaves.map((l: { name: string; class: string }) => [l.name, l.class]).sort(), [['aws-s3-eu-west-1', 'piece'], ['shop-vendor-api', 'piece']]);
  const signed = withSignatureAnnotations(nn, (await signObject(nn, keySigner(local.privateKey))).annotations);
  assert.equal(signed.metadata!.annotations![BUNDLE_MANIFEST_ANNOTATION], nn.metadata!.annotations![BUNDLE_MANIFEST_ANNOTATION]);
  const ok = verifyObject(signed, policy);
  assert.equal(ok.status, 'valid');
  assert.deepEqual(ok.warnings, []);
  // dropping a piece record (and its entries) keeps the rest valid but the manifest no longer matches
  const records = JSON.parse(signed.metadata!.annotations![PIECES_ANNOTATION]!);
  signed.metadata!.annotations![PIECES_ANNOTATION] = JSON.stringify(records.slice(0, 1));
  const r = verifyObject(signed, policy);
  assert.match(r.warnings.join('\n'), /bundle-manifest: root [0-9a-f]{12}… does not match the verified pieces/);
  assert.equal(byKey(r)['containers/shop/egress/s3-eu-west-1']!.status, 'invalid');
  assert.match(byKey(r)['containers/shop/egress/s3-eu-west-1']!.reason, /claims piece "aws-s3-eu-west-1" but sbob\.io\/pieces has no such piece/);
});
