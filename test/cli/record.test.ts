/**
 * `sbob record`: argument errors, the strace fallback (no eBPF needed) and the real kernel tracer
 * (root + bpftrace; otherwise skipped with the reason).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { preflight, straceWorks } from '../../src/events/tracer/index.ts';
import { parseDuration } from '../../src/cli/commands/record.ts';

const SBOB = fileURLToPath(new URL('../../bin/sbob', import.meta.url));
const CMD = ['sh', '-c', 'ls /etc >/dev/null; cat /etc/hostname'];
const pf = preflight();
const skipKernel = pf.ok ? false : `kernel tracer unavailable: ${pf.reasons.join('; ')}`;
const skipStrace = straceWorks() ? false : 'strace is not installed or ptrace is not permitted here (apt-get install -y strace)';

function sbob(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(SBOB, args, { encoding: 'utf8', timeout: 120000, env: { ...process.env, ...env } });
}

function container(yamlText: string) {
  const docs = parseAllDocuments(yamlText).map((d) => d.toJS());
  assert.deepEqual(docs.map((d) => d.kind), ['ApplicationProfile', 'NetworkNeighborhood']);
  for (const d of docs) assert.equal(d.apiVersion, 'spdx.softwarecomposition.kubescape.io/v1beta1');
  return { ap: docs[0].spec.containers[0], nn: docs[1].spec.containers[0], docs };
}

function checkShProfile(ap: { execs: Array<{ path: string; args: string[] }>; opens: Array<{ path: string; flags: string[] }>; syscalls: string[] }) {
  const execs = ap.execs.map((e) => [e.path, e.args.join(' ')]);
  assert.ok(execs.some(([p, a]) => p === '/usr/bin/ls' && a === 'ls /etc'), JSON.stringify(execs));
  assert.ok(execs.some(([p, a]) => p === '/usr/bin/cat' && a === 'cat /etc/hostname'), JSON.stringify(execs));
  assert.ok(execs.some(([, a]) => a === 'sh -c ls /etc >/dev/null; cat /etc/hostname'), JSON.stringify(execs));
  const opens = new Map(ap.opens.map((o) => [o.path, o.flags]));
  assert.ok(opens.has('/etc/hostname'), [...opens.keys()].join(' '));
  assert.ok(opens.get('/etc')?.includes('O_DIRECTORY'));
  assert.ok(ap.syscalls.includes('execve') && ap.syscalls.includes('openat'));
}

test('without -o the YAML owns stdout and the command\'s output goes to stderr', { skip: skipStrace }, () => {
  const r = sbob(['record', '-q', '--strace', '--', 'sh', '-c', 'echo hello-from-cmd']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^hello-from-cmd$/m);
  assert.doesNotMatch(r.stdout, /^hello-from-cmd$/m, "the command output is not in the YAML stream");
  container(r.stdout);
});

test('argument errors say what is wrong', () => {
  let r = sbob(['record']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /nothing to record: give a command after --/);
  r = sbob(['record', '--container', 'abc123', '--', 'true']);
  assert.match(r.stderr, /either --container ID or a command/);
  r = sbob(['record', '--container', 'not-hex!']);
  assert.match(r.stderr, /--container "not-hex!": expected a container id/);
  assert.throws(() => parseDuration('5 minutes'), /--duration "5 minutes": expected a number with unit/);
  assert.equal(parseDuration('5m'), 300000);
  assert.equal(parseDuration('1500ms'), 1500);
});

test('when the kernel tracer cannot run, record says why and how to fix it, then falls back to strace', { skip: skipStrace }, () => {
  const r = sbob(['record', '-q', '-o', '/dev/null', '--', 'true'], { SBOB_BPFTRACE: '/nonexistent/bpftrace' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /the kernel tracer cannot run here, falling back to strace:/);
  assert.match(r.stderr, /bpftrace not found \(looked for `\/nonexistent\/bpftrace` on PATH\): install it with `apt-get install -y bpftrace`/);
});

test('with neither the kernel tracer nor strace, record and watch fail with every reason', () => {
  const env = { SBOB_BPFTRACE: '/nonexistent/bpftrace', SBOB_STRACE: '/nonexistent/strace' };
  const r = sbob(['record', '--', 'true'], env);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the kernel tracer cannot run here:\n(  - .*\n)*  - bpftrace not found \(looked for `\/nonexistent\/bpftrace` on PATH\)/);
  assert.match(r.stderr, /strace \(the fallback\) is not installed either: `apt-get install -y strace`/);
  const w = sbob(['watch', '--profile', '/nonexistent.yaml', '--', 'true'], env);
  assert.equal(w.status, 2);
  assert.match(w.stderr, /--profile \/nonexistent.yaml: no such file or directory/);
});

test('preflight names every missing requirement with its fix', () => {
  const r = preflight({ uid: 1000, bpftrace: '/nonexistent/bpftrace', mount: false });
  assert.equal(r.ok, false);
  assert.ok(r.reasons.some((x) => /^not running as root \(uid 1000\): .*run with sudo, or use `sbob record --strace`/.test(x)), r.reasons.join('\n'));
  assert.ok(r.reasons.some((x) => /^bpftrace not found/.test(x)));
});

test('record with --strace writes the execs and opens of the command', { skip: skipStrace }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-rec-'));
  try {
    const out = join(dir, 'p.yaml');
    const r = sbob(['record', '--strace', '-o', out, '--name', 'demo', '--', ...CMD]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /capabilities are not visible to strace/);
    assert.match(r.stderr, /recorded \d+ events: 3 execs/);
    const { ap, docs } = container(readFileSync(out, 'utf8'));
    assert.equal(docs[0].metadata.name, 'demo');
    checkShProfile(ap);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('record with the kernel tracer: the profile holds the execs and opens, nothing lost', { skip: skipKernel }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-rec-'));
  try {
    const out = join(dir, 'p.yaml');
    const r = sbob(['record', '-o', out, '--', ...CMD]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${readFileSync('/etc/hostname', 'utf8')}`, 'the command\'s own output passes through');
    assert.match(r.stderr, /recorded \d+ events: 3 execs/);
    assert.doesNotMatch(r.stderr, /LOST/);
    const { ap, docs } = container(readFileSync(out, 'utf8'));
    assert.equal(docs[0].metadata.name, 'sh');
    assert.equal(docs[0].metadata.annotations['kubescape.io/completion'], 'complete');
    checkShProfile(ap);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C at the terminal stops the command, not the recording: the profile is still written', { skip: skipKernel }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-rec-'));
  try {
    const out = join(dir, 'p.yaml');
    // its own process group stands for the terminal's foreground group
    const rec = spawn(SBOB, ['record', '-o', out, '--', 'sh', '-c', 'cat /etc/hostname; exec sleep 60'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    rec.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      rec.stdout.once('data', () => resolve());
      rec.once('exit', () => reject(new Error(`record ended early: ${stderr}`)));
    });
    // the command printed; wait until sleep runs, then interrupt the whole group
    for (let i = 0; i < 100 && !spawnSync('pgrep', ['-g', String(rec.pid), '-x', 'sleep']).stdout.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(-rec.pid!, 'SIGINT');
    const code = await new Promise<number | null>((resolve) => rec.on('exit', resolve));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /the command exited with SIGINT/);
    const { ap } = container(readFileSync(out, 'utf8'));
    assert.ok(ap.execs.some((e: { path: string }) => e.path === '/usr/bin/sleep'), JSON.stringify(ap.execs));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
