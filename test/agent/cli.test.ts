import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SBOB, tmp } from './support.ts';

function run(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SBOB, 'agent', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('sbob agent: startup errors name the culprit and exit 2 without hanging', { timeout: 60_000 }, async () => {
  const dir = tmp('agent-cli');
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as AddressInfo).port;
  try {
    const [noDir, noEvents, portInUse] = await Promise.all([
      run(['--objects', 'missing-dir', '--events', '-', '--listen', ''], dir),
      run(['--events', 'missing.ndjson', '--listen', ''], dir),
      run(['--events', '-', '--listen', `127.0.0.1:${port}`, '--state-dir', 's'], dir),
    ]);
    assert.equal(noDir.code, 2);
    assert.match(noDir.stderr, /objects\.dir .*missing-dir: no such directory/);
    assert.equal(noEvents.code, 2);
    assert.match(noEvents.stderr, /sources\[0\]\.path \(--events\): event file .*missing\.ndjson does not exist/);
    assert.equal(portInUse.code, 2);
    assert.match(portInUse.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
  } finally {
    busy.close();
  }
});
