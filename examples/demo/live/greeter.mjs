// The live stand-in for the demo workload "greeter" (used by `sbob demo` when the kernel tracer can
// run). It only touches the local machine: it reads its config, asks for the current date (a child
// process) and sends DNS queries to a UDP listener of the demo on a loopback address (nothing
// leaves the machine; the tracer sees a query to port 53). SBOB_DEMO_PHASE selects what it does:
//   normal        config, date, DNS query for quotes.example.com
//   attack        + an unexpected process (id), a service-account token read, a mining-pool lookup
//   after-update  an unexpected process ($SBOB_DEMO_AFTER, the one the tampered profile allows)
import { readFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { spawnSync } from 'node:child_process';

const phase = process.env.SBOB_DEMO_PHASE ?? 'normal';
const dns = process.env.SBOB_DEMO_DNS ?? '127.0.0.1:53';
const [dnsHost, dnsPort] = [dns.slice(0, dns.lastIndexOf(':')), Number(dns.slice(dns.lastIndexOf(':') + 1))];

function query(name) {
  const labels = name.replace(/\.$/, '').split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const header = Buffer.from([0x5d, 0x0b, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

function lookup(name) {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.send(query(name), dnsPort, dnsHost, (err) => { s.close(); if (err) reject(err); else resolve(); });
  });
}

if (phase === 'normal' || phase === 'attack') {
  readFileSync(process.env.SBOB_DEMO_CONFIG, 'utf8');
  spawnSync('date', ['+%F'], { stdio: 'ignore' });
  await lookup('quotes.example.com');
}
if (phase === 'attack') {
  spawnSync('id', [], { stdio: 'ignore' });
  readFileSync('/run/secrets/kubernetes.io/serviceaccount/token', 'utf8');
  await lookup('pool.supportxmr.com');
}
if (phase === 'after-update') {
  spawnSync(process.env.SBOB_DEMO_AFTER ?? 'uname', ['--version'], { stdio: 'ignore' });
}
