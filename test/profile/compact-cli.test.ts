// `sbob profile compact`: the command function in-process, plus one end-to-end run of bin/sbob.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { compareDynamic } from '../../src/match/index.ts';
import { runCompact, parseConfigFlags } from '../../src/cli/commands/profile.ts';
import { CliError } from '../../src/cli/errors.ts';

const BIN = fileURLToPath(new URL('../../bin/sbob', import.meta.url));

function profileYaml(n: number, dir = '/var/cache/app'): string {
  const opens = Array.from({ length: n }, (_, i) => `    - {path: ${dir}/file${i}.dat, flags: [O_RDONLY]}`);
  return [
    'apiVersion: spdx.softwarecomposition.kubescape.io/v1beta1',
    'kind: ApplicationProfile',
    'metadata: {name: rec, namespace: shop}',
    'spec:',
    '  containers:',
    '  - name: app',
    '    execs:',
    "    - {path: /bin/sh, args: [sh, -c, '*']}",
    '    opens:',
    ...opens,
    '    - {path: /etc/hosts, flags: [O_RDONLY]}',
    '',
  ].join('\n');
}

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-compact-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const opensOf = (text: string): string[] => YAML.parse(text).spec.containers[0].opens.map((o: { path: string }) => o.path);

// 50 siblings under the default threshold 50 stay literal (storage collapses only with MORE than 50
// children); the profile gets 51 siblings so the default really collapses, and --threshold 49 shows
// the 50-sibling case collapsing too.
test('profile compact: 51 siblings collapse with the defaults; output covers all of them and a new one', () => {
  withTmp((dir) => {
    const inFile = join(dir, 'ap.yaml');
    const outFile = join(dir, 'out.yaml');
    writeFileSync(inFile, profileYaml(51));
    const err: string[] = [];
    runCompact(inFile, { output: outFile }, (s) => err.push(s));
    assert.deepEqual(err, [
      'collapsed ApplicationProfile shop/rec container app: opens under /var/cache/app: 51 entries -> /var/cache/app/⋯\n',
      'ApplicationProfile shop/rec: 53 -> 3 entries, 1 collapse(s)\n',
    ]);
    const text = readFileSync(outFile, 'utf8');
    const opens = opensOf(text);
    assert.deepEqual(opens, ['/etc/hosts', '/var/cache/app/⋯']);
    for (let i = 0; i <= 51; i++) {
      const p = `/var/cache/app/file${i}.dat`;
      assert.ok(opens.some((o) => compareDynamic(o, p)), `${p} matches the compacted profile`);
    }
    assert.match(text, /- "\*"/, 'a literal * exec argument stays quoted');
    assert.doesNotMatch(text, /&a\d|\*a\d/, 'no YAML anchors or aliases');
  });
});

test('profile compact: 50 siblings stay literal by default, collapse with --threshold 49 or a prefix config', () => {
  withTmp((dir) => {
    const inFile = join(dir, 'ap.yaml');
    writeFileSync(inFile, profileYaml(50));
    const quiet = (): void => {};
    assert.equal(opensOf(runCompact(inFile, { output: join(dir, 'a.yaml') }, quiet)).length, 51);
    assert.deepEqual(opensOf(runCompact(inFile, { output: join(dir, 'b.yaml'), threshold: '49' }, quiet)), ['/etc/hosts', '/var/cache/app/⋯']);
    assert.deepEqual(opensOf(runCompact(inFile, { output: join(dir, 'c.yaml'), config: ['/var/cache=1'] }, quiet)), ['/etc/hosts', '/var/cache/*']);
  });
});

test('profile compact: bad input gives errors naming the file, object and field', () => {
  withTmp((dir) => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: spdx.softwarecomposition.kubescape.io/v1beta1\nkind: ApplicationProfile\nmetadata: {name: b, namespace: n}\nspec:\n  containers:\n  - name: c\n    opens:\n    - {flags: [O_RDONLY]}\n');
    assert.throws(() => runCompact(bad, {}), (e: unknown) => e instanceof CliError && e.message.includes(`${bad}:8: ApplicationProfile n/b: field spec.containers[0].opens[0].path`));
    assert.throws(() => runCompact(join(dir, 'missing.yaml'), {}), /missing\.yaml: no such file or directory/);
    const ok = join(dir, 'ok.yaml');
    writeFileSync(ok, profileYaml(1));
    assert.throws(() => runCompact(ok, { threshold: 'x' }), /--threshold: expected an integer >= 1, got "x"/);
  });
  assert.throws(() => parseConfigFlags(['/tmp']), /--config "\/tmp": expected PREFIX=THRESHOLD/);
  assert.throws(() => parseConfigFlags(['/tmp=0']), /--config \/tmp: expected an integer >= 1/);
  assert.throws(() => parseConfigFlags(['/a=2', '/a=3']), /prefix \/a given twice/);
});

test('sbob profile compact end to end (bin/sbob)', () => {
  withTmp((dir) => {
    const inFile = join(dir, 'ap.yaml');
    writeFileSync(inFile, profileYaml(51));
    const r = spawnSync(process.execPath, [BIN, 'profile', 'compact', inFile], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /opens under \/var\/cache\/app: 51 entries -> \/var\/cache\/app\/⋯/);
    assert.deepEqual(opensOf(r.stdout), ['/etc/hosts', '/var/cache/app/⋯']);
  });
});

test('profile compact --settings reads a CollapseConfiguration; flags override it; errors name file, object, field', () => {
  withTmp((dir) => {
    const inFile = join(dir, 'ap.yaml');
    writeFileSync(inFile, profileYaml(5));
    const cfg = join(dir, 'cc.yaml');
    writeFileSync(cfg, 'apiVersion: spdx.softwarecomposition.kubescape.io/v1beta1\nkind: CollapseConfiguration\nmetadata: {name: default}\nspec:\n  openDynamicThreshold: 4\n  collapseConfigs:\n  - {prefix: /srv, threshold: 1}\n');
    const quiet = (): void => {};
    assert.deepEqual(opensOf(runCompact(inFile, { output: join(dir, 'a.yaml'), settings: cfg }, quiet)), ['/etc/hosts', '/var/cache/app/⋯']);
    assert.equal(opensOf(runCompact(inFile, { output: join(dir, 'b.yaml'), settings: cfg, threshold: '5' }, quiet)).length, 6);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'kind: CollapseConfiguration\nmetadata: {name: default}\nspec:\n  collapseConfigs:\n  - {prefix: /a, threshold: 1}\n  - {prefix: b, threshold: 2}\n');
    assert.throws(() => runCompact(inFile, { settings: bad }, quiet),
      (e: unknown) => e instanceof CliError && e.message === `${bad}: CollapseConfiguration default: field spec.collapseConfigs[1].prefix: must be a string starting with "/"`);
    writeFileSync(bad, 'kind: ConfigMap\n');
    assert.throws(() => runCompact(inFile, { settings: bad }, quiet), /field kind: expected CollapseConfiguration, got "ConfigMap"/);
  });
});
