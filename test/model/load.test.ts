import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocuments, loadPathSync, loadPathLenient, ModelErrors, crdManifest, SCHEMAS } from '../../src/model/index.ts';

const AP = `apiVersion: spdx.softwarecomposition.kubescape.io/v1beta1
kind: ApplicationProfile
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: nginx
      execs:
        - path: /usr/sbin/nginx
          args: [nginx, -g, daemon off;]
      opens: null
      syscalls: [read, write]
`;

test('loads multi-document files and List kinds with source positions', () => {
  const text = `${AP}---
apiVersion: v1
kind: List
items:
  - apiVersion: spdx.softwarecomposition.kubescape.io/v1beta1
    kind: NetworkNeighborhood
    metadata: {name: web, namespace: shop}
    spec:
      containers:
        - name: nginx
          egress:
            - ipAddresses: [10.0.0.0/8]
              ports: [{name: TCP-443, protocol: TCP, port: 443}]
`;
  const r = parseDocuments(text, 'p.yaml');
  assert.deepEqual(r.errors, []);
  assert.equal(r.objects.length, 2);
  assert.equal(r.objects[0]!.object.kind, 'ApplicationProfile');
  assert.equal(r.objects[0]!.source.line, 1);
  assert.equal(r.objects[1]!.object.kind, 'NetworkNeighborhood');
  assert.equal(r.objects[1]!.source.docIndex, 1);
  assert.equal(r.objects[1]!.source.itemIndex, 0);
  assert.equal(r.objects[1]!.source.line, 18); // the item's first line
  // positions of fields inside an object
  assert.equal(r.objects[0]!.lineOf(['spec', 'containers', 0, 'syscalls']), 13);
});

test('accepts null where upstream writes null for empty lists', () => {
  const r = parseDocuments(AP.replace('syscalls: [read, write]', 'syscalls: null\n      capabilities: null\n      endpoints: null'), 'p.yaml');
  assert.deepEqual(r.errors.map((e) => e.message), []);
});

test('broken YAML names file and line', () => {
  const r = parseDocuments('kind: Rules\nmetadata: {name: x\nspec: []\n', 'broken.yaml');
  assert.equal(r.objects.length, 0);
  assert.match(r.errors[0]!.message, /^broken\.yaml:\d+: invalid YAML: /);
});

test('unknown kind names file, line, object and field', () => {
  const r = parseDocuments('apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\n', 'pod.yaml');
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.message, 'pod.yaml:2: Pod ns/p: field kind: unknown kind "Pod" (expected one of ApplicationProfile, NetworkNeighborhood, ContainerProfile, Rules, RuntimeRuleAlertBinding, TrustPolicy)');
});

test('wrong field type names file, line, object and field path', () => {
  const r = parseDocuments(AP.replace('syscalls: [read, write]', 'syscalls: read'), 'ap.yaml');
  assert.equal(r.errors.length, 1);
  const e = r.errors[0]!;
  assert.equal(e.file, 'ap.yaml');
  assert.equal(e.line, 13);
  assert.equal(e.field, 'spec.containers[0].syscalls');
  assert.deepEqual(e.object, { kind: 'ApplicationProfile', namespace: 'shop', name: 'web' });
  assert.match(e.message, /^ap\.yaml:13: ApplicationProfile shop\/web: field spec\.containers\[0\]\.syscalls: must be array/);
});

test('a missing required field and an invalid profileDataRequired are reported per rule', () => {
  const text = `apiVersion: kubescape.io/v1
kind: Rules
metadata: {name: r}
spec:
  rules:
    - id: R1
      name: one
      expressions: {message: "'m'", uniqueId: "'u'", ruleExpression: []}
      profileDataRequired: {opens: [{prefix: /etc, suffix: x}]}
    - id: R2
      name: two
      expressions: {message: "'m'", ruleExpression: []}
`;
  const r = parseDocuments(text, 'r.yaml');
  const msgs = r.errors.map((e) => e.message);
  assert.ok(msgs.some((m) => m.includes('field spec.rules[0].profileDataRequired.opens')), msgs.join('\n'));
  assert.ok(msgs.includes('r.yaml:12: Rules r: field spec.rules[1].expressions.uniqueId: is required'), msgs.join('\n'));
});

test('directories load recursively; one bad file loses nothing else', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-model-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'a.yaml'), AP);
  writeFileSync(join(dir, 'sub', 'b.json'), JSON.stringify({ apiVersion: 'kubescape.io/v1', kind: 'RuntimeRuleAlertBinding', metadata: { name: 'all' }, spec: { rules: [{ ruleTags: ['anomaly'] }] } }));
  writeFileSync(join(dir, 'sub', 'bad.yml'), 'kind: [');
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  const r = loadPathLenient(dir);
  assert.deepEqual(r.objects.map((o) => o.object.kind).sort(), ['ApplicationProfile', 'RuntimeRuleAlertBinding']);
  assert.equal(r.errors.length, 1);
  assert.ok(r.errors[0]!.file.endsWith('bad.yml'));
  assert.throws(() => loadPathSync(dir), (e: unknown) => e instanceof Error && /bad\.yml/.test((e as Error).message));
  writeFileSync(join(dir, 'sub', 'bad2.yml'), 'kind: Foo\nmetadata: {name: f}\n');
  assert.throws(() => loadPathSync(dir), ModelErrors);
});

test('a missing path is an error naming it', () => {
  const r = loadPathLenient('/nonexistent/sbob');
  assert.match(r.errors[0]!.message, /^\/nonexistent\/sbob: cannot read: /);
});

test('CRD manifests are generated from the schemas', () => {
  for (const kind of Object.keys(SCHEMAS)) {
    const crd = crdManifest(kind) as { kind: string; spec: { names: { kind: string }; versions: Array<{ schema: { openAPIV3Schema: unknown } }> } };
    assert.equal(crd.kind, 'CustomResourceDefinition');
    assert.equal(crd.spec.names.kind, kind);
    const s = JSON.stringify(crd.spec.versions[0]!.schema.openAPIV3Schema);
    assert.ok(!s.includes('"type":["'), `${kind}: CRD schema must not use type arrays`);
  }
});
