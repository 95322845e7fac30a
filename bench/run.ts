/**
 * `npm run bench`: throughput figures, each with a baseline measured in the same run.
 *  - rule engine: events/s of the full eval pipeline vs bare JSON.parse of the same lines
 *  - kernel tracer (when bench/tracer.ts exists and the tracer can run here)
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runEngineBench } from './engine.ts';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const r = runEngineBench();
console.log('rule engine (sbob eval pipeline, in-process)');
console.log(`  events:            ${fmt(r.events)} (all rule event types, 100 containers, ${r.rules} bound rules from ${r.ruleSource})`);
console.log(`  alerts:            ${fmt(r.alerts)} (after cooldown)`);
console.log(`  JSON.parse:        ${fmt(r.jsonParseEventsPerSec)} events/s (baseline)`);
console.log(`  pipeline:          ${fmt(r.pipelineEventsPerSec)} events/s`);
console.log(`  ratio:             ${r.ratio.toFixed(3)} x JSON.parse`);
console.log(`  heap after run:    ${r.heapMiB.toFixed(0)} MiB`);

const tracerBench = fileURLToPath(new URL('./tracer.ts', import.meta.url));
if (existsSync(tracerBench)) {
  const mod = (await import(tracerBench)) as { runTracerBench?: () => Promise<void> };
  if (typeof mod.runTracerBench === 'function') await mod.runTracerBench();
}
