import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { TestRunner, summarize } from '../../src/testkit/index.ts';

const FILE = fileURLToPath(new URL('./sbob-semantics.tests.yaml', import.meta.url));

test('sbob semantics: ports, protocols and the :0 endpoint port are honoured', async () => {
  const runner = new TestRunner({ ignore: new Set() });
  const results = await runner.runFile(FILE);
  const failed = results.filter((r) => r.status === 'failed');
  assert.deepEqual(failed, []);
  assert.equal(summarize(results).passed, 10);
});

test('the same file under upstream semantics gives upstream answers (the differences are real)', async () => {
  const runner = new TestRunner({ ignore: new Set(), semantics: 'upstream' });
  const results = await runner.runFile(FILE);
  const failedIds = results.filter((r) => r.status === 'failed').map((r) => r.id).sort();
  assert.deepEqual(failedIds, ['endpoint-01', 'opens-suffix-01', 'ports-02', 'ports-03', 'ports-05']);
});
