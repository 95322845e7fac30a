/**
 * `sbob rules build` and `sbob rules list`: the default rule library in rules/<id>-<name>/rule.yaml.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { CliError } from '../errors.ts';
import {
  loadLibrary, buildManifest, renderManifest, summarize, formatTable, DEFAULT_RULES_FILE, type LibraryRule,
} from '../../rules/library/index.ts';

function load(dir: string): LibraryRule[] {
  try {
    return loadLibrary(dir);
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
}

export function register(program: Command): void {
  const rules = program.command('rules').description('work with the default rule library (rules/<id>-<name>/rule.yaml)');

  rules
    .command('build')
    .description('combine rules/*/rule.yaml into one Rules object (default-rules), sorted by rule id')
    .option('--dir <dir>', 'rule library directory', 'rules')
    .option('--out <file>', 'output file (default: <dir>/default-rules.yaml; "-" for stdout)')
    .option('--check', 'do not write; exit 1 if the output file is missing or differs from a fresh build')
    .action((opts: { dir: string; out?: string; check?: boolean }) => {
      const lib = load(opts.dir);
      const text = renderManifest(buildManifest(lib));
      const out = opts.out ?? join(opts.dir, DEFAULT_RULES_FILE);
      if (opts.check) {
        if (out === '-') throw new CliError('--check needs a file to compare, not "-"');
        const current = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
        if (current !== text) {
          throw new CliError(`${out} is ${current === undefined ? 'missing' : 'stale'}; run: sbob rules build --dir ${opts.dir}${opts.out ? ` --out ${opts.out}` : ''}`, 1);
        }
        process.stdout.write(`${out} is up to date (${lib.length} rules)\n`);
        return;
      }
      if (out === '-') {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(out, text);
      } catch (e) {
        throw new CliError(`cannot write ${out}: ${(e as Error).message}`);
      }
      process.stdout.write(`wrote ${out} (${lib.length} rules, ${lib.filter((r) => r.rule.enabled).length} enabled)\n`);
    });

  rules
    .command('list')
    .description('list the rules of the library: id, name, enabled, severity, event types, profile dependency, MITRE')
    .option('--dir <dir>', 'rule library directory', 'rules')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .action((opts: { dir: string; output: 'table' | 'json' | 'yaml' }) => {
      const rows = summarize(load(opts.dir));
      if (opts.output === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (opts.output === 'yaml') process.stdout.write(stringify(rows, { lineWidth: 0 }));
      else process.stdout.write(formatTable(rows));
    });
}
