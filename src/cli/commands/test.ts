/** `sbob test`: declarative rule, helper and matcher tests (docs/testing.md). */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { TestRunner, summarize, type CaseResult } from '../../testkit/index.ts';
import { CliError } from '../errors.ts';
import { defaultRulesPath } from '../paths.ts';

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v, null, 0);
}

export function formatFailure(r: CaseResult): string {
  const lines = [`FAIL ${r.file} ${r.id}: ${r.reason ?? ''}`];
  if (r.expected !== undefined || r.actual !== undefined) {
    const exp = (r.expected ?? {}) as Record<string, unknown>;
    const act = (r.actual ?? {}) as Record<string, unknown>;
    if (exp && typeof exp === 'object' && !Array.isArray(exp) && act && typeof act === 'object' && !Array.isArray(act)) {
      for (const k of new Set([...Object.keys(exp), ...Object.keys(act)])) {
        lines.push(`  ${k}: expected ${show(exp[k])}, got ${show(act[k])}`);
      }
    } else {
      lines.push(`  expected ${show(r.expected)}`, `  got      ${show(r.actual)}`);
    }
  }
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('test')
    .description('run declarative test files (rule cases, helper cases, matcher cases); exit 1 on any failure')
    .argument('<files...>', 'test files (YAML, with a top-level `format`)')
    .option('--rules <path>', 'Rules file or directory the rule cases refer to (default: the built-in rules/ library)')
    .option('--ignore <keys>', 'comma-separated expectations to ignore, e.g. message,uniqueId', '')
    .option('--semantics <mode>', 'override the matching semantics: sbob or upstream (default: per file format)')
    .option('-v, --verbose', 'list every case, not only failures')
    .action(async (files: string[], o: { rules?: string; ignore: string; semantics?: string; verbose?: boolean }) => {
      if (o.semantics && o.semantics !== 'sbob' && o.semantics !== 'upstream') {
        throw new CliError(`--semantics must be sbob or upstream, not ${JSON.stringify(o.semantics)}`);
      }
      const rulesPath = o.rules ?? defaultRulesPath();
      if (o.rules && !existsSync(o.rules)) throw new CliError(`--rules ${o.rules}: no such file or directory`);
      const runner = new TestRunner({
        rulesPath,
        ignore: new Set(o.ignore.split(',').map((s) => s.trim()).filter(Boolean)),
        semantics: o.semantics as 'sbob' | 'upstream' | undefined,
      });
      for (const e of runner.errors) process.stderr.write(`sbob: rule load error: ${e}\n`);
      const results: CaseResult[] = [];
      for (const f of files) {
        if (!existsSync(f)) throw new CliError(`${f}: no such file`);
        results.push(...(await runner.runFile(f)));
      }
      const out: string[] = [];
      for (const r of results) {
        if (r.status === 'failed') out.push(formatFailure(r));
        else if (o.verbose) out.push(`${r.status === 'passed' ? 'ok  ' : 'SKIP'} ${r.file} ${r.id}`);
      }
      const skipped = results.filter((r) => r.status === 'skipped');
      if (skipped.length) {
        out.push('skipped:');
        for (const r of skipped) out.push(`  ${r.file} ${r.id}: ${r.reason ?? ''}`);
      }
      const s = summarize(results);
      out.push(`${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''}`);
      process.stdout.write(`${out.join('\n')}\n`);
      process.exitCode = s.failed > 0 || runner.errors.length > 0 ? 1 : 0;
    });
}
