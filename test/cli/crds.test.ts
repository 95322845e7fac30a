import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../support/shared.ts';

const SBOB = join(REPO_ROOT, 'bin/sbob');

test('sbob crds prints one CRD per kind, generated from the schemas', () => {
  const r = spawnSync(SBOB, ['crds'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } } }> } });
  assert.deepEqual(docs.map((d) => d.metadata.name), [
    'applicationprofiles.spdx.softwarecomposition.kubescape.io', 'networkneighborhoods.spdx.softwarecomposition.kubescape.io',
    'containerprofiles.spdx.softwarecomposition.kubescape.io', 'rules.kubescape.io', 'runtimerulealertbindings.kubescape.io',
    'trustpolicies.sbob.io',
  ]);
  const rules = docs[3]!.spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties;
  assert.ok('rules' in rules);
});

test('sbob crds --kind rejects an unknown kind', () => {
  const r = spawnSync(SBOB, ['crds', '--kind', 'Pod'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--kind Pod: unknown kind \(expected one of ApplicationProfile/);
});
