/**
 * `sbob record --strace` + `sbob watch --strace`: the same must-show flow without eBPF (ptrace only),
 * so it also runs where the kernel tracer cannot. Skipped with the reason when strace cannot run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable, straceWorks } from '../../src/events/tracer/index.ts';

const SBOB = fileURLToPath(new URL('../../bin/sbob', import.meta.url));
const skip = straceWorks() ? false : 'strace is not installed or ptrace is not permitted here (apt-get install -y strace)';
const CMD = ['sh', '-c', 'ls /etc >/dev/null; cat /etc/hostname'];
// the command uses wget; where wget is missing, curl (or python) makes the same connection
const CLIENT = findExecutable('wget') ? 'wget -q -O- http://127.0.0.1:9/' : findExecutable('curl') ? 'curl -s http://127.0.0.1:9/' : 'python3 -c "import socket; socket.create_connection((\'127.0.0.1\', 9))"';
const CLIENT_NAME = CLIENT.split(' ')[0]!;
const BAD = ['sh', '-c', `cat /etc/shadow; ${CLIENT} || true`];

const sbob = (args: string[]) => spawnSync(SBOB, args, { encoding: 'utf8', timeout: 120000 });

test('strace backend: recorded command watches clean, the bad one alerts with exit status 1', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-ws-'));
  try {
    const prof = join(dir, 'p.yaml');
    const rec = sbob(['record', '-q', '--strace', '-o', prof, '--', ...CMD]);
    assert.equal(rec.status, 0, rec.stderr);
    const ok = sbob(['watch', '--strace', '--profile', prof, '--', ...CMD]);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /watched \d+ events, 0 alerts/);
    const bad = sbob(['watch', '--strace', '--json', '--profile', prof, '--', ...BAD]);
    assert.equal(bad.status, 1, bad.stderr);
    const alerts = bad.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { ruleID: string; message: string });
    const ids = new Set(alerts.map((a) => a.ruleID));
    // as a non-root user `cat /etc/shadow` fails, so there is no open to alert on
    let shadowReadable = true;
    try {
      accessSync('/etc/shadow', constants.R_OK);
    } catch {
      shadowReadable = false;
    }
    for (const id of ['R0001', 'R0003', ...(shadowReadable ? ['R0010'] : [])]) assert.ok(ids.has(id), `${id} in ${[...ids].join(',')}`);
    assert.ok(alerts.some((a) => a.ruleID === 'R0003' && /connect/.test(a.message)));
    assert.ok(alerts.some((a) => a.ruleID === 'R0001' && a.message.includes(CLIENT_NAME)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
