/** `sbob eval`: offline replay of NDJSON events through the rule engine; prints alerts as NDJSON. */
import type { Command } from 'commander';
import { NdjsonEventSource } from '../../events/sources/ndjson.ts';
import { CliError } from '../errors.ts';
import { engineFromFiles } from '../load.ts';

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  program
    .command('eval')
    .description('replay NDJSON events (CEL field names, one event per line) through the rules; print alerts as NDJSON')
    .requiredOption('--events <file>', 'NDJSON events file, or - for stdin')
    .option('--rules <path>', 'Rules file or directory (repeatable; default: the built-in rule library)', collect)
    .option('--profiles <path>', 'ApplicationProfile / NetworkNeighborhood / ContainerProfile file or directory (repeatable)', collect)
    .option('--bindings <path>', 'RuntimeRuleAlertBinding file or directory (repeatable; default: every rule applies to every pod)', collect)
    .option('--semantics <mode>', 'matching semantics: sbob (ports and :0 honoured) or upstream', 'sbob')
    .option('--api-server <ip>', 'the Kubernetes API server address k8s.is_api_server_address compares with', process.env.KUBERNETES_SERVICE_HOST ?? '')
    .option('--no-cooldown', 'report every firing (default: upstream cooldown, 1 alert per uniqueId/container/rule per hour)')
    .option('--host-monitoring', 'evaluate events whose context is "host"')
    .action(async (o: {
      events: string; rules?: string[]; profiles?: string[]; bindings?: string[]; semantics: string; apiServer: string;
      cooldown: boolean; hostMonitoring?: boolean;
    }) => {
      if (o.semantics !== 'sbob' && o.semantics !== 'upstream') throw new CliError(`--semantics must be sbob or upstream, not ${JSON.stringify(o.semantics)}`);
      const engine = engineFromFiles(
        { rules: o.rules, profiles: o.profiles, bindings: o.bindings },
        { semantics: o.semantics, cooldown: { disabled: !o.cooldown }, hostMonitoring: o.hostMonitoring === true },
      );
      engine.world.apiServerAddress = o.apiServer;
      for (const w of engine.loadWarnings) process.stderr.write(`sbob: warning: ${w}\n`);
      let bad = 0;
      let alerts = 0;
      const out: string[] = [];
      const flush = () => {
        if (out.length) process.stdout.write(out.join(''));
        out.length = 0;
      };
      // the NDJSON source parses, type-checks and normalises each line; bad lines are reported and skipped
      const source = new NdjsonEventSource({
        path: o.events,
        onBadLine: (b) => {
          bad++;
          process.stderr.write(`sbob: ${b.file === '-' ? '<stdin>' : b.file}:${b.line}: skipped: ${b.reason}\n`);
        },
      });
      try {
        await source.start((ev) => {
          for (const a of engine.evaluate(ev)) {
            alerts++;
            out.push(`${JSON.stringify(a)}\n`);
          }
          if (out.length >= 256) flush();
        });
      } catch (err) {
        throw new CliError(`--events: ${(err as Error).message}`);
      }
      flush();
      const s = engine.stats;
      process.stderr.write(
        `sbob: ${s.events} events, ${alerts} alerts, ${s.suppressed} suppressed by cooldown, ${bad} bad lines, ${s.evalErrors} evaluation errors\n`,
      );
    });
}
