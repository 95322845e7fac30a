/** Annotation-only rewriting of YAML/JSON files: everything but the annotations keeps its bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { parseObjects, rewriteAnnotations } from '../../src/signing/index.ts';

const SIG = { 'signature.kubescape.io/signature': 'MEUCIQ+/=', 'signature.kubescape.io/timestamp': '1786469943' };

function strip(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/signature\.kubescape\.io\//.test(l))
    .join('\n');
}

test('rewrite: inserts an annotations block into metadata, keeping comments, quoting and layout', () => {
  const src = '# head comment\napiVersion: v1 # trailing\nkind: Rules\nmetadata:\n    name: "quoted"   # odd indent\n    labels: {a: b}\nspec:\n    rules: [ {id: R1} ]\n';
  const out = rewriteAnnotations(src, [{ docIndex: 0, annotations: SIG }]);
  const lines = out.split('\n');
  assert.equal(lines[4], '    annotations:');
  assert.equal(lines[5], '      signature.kubescape.io/signature: MEUCIQ+/=');
  assert.equal(lines[6], '      signature.kubescape.io/timestamp: "1786469943"');
  assert.equal(strip(out).replace('    annotations:\n', ''), src);
  const obj = parseObjects(out, 'x')[0]!.object;
  assert.equal(obj.metadata!.annotations!['signature.kubescape.io/timestamp'], '1786469943');
});

test('rewrite: replaces old signature annotations, keeps other annotations and multi-line values', () => {
  const src = [
    'kind: NetworkNeighborhood',
    'metadata:',
    '  annotations:',
    '    note: |',
    '      multi',
    '      line',
    '    signature.kubescape.io/signature: OLD',
    '    signature.kubescape.io/rekor-bundle: >-',
    '      folded',
    '      old bundle',
    '    team: web',
    '  name: n',
    'spec: {}',
    '',
  ].join('\n');
  const out = rewriteAnnotations(src, [{ docIndex: 0, annotations: SIG }]);
  const obj = YAML.parse(out);
  assert.deepEqual(obj.metadata.annotations, { note: 'multi\nline\n', team: 'web', ...SIG });
  assert.ok(!out.includes('OLD') && !out.includes('old bundle'));
  assert.ok(out.includes('    note: |\n      multi\n      line\n'));
  assert.ok(out.endsWith('  name: n\nspec: {}\n'));
});

test('rewrite: empty or flow-style annotations, several documents, only the chosen ones change', () => {
  const src = 'kind: A\nmetadata:\n  name: a\n  annotations: {keep: "1"}\n---\nkind: B\nmetadata:\n  name: b\n  annotations:\n---\nkind: C\nmetadata:\n  name: c\n';
  const out = rewriteAnnotations(src, [
    { docIndex: 0, annotations: SIG },
    { docIndex: 1, annotations: SIG },
  ]);
  const docs = YAML.parseAllDocuments(out).map((d) => d.toJS());
  assert.deepEqual(docs[0].metadata.annotations, { keep: '1', ...SIG });
  assert.deepEqual(docs[1].metadata.annotations, SIG);
  assert.deepEqual(docs[2], { kind: 'C', metadata: { name: 'c' } });
  assert.ok(out.endsWith('---\nkind: C\nmetadata:\n  name: c\n'));
});

test('rewrite: flow-style metadata falls back to a semantic rewrite of that document only', () => {
  const src = 'kind: A\nmetadata: {name: a, labels: {x: y}}\nspec: {k: [1, 2]}\n';
  const out = rewriteAnnotations(src, [{ docIndex: 0, annotations: SIG }]);
  assert.deepEqual(YAML.parse(out), { kind: 'A', metadata: { name: 'a', labels: { x: 'y' }, annotations: SIG }, spec: { k: [1, 2] } });
});

test('rewrite: JSON files (objects and upstream {policy, annotations} artifacts) keep their indentation', () => {
  const src = '{\n    "kind": "Rules",\n    "metadata": {"name": "r"},\n    "spec": {"rules": []}\n}\n';
  const out = rewriteAnnotations(src, [{ docIndex: 0, annotations: SIG }]);
  assert.deepEqual(JSON.parse(out).metadata.annotations, SIG);
  assert.ok(out.startsWith('{\n    "kind": "Rules",'));
  const art = rewriteAnnotations('{"policy": {"classes": {}}, "annotations": {"x": "y"}}', [{ docIndex: 0, annotations: SIG }]);
  assert.deepEqual(JSON.parse(art), { policy: { classes: {} }, annotations: { x: 'y', ...SIG } });
});
