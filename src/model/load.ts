/**
 * Loading Kubernetes objects from YAML/JSON files and directories, with source positions.
 * Multi-document files and `List` kinds are supported; every object is validated against its JSON
 * schema, and every error names file, line, object and field.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { parseAllDocuments, LineCounter, isNode, type Document } from 'yaml';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ModelError, ModelErrors, type ObjectRef } from './errors.ts';
import { SCHEMAS, KNOWN_KINDS } from './schemas.ts';
import type { KObject, LoadedObject, SourceRef } from './types.ts';

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
const validators = new Map<string, ValidateFunction>();
function validatorFor(kind: string): ValidateFunction | undefined {
  let v = validators.get(kind);
  if (!v && SCHEMAS[kind]) {
    v = ajv.compile(SCHEMAS[kind]);
    validators.set(kind, v);
  }
  return v;
}

export interface LoadOptions {
  /** accept only these kinds; others are reported as errors (default: all known kinds) */
  kinds?: readonly string[];
  /** skip schema validation (e.g. to inspect a broken object) */
  noValidate?: boolean;
  /**
   * skip documents that are not Kubernetes objects at all (no `kind` and no `apiVersion`, e.g. the
   * test files beside rules in a rule directory) instead of reporting them
   */
  skipNonObjects?: boolean;
}

export interface LoadResult {
  objects: LoadedObject[];
  errors: ModelError[];
}

type Path = ReadonlyArray<string | number>;

/** Renders a path as `spec.rules[0].expressions`. */
export function formatFieldPath(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out;
}

function refOf(value: unknown): ObjectRef | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const md = (v.metadata && typeof v.metadata === 'object' ? v.metadata : {}) as Record<string, unknown>;
  return {
    kind: typeof v.kind === 'string' ? v.kind : undefined,
    namespace: typeof md.namespace === 'string' ? md.namespace : undefined,
    name: typeof md.name === 'string' ? md.name : undefined,
  };
}

function lineFinder(doc: Document, lc: LineCounter, prefix: Path): (path: Path) => number {
  return (path: Path) => {
    const full = [...prefix, ...path];
    for (let n = full.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(full.slice(0, n), true);
      if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    }
    return 1;
  };
}

function ajvErrorToModelError(
  e: ErrorObject,
  file: string,
  ref: ObjectRef | undefined,
  lineOf: (p: Path) => number,
): ModelError {
  const path: (string | number)[] = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let detail = e.message ?? 'invalid';
  const line = lineOf(path);
  if (e.keyword === 'required') {
    path.push((e.params as { missingProperty: string }).missingProperty);
    detail = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    path.push((e.params as { additionalProperty: string }).additionalProperty);
    detail = 'is not a known field';
  } else if (e.keyword === 'enum') {
    detail = `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  } else if (e.keyword === 'const') {
    detail = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
  }
  return new ModelError({ file, line, object: ref, field: formatFieldPath(path) || undefined, detail });
}

/** Validates one object against its kind's schema; returns the errors (empty when valid). */
export function validateObject(
  value: unknown,
  file: string,
  lineOf: (p: Path) => number = () => 1,
  opts: LoadOptions = {},
): ModelError[] {
  const ref = refOf(value);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return [new ModelError({ file, line: lineOf([]), detail: 'a document must be a Kubernetes object (a mapping)' })];
  }
  const obj = value as Record<string, unknown>;
  if (typeof obj.kind !== 'string' || !obj.kind) {
    return [new ModelError({ file, line: lineOf([]), object: ref, field: 'kind', detail: 'is required' })];
  }
  const allowed = opts.kinds ?? Object.keys(KNOWN_KINDS);
  if (!allowed.includes(obj.kind)) {
    return [
      new ModelError({
        file,
        line: lineOf(['kind']),
        object: ref,
        field: 'kind',
        detail: `unknown kind "${obj.kind}" (expected one of ${allowed.join(', ')})`,
      }),
    ];
  }
  if (opts.noValidate) return [];
  const validate = validatorFor(obj.kind);
  if (!validate || validate(obj)) return [];
  // report the most specific errors: drop oneOf summaries when a branch error is present
  const errs = (validate.errors ?? []).filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if');
  const seen = new Set<string>();
  const out: ModelError[] = [];
  for (const e of errs.length ? errs : validate.errors ?? []) {
    const me = ajvErrorToModelError(e, file, ref, lineOf);
    if (seen.has(me.message)) continue;
    seen.add(me.message);
    out.push(me);
  }
  return out;
}

/** Parses YAML or JSON text holding one or more objects (or `List`s of them). */
export function parseDocuments(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const objects: LoadedObject[] = [];
  const errors: ModelError[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, docIndex) => {
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
        errors.push(new ModelError({ file, line, detail: `invalid YAML: ${e.message.split('\n')[0]}` }));
      }
      return;
    }
    const value = doc.toJS({ maxAliasCount: 1000 }) as unknown;
    if (value === null || value === undefined) return; // empty document
    const top = value as Record<string, unknown>;
    const isList =
      typeof top === 'object' && !Array.isArray(top) && typeof top.kind === 'string' && top.kind.endsWith('List') &&
      (Array.isArray(top.items) || top.items === null);
    const entries: Array<{ v: unknown; prefix: Path; itemIndex?: number }> = isList
      ? ((top.items as unknown[]) ?? []).map((v, i) => ({ v, prefix: ['items', i], itemIndex: i }))
      : [{ v: value, prefix: [] }];
    for (const { v, prefix, itemIndex } of entries) {
      if (opts.skipNonObjects && v && typeof v === 'object' && !('kind' in v) && !('apiVersion' in v)) continue;
      const lineOf = lineFinder(doc, lc, prefix);
      const errs = validateObject(v, file, lineOf, opts);
      if (errs.length) {
        errors.push(...errs);
        continue;
      }
      const source: SourceRef = { file, line: lineOf([]), docIndex, ...(itemIndex !== undefined ? { itemIndex } : {}) };
      objects.push({ object: v as KObject, source, lineOf });
    }
  });
  return { objects, errors };
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Lists the object files below a path (a file is returned as is), sorted for determinism. */
export function listObjectFiles(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(path, name);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...listObjectFiles(p));
    else if (EXTENSIONS.has(extname(name).toLowerCase())) out.push(p);
  }
  return out;
}

/** Loads every object below a file or directory; collects errors instead of throwing. */
export function loadPathLenient(path: string, opts: LoadOptions = {}): LoadResult {
  const objects: LoadedObject[] = [];
  const errors: ModelError[] = [];
  let files: string[];
  try {
    files = listObjectFiles(path);
  } catch (e) {
    return { objects, errors: [new ModelError({ file: path, detail: `cannot read: ${(e as Error).message}` })] };
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      errors.push(new ModelError({ file, detail: `cannot read: ${(e as Error).message}` }));
      continue;
    }
    const r = parseDocuments(text, file, opts);
    objects.push(...r.objects);
    errors.push(...r.errors);
  }
  return { objects, errors };
}

/** Loads every object below a file or directory; throws ModelError(s) on any bad input. */
export function loadPathSync(path: string, opts: LoadOptions = {}): LoadedObject[] {
  const r = loadPathLenient(path, opts);
  if (r.errors.length === 1) throw r.errors[0];
  if (r.errors.length > 1) throw new ModelErrors(r.errors);
  return r.objects;
}

export async function loadPath(path: string, opts: LoadOptions = {}): Promise<LoadedObject[]> {
  return loadPathSync(path, opts);
}
