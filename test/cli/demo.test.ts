import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../support/shared.ts';

test('npm start (sbob demo) replays the embedded scenario and prints the alerts readably', () => {
  const r = spawnSync('npm', ['start', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const id of ['R0001', 'R0006', 'R1008', 'R0010']) assert.match(r.stdout, new RegExp(`\\] ${id} `));
  assert.match(r.stdout, /already reported: suppressed by the cooldown/);
  assert.match(r.stdout, /exec {5}nginx \/usr\/sbin\/nginx {2}\(expected behaviour, no alert\)/);
});
