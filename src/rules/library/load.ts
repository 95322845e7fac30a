/**
 * Loading sbob's rule library: one directory per rule, `rules/<id>-<kebab-name>/rule.yaml`, each a `Rules`
 * object holding exactly one rule that carries every field of the CRD.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadPathSync, ModelErrors, type RuleDefinition, type RulesObject, type ObjectRef } from '../../model/index.ts';
import { LibraryError, LibraryErrors } from './errors.ts';

export const RULE_FILE = 'rule.yaml';
export const TESTS_FILE = 'tests.yaml';

export interface LibraryRule {
  /** directory name, e.g. R0001-unexpected-process-launched */
  dir: string;
  /** path of rule.yaml */
  file: string;
  object: RulesObject;
  rule: RuleDefinition;
}

/** `Unexpected process launched` → `unexpected-process-launched`. */
export function kebabCase(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** The directory name a rule must live in. */
export function ruleDirName(rule: Pick<RuleDefinition, 'id' | 'name'>): string {
  return `${rule.id}-${kebabCase(rule.name)}`;
}

/** Fields every library rule must set explicitly (the CRD defaults them, the library does not rely on that). */
const REQUIRED: Array<{ path: string[]; type: 'string' | 'boolean' | 'integer' | 'array' }> = [
  { path: ['enabled'], type: 'boolean' },
  { path: ['id'], type: 'string' },
  { path: ['name'], type: 'string' },
  { path: ['description'], type: 'string' },
  { path: ['expressions', 'message'], type: 'string' },
  { path: ['expressions', 'uniqueId'], type: 'string' },
  { path: ['expressions', 'ruleExpression'], type: 'array' },
  { path: ['profileDependency'], type: 'integer' },
  { path: ['severity'], type: 'integer' },
  { path: ['supportPolicy'], type: 'boolean' },
  { path: ['isTriggerAlert'], type: 'boolean' },
  { path: ['mitreTactic'], type: 'string' },
  { path: ['mitreTechnique'], type: 'string' },
  { path: ['tags'], type: 'array' },
];

function typeOk(v: unknown, type: string): boolean {
  switch (type) {
    case 'string': return typeof v === 'string' && v.trim() !== '';
    case 'boolean': return typeof v === 'boolean';
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'array': return Array.isArray(v) && v.length > 0;
    default: return false;
  }
}

const TYPE_TEXT: Record<string, string> = {
  string: 'a non-empty string', boolean: 'true or false', integer: 'an integer', array: 'a non-empty list',
};

/** Checks the library conventions of one loaded rule file; returns the errors. */
export function checkRuleFile(file: string, dir: string, objects: { object: RulesObject; line: number; lineOf?: (p: ReadonlyArray<string | number>) => number }[]): LibraryError[] {
  if (objects.length !== 1) {
    return [new LibraryError({ file, detail: `must hold exactly one Rules object, found ${objects.length}` })];
  }
  const { object, lineOf } = objects[0];
  const ref: ObjectRef = { kind: object.kind, namespace: object.metadata?.namespace, name: object.metadata?.name };
  const line = (p: Array<string | number>) => (lineOf ? lineOf(p) : objects[0].line);
  const rules = object.spec?.rules ?? [];
  if (rules.length !== 1) {
    return [new LibraryError({ file, line: line(['spec', 'rules']), object: ref, field: 'spec.rules', detail: `must hold exactly one rule, found ${rules.length}` })];
  }
  const rule = rules[0] as unknown as Record<string, unknown>;
  const errors: LibraryError[] = [];
  for (const req of REQUIRED) {
    let v: unknown = rule;
    for (const k of req.path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    const field = `spec.rules[0].${req.path.join('.')}`;
    if (v === undefined || v === null) {
      errors.push(new LibraryError({ file, line: line(['spec', 'rules', 0]), object: ref, field, detail: 'is required in the rule library' }));
    } else if (!typeOk(v, req.type)) {
      errors.push(new LibraryError({ file, line: line(['spec', 'rules', 0, ...req.path]), object: ref, field, detail: `must be ${TYPE_TEXT[req.type]}` }));
    }
  }
  if (typeof rule.profileDependency === 'number' && ![0, 1, 2].includes(rule.profileDependency)) {
    errors.push(new LibraryError({ file, line: line(['spec', 'rules', 0, 'profileDependency']), object: ref, field: 'spec.rules[0].profileDependency', detail: 'must be 0, 1 or 2' }));
  }
  const re = (rule.expressions as { ruleExpression?: unknown } | undefined)?.ruleExpression;
  const exprs: unknown[] = Array.isArray(re) ? re : [];
  exprs.forEach((e, i) => {
    const ex = e as Record<string, unknown>;
    for (const k of ['eventType', 'expression']) {
      if (typeof ex?.[k] !== 'string' || !(ex[k] as string).trim()) {
        errors.push(new LibraryError({ file, line: line(['spec', 'rules', 0, 'expressions', 'ruleExpression', i]), object: ref, field: `spec.rules[0].expressions.ruleExpression[${i}].${k}`, detail: 'must be a non-empty string' }));
      }
    }
  });
  if (typeof rule.id === 'string' && typeof rule.name === 'string') {
    const want = ruleDirName(rule as unknown as RuleDefinition);
    if (dir !== want) {
      errors.push(new LibraryError({ file, line: line(['spec', 'rules', 0, 'name']), object: ref, field: 'spec.rules[0].id', detail: `rule ${rule.id} "${rule.name}" must live in directory ${want}, not ${dir}` }));
    }
  }
  return errors;
}

function flatten(e: unknown): Error[] {
  if (e instanceof ModelErrors) return e.errors;
  if (e instanceof LibraryErrors) return e.errors;
  return [e as Error];
}

/**
 * Loads every `<dir>/<rule dir>/rule.yaml`, sorted by rule id. Throws LibraryError / LibraryErrors (or the
 * model's errors) naming file, object and field; all broken files are reported together.
 */
export function loadLibrary(dir: string): LibraryRule[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new LibraryError({ file: dir, detail: 'rule library directory not found' });
  }
  const out: LibraryRule[] = [];
  const errors: Error[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  for (const name of entries) {
    const file = join(dir, name, RULE_FILE);
    if (!existsSync(file)) {
      errors.push(new LibraryError({ file: join(dir, name), detail: `rule directory has no ${RULE_FILE}` }));
      continue;
    }
    let loaded;
    try {
      loaded = loadPathSync(file, { kinds: ['Rules'] });
    } catch (e) {
      errors.push(...flatten(e));
      continue;
    }
    const objs = loaded.map((l) => ({ object: l.object as RulesObject, line: l.source.line, lineOf: l.lineOf }));
    const errs = checkRuleFile(file, name, objs);
    if (errs.length) {
      errors.push(...errs);
      continue;
    }
    out.push({ dir: name, file, object: objs[0].object, rule: objs[0].object.spec.rules[0] });
  }
  const seen = new Map<string, LibraryRule>();
  for (const r of out) {
    const prev = seen.get(r.rule.id);
    if (prev) {
      errors.push(new LibraryError({ file: r.file, object: { kind: 'Rules', name: r.object.metadata?.name }, field: 'spec.rules[0].id', detail: `duplicate rule id ${r.rule.id} (also in ${prev.file})` }));
    } else seen.set(r.rule.id, r);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new LibraryErrors(errors);
  if (out.length === 0) throw new LibraryError({ file: dir, detail: `no rule directories with a ${RULE_FILE} found` });
  return out.sort((a, b) => (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0));
}

