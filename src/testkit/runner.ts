/**
 * `sbob test`: runs declarative test files. The file's `format` decides how its cases run:
 *
 * | format | cases | semantics |
 * | --- | --- | --- |
 * | kubescape-rule-conformance/cases/v1 | rule cases | upstream |
 * | kubescape-rule-conformance/helpers/v1 | helper cases | upstream |
 * | kubescape-rule-conformance/matchers/v1 | matcher / compaction cases | upstream |
 * | sbob/rule-tests/v1 | rule cases | sbob |
 * | sbob/helper-tests/v1 | helper cases | sbob |
 *
 * Upstream conformance files describe node-agent, so they run with `upstream` semantics (address-only
 * network matching, literal `:0`); sbob's own files run with sbob's (ports and `:0` honoured). A file
 * may set `semantics:` itself, and `--semantics` overrides both.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Environment } from '@marcbachmann/cel-js';
import { loadPathLenient } from '../model/index.ts';
import { RuleEngine, type CompiledRule, type Semantics } from '../rules/index.ts';
import type { CaseResult, RunOptions } from './types.ts';
import { runRuleCase, type RuleCase } from './rulecases.ts';
import { runHelperCase, runHelperTables, type HelperCase } from './helpercases.ts';

export const FORMATS: Record<string, { kind: 'rules' | 'helpers' | 'matchers'; semantics: Semantics }> = {
  'kubescape-rule-conformance/cases/v1': { kind: 'rules', semantics: 'upstream' },
  'kubescape-rule-conformance/helpers/v1': { kind: 'helpers', semantics: 'upstream' },
  'kubescape-rule-conformance/matchers/v1': { kind: 'matchers', semantics: 'upstream' },
  'sbob/rule-tests/v1': { kind: 'rules', semantics: 'sbob' },
  'sbob/helper-tests/v1': { kind: 'helpers', semantics: 'sbob' },
};

export interface TestRunOptions extends RunOptions {
  /** file or directory of Rules objects that rule cases refer to */
  rulesPath?: string;
  semantics?: Semantics;
}

export interface TestRunReport {
  results: CaseResult[];
  /** problems that are not case failures (rule load errors, unreadable files) */
  errors: string[];
  warnings: string[];
}

export class TestRunner {
  private engine: RuleEngine;
  private rules = new Map<string, CompiledRule>();
  private envCache = new Map<string, Environment>();
  readonly errors: string[] = [];
  readonly warnings: string[] = [];

  constructor(private readonly opts: TestRunOptions) {
    this.engine = new RuleEngine({ cooldown: { disabled: true } });
    if (opts.rulesPath) {
      const loaded = loadPathLenient(opts.rulesPath, { kinds: ['Rules'], skipNonObjects: true });
      for (const e of loaded.errors) this.errors.push(e.message);
      const errs = this.engine.setRules(loaded.objects);
      for (const e of errs) this.errors.push(e.message);
      this.warnings.push(...this.engine.loadWarnings);
      for (const r of this.engine.getRules()) this.rules.set(r.id, r);
    }
  }

  get loadedRuleCount(): number {
    return this.rules.size;
  }

  /** Runs one file; unreadable or unknown files yield one failed result naming the problem. */
  async runFile(file: string): Promise<CaseResult[]> {
    let doc: Record<string, unknown>;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'), { maxAliasCount: 10000 }) as Record<string, unknown>;
    } catch (err) {
      return [{ file, id: '<file>', status: 'failed', reason: `cannot read test file: ${(err as Error).message.split('\n')[0]}` }];
    }
    const format = typeof doc?.format === 'string' ? doc.format : undefined;
    const info = format ? FORMATS[format] : undefined;
    if (!info) {
      return [{
        file, id: '<file>', status: 'failed',
        reason: `field format: ${format ? `unknown format "${format}"` : 'is required'} (expected one of ${Object.keys(FORMATS).join(', ')})`,
      }];
    }
    const fileSemantics = doc.semantics === 'sbob' || doc.semantics === 'upstream' ? (doc.semantics as Semantics) : undefined;
    this.engine.ctx.semantics = this.opts.semantics ?? fileSemantics ?? info.semantics;
    if (info.kind === 'matchers') {
      const specifier = './matchers.ts'; // src/testkit/matchers.ts maps matcher cases onto src/match and src/profile
      const mod = (await import(specifier)) as { runMatcherFile(doc: unknown, file: string): CaseResult[] };
      return mod.runMatcherFile(doc, file);
    }
    const cases = doc.cases;
    if (!Array.isArray(cases)) return [{ file, id: '<file>', status: 'failed', reason: 'field cases: must be a list' }];
    const out: CaseResult[] = [];
    if (info.kind === 'helpers') out.push(...runHelperTables(doc, file));
    for (const c of cases) {
      try {
        out.push(info.kind === 'rules'
          ? runRuleCase(c as RuleCase, file, this.engine, this.rules, this.opts)
          : runHelperCase(c as HelperCase, file, this.engine, this.envCache));
      } catch (err) {
        out.push({ file, id: String((c as { id?: unknown })?.id ?? '<no id>'), status: 'failed', reason: `crashed: ${(err as Error).message.split('\n')[0]}` });
      }
    }
    return out;
  }
}

export function summarize(results: readonly CaseResult[]): { passed: number; failed: number; skipped: number } {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of results) {
    if (r.status === 'passed') passed++;
    else if (r.status === 'failed') failed++;
    else skipped++;
  }
  return { passed, failed, skipped };
}
