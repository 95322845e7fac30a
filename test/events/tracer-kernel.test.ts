/**
 * Live tests of the kernel tracer (bpftrace). They need root, bpftrace, BTF and tracefs; otherwise
 * they are reported skipped with the exact reason. One tracer session serves the whole file; it runs
 * in `all` mode (the agent's mode: every process on the host), and each command is still routed to its
 * own run through follow(). (`tree` mode is exercised by the record/watch CLI tests.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import type { RuntimeEvent } from '../../src/events/index.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelTracer, preflight, runTraced, straceAvailable } from '../../src/events/tracer/index.ts';

const pf = preflight();
const skip = pf.ok ? false : `kernel tracer unavailable: ${pf.reasons.join('; ')}`;
let tracer: KernelTracer;
const hasStrace = straceAvailable() !== undefined;

before(async () => {
  if (skip) return;
  tracer = new KernelTracer({ mode: 'all' });
  tracer.start(() => undefined).catch(() => undefined);
  await tracer.ready();
});
after(async () => {
  if (tracer) await tracer.stop();
});

test('exec, open, connect and DNS of a whole process tree, nothing lost', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-tr-'));
  try {
    const r = await runTraced({
      tracer, stdio: 'pipe', cwd: dir,
      command: ['sh', '-c', 'ls /etc >/dev/null; cat /etc/hostname; (cd /etc && exec cat ./hostname >/dev/null); wget -q -T 2 -O- http://127.0.0.1:9/ || true; echo "a b" "c\'d" > out.txt'],
    });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.lost, 0);
    const execs = r.events.filter((e) => e.eventType === 'exec');
    assert.deepEqual(execs.map((e) => e.comm), ['sh', 'ls', 'cat', 'cat', 'wget']);
    assert.deepEqual(execs[1]!.args, ['ls', '/etc']);
    assert.deepEqual(execs[0]!.args, ['sh', '-c', 'ls /etc >/dev/null; cat /etc/hostname; (cd /etc && exec cat ./hostname >/dev/null); wget -q -T 2 -O- http://127.0.0.1:9/ || true; echo "a b" "c\'d" > out.txt']);
    assert.equal(execs[1]!.pcomm, 'sh');
    assert.equal(execs[1]!.ppid, r.rootPid);
    assert.equal(execs[0]!.cwd, dir);
    assert.equal(execs[3]!.cwd, '/etc');
    assert.equal(execs[1]!.exepath, '/usr/bin/ls');
    const opens = r.events.filter((e) => e.eventType === 'open');
    const hostname = opens.filter((e) => e.path === '/etc/hostname');
    assert.equal(hostname.length, 2, 'absolute and cwd-relative open both resolve to /etc/hostname');
    assert.deepEqual(hostname[0]!.flags, ['O_RDONLY']);
    const out = opens.find((e) => e.path === join(dir, 'out.txt'));
    assert.ok(out, 'redirect target opened');
    assert.deepEqual(out!.flags, ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
    const net = r.events.find((e) => e.eventType === 'network' && e.dstPort === 9);
    assert.ok(net, `connect to 127.0.0.1:9 seen; got ${JSON.stringify(r.events.filter((e) => e.eventType !== 'open' && e.eventType !== 'syscall'))}`);
    assert.deepEqual([net!.dstAddr, net!.proto, net!.direction, net!.comm], ['127.0.0.1', 'TCP', 'outbound', 'wget']);
    const sys = new Set(r.events.filter((e) => e.eventType === 'syscall').map((e) => e.syscallName));
    for (const s of ['execve', 'openat', 'connect', 'socket']) assert.ok(sys.has(s), `syscall ${s} reported`);
    for (const e of r.events) {
      assert.equal(e.tracerRoot, r.rootPid);
      assert.equal(e.context, 'host');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('symlink, hardlink, unshare; a DNS query and answer; concurrent runs stay apart', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-tr-'));
  try {
    // a tiny DNS server on 127.0.0.153:53 answers sbob.example → 127.0.0.2; the client then connects there
    const resolver = ['python3', '-c', [
      'import socket, threading',
      'srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); srv.bind(("127.0.0.153", 53))',
      'tcp = socket.socket(); tcp.bind(("127.0.0.2", 0)); tcp.listen(1); tport = tcp.getsockname()[1]',
      'def serve():',
      '    q, a = srv.recvfrom(512)',
      '    srv.sendto(q[:2] + bytes([0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]) + q[12:] + bytes([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 2]), a)',
      't = threading.Thread(target=serve); t.start()',
      'c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.connect(("127.0.0.153", 53))',
      'c.send(bytes([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]) + b"\\x04sbob\\x07example\\x00\\x00\\x01\\x00\\x01"); c.recv(512); t.join()',
      's = socket.socket(); s.connect(("127.0.0.2", tport)); s.close()',
    ].join('\n')];
    const [a, b] = await Promise.all([
      runTraced({ tracer, stdio: 'pipe', cwd: dir, command: ['sh', '-c', `ln -s /etc/hostname sl && ln ${join(dir, 'sl')} hl; unshare -U true; ${hasStrace ? 'strace -qq -o /dev/null true' : ':'}`] }),
      runTraced({ tracer, stdio: 'pipe', cwd: dir, command: resolver }),
    ]);
    assert.equal(a.exitCode, 0, a.stderr);
    assert.equal(b.exitCode, 0, b.stderr);
    assert.equal(a.lost + b.lost, 0);
    const sl = a.events.find((e) => e.eventType === 'symlink');
    assert.deepEqual([sl?.oldPath, sl?.newPath], ['/etc/hostname', join(dir, 'sl')]);
    const hl = a.events.find((e) => e.eventType === 'hardlink');
    assert.deepEqual([hl?.oldPath, hl?.newPath], [join(dir, 'sl'), join(dir, 'hl')]);
    assert.ok(a.events.some((e) => e.eventType === 'unshare' && e.comm === 'unshare'));
    if (hasStrace) {
      const pt = a.events.filter((e) => e.eventType === 'ptrace' && e.comm === 'strace');
      assert.ok(pt.length > 0, 'strace attaching is a ptrace event');
      assert.match(pt[0]!.exepath ?? '', /strace$/);
    }
    const dns = b.events.filter((e) => e.eventType === 'dns');
    assert.deepEqual(dns.map((e) => e.name), ['sbob.example.']);
    const conn = b.events.find((e) => e.eventType === 'network' && e.dstAddr === '127.0.0.2');
    assert.equal(conn?.dnsName, 'sbob.example.', 'the connection is tied to the name the DNS answer gave');
    assert.ok(!a.events.some((e) => e.eventType === 'dns'), 'events are routed to their own run');
    assert.ok(!b.events.some((e) => e.eventType === 'symlink'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('randomx heuristic: a process that keeps a non-default SSE rounding mode is reported once', { skip }, async () => {
  const code = "import ctypes, time\nctypes.CDLL('libm.so.6').fesetround(0x400)\nt = time.time()\nwhile time.time() - t < 1: time.sleep(0.001)\n";
  const r = await runTraced({ tracer, stdio: 'pipe', command: ['python3', '-c', code] });
  assert.equal(r.exitCode, 0, r.stderr);
  if (tracer.stats().missingProbes.some((p) => p.startsWith('x86_fpu:'))) return; // kernel without the probe
  const rx = r.events.filter((e) => e.eventType === 'randomx');
  assert.equal(rx.length, 1);
  assert.equal(rx[0]!.comm, 'python3');
  assert.equal(((rx[0]!.mxcsr as number) >> 13) & 3, 1, 'round-down mode');
  const plain = await runTraced({ tracer, stdio: 'pipe', command: ['python3', '-c', 'import time\nt = time.time()\nwhile time.time() - t < 0.3: time.sleep(0.001)\n'] });
  assert.ok(!plain.events.some((e) => e.eventType === 'randomx'), 'default rounding mode is not reported');
});

test('all mode sees processes nobody followed, as host processes without a root', { skip }, async () => {
  const seen: RuntimeEvent[] = [];
  const marker = `/sbob-all-mode-${process.pid}-${Date.now()}`;
  const off = tracer.subscribe((e) => {
    if (e.eventType === 'exec' && e.args?.[1] === marker) seen.push(e);
  });
  try {
    const child = spawn('ls', [marker], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('exit', resolve));
    await tracer.sync();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.comm, 'ls');
    assert.equal(seen[0]!.context, 'host');
    assert.equal(seen[0]!.containerId, '');
    assert.equal(seen[0]!.tracerRoot, undefined);
    assert.equal(seen[0]!.pid, child.pid);
  } finally {
    off();
  }
});

test('capabilities, bpf and io_uring from raw syscalls', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-cap-'));
  try {
    const code = [
      'import ctypes, os',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'open("f", "w").close(); os.chown("f", 1, 1)', // CAP_CHOWN
      'libc.syscall(321, 0, None, 0)', // bpf(BPF_MAP_CREATE, NULL, 0): fails, but was attempted
      'params = ctypes.create_string_buffer(120)',
      'fd = libc.syscall(425, 4, params)', // io_uring_setup(4, &params)
      'print(fd)',
    ].join('\n');
    const r = await runTraced({ tracer, stdio: 'pipe', cwd: dir, command: ['python3', '-c', code] });
    assert.equal(r.exitCode, 0, r.stderr);
    const caps = r.events.filter((e) => e.eventType === 'capabilities' && e.capName === 'CAP_CHOWN');
    assert.ok(caps.length >= 1, JSON.stringify(r.events.filter((e) => e.eventType === 'capabilities')));
    assert.match(String(caps[0]!.syscallName), /chown/);
    const bpf = r.events.find((e) => e.eventType === 'bpf');
    assert.deepEqual([bpf?.cmd, bpf?.comm], [0, 'python3']);
    if (Number(r.stdout) >= 0 && !tracer.stats().missingProbes.includes('syscalls:sys_enter_io_uring_setup')) {
      assert.ok(r.events.some((e) => e.eventType === 'iouring' && e.opcode === -1), 'io_uring_setup reported');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exec from an overlayfs upper layer is drift (upperlayer), also for the parent (pupperlayer)', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sbob-ovl-'));
  const merged = join(dir, 'merged');
  for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(dir, d));
  copyFileSync('/usr/bin/true', join(dir, 'lower', 'in-lower'));
  const m = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${join(dir, 'lower')},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, merged]);
  if (m.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    t.skip(`cannot mount overlayfs here: ${m.stderr.toString().trim()}`);
    return;
  }
  try {
    copyFileSync('/usr/bin/true', join(merged, 'in-upper'));
    copyFileSync('/usr/bin/dash', join(merged, 'sh-upper'));
    spawnSync('chmod', ['+x', join(merged, 'in-upper'), join(merged, 'sh-upper')]);
    const r = await runTraced({ tracer, stdio: 'pipe', command: [join(merged, 'sh-upper'), '-c', `${join(merged, 'in-lower')}; ${join(merged, 'in-upper')}; /usr/bin/true; :`] });
    assert.equal(r.exitCode, 0, r.stderr);
    const ex = new Map(r.events.filter((e) => e.eventType === 'exec').map((e) => [String(e.exepath).split('/').pop(), e]));
    assert.deepEqual([ex.get('sh-upper')?.upperlayer, ex.get('in-lower')?.upperlayer, ex.get('in-upper')?.upperlayer, ex.get('true')?.upperlayer], [true, false, true, false]);
    assert.equal(ex.get('true')?.pupperlayer, true, 'its parent sh-upper is drift');
    assert.equal(ex.get('sh-upper')?.pupperlayer, false);
  } finally {
    spawnSync('umount', [merged]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the tracer reports its probes and lost-event counter', { skip }, () => {
  const s = tracer.stats();
  assert.equal(s.lost, 0);
  assert.ok(s.attachedProbes > 30, `attached ${s.attachedProbes}`);
  assert.equal(s.malformed, 0);
});
