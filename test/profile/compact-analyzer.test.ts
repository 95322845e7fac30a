import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PathAnalyzer, collapseAdjacentDynamic, findCollapseConfig, resolveCollapseSettings, defaultCollapseSettings,
  prefixCovers, InvalidCollapseSettingsError,
} from '../../src/profile/compact/index.ts';

function feed(a: PathAnalyzer, paths: string[], id = 'opens'): string[] {
  for (const p of paths) a.analyzePath(p, id);
  return paths.map((p) => a.analyzePath(p, id));
}

const kids = (dir: string, n: number, suffix = '') => Array.from({ length: n }, (_, i) => `${dir}/f${i}${suffix}`);

test('a directory collapses only with strictly more children than the threshold', () => {
  assert.deepEqual(new Set(feed(new PathAnalyzer({ threshold: 5 }), kids('/d', 5))).size, 5);
  assert.deepEqual([...new Set(feed(new PathAnalyzer({ threshold: 5 }), kids('/d', 6)))], ['/d/⋯']);
});

test('collapsing merges the subtrees of the children', () => {
  const a = new PathAnalyzer({ threshold: 2 });
  const out = feed(a, ['/u/a/posts', '/u/b/posts', '/u/c/posts', '/u/c/avatar']);
  assert.deepEqual([...new Set(out)].sort(), ['/u/⋯/avatar', '/u/⋯/posts']);
});

test('a merged level that is itself too wide collapses too, and ⋯/⋯ becomes *', () => {
  const a = new PathAnalyzer({ threshold: 2 });
  const paths: string[] = [];
  for (const x of ['a', 'b', 'c']) for (const y of ['1', '2', '3']) paths.push(`/m/${x}/${y}/file`);
  assert.deepEqual([...new Set(feed(a, paths))], ['/m/*/file']);
});

test('an existing ⋯ child captures new siblings; an input ⋯ absorbs existing ones', () => {
  const a = new PathAnalyzer({ threshold: 50 });
  assert.equal(a.analyzePath('/api/users/⋯', 'x'), '/api/users/⋯');
  assert.equal(a.analyzePath('/api/users/102', 'x'), '/api/users/⋯');
  const b = new PathAnalyzer({ threshold: 50 });
  b.analyzePath('/data/specific/config', 'x');
  assert.equal(b.analyzePath('/data/⋯/config', 'x'), '/data/⋯/config');
  assert.equal(b.analyzePath('/data/specific/config', 'x'), '/data/⋯/config');
});

test('threshold 1 gives * at once and * absorbs the rest of the path', () => {
  const a = new PathAnalyzer({ threshold: 50, collapseConfigs: [{ prefix: '/tmp', threshold: 1 }] });
  assert.equal(a.analyzePath('/tmp/x/y/z', 'o'), '/tmp/*');
  assert.equal(a.analyzePath('/tmp/other', 'o'), '/tmp/*');
  assert.equal(a.analyzePath('/tmp', 'o'), '/tmp');
  assert.equal(a.analyzePath('/tmpfoo/x', 'o'), '/tmpfoo/x', 'prefix matched at / boundaries');
  // an input path with a * segment captures its directory (the storage hazard for /*/x)
  const b = new PathAnalyzer({ threshold: 50 });
  b.analyzePath('/etc/hosts', 'o');
  assert.equal(b.analyzePath('/*/Chart.yaml', 'o'), '/*');
  assert.equal(b.analyzePath('/etc/hosts', 'o'), '/*');
});

test('identifiers are separate tries and empty segments are skipped', () => {
  const a = new PathAnalyzer({ threshold: 1 + 1 });
  feed(a, ['/x/1', '/x/2', '/x/3'], 'p80');
  assert.equal(a.analyzePath('/x/1', 'p443'), '/x/1');
  assert.equal(a.analyzePath('//users///123////', 'p443'), '/users/123');
});

test('collapseAdjacentDynamic', () => {
  assert.equal(collapseAdjacentDynamic('/a/⋯/⋯/⋯/e'), '/a/*/e');
  assert.equal(collapseAdjacentDynamic('/⋯/b/⋯/d'), '/⋯/b/⋯/d');
  assert.equal(collapseAdjacentDynamic('/⋯/⋯'), '/*');
  assert.equal(collapseAdjacentDynamic(''), '');
});

test('findCollapseConfig: longest covering prefix, first on ties, default otherwise', () => {
  const cfg = [
    { prefix: '/etc', threshold: 100 },
    { prefix: '/etc/apache2', threshold: 5 },
    { prefix: '/etc/apache2', threshold: 7 },
  ];
  assert.deepEqual(findCollapseConfig(cfg, '/etc/apache2/x', 50), { prefix: '/etc/apache2', threshold: 5 });
  assert.deepEqual(findCollapseConfig(cfg, '/etc/hosts', 50), { prefix: '/etc', threshold: 100 });
  assert.deepEqual(findCollapseConfig(cfg, '/etcd/x', 50), { prefix: '/', threshold: 50 });
  assert.equal(prefixCovers('/etc', '/etc'), true);
  assert.equal(prefixCovers('/etc', '/etc-x'), false);
});

test('resolveCollapseSettings: defaults and errors that name the field', () => {
  assert.deepEqual(resolveCollapseSettings(undefined), defaultCollapseSettings());
  assert.equal(resolveCollapseSettings({ openDynamicThreshold: 0 }).openDynamicThreshold, 50, '0 means default');
  assert.deepEqual(resolveCollapseSettings({ collapseConfigs: [] }).collapseConfigs, [], 'a list replaces the defaults');
  assert.throws(() => resolveCollapseSettings({ collapseConfigs: [{ prefix: 'etc', threshold: 2 }] }),
    (e: unknown) => e instanceof InvalidCollapseSettingsError && /collapseConfigs\[0\]\.prefix/.test(e.message));
  assert.throws(() => resolveCollapseSettings({ collapseConfigs: [{ prefix: '/a', threshold: 0 }] }), /collapseConfigs\[0\]\.threshold: must be an integer >= 1/);
  assert.throws(() => resolveCollapseSettings({ collapseConfigs: [{ prefix: '/a', threshold: 2 }, { prefix: '/a', threshold: 3 }] }), /duplicate prefix \/a/);
  assert.throws(() => resolveCollapseSettings({ openDynamicThreshold: -1 }), /openDynamicThreshold: must be an integer >= 0/);
});

test('wide tries stay fast', () => {
  const a = new PathAnalyzer({ threshold: 50 });
  const paths: string[] = [];
  for (let i = 0; i < 200; i++) for (let j = 0; j < 51; j++) paths.push(`/srv/tenant${i}/obj${j}/data`);
  const t0 = performance.now();
  const out = new Set(feed(a, paths));
  assert.deepEqual([...out], ['/srv/*/data'], '200 tenants x 51 objects: both levels collapse, ⋯/⋯ becomes *');
  assert.ok(performance.now() - t0 < 3000);
});
