/**
 * Kernel tracer throughput. A Python writer opens /etc/hostname at a paced rate (in 10 ms slices) for
 * a few seconds while the tracer (tree mode, the shipped bpftrace script) follows it; every open event
 * is evaluated by the rule engine (default rules, a profile that allows the file). For each target
 * rate the bench reports the events delivered, the events lost (bpftrace perf-buffer overruns) and the
 * delivered rate; the headline figure is the highest rate delivered with nothing lost. A burst round
 * (as fast as Python can open) shows what happens past that point. On a 2-core machine the writer,
 * bpftrace and Node share the CPUs. Runs only as root with bpftrace; otherwise says why it skipped.
 */
import { fileURLToPath } from 'node:url';
import { KernelTracer, preflight, runTraced } from '../src/events/tracer/index.ts';
import { normalizeEvent, type RuntimeEvent } from '../src/events/index.ts';
import { engineFromFiles } from '../src/cli/load.ts';
import { buildProfiles } from '../src/profile/record/index.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export interface TracerRound {
  target: number | 'burst';
  opens: number;
  delivered: number;
  lost: number;
  eventsPerSec: number;
  alerts: number;
}

function writer(rate: number | 'burst', seconds: number): string {
  if (rate === 'burst') return `import os\nfor i in range(200000):\n    os.close(os.open('/etc/hostname', os.O_RDONLY))\n`;
  const perSlice = Math.max(1, Math.round(rate / 100));
  return [
    'import os, time',
    `n = 0\nstart = time.monotonic()\nfor s in range(${seconds * 100}):`,
    `    for i in range(${perSlice}):`,
    "        os.close(os.open('/etc/hostname', os.O_RDONLY))",
    '    n += 1',
    '    d = start + n * 0.01 - time.monotonic()',
    '    if d > 0: time.sleep(d)',
  ].join('\n');
}

async function round(tracer: KernelTracer, target: number | 'burst', engine: ReturnType<typeof engineFromFiles>): Promise<TracerRound> {
  let first = 0;
  let last = 0;
  let delivered = 0;
  let alerts = 0;
  const seconds = 3;
  const r = await runTraced({
    tracer, stdio: 'pipe', command: ['python3', '-c', writer(target, seconds)],
    onEvent: (raw: RuntimeEvent) => {
      if (raw.eventType !== 'open' || raw.path !== '/etc/hostname') return;
      const t = performance.now();
      if (!first) first = t;
      last = t;
      delivered++;
      alerts += engine.evaluate(normalizeEvent({ ...raw, containerId: 'bench', containerName: 'bench', namespace: 'default', podName: 'bench', context: 'kubernetes' })).length;
    },
  });
  const opens = target === 'burst' ? 200000 : Math.max(1, Math.round(target / 100)) * seconds * 100;
  return { target, opens, delivered, lost: r.lost, eventsPerSec: delivered / Math.max(1e-6, (last - first) / 1000), alerts };
}

export async function runTracerBench(): Promise<TracerRound[] | undefined> {
  console.log('kernel tracer (bpftrace tracepoints, tree mode) → rule engine');
  const pf = preflight();
  if (!pf.ok) {
    console.log(`  skipped: ${pf.reasons.join('; ')}`);
    return undefined;
  }
  const tracer = new KernelTracer({ mode: 'tree' });
  tracer.start(() => undefined).catch(() => undefined);
  const t0 = performance.now();
  await tracer.ready();
  console.log(`  startup (compile+attach): ${((performance.now() - t0) / 1000).toFixed(1)} s, ${tracer.stats().attachedProbes} probes`);
  const rounds: TracerRound[] = [];
  try {
    const learn = await runTraced({ tracer, stdio: 'pipe', command: ['python3', '-c', "import os\nos.close(os.open('/etc/hostname', os.O_RDONLY))\n"] });
    const prof = buildProfiles(learn.events, { name: 'bench', containerName: 'bench' });
    const engine = engineFromFiles({ rules: [fileURLToPath(new URL('../rules/', import.meta.url))] });
    engine.upsertProfile(prof.applicationProfile);
    engine.upsertProfile(prof.networkNeighborhood);
    for (const target of [5000, 10000, 20000, 40000, 60000, 'burst'] as const) {
      const r = await round(tracer, target, engine);
      rounds.push(r);
      const what = target === 'burst' ? 'burst (as fast as possible)' : `paced ${fmt(target)}/s`;
      console.log(`  ${what}: ${fmt(r.delivered)}/${fmt(r.opens)} delivered, ${fmt(r.lost)} lost, ${fmt(r.eventsPerSec)} events/s, ${r.alerts} alerts`);
    }
    const best = rounds.filter((r) => r.lost === 0 && r.delivered === r.opens).sort((a, b) => b.eventsPerSec - a.eventsPerSec)[0];
    console.log(`  lossless throughput:     ${best ? `${fmt(best.eventsPerSec)} events/s` : 'none of the rounds was lossless'}`);
  } finally {
    await tracer.stop();
  }
  return rounds;
}

if (import.meta.url === `file://${process.argv[1]}`) await runTracerBench();
