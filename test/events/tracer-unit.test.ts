import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Assembler, chooseArgs } from '../../src/events/tracer/assemble.ts';
import type { ProcReader } from '../../src/events/tracer/procfs.ts';
import { containerFromCgroupPath, containerFromProcCgroup } from '../../src/events/tracer/cgroup.ts';
import { decodeBpftraceBuffer, decodeOpenFlags, dnsQuestionName, dnsResponse, normalizePath } from '../../src/events/tracer/flags.ts';
import { parseTracerLine } from '../../src/events/tracer/records.ts';
import { adaptScript, loadScript, memcgId } from '../../src/events/tracer/script.ts';
import { parseStraceCall, StraceLineParser, straceEvents, splitArgs, quotedStrings, parseOpenFlags } from '../../src/events/tracer/strace.ts';

const S = '\u001f';
const line = (...f: Array<string | number>) => JSON.stringify({ type: 'printf', data: `${f.join(S)}\n` });

function feed(a: Assembler, ...lines: string[]) {
  const out = [];
  for (const l of lines) {
    const p = parseTracerLine(l);
    assert.ok(p && p.kind === 'record', `not a record: ${l}`);
    if (p.tag === 'F') a.follow(Number(p.fields[1]));
    else out.push(...a.handle(p.tag, p.fields));
  }
  return out;
}

const proc = (over: Partial<ProcReader> = {}): ProcReader => ({
  cwd: () => '/work', fdPath: () => undefined, cgroup: () => undefined, exe: () => undefined, realpath: () => undefined, ...over,
});

test('bpftrace json lines: printf records keep separators inside the last field; lost events are counted', () => {
  const p = parseTracerLine(line('A', 7, 2, `a\tb${S}c\nd "q"`));
  assert.deepEqual(p, { kind: 'record', tag: 'A', fields: ['7', '2', `a\tb`, `c\nd "q"`] });
  assert.deepEqual(parseTracerLine('{"type": "lost_events", "data": {"events": 12}}'), { kind: 'lost', count: 12 });
  assert.deepEqual(parseTracerLine('{"type": "attached_probes", "data": {"probes": 44}}'), { kind: 'attached', probes: 44 });
  assert.equal(parseTracerLine('garbage')?.kind, 'text');
  assert.equal(parseTracerLine(''), undefined);
});

test('exec: argv with spaces, tabs, quotes and newlines survives; ppid/pcomm/uid/tty come from the kernel record', () => {
  const a = new Assembler({ proc: proc() });
  const evs = feed(a,
    line('F', 100, 100),
    line('A', 100, 0, 'sh'), line('A', 100, 1, '-c'), line('A', 100, 2, `echo "a b"\t'x'\nnext${S}tail`),
    line('E', 100, 100, 1, 1000, 'sh', 'node', 136, 3, 1, 0, 0), line('EC', 100, ''), line('EF', 100, 'bin/sh'),
    line('EA', 100, 300, 'sh\\x00-c\\x00echo'), // argv longer than 200 bytes: the per-arg records win
  );
  assert.equal(evs.length, 1);
  const e = evs[0]!;
  assert.equal(e.eventType, 'exec');
  assert.deepEqual(e.args, ['sh', '-c', `echo "a b"\t'x'\nnext${S}tail`]);
  assert.equal(e.exepath, '/work/bin/sh');
  assert.equal(e.cwd, '/work');
  assert.equal(e.uid, 1000);
  assert.equal(e.pcomm, 'node');
  assert.equal(e.hasTty, true);
  assert.equal(e.ttyMajor, 136);
  assert.equal(e.tracerRoot, 100);
  assert.equal(e.context, 'host');
  assert.equal(e.upperlayer, false);
});

test('exec from an overlayfs upper layer sets upperlayer/pupperlayer, and later events of the process too', () => {
  const a = new Assembler({ proc: proc() });
  const evs = feed(a, line('E', 80, 80, 1, 0, 'x', 'sh', 0, 0, 1, 1, 0), line('EC', 80, ''), line('EF', 80, '/tmp/x'), line('EA', 80, 2, 'x\\x00'),
    line('U', 80, 80, 1, 'x', 0x10000000));
  assert.deepEqual([evs[0]!.upperlayer, evs[0]!.pupperlayer, evs[1]!.upperlayer], [true, false, true]);
});

test('exec args: the argv area read at exec time wins when complete, so late per-arg records do not matter', () => {
  const a = new Assembler({ proc: proc() });
  // the per-argument records of this exec were not read yet (another CPU's buffer)
  const [e] = feed(a, line('E', 7, 7, 1, 0, 'ls', 'sh', 0, 0, 1, 0, 0), line('EC', 7, ''), line('EF', 7, '/usr/bin/ls'), line('EA', 7, 12, 'ls\\x00/tmp/a b\\x00'));
  assert.deepEqual(e!.args, ['ls', '/tmp/a b']);
  assert.deepEqual(chooseArgs(['x', 'long'], 500, 'y\\x00lo'), ['y', 'lo'], 'records of another program are not used');
  assert.deepEqual(chooseArgs(['y', 'long'], 500, 'y\\x00lo'), ['y', 'long']);
  assert.deepEqual(chooseArgs([], 0, ''), []);
});

test('fork inherits root, cwd and container; chdir changes cwd; relative opens resolve against it', () => {
  const a = new Assembler({ proc: proc() });
  const evs = feed(a,
    line('F', 100, 100),
    line('D', 100, 'sub/dir'),
    line('K', 100, 100, 101, 'sh'),
    line('O', 101, 101, 100, 'cat', 0o2000000 | 0o100 | 1, -100, '../x//y.txt'),
    line('O', 101, 101, 100, 'cat', 0, -100, '/etc/./hostname'),
  );
  assert.equal(evs.length, 2);
  assert.equal(evs[0]!.path, '/work/sub/x/y.txt');
  assert.deepEqual(evs[0]!.flags, ['O_WRONLY', 'O_CREAT', 'O_CLOEXEC']);
  assert.equal(evs[0]!.flagsRaw, 0o2000101);
  assert.equal(evs[0]!.tracerRoot, 100);
  assert.equal(evs[0]!.pcomm, 'sh');
  assert.equal(evs[1]!.path, '/etc/hostname');
});

test('a fork record read after the child was followed keeps the child\'s root (per-CPU buffer order)', () => {
  const a = new Assembler({ proc: proc() });
  const evs = feed(a,
    line('F', 300, 300),
    line('K', 200, 200, 300, 'node'),
    line('O', 300, 300, 200, 'sh', 0, -100, '/etc/hostname'),
  );
  assert.equal(evs[0]!.tracerRoot, 300);
});

test('network: connect is outbound with proto from the socket; accept is inbound on the local port', () => {
  const a = new Assembler({ proc: proc() });
  const [c, i] = feed(a,
    line('C', 5, 5, 1, 'wget', 3, 6, 9, '127.0.0.1'),
    line('I', 6, 6, 1, 'srv', 6, 8080, 41000, '::ffff:10.0.0.7'),
  );
  assert.deepEqual({ t: c!.eventType, a: c!.dstAddr, p: c!.dstPort, pr: c!.proto, k: c!.pktType, d: c!.direction }, { t: 'network', a: '127.0.0.1', p: 9, pr: 'TCP', k: 'OUTGOING', d: 'outbound' });
  assert.deepEqual({ a: i!.dstAddr, p: i!.dstPort, s: i!.srcPort, k: i!.pktType, d: i!.direction }, { a: '10.0.0.7', p: 8080, s: 41000, k: 'HOST', d: 'inbound' });
});

test('dns: the question name is read from the UDP payload, with a trailing dot; A+AAAA give one event', () => {
  const payload = "n'\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07Example\\x03com\\x00\\x00\\x1c\\x00\\x01";
  assert.equal(dnsQuestionName(decodeBpftraceBuffer(payload)), 'example.com.');
  const a = new Assembler({ proc: proc() });
  const evs = feed(a, line('N', 9, 9, 1, 'getent', 3, payload), line('N', 9, 9, 1, 'getent', 3, payload));
  assert.equal(evs.length, 1);
  assert.equal(evs[0]!.name, 'example.com.');
  assert.equal(evs[0]!.dstPort, 53);
  assert.equal(dnsQuestionName(Uint8Array.from([1, 2, 3])), undefined);
});

test('dns responses: A/AAAA answers (with name compression) tie later connections to the name', () => {
  const q = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0, 3, ...Buffer.from('api'), 2, ...Buffer.from('io'), 0, 0, 1, 0, 1];
  const a4 = [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 1, 2, 3];
  const a6 = [0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const msg = Uint8Array.from([...q, ...a4, ...a6]);
  assert.deepEqual(dnsResponse(msg), { name: 'api.io.', addresses: ['10.1.2.3', '2001:db8::1'] });
  assert.equal(dnsResponse(Uint8Array.from(q.map((b, i) => (i === 2 ? 1 : b)))), undefined, 'a query is not a response');
  const rendered = [...msg].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  const a = new Assembler({ proc: proc() });
  const evs = feed(a, line('NR', 9, 9, 1, 'curl', msg.length, rendered), line('C', 9, 9, 1, 'curl', 5, 6, 443, '10.1.2.3'), line('C', 9, 9, 1, 'curl', 6, 6, 443, '10.9.9.9'));
  assert.deepEqual(evs.map((e) => e.dnsName), ['api.io.', undefined]);
});

test('capabilities drop the kernel memory-accounting probe; syscalls are reported once per root', () => {
  const a = new Assembler({ proc: proc() });
  const evs = feed(a,
    line('F', 100, 100),
    line('P', 100, 100, 1, 'sh', 21, 0, 9), // CAP_SYS_ADMIN during mmap: accounting, dropped
    line('P', 100, 100, 1, 'sh', 1, 0, 257), // CAP_DAC_OVERRIDE during openat
    line('S', 100, 1, 257, 'sh'), line('K', 100, 100, 101, 'sh'), line('S', 101, 100, 257, 'cat'), line('S', 101, 100, 0, 'cat'),
  );
  assert.deepEqual(evs.map((e) => [e.eventType, e.capName ?? e.syscallName]), [
    ['capabilities', 'CAP_DAC_OVERRIDE'], ['syscall', 'openat'], ['syscall', 'read'],
  ]);
  assert.equal(evs[0]!.syscallName, 'openat');
});

test('symlink/hardlink, unshare, bpf, kmod, ptrace and io_uring records become their event types', () => {
  const a = new Assembler({ proc: proc({ fdPath: () => '/lib/modules/x/kernel/foo.ko.xz' }) });
  const evs = feed(a,
    line('LO', 7, 1, '/etc/shadow'), line('LN', 7, 7, 1, 'ln', 'link'),
    line('LO', 7, 2, 'a'), line('LN', 7, 7, 1, 'ln', '/tmp/b'),
    line('U', 7, 7, 1, 'unshare', 0x10000000),
    line('B', 7, 7, 1, 'bpftool', 5, 148),
    line('MOD', 7, 7, 1, 'modprobe', 'finit_module', 3, ''),
    line('T', 7, 7, 1, 'gdb', 16, 42),
    line('IU', 7, 7, 1, 'app', 22, 0), line('IU', 7, 7, 1, 'app', 1, 4),
    line('RX', 7, 7, 1, 'xmrig', 0x3fa0),
  );
  assert.deepEqual(evs.map((e) => e.eventType), ['symlink', 'hardlink', 'unshare', 'bpf', 'kmod', 'ptrace', 'iouring', 'iouring', 'randomx']);
  assert.equal(evs[8]!.comm, 'xmrig');
  assert.equal(evs[0]!.oldPath, '/etc/shadow');
  assert.equal(evs[0]!.newPath, '/work/link');
  assert.equal(evs[1]!.oldPath, '/work/a');
  assert.equal(evs[3]!.cmd, 5);
  assert.equal(evs[4]!.module, 'foo');
  assert.equal(evs[4]!.syscallName, 'finit_module');
  assert.deepEqual(evs[6]!.flags, []);
  assert.deepEqual(evs[7]!.flags, ['4']);
  assert.equal(evs[7]!.opcode, 1);
});

test('malformed records are counted, not thrown', () => {
  const a = new Assembler();
  assert.deepEqual(a.handle('O', ['1']), []);
  assert.deepEqual(a.handle('NOPE', ['1']), []);
  assert.equal(a.malformed, 2);
});

test('container attribution from containerd, CRI-O, Docker and Podman cgroup paths; host has none', () => {
  const id = 'a'.repeat(40) + '0123456789abcdef01234567';
  assert.deepEqual(containerFromCgroupPath(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-${id}.scope`), { containerId: id, runtime: 'containerd', kubernetes: true });
  assert.deepEqual(containerFromCgroupPath(`/kubepods/burstable/pod7f0c/${id}`), { containerId: id, runtime: 'containerd', kubernetes: true });
  assert.deepEqual(containerFromCgroupPath(`/kubepods.slice/kubepods-pod2.slice/crio-${id}.scope`), { containerId: id, runtime: 'cri-o', kubernetes: true });
  assert.equal(containerFromCgroupPath(`/kubepods.slice/kubepods-pod2.slice/crio-conmon-${id}.scope`), undefined);
  assert.deepEqual(containerFromCgroupPath(`/system.slice/docker-${id}.scope`), { containerId: id, runtime: 'docker', kubernetes: false });
  assert.deepEqual(containerFromCgroupPath(`/docker/${id}`), { containerId: id, runtime: 'docker', kubernetes: false });
  assert.deepEqual(containerFromCgroupPath(`/machine.slice/libpod-${id}.scope/container`), { containerId: id, runtime: 'podman', kubernetes: false });
  assert.equal(containerFromCgroupPath('/user.slice/user-0.slice/session-1.scope'), undefined);
  assert.equal(containerFromProcCgroup(`12:memory:/docker/${id}\n0::/\n`)?.containerId, id);
  assert.equal(containerFromProcCgroup('0::/init.scope\n'), undefined);
});

test('exec in a container: the kernel cgroup leaf attributes the process; CRI containers are kubernetes, others standalone', () => {
  const id = 'b'.repeat(64);
  const a = new Assembler({ proc: proc() });
  const evs = feed(a, line('E', 50, 50, 1, 0, 'nginx', 'runc', 0, 0, 9, 0, 0), line('EC', 50, `cri-containerd-${id}.scope`), line('EF', 50, '/usr/sbin/nginx'), line('EA', 50, 6, 'nginx\\x00'),
    line('O', 50, 50, 1, 'nginx', 0, -100, '/etc/nginx/nginx.conf'));
  assert.equal(evs[0]!.containerId, id);
  assert.equal(evs[0]!.context, 'kubernetes');
  assert.equal(evs[1]!.containerId, id);
  const v1 = new Assembler({ proc: proc() });
  const [y] = feed(v1, line('E', 70, 70, 1, 0, 'app', 'sh', 0, 0, 1, 0, 0), line('EC', 70, ''), line('EV', 70, id), line('EF', 70, '/app'), line('EA', 70, 4, 'app\\x00'));
  assert.deepEqual([y!.containerId, y!.context], [id, 'standalone'], 'v1 memory cgroup leaf from the kernel');
  const d = new Assembler({ proc: proc({ cgroup: () => `0::/system.slice/docker-${id}.scope\n` }) });
  const [x] = feed(d, line('E', 60, 60, 1, 0, 'app', 'containerd-shim', 0, 0, 9, 0, 0), line('EC', 60, ''), line('EF', 60, '/app'), line('EA', 60, 4, 'app\\x00'));
  assert.deepEqual([x!.containerId, x!.context], [id, 'standalone']);
});

test('importing the tracer registers the agent source type "kernel" with validated options', async () => {
  await import('../../src/events/tracer/index.ts');
  const { getEventSourceFactory } = await import('../../src/events/source.ts');
  const factory = getEventSourceFactory('kernel');
  assert.ok(factory);
  const log = { info() {}, warn() {}, error() {} };
  const src = await factory({ options: { type: 'kernel' }, log });
  assert.equal(src.name, 'kernel');
  assert.deepEqual(src.stats().lost, 0);
  assert.throws(() => factory({ options: { mode: 'some' }, log }), /source kernel: field mode: must be "all" or "tree", got "some"/);
  assert.throws(() => factory({ options: { strlen: 4096 }, log }), /field strlen: must be an integer 32..200, got 4096/);
});

test('open flags and paths are normalised as rule-engine.md §1.5 says', () => {
  assert.deepEqual(decodeOpenFlags(3 | 0o100), ['O_CREAT']);
  assert.deepEqual(decodeOpenFlags(2 | 0o4010000), ['O_RDWR', 'O_DSYNC']);
  assert.equal(normalizePath('.'), '/');
  assert.equal(normalizePath('a/../b/'), '/b');
  assert.equal(normalizePath(''), '');
});

test('the script is adapted to the kernel: missing tracepoints are dropped, shared blocks keep the rest', () => {
  const src = [
    'BEGIN { printf("x"); }',
    'tracepoint:syscalls:sys_enter_init_module /$1 == 0/ {',
    '  printf("a");',
    '}',
    'tracepoint:syscalls:sys_exit_open,',
    'tracepoint:syscalls:sys_exit_openat /@op[tid]/ {',
    '  printf("b");',
    '}',
    'tracepoint:syscalls:sys_enter_bpf /1/ { printf("c"); }',
  ].join('\n');
  const r = adaptScript(src, (_c, n) => n !== 'sys_enter_init_module' && n !== 'sys_exit_open');
  assert.deepEqual(r.missing, ['syscalls:sys_enter_init_module', 'syscalls:sys_exit_open']);
  assert.equal(r.text, ['BEGIN { printf("x"); }', 'tracepoint:syscalls:sys_exit_openat /@op[tid]/ {', '  printf("b");', '}', 'tracepoint:syscalls:sys_enter_bpf /1/ { printf("c"); }'].join('\n'));
  const shipped = loadScript(() => true, 4);
  assert.deepEqual(shipped.missing, []);
  assert.match(shipped.text, /sched_process_exec/);
  assert.match(shipped.text, /subsys\[4\]/);
  assert.doesNotMatch(shipped.text, /SBOB_MEMCG_ID/);
  assert.equal(memcgId('#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\ncpu\t1\t1\t1\nmemory\t4\t43\t1\n'), 2);
  assert.equal(memcgId('#subsys_name\n'), 0);
});

test('strace: split calls are joined, hex strings decoded, exec/open/connect/dns events produced for the tree', () => {
  const hex = (s: string) => [...Buffer.from(s)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  const dns = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7]), Buffer.from('example'), Buffer.from([3]), Buffer.from('com'), Buffer.from([0, 0, 1, 0, 1])]);
  const dnsHex = [...dns].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  const text = [
    `10 execve("${hex('/bin/sh')}", ["${hex('sh')}", "${hex('-c')}", "${hex('a "b"\tc')}"], 0x7ffd /* 3 vars */) = 0`,
    `10 chdir("${hex('/tmp')}") = 0`,
    '10 vfork( <unfinished ...>',
    `11 execve("${hex('/usr/bin/cat')}", ["${hex('cat')}", "${hex('x')}"], 0x1 /* 1 var */ <unfinished ...>`,
    '10 <... vfork resumed>) = 11',
    '11 <... execve resumed>) = 0',
    `11 openat(AT_FDCWD, "${hex('x')}", O_RDONLY|O_CLOEXEC) = 3`,
    `11 openat(AT_FDCWD, "${hex('/nope')}", O_RDONLY) = -1 ENOENT (No such file or directory)`,
    '11 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 4',
    `11 connect(4, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("${hex('10.0.0.53')}")}, 16) = 0`,
    `11 sendto(4, "${dnsHex}", ${dns.length}, MSG_NOSIGNAL, NULL, 0) = ${dns.length}`,
    '11 socket(AF_INET, SOCK_STREAM, IPPROTO_IP) = 5',
    `11 connect(5, {sa_family=AF_INET, sin_port=htons(9), sin_addr=inet_addr("${hex('127.0.0.1')}")}, 16) = -1 ECONNREFUSED (Connection refused)`,
    '11 +++ exited with 0 +++',
  ];
  const p = new StraceLineParser();
  const calls = text.map((l) => p.push(l)).filter((c) => c !== undefined);
  assert.deepEqual(calls.map((c) => c!.name), ['execve', 'chdir', 'vfork', 'execve', 'openat', 'openat', 'socket', 'connect', 'sendto', 'socket', 'connect']);
  const evs = straceEvents(calls as never, 10, '/work', 'sh');
  const pick = evs.filter((e) => e.eventType !== 'syscall');
  assert.deepEqual(pick.map((e) => e.eventType), ['exec', 'exec', 'open', 'network', 'dns', 'network']);
  assert.deepEqual(pick[0]!.args, ['sh', '-c', 'a "b"\tc']);
  assert.equal(pick[1]!.ppid, 10);
  assert.equal(pick[1]!.pcomm, 'sh');
  assert.equal(pick[2]!.path, '/tmp/x');
  assert.deepEqual(pick[2]!.flags, ['O_RDONLY', 'O_CLOEXEC']);
  assert.deepEqual([pick[3]!.dstAddr, pick[3]!.dstPort, pick[3]!.proto], ['10.0.0.53', 53, 'UDP']);
  assert.equal(pick[4]!.name, 'example.com.');
  assert.deepEqual([pick[5]!.dstAddr, pick[5]!.dstPort, pick[5]!.proto], ['127.0.0.1', 9, 'TCP']);
  assert.deepEqual(evs.filter((e) => e.eventType === 'syscall').map((e) => e.syscallName), ['chdir', 'connect', 'execve', 'openat', 'sendto', 'socket', 'vfork']);
  assert.equal(parseStraceCall(1, 'close(3) = 0')?.ret, 0);
  assert.deepEqual(splitArgs('3, {a=1, b=[2, 3]}, "x,y" /* c, d */, 4'), ['3', '{a=1, b=[2, 3]}', '"x,y"', '4']);
  assert.deepEqual(quotedStrings('["a\\"b", "c"]'), ['a"b', 'c']);
  assert.equal(parseOpenFlags('O_WRONLY|O_CREAT|O_TRUNC'), 0o1101);
});
