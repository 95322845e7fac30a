/**
 * `sbob record --container ID`: a process placed in a Docker-style cgroup (`/docker/<id>` in the v1
 * memory hierarchy, or `docker-<id>.scope` on a cgroup v2 host) is recorded; host processes are not.
 * Needs root + bpftrace and a writable cgroup hierarchy; otherwise skipped with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { preflight } from '../../src/events/tracer/index.ts';

const SBOB = fileURLToPath(new URL('../../bin/sbob', import.meta.url));
const pf = preflight();
const id = randomBytes(32).toString('hex');

/** A Docker-style cgroup for `id`, or the reason none can be made here. */
function makeCgroup(): { dir: string; cleanup: () => void } | string {
  const candidates = [
    { base: '/sys/fs/cgroup/memory/docker', dir: `/sys/fs/cgroup/memory/docker/${id}` },
    { base: '/sys/fs/cgroup/sbob-test.slice', dir: `/sys/fs/cgroup/sbob-test.slice/docker-${id}.scope`, v2: true },
  ];
  for (const c of candidates) {
    if (c.v2 && !existsSync('/sys/fs/cgroup/cgroup.controllers')) continue;
    if (!c.v2 && !existsSync('/sys/fs/cgroup/memory/cgroup.procs')) continue;
    try {
      const made = !existsSync(c.base);
      mkdirSync(c.dir, { recursive: true });
      return {
        dir: c.dir,
        cleanup: () => {
          try {
            rmdirSync(c.dir);
            if (made) rmdirSync(c.base);
          } catch {
            /* still busy: left for the OS */
          }
        },
      };
    } catch {
      /* next */
    }
  }
  return 'no writable cgroup hierarchy (needs /sys/fs/cgroup/memory or a cgroup v2 root, as root)';
}

const cg = pf.ok ? makeCgroup() : `kernel tracer unavailable: ${pf.reasons.join('; ')}`;
const skip = typeof cg === 'string' ? cg : false;

test('record --container records the processes of that container only', { skip }, async () => {
  const { dir, cleanup } = cg as { dir: string; cleanup: () => void };
  const tmp = mkdtempSync(join(tmpdir(), 'sbob-rc-'));
  try {
    const out = join(tmp, 'c.yaml');
    const rec = spawn(SBOB, ['record', '--container', id.slice(0, 12), '--duration', '4s', '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      rec.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('recording container')) resolve();
      });
      rec.on('exit', () => reject(new Error(`record exited early: ${stderr}`)));
    });
    const inside = spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec sh -c 'cat /etc/hostname >/dev/null; ls /etc >/dev/null'`]);
    assert.equal(inside.status, 0, inside.stderr?.toString());
    const host = spawnSync('cat', ['/etc/hosts'], { stdio: 'ignore' });
    assert.equal(host.status, 0);
    const code = await new Promise<number | null>((resolve) => rec.on('exit', resolve));
    assert.equal(code, 0, stderr);
    const docs = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJS());
    assert.equal(docs[0].metadata.name, `container-${id.slice(0, 12)}`);
    const c = docs[0].spec.containers[0];
    const execs = c.execs.map((e: { path: string; args: string[] }) => e.args.join(' '));
    assert.ok(execs.includes('cat /etc/hostname'), execs.join('\n'));
    assert.ok(execs.includes('ls /etc'), execs.join('\n'));
    assert.ok(!execs.includes('cat /etc/hosts'), 'a host process is not part of the container');
    assert.ok(c.opens.some((o: { path: string }) => o.path === '/etc/hostname'));
  } finally {
    cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
});
