/**
 * End-to-end through `bin/sbob`: keygen -> sign -> verify with a fresh cosign-format key, annotation-only
 * file rewriting, local re-signing, and the error texts a user acts on.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { FIXTURES, REPO } from './helpers.ts';
import { main } from '../../src/cli/main.ts';
import { output } from '../../src/cli/commands/sign.ts';

let dir: string;
const cwd = process.cwd();
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sbob-sign-'));
  process.chdir(dir);
});
after(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** In-process run of the CLI (fast; the machine is small). cwd is the temp dir (chdir in before()). */
async function sbob(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const saved: Record<string, string | undefined> = {};
  const all = { COSIGN_PASSWORD: undefined, SIGSTORE_ID_TOKEN: undefined, ...env };
  for (const [k, v] of Object.entries(all)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  // stdout belongs to the test runner (it reports through it): capture the commands' output sink instead
  const out = output.write;
  const err = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  output.write = (c: string) => {
    stdout += c;
  };
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  const prevExit = process.exitCode;
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'sbob', ...args]);
    return { code, stdout, stderr };
  } finally {
    output.write = out;
    process.stderr.write = err;
    process.exitCode = prevExit;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A real process through bin/sbob (used once end to end). */
function sbobProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/sbob'), ...args], {
      cwd: dir,
      env: { ...process.env, COSIGN_PASSWORD: undefined, SIGSTORE_ID_TOKEN: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const p = (f: string) => join(dir, f);

test('keygen -> sign -> verify round trip with a fresh cosign-format key; only annotations change', async () => {
  const kg = await sbobProcess(['keygen', '--output-key-prefix', 'vendor'], { COSIGN_PASSWORD: 's3cret' });
  assert.equal(kg.code, 0, kg.stderr);
  assert.match(readFileSync(p('vendor.key'), 'utf8'), /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
  assert.match(readFileSync(p('vendor.pub'), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
  assert.match(kg.stderr, /Fingerprint: key:[0-9a-f]{64}/);
  const again = await sbob(['keygen', '--output-key-prefix', 'vendor'], { COSIGN_PASSWORD: 's3cret' });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /vendor\.key already exists; pass --force/);

  // a multi-document file with comments and odd formatting: AP + NN + Rules
  const original = ['ap-nginx.yaml', 'nn-nginx.yaml', 'rules-baseline.yaml'].map((f) => readFileSync(join(FIXTURES, f), 'utf8')).join('---\n');
  writeFileSync(p('bundle.yaml'), original);
  const s = await sbob(['sign', '--key', 'vendor.key', '--in-place', 'bundle.yaml'], { COSIGN_PASSWORD: 's3cret' });
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stderr, /signed bundle\.yaml#1 \(line \d+\) ApplicationProfile web\/nginx/);
  assert.match(s.stderr, /signed bundle\.yaml#3 \(line \d+\) Rules kubescape\/baseline/);
  const signedText = readFileSync(p('bundle.yaml'), 'utf8');
  // removing the inserted annotation lines gives back the original bytes exactly
  const stripped = signedText
    .split('\n')
    .filter((l) => !/^  annotations:$/.test(l) && !/^    signature\.kubescape\.io\//.test(l))
    .join('\n');
  assert.equal(stripped, original);

  const v = await sbobProcess(['verify', '--key', 'vendor.pub', 'bundle.yaml']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const lines = v.stdout.trim().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^valid\s+ApplicationProfile\s+web\/nginx\s+signer=key:[0-9a-f]{64} \(vendor\.pub\)\s+bundle\.yaml#1$/);
  assert.match(lines[1]!, /^valid\s+NetworkNeighborhood\s+web\/nginx/);
  assert.match(lines[2]!, /^valid\s+Rules\s+kubescape\/baseline/);

  // signing again (re-sign) replaces the signature annotations and keeps the file otherwise identical
  const s2 = await sbob(['sign', '--key', 'vendor.key', '-o', 'again.yaml', 'bundle.yaml'], { COSIGN_PASSWORD: 's3cret' });
  assert.equal(s2.code, 0, s2.stderr);
  const againText = readFileSync(p('again.yaml'), 'utf8');
  assert.equal(againText.split('\n').length, signedText.split('\n').length);
  assert.equal(againText.split('\n').filter((l) => !/signature\.kubescape\.io\//.test(l)).join('\n'), signedText.split('\n').filter((l) => !/signature\.kubescape\.io\//.test(l)).join('\n'));

  // a directory argument verifies every YAML/JSON file in it
  const d = await sbob(['verify', '--key', 'vendor.pub', '.']);
  assert.match(d.stdout, /bundle\.yaml#3/);
  assert.match(d.stdout, /again\.yaml#1/);

  // JSON output
  const j = await sbob(['verify', '--json', '--key', 'vendor.pub', 'bundle.yaml']);
  const first = JSON.parse(j.stdout.split('\n')[0]!);
  assert.equal(first.status, 'valid');
  assert.equal(first.kind, 'ApplicationProfile');
  assert.equal(first.file, 'bundle.yaml');
});

test('local tuning: an edited vendor object is tampered until re-signed with the local key; existing annotations survive', async () => {
  await sbob(['keygen', '--output-key-prefix', 'v2'], { COSIGN_PASSWORD: 'a' });
  await sbob(['keygen', '--output-key-prefix', 'local'], { COSIGN_PASSWORD: 'b' });
  const src = readFileSync(join(FIXTURES, 'ap-nginx.yaml'), 'utf8').replace('  name: nginx\n', '  name: nginx\n  annotations:\n    team: web # keep me\n');
  writeFileSync(p('ap.yaml'), src);
  assert.equal((await sbob(['sign', '--key', 'v2.key', '--in-place', 'ap.yaml'], { COSIGN_PASSWORD: 'a' })).code, 0);
  const signed = readFileSync(p('ap.yaml'), 'utf8');
  assert.match(signed, /    team: web # keep me\n/);
  // the user tunes the profile: allows one more syscall (edit both the live spec; the embedded content is stale)
  const edited = signed.replace('syscalls: [accept4,', 'syscalls: [sendfile, accept4,');
  writeFileSync(p('ap.yaml'), edited);
  const strict = `apiVersion: sbob.io/v1alpha1\nkind: TrustPolicy\nmetadata: {name: strict}\nspec:\n  requireLiveMatch: true\n  signers:\n    - name: vendor\n      key: {publicKeyFile: v2.pub}\n      allow: [{kinds: [ApplicationProfile], namespaces: [web]}]\n    - name: local\n      key: {publicKeyFile: local.pub}\n      allow: [{kinds: ["*"]}]\n`;
  writeFileSync(p('strict.yaml'), strict);
  const before = await sbob(['verify', '--policy', 'strict.yaml', 'ap.yaml']);
  assert.equal(before.code, 1);
  assert.match(before.stdout, /^tampered\s+ApplicationProfile\s+web\/nginx/);
  assert.match(before.stdout, /live object differs from its signed embedded content/);
  const re = await sbob(['sign', '--key', 'local.key', '--in-place', 'ap.yaml'], { COSIGN_PASSWORD: 'b' });
  assert.equal(re.code, 0, re.stderr);
  const after = await sbob(['verify', '--policy', 'strict.yaml', 'ap.yaml']);
  assert.equal(after.code, 0, after.stdout);
  assert.match(after.stdout, /^valid\s+ApplicationProfile\s+web\/nginx\s+signer=key:[0-9a-f]{64} \(local\)/);
  const obj = YAML.parse(readFileSync(p('ap.yaml'), 'utf8'));
  assert.equal(obj.metadata.annotations.team, 'web');
  assert.ok(obj.spec.containers[0].syscalls.includes('sendfile'));
  // under the vendor key alone the re-signed object is untrusted, naming the signer
  const vendorOnly = await sbob(['verify', '--key', 'v2.pub', 'ap.yaml']);
  assert.equal(vendorOnly.code, 1);
  assert.match(vendorOnly.stdout, /^untrusted /);
  assert.match(vendorOnly.stdout, /reason: ap\.yaml#1 \(line \d+\) ApplicationProfile nginx: signer key:[0-9a-f]{64} is not in trust policy "--key v2\.pub"/);
});

test('errors a user can act on: wrong password, unknown key format, missing password, no policy, unsigned, garbled annotation, scope', async () => {
  await sbob(['keygen', '--output-key-prefix', 'e'], { COSIGN_PASSWORD: 'right' });
  copyFileSync(join(FIXTURES, 'rules-baseline.yaml'), p('r.yaml'));
  const wrong = await sbob(['sign', '--key', 'e.key', 'r.yaml'], { COSIGN_PASSWORD: 'wrong' });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /sbob: e\.key: wrong password for the encrypted private key/);
  const noPw = await sbob(['sign', '--key', 'e.key', 'r.yaml']);
  assert.match(noPw.stderr, /COSIGN_PASSWORD/);
  writeFileSync(p('bad.key'), '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n');
  const fmt = await sbob(['sign', '--key', 'bad.key', 'r.yaml']);
  assert.match(fmt.stderr, /sbob: bad\.key: unknown key format "OPENSSH PRIVATE KEY"/);
  const kgNoPw = await sbob(['keygen', '--output-key-prefix', 'nopw']);
  assert.equal(kgNoPw.code, 2);
  assert.match(kgNoPw.stderr, /keygen: no password: set COSIGN_PASSWORD \(stdin is not a terminal/);
  const none = await sbob(['sign', 'r.yaml']);
  assert.match(none.stderr, /pass --key FILE or --keyless/);
  const kl = await sbob(['sign', '--keyless', 'r.yaml']);
  assert.match(kl.stderr, /--keyless needs an OIDC token: pass --identity-token or set SIGSTORE_ID_TOKEN/);
  const noPolicy = await sbob(['verify', 'r.yaml']);
  assert.match(noPolicy.stderr, /pass --policy FILE or --key PUB/);

  const unsigned = await sbob(['verify', '--key', 'e.pub', 'r.yaml']);
  assert.equal(unsigned.code, 1);
  assert.match(unsigned.stdout, /^unsigned\s+Rules\s+kubescape\/baseline\s+signer=-\s+r\.yaml#1/);

  assert.equal((await sbob(['sign', '--key', 'e.key', '--in-place', 'r.yaml'], { COSIGN_PASSWORD: 'right' })).code, 0);
  const text = readFileSync(p('r.yaml'), 'utf8');
  writeFileSync(p('garbled.yaml'), text.replace(/(signature\.kubescape\.io\/signature: )\S+/, '$1not*base64'));
  const g = await sbob(['verify', '--key', 'e.pub', 'garbled.yaml']);
  assert.equal(g.code, 1);
  assert.match(g.stdout, /^invalid\s+Rules\s+kubescape\/baseline/);
  assert.match(g.stdout, /reason: garbled\.yaml#1 \(line \d+\) Rules baseline: annotation signature\.kubescape\.io\/signature is garbled: not base64/);
  writeFileSync(p('missing.yaml'), text.replace(/ +signature\.kubescape\.io\/certificate: \S+\n/, ''));
  const m = await sbob(['verify', '--key', 'e.pub', 'missing.yaml']);
  assert.match(m.stdout, /missing\.yaml#1 \(line \d+\) Rules baseline: annotation signature\.kubescape\.io\/certificate is missing/);

  writeFileSync(p('ns.yaml'), `apiVersion: sbob.io/v1alpha1\nkind: TrustPolicy\nmetadata: {name: prod}\nspec:\n  signers:\n    - name: rules-team\n      key: {publicKeyFile: e.pub}\n      allow: [{kinds: [Rules], namespaces: [team-*]}]\n`);
  const scope = await sbob(['verify', '--policy', 'ns.yaml', 'r.yaml']);
  assert.equal(scope.code, 1);
  assert.match(scope.stdout, /^untrusted /);
  assert.match(scope.stdout, /signer "rules-team" \(key:[0-9a-f]{64}\) may not sign Rules in namespace "kubescape" under trust policy "prod"/);

  writeFileSync(p('broken-policy.yaml'), `apiVersion: sbob.io/v1alpha1\nkind: TrustPolicy\nspec:\n  signers:\n    - name: x\n      key: {fingerprint: "key:abc"}\n`);
  const bp = await sbob(['verify', '--policy', 'broken-policy.yaml', 'r.yaml']);
  assert.equal(bp.code, 2);
  assert.match(bp.stderr, /broken-policy\.yaml: trust policy field spec\.signers\[0\]\.key\.fingerprint: must be "key:" followed by 64 lowercase hex/);
});

test('nn sign-piece / nn assemble / verify: per-entry report, out-of-scope piece refused', async () => {
  await sbob(['keygen', '--output-key-prefix', 'cloud'], { COSIGN_PASSWORD: 'c' });
  await sbob(['keygen', '--output-key-prefix', 'plat'], { COSIGN_PASSWORD: 'p' });
  for (const f of ['s3.yaml', 's3-overreach.yaml', 'local.yaml']) copyFileSync(join(FIXTURES, 'pieces', f), p(f));
  const sp = await sbob(['nn', 'sign-piece', '--key', 'cloud.key', '--in-place', 's3.yaml', 's3-overreach.yaml'], { COSIGN_PASSWORD: 'c' });
  assert.equal(sp.code, 0, sp.stderr);
  const notPiece = await sbob(['nn', 'sign-piece', '--key', 'cloud.key', '-o', 'x.yaml', join(FIXTURES, 'rules-baseline.yaml')], { COSIGN_PASSWORD: 'c' });
  assert.equal(notPiece.code, 2);
  assert.match(notPiece.stderr, /rules-baseline\.yaml#1 \(line \d+\) Rules kubescape\/baseline: a piece must be a NetworkNeighborhood/);
  writeFileSync(
    p('shop-policy.yaml'),
    `apiVersion: sbob.io/v1alpha1\nkind: TrustPolicy\nmetadata: {name: shop}\nspec:\n  signers:\n    - name: aws\n      key: {publicKeyFile: cloud.pub}\n      allow: [{kinds: [NetworkNeighborhood]}]\n      network: {hosts: ["*.amazonaws.com"], cidrs: [52.216.0.0/13]}\n    - name: platform\n      key: {publicKeyFile: plat.pub}\n      allow: [{kinds: [NetworkNeighborhood], namespaces: [shop]}]\n`,
  );
  const refused = await sbob(['nn', 'assemble', 's3.yaml', 's3-overreach.yaml', '--local', 'local.yaml', '--policy', 'shop-policy.yaml', '-o', 'shop-nn.yaml']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /s3-overreach\.yaml#1: NetworkNeighborhood aws-overreach: piece rejected: signer "aws" may not vouch for entry containers\/shop\/egress\/exfil: host "collector\.evil\.example" is outside the allowed hosts/);
  const ok = await sbob(['nn', 'assemble', 's3.yaml', '--local', 'local.yaml', '--policy', 'shop-policy.yaml', '-o', 'shop-nn.yaml']);
  assert.equal(ok.code, 0, ok.stderr);
  const v1 = await sbob(['verify', '--policy', 'shop-policy.yaml', 'shop-nn.yaml']);
  assert.equal(v1.code, 1, 'local entries are not vouched for until the assembled object is signed');
  assert.match(v1.stdout, /entry containers\/shop\/egress\/s3-eu-west-1: valid from piece:aws-s3-eu-west-1 signer=key:[0-9a-f]{64}/);
  assert.match(v1.stdout, /entry containers\/shop\/egress\/orders-db: unsigned from local/);
  assert.equal((await sbob(['sign', '--key', 'plat.key', '--in-place', 'shop-nn.yaml'], { COSIGN_PASSWORD: 'p' })).code, 0);
  const v2 = await sbob(['verify', '--policy', 'shop-policy.yaml', 'shop-nn.yaml']);
  assert.equal(v2.code, 0, v2.stdout);
  assert.match(v2.stdout, /^valid\s+NetworkNeighborhood\s+shop\/shop\s+signer=key:[0-9a-f]{64} \(platform\)/);
  assert.match(v2.stdout, /entry containers\/shop\/egress\/orders-db: valid from local/);
});
