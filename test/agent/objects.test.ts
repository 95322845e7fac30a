import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { ObjectStore, type Rejection, type StoreChanges } from '../../src/agent/objects.ts';
import type { VerificationMode } from '../../src/agent/config.ts';
import { makeKey, sign, tmp, trustPolicyYaml, webProfile } from './support.ts';

function harness(dir: string, mode: VerificationMode = 'strict', trustPolicyFile?: string) {
  const rejected: Rejection[] = [];
  const changes: StoreChanges[] = [];
  const errors: string[] = [];
  let onChange: (() => void) | undefined;
  const store = new ObjectStore({
    dir, mode, trustPolicyFile,
    onRejected: (r) => rejected.push(r),
    onLoadError: (e) => errors.push(e.message),
    onChanges: (c) => { changes.push(c); onChange?.(); },
    onInfo: () => {},
  });
  const nextChange = (): Promise<void> => new Promise((r) => { onChange = r; });
  return { store, rejected, changes, errors, nextChange };
}

const put = (dir: string, name: string, obj: unknown): void => writeFileSync(join(dir, name), typeof obj === 'string' ? obj : YAML.stringify(obj));

test('strict: signed objects load, unsigned/tampered/untrusted are rejected with file, object and reason', async () => {
  const dir = tmp('store');
  const key = makeKey();
  const other = makeKey();
  put(dir, 'policy.yaml', trustPolicyYaml(key.fingerprint));
  put(dir, 'good.yaml', await sign(webProfile(['/a']), key));
  put(dir, 'unsigned.yaml', { ...webProfile(['/b']), metadata: { name: 'u', namespace: 'shop' } });
  const t: Record<string, unknown> = await sign({ ...webProfile(['/c']), metadata: { name: 't', namespace: 'shop' } }, key);
  (t.metadata as { labels?: unknown }).labels = { evil: 'yes' };
  put(dir, 'tampered.yaml', t);
  put(dir, 'foreign.yaml', await sign({ ...webProfile(['/d']), metadata: { name: 'f', namespace: 'shop' } }, other));
  const h = harness(dir);
  h.store.scan();
  assert.deepEqual([...h.store.entries.keys()], ['ApplicationProfile/shop/web']);
  assert.equal(h.changes[0].upserted[0].file, join(dir, 'good.yaml'));
  const by = Object.fromEntries(h.rejected.map((r) => [r.key, r]));
  assert.equal(by['ApplicationProfile/shop/u'].status, 'unsigned');
  assert.equal(by['ApplicationProfile/shop/u'].file, join(dir, 'unsigned.yaml'));
  assert.equal(by['ApplicationProfile/shop/u'].line, 1);
  assert.equal(by['ApplicationProfile/shop/t'].status, 'tampered');
  assert.equal(by['ApplicationProfile/shop/f'].status, 'untrusted');
  assert.ok(h.rejected.every((r) => r.keptPrevious === false));
  // an unchanged directory is not re-verified or re-reported
  h.store.scan();
  assert.equal(h.rejected.length, 3);
  assert.equal(h.changes.length, 1);
});

test('a failed update keeps the last good version; a good update replaces it; removal unloads', async () => {
  const dir = tmp('store-upd');
  const key = makeKey();
  put(dir, 'policy.yaml', trustPolicyYaml(key.fingerprint));
  const v1 = await sign(webProfile(['/a']), key);
  put(dir, 'p.yaml', v1);
  const h = harness(dir);
  h.store.scan();
  const first = h.store.entries.get('ApplicationProfile/shop/web')!;
  const bad = structuredClone(v1) as { spec: { containers: Array<{ execs: unknown[] }> } };
  bad.spec.containers[0].execs.push({ path: '/evil' });
  put(dir, 'p.yaml', bad);
  h.store.scan();
  assert.equal(h.rejected.length, 1);
  assert.equal(h.rejected[0].keptPrevious, true);
  assert.equal(h.rejected[0].status, 'tampered');
  assert.equal(h.store.entries.get('ApplicationProfile/shop/web'), first, 'old version still in force');
  const v2 = await sign(webProfile(['/a', '/b']), key);
  put(dir, 'p.yaml', v2);
  h.store.scan();
  assert.notEqual(h.store.entries.get('ApplicationProfile/shop/web')!.hash, first.hash);
  rmSync(join(dir, 'p.yaml'));
  h.store.scan();
  assert.equal(h.store.entries.size, 0);
  assert.deepEqual(h.changes.at(-1)!.removed, [{ kind: 'ApplicationProfile', namespace: 'shop', name: 'web' }]);
});

test('a file that does not parse is reported with file and line, and its previous objects stay', async () => {
  const dir = tmp('store-yaml');
  put(dir, 'p.yaml', webProfile(['/a']));
  const h = harness(dir, 'allow-unsigned');
  h.store.scan();
  assert.equal(h.store.entries.size, 1);
  put(dir, 'p.yaml', 'apiVersion: v1\nkind: ApplicationProfile\nmetadata: [\n');
  h.store.scan();
  assert.equal(h.store.entries.size, 1);
  assert.equal(h.errors.length, 1);
  assert.match(h.errors[0], new RegExp(`^${join(dir, 'p.yaml')}:\\d+: invalid YAML`));
  put(dir, 'q.yaml', { ...webProfile(['/a']), spec: { containers: 'nope' } });
  h.store.scan();
  assert.match(h.errors[1], /q\.yaml:\d+: ApplicationProfile shop\/web: field spec\.containers/);
});

test('modes: allow-unsigned accepts unsigned but still rejects tampered; off accepts everything', async () => {
  const dir = tmp('store-modes');
  const key = makeKey();
  put(dir, 'policy.yaml', trustPolicyYaml(key.fingerprint));
  put(dir, 'u.yaml', webProfile(['/a']));
  const t: Record<string, unknown> = await sign({ ...webProfile(['/c']), metadata: { name: 't', namespace: 'shop' } }, key);
  (t.metadata as { labels?: unknown }).labels = { x: 'y' };
  put(dir, 't.yaml', t);
  const lax = harness(dir, 'allow-unsigned');
  lax.store.scan();
  assert.deepEqual([...lax.store.entries.keys()], ['ApplicationProfile/shop/web']);
  assert.deepEqual(lax.rejected.map((r) => r.status), ['tampered']);
  const off = harness(dir, 'off');
  off.store.scan();
  assert.equal(off.store.entries.size, 2);
});

test('strict without any trust policy rejects signed objects as untrusted and says why', async () => {
  const dir = tmp('store-nopol');
  put(dir, 'p.yaml', await sign(webProfile(['/a']), makeKey()));
  const h = harness(dir);
  h.store.scan();
  assert.equal(h.rejected[0].status, 'untrusted');
  assert.match(h.rejected[0].reason, /no trust policy is configured/);
});

test('a trust policy change re-verifies loaded objects; a revoked signer unloads them', async () => {
  const dir = tmp('store-pol');
  const key = makeKey();
  const other = makeKey();
  put(dir, 'policy.yaml', trustPolicyYaml(key.fingerprint));
  put(dir, 'p.yaml', await sign(webProfile(['/a']), key));
  const h = harness(dir);
  h.store.scan();
  assert.equal(h.store.entries.size, 1);
  put(dir, 'policy.yaml', trustPolicyYaml(other.fingerprint));
  h.store.scan();
  assert.equal(h.store.entries.size, 0);
  assert.equal(h.rejected.at(-1)!.status, 'untrusted');
  assert.equal(h.rejected.at(-1)!.keptPrevious, false);
});

test('a trust policy file outside the directory is used, and TrustPolicy objects inside are ignored', async () => {
  const dir = tmp('store-polfile');
  const outside = tmp('store-polfile-out');
  const key = makeKey();
  const intruder = makeKey();
  writeFileSync(join(outside, 'policy.yaml'), trustPolicyYaml(key.fingerprint));
  put(dir, 'intruder-policy.yaml', trustPolicyYaml(intruder.fingerprint));
  put(dir, 'a.yaml', await sign(webProfile(['/a']), key));
  put(dir, 'b.yaml', await sign({ ...webProfile(['/b']), metadata: { name: 'b', namespace: 'shop' } }, intruder));
  const h = harness(dir, 'strict', join(outside, 'policy.yaml'));
  h.store.scan();
  assert.deepEqual([...h.store.entries.keys()], ['ApplicationProfile/shop/web']);
  assert.equal(h.rejected[0].key, 'ApplicationProfile/shop/b');
});

test('watching: a file change is picked up without an explicit scan', async () => {
  const dir = tmp('store-watch');
  mkdirSync(join(dir, 'sub'));
  const h = harness(dir, 'allow-unsigned');
  h.store.scan();
  h.store.watch(20, 60_000);
  try {
    const changed = h.nextChange();
    put(join(dir, 'sub'), 'p.yaml', webProfile(['/a']));
    await changed;
    assert.deepEqual([...h.store.entries.keys()], ['ApplicationProfile/shop/web']);
  } finally {
    h.store.close();
  }
});
