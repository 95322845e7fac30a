import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NdjsonEventSource, parseEventLine, type BadLine } from '../../src/events/sources/ndjson.ts';
import type { RuntimeEvent } from '../../src/events/types.ts';

test('parseEventLine maps StructEvent aliases to CEL names', () => {
  const ev = parseEventLine(JSON.stringify({ eventType: 'dns', dnsName: 'x.example.', container: 'c', pod: 'p', exePath: '/bin/sh', dstEndpoint: { addr: '1.2.3.4' } }));
  assert.equal(ev.name, 'x.example.');
  assert.equal(ev.containerName, 'c');
  assert.equal(ev.podName, 'p');
  assert.equal(ev.exepath, '/bin/sh');
  assert.equal(ev.dstAddr, '1.2.3.4');
});

test('parseEventLine rejects non-objects and missing eventType with a reason', () => {
  assert.throws(() => parseEventLine('{"eventType":'), /invalid JSON/);
  assert.throws(() => parseEventLine('[1]'), /expected a JSON object, got array/);
  assert.throws(() => parseEventLine('{"comm":"x"}'), /"eventType" must be a non-empty string/);
  assert.throws(() => parseEventLine('{"eventType":"exec","pid":"12"}'), /pid/);
});

test('parseEventLine normalises paths and open flags', () => {
  const ev = parseEventLine(JSON.stringify({ eventType: 'open', path: 'etc//passwd/', flagsRaw: 0o101 }));
  assert.equal(ev.path, '/etc/passwd');
  assert.deepEqual(ev.flags, ['O_WRONLY', 'O_CREAT']);
});

test('file replay emits every good line and reports bad lines with their numbers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-ndjson-'));
  const file = join(dir, 'ev.ndjson');
  writeFileSync(file, [
    JSON.stringify({ eventType: 'exec', comm: 'a' }),
    'not json',
    '',
    JSON.stringify({ comm: 'no-type' }),
    JSON.stringify({ eventType: 'open', path: '/etc/passwd' }),
  ].join('\n')); // no trailing newline: the last line still counts
  const bad: BadLine[] = [];
  const got: RuntimeEvent[] = [];
  const src = new NdjsonEventSource({ path: file, onBadLine: (b) => bad.push(b) });
  await src.start((ev) => { got.push(ev); });
  assert.deepEqual(got.map((e) => e.eventType), ['exec', 'open']);
  assert.deepEqual(bad.map((b) => [b.file, b.line]), [[file, 2], [file, 4]]);
  assert.match(bad[0].reason, /invalid JSON/);
  assert.equal(src.stats().lost, 2);
});

test('a pending emit pauses the stream until it resolves (backpressure)', async () => {
  const input = new PassThrough();
  const src = new NdjsonEventSource({ path: '-', stream: input });
  const got: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const done = src.start((ev) => {
    got.push(String(ev.comm));
    if (ev.comm === 'first') return gate;
  });
  input.write(JSON.stringify({ eventType: 'exec', comm: 'first' }) + '\n');
  await new Promise((r) => setImmediate(r));
  assert.equal(input.isPaused(), true);
  input.end(JSON.stringify({ eventType: 'exec', comm: 'second' }) + '\n');
  release();
  await done;
  assert.deepEqual(got, ['first', 'second']);
});

test('stop() ends a live stream source', async () => {
  const input = new PassThrough();
  const src = new NdjsonEventSource({ path: '-', stream: input });
  const got: RuntimeEvent[] = [];
  const done = src.start((ev) => { got.push(ev); });
  input.write(JSON.stringify({ eventType: 'exec' }) + '\n');
  await new Promise((r) => setImmediate(r));
  await src.stop();
  await done;
  assert.equal(got.length, 1);
});
