/**
 * Rule cases (`kubescape-rule-conformance/cases/v1`, and sbob's `sbob/rule-tests/v1` with the same
 * schema): a rule id, a world, an event and the expected verdict, message, uniqueId and policy check.
 * Evaluated like upstream's EvaluateRule (conformance README "Evaluating a case").
 */
import { isDeepStrictEqual } from 'node:util';
import type { RuntimeEvent } from '../events/index.ts';
import { toCelEvent, type RuleEngine, type CompiledRule } from '../rules/index.ts';
import type { CaseResult, RunOptions } from './types.ts';
import { storeFromCase, worldFromCase, type CaseWorld } from './world.ts';

export interface RuleCase extends CaseWorld {
  id: string;
  rule: string;
  description?: string;
  event: RuntimeEvent;
  expect: { fires?: boolean; message?: string; uniqueId?: string; policyAllows?: boolean };
}

function firstContainerPolicy(c: RuleCase, ruleId: string): { containerAllowed?: boolean; processAllowed?: string[] } | undefined {
  const spec = (c.profile?.applicationProfile?.spec ?? c.profile?.containerProfile?.spec) as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  const first = (['containers', 'initContainers', 'ephemeralContainers'] as const)
    .map((g) => (spec[g] as Array<Record<string, unknown>> | undefined)?.[0])
    .find(Boolean) ?? spec;
  const pols = first?.rulePolicies as Record<string, { containerAllowed?: boolean; processAllowed?: string[] }> | undefined;
  return pols?.[ruleId];
}

export function runRuleCase(
  c: RuleCase, file: string, engine: RuleEngine, rules: Map<string, CompiledRule>, opts: RunOptions,
): CaseResult {
  const base = { file, id: String(c.id ?? '<no id>') };
  const rule = rules.get(c.rule);
  if (!rule) return { ...base, status: 'failed', reason: `rule ${c.rule} is not among the loaded rules (see --rules)` };
  if (!c.event || typeof c.event.eventType !== 'string') {
    return { ...base, status: 'failed', reason: 'case has no event with an eventType' };
  }
  // with upstream semantics the profile is projected by the profileDataRequired of the enabled rules
  // and of the rule under test (as if enabled), as in node-agent production (rule-engine.md §2.2)
  const projection = engine.ctx.semantics === 'upstream' ? engine.projectionSpec(rule) : undefined;
  engine.ctx.reset(worldFromCase(c, { singlePod: true }), storeFromCase(c, projection));
  const ev = c.event;
  const celEvent = toCelEvent(ev);
  const vars = engine.vars(celEvent, ev.eventType);
  const expected: Record<string, unknown> = {};
  const actual: Record<string, unknown> = {};
  const problems: string[] = [];
  const want = c.expect ?? {};
  const check = (key: string, compute: () => unknown) => {
    if (!(key in want) || opts.ignore.has(key)) return;
    expected[key] = (want as Record<string, unknown>)[key];
    try {
      actual[key] = compute();
    } catch (err) {
      actual[key] = `error: ${(err as Error).message.split('\n')[0]}`;
    }
    if (!isDeepStrictEqual(actual[key], expected[key])) problems.push(key);
  };
  check('fires', () => engine.evaluateExpressions(rule, celEvent, ev.eventType));
  check('message', () => String(rule.message(vars)));
  check('uniqueId', () => String(rule.uniqueId(vars)));
  check('policyAllows', () => {
    const pol = firstContainerPolicy(c, rule.id);
    return pol !== undefined && (pol.containerAllowed === true || (pol.processAllowed ?? []).includes(ev.comm ?? ''));
  });
  if (problems.length) {
    return { ...base, status: 'failed', reason: `mismatch in ${problems.join(', ')}`, expected, actual };
  }
  return { ...base, status: 'passed' };
}
