/**
 * `sbob demo` (what `npm start` runs): replays the embedded example — a hand-written SBoB and an
 * intrusion scenario (examples/replay) — through the default rule library and prints the alerts
 * readably. No cluster, no root and no network needed.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeAlert } from '../../alerts/index.ts';
import { normalizeEvent, type RuntimeEvent } from '../../events/index.ts';
import { engineFromFiles } from '../load.ts';
import { PACKAGE_ROOT } from '../paths.ts';

export function formatAlert(a: RuntimeAlert): string {
  const where = `${a.namespace}/${a.podName}/${a.containerName}`;
  return `  [sev ${String(a.severity).padStart(2)}] ${a.ruleID} ${a.alertName}\n           ${a.message}\n           at ${where}, ${a.timestamp}`;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('replay the embedded example scenario (examples/replay) through the default rules and print the alerts')
    .action(() => {
      const dir = join(PACKAGE_ROOT, 'examples', 'replay');
      const engine = engineFromFiles({ profiles: [join(dir, 'profile.yaml')] });
      const lines = readFileSync(join(dir, 'events.ndjson'), 'utf8').split('\n').filter((l) => l.trim());
      const out: string[] = [
        'sbob demo: offline replay of a recorded scenario (examples/replay/events.ndjson)',
        `  profile: examples/replay/profile.yaml (workload shop/web, container nginx)`,
        `  rules:   the default rule library (${engine.getRules().length} rules, ${engine.getRules().filter((r) => r.enabled).length} enabled)`,
        '',
      ];
      let alerts = 0;
      for (const line of lines) {
        const ev = normalizeEvent(JSON.parse(line) as RuntimeEvent);
        const suppressedBefore = engine.stats.suppressed;
        const found = engine.evaluate(ev);
        const note = found.length ? '' : engine.stats.suppressed > suppressedBefore
          ? '  (already reported: suppressed by the cooldown)'
          : '  (expected behaviour, no alert)';
        const what = ev.eventType === 'exec' ? ev.exepath : ev.eventType === 'open' ? ev.path : ev.eventType === 'dns' ? ev.name
          : ev.eventType === 'network' ? `${ev.dstAddr}:${ev.dstPort}` : ev.syscallName ?? '';
        out.push(`${ev.eventType.padEnd(8)} ${ev.comm ?? ''} ${what ?? ''}${note}`);
        for (const a of found) out.push(formatAlert(a));
        alerts += found.length;
      }
      const s = engine.stats;
      out.push('', `${s.events} events, ${alerts} alerts, ${s.suppressed} repeated alert(s) suppressed by the cooldown`);
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
