/**
 * Compiling rules: every expression is parsed and type-checked when the rule is loaded, so a rule
 * that cannot compile is a load error naming the rule id, the field and the position.
 */
import type { Environment } from '@marcbachmann/cel-js';
import type { LoadedObject, RuleDefinition, RulesObject } from '../model/index.ts';
import { RULE_EVENT_TYPES, SBOB_EVENT_TYPES } from '../events/index.ts';
import { RuleCompileError, RuleDefinitionError } from './errors.ts';

export type Program = ((ctx: Record<string, unknown>) => unknown) & { check(): { valid: boolean; type?: string } };

export interface CompiledExpression {
  eventType: string;
  program: Program;
  text: string;
}

export interface CompiledRule {
  def: RuleDefinition;
  id: string;
  name: string;
  enabled: boolean;
  severity: number;
  profileDependency: number;
  supportPolicy: boolean;
  isTriggerAlert: boolean;
  tags: string[];
  /** expressions per event type (ANDed) */
  byEventType: Map<string, CompiledExpression[]>;
  message: Program;
  uniqueId: Program;
  state: Record<string, unknown>;
  /** file:line the rule was loaded from, when known */
  origin?: string;
  /** expressions for event types sbob never produces (kept, not compiled) */
  inertEventTypes: string[];
}

/** Event types sbob evaluates rules for. */
export const EVALUATED_EVENT_TYPES: ReadonlySet<string> = new Set<string>([...RULE_EVENT_TYPES, ...SBOB_EVENT_TYPES]);

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

function summary(err: unknown): string {
  const e = err as { summary?: string; message?: string };
  return e.summary ?? (e.message ?? String(err)).split('\n')[0] ?? 'invalid expression';
}

/** Parses and type-checks one expression; `want` is the required result type. */
export function compileExpression(
  env: Environment, text: string, want: 'bool' | 'string', ruleId: string, field: string, origin?: string,
): Program {
  let program: Program;
  try {
    program = env.parse(text) as unknown as Program;
  } catch (err) {
    const r = (err as { range?: { start: number } }).range;
    const pos = position(text, r?.start ?? 0);
    throw new RuleCompileError(ruleId, field, pos.line, pos.column, summary(err), text, origin);
  }
  const res = program.check() as { valid: boolean; type?: string; error?: { range?: { start: number } } };
  if (!res.valid) {
    const pos = position(text, res.error?.range?.start ?? 0);
    let detail = summary(res.error);
    const m = /found no matching overload for '(\w+)Namespace\.(\w+)\(/.exec(detail);
    if (m) detail = `unknown helper or wrong arguments: ${m[1]!.toLowerCase()}.${m[2]} (${detail})`;
    throw new RuleCompileError(ruleId, field, pos.line, pos.column, detail, text, origin);
  }
  if (res.type !== want && res.type !== 'dyn') {
    throw new RuleCompileError(ruleId, field, 1, 1, `must evaluate to ${want}, not ${res.type}`, text, origin);
  }
  return program;
}

export function compileRule(env: Environment, def: RuleDefinition, origin?: string): CompiledRule {
  const id = def.id;
  if (!def.expressions || !Array.isArray(def.expressions.ruleExpression)) {
    throw new RuleDefinitionError(id, 'expressions.ruleExpression', 'is required', origin);
  }
  const byEventType = new Map<string, CompiledExpression[]>();
  const inert: string[] = [];
  def.expressions.ruleExpression.forEach((re, i) => {
    if (!EVALUATED_EVENT_TYPES.has(re.eventType)) {
      if (!inert.includes(re.eventType)) inert.push(re.eventType);
      return;
    }
    const program = compileExpression(env, re.expression, 'bool', id, `expressions.ruleExpression[${i}].expression`, origin);
    const list = byEventType.get(re.eventType) ?? [];
    list.push({ eventType: re.eventType, program, text: re.expression });
    byEventType.set(re.eventType, list);
  });
  // A rule whose every expression is for an event type sbob never produces (upstream's
  // k8s-admission rules) can never fire: its message and uniqueId are not compiled either.
  const inertRule = byEventType.size === 0 && inert.length > 0;
  const never = (() => '') as unknown as Program;
  const message = inertRule ? never : compileExpression(env, def.expressions.message, 'string', id, 'expressions.message', origin);
  const uniqueId = inertRule ? never : compileExpression(env, def.expressions.uniqueId, 'string', id, 'expressions.uniqueId', origin);
  return {
    def,
    id,
    name: def.name,
    enabled: def.enabled === true,
    severity: def.severity ?? 0,
    profileDependency: def.profileDependency ?? 0,
    supportPolicy: def.supportPolicy === true,
    isTriggerAlert: def.isTriggerAlert === true,
    tags: [...(def.tags ?? [])],
    byEventType,
    message,
    uniqueId,
    state: { ...(def.state ?? {}) },
    origin,
    inertEventTypes: inert,
  };
}

export interface CompileResult {
  rules: CompiledRule[];
  errors: Error[];
  /** non-fatal notes, e.g. expressions for event types sbob never produces */
  warnings: string[];
}

/**
 * Compiles every rule of the given Rules objects. A rule that fails is reported (and left out);
 * the other rules still load.
 */
export function compileRulesObjects(env: Environment, objects: Array<LoadedObject | RulesObject>): CompileResult {
  const out: CompileResult = { rules: [], errors: [], warnings: [] };
  for (const item of objects) {
    const loaded = 'object' in item && 'source' in item ? (item as LoadedObject) : undefined;
    const obj = (loaded ? loaded.object : item) as RulesObject;
    if (obj.kind !== 'Rules') continue;
    const rules = obj.spec?.rules ?? [];
    rules.forEach((def, i) => {
      const origin = loaded
        ? `${loaded.source.file}:${loaded.lineOf(['spec', 'rules', i])}`
        : `Rules ${obj.metadata?.name ?? ''}`;
      try {
        const r = compileRule(env, def, origin);
        for (const t of r.inertEventTypes) {
          out.warnings.push(`${origin}: rule ${r.id}: event type "${t}" is never produced by sbob; its expression is not evaluated`);
        }
        out.rules.push(r);
      } catch (e) {
        out.errors.push(e as Error);
      }
    });
  }
  return out;
}
