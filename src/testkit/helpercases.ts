/**
 * Helper cases (`kubescape-rule-conformance/helpers/v1`): a CEL expression (or an internal function)
 * evaluated against a world, with an expected value, an expected error, or "compiles".
 */
import { isDeepStrictEqual } from 'node:util';
import type { Environment } from '@marcbachmann/cel-js';
import {
  fromCel, isExecInPodSpec, HELPER_NAMESPACES, LD_HOOK_VARS, type RuleEngine,
} from '../rules/index.ts';
import { toUint, toInt } from '../rules/values.ts';
import type { CaseResult } from './types.ts';
import { compiledFromProjection, storeFromCase, worldFromCase, type CaseWorld } from './world.ts';

export interface HelperCase extends CaseWorld {
  id: string;
  expression?: string;
  vars?: Record<string, unknown>;
  varTypes?: Record<string, string>;
  internal?: { function: string; args: unknown[] };
  expect: { value?: unknown; error?: boolean; compiles?: boolean };
}

const CEL_TYPES: Record<string, string> = {
  string: 'string', int: 'int', uint: 'uint', bool: 'bool', 'list(string)': 'list<string>', double: 'double',
};

function toCelVar(type: string | undefined, v: unknown): unknown {
  switch (type) {
    case 'int':
      return toInt(v);
    case 'uint':
      return toUint(v);
    default:
      return v;
  }
}

/** Internal functions that have an sbob equivalent. */
const INTERNAL: Record<string, (engine: RuleEngine, args: unknown[]) => unknown> = {
  isExecInPodSpec: (engine, args) => isExecInPodSpec(engine.ctx, String(args[0]), String(args[1])),
};

export function runHelperCase(c: HelperCase, file: string, engine: RuleEngine, envCache: Map<string, Environment>): CaseResult {
  const base = { file, id: String(c.id ?? '<no id>') };
  engine.ctx.reset(worldFromCase(c, { singlePod: false }), storeFromCase(c));
  if (c.projectedProfile) engine.ctx.fixedProfile = compiledFromProjection(c.projectedProfile);
  const want = c.expect ?? {};
  if (c.internal) {
    const fn = INTERNAL[c.internal.function];
    if (!fn) return { ...base, status: 'skipped', reason: `internal function ${c.internal.function} has no sbob equivalent` };
    const value = fn(engine, c.internal.args ?? []);
    return isDeepStrictEqual(value, want.value)
      ? { ...base, status: 'passed' }
      : { ...base, status: 'failed', reason: 'value mismatch', expected: want.value, actual: value };
  }
  if (typeof c.expression !== 'string') return { ...base, status: 'failed', reason: 'case has neither expression nor internal' };
  // one environment per set of variable declarations
  const types = c.varTypes ?? {};
  const key = JSON.stringify(Object.entries(types).sort());
  let env = envCache.get(key);
  if (!env) {
    env = engine.env.clone();
    for (const [name, t] of Object.entries(types)) {
      const celType = CEL_TYPES[t];
      if (!celType) return { ...base, status: 'failed', reason: `unknown varType ${t} for ${name}` };
      env.registerVariable(name, celType);
    }
    envCache.set(key, env);
  }
  let outcome: { ok: true; value: unknown } | { ok: false; stage: string; error: string };
  try {
    const program = env.parse(c.expression) as unknown as ((v: Record<string, unknown>) => unknown) & {
      check(): { valid: boolean; error?: { message: string } };
    };
    const chk = program.check();
    if (!chk.valid) {
      outcome = { ok: false, stage: 'check', error: chk.error?.message.split('\n')[0] ?? 'invalid' };
    } else if (want.compiles) {
      outcome = { ok: true, value: undefined };
    } else {
      const vars: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.vars ?? {})) vars[k] = toCelVar(types[k], v);
      outcome = { ok: true, value: fromCel(program(vars)) };
    }
  } catch (err) {
    outcome = { ok: false, stage: 'parse/eval', error: (err as Error).message.split('\n')[0] ?? String(err) };
  }
  if (want.error) {
    return outcome.ok
      ? { ...base, status: 'failed', reason: 'expected an error', expected: { error: true }, actual: { value: outcome.value } }
      : { ...base, status: 'passed' };
  }
  if (!outcome.ok) {
    return { ...base, status: 'failed', reason: `${outcome.stage} error: ${outcome.error}`, expected: want };
  }
  if (want.compiles) return { ...base, status: 'passed' };
  return isDeepStrictEqual(outcome.value, want.value)
    ? { ...base, status: 'passed' }
    : { ...base, status: 'failed', reason: 'value mismatch', expected: want.value, actual: outcome.value };
}

/** Checks the file-level `aliases` and `constants` tables. */
export function runHelperTables(doc: Record<string, unknown>, file: string): CaseResult[] {
  const out: CaseResult[] = [];
  const aliases = doc.aliases as Record<string, unknown> | undefined;
  for (const nsName of ['ap', 'nn']) {
    const want = aliases?.[nsName];
    if (!Array.isArray(want)) continue;
    const have = HELPER_NAMESPACES[nsName] ?? [];
    const cp = HELPER_NAMESPACES.cp ?? [];
    const same = [...want].sort().join(',') === [...have].sort().join(',') && want.every((f: string) => cp.includes(f));
    out.push(same
      ? { file, id: `aliases-${nsName}`, status: 'passed' }
      : { file, id: `aliases-${nsName}`, status: 'failed', reason: `${nsName}.* must mirror cp.*`, expected: want, actual: have });
  }
  for (const c of (doc.constants as Array<Record<string, unknown>> | undefined) ?? []) {
    const id = String(c.id);
    if (id === 'process-ld-hook-vars') {
      const missing = ((c.mustInclude as string[]) ?? []).filter((n) => !(LD_HOOK_VARS as readonly string[]).includes(n));
      out.push(missing.length
        ? { file, id, status: 'failed', reason: `missing ${missing.join(', ')}` }
        : { file, id, status: 'passed' });
    } else {
      out.push({ file, id, status: 'skipped', reason: 'unknown constants table' });
    }
  }
  return out;
}
