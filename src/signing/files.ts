/**
 * Reading signable objects from YAML/JSON files and rewriting ONLY their annotations, keeping every
 * other byte of the file as it was (text splicing on the YAML source ranges; a semantic re-serialise
 * of the one document is the fallback when the layout is unusual, e.g. flow-style metadata).
 */
import { readFileSync } from 'node:fs';
import YAML, { isMap, isScalar, type Document, type Pair, type YAMLMap } from 'yaml';
import { isSignatureAnnotation, type SignableObject } from './content.ts';
import { SigningError } from './errors.ts';

export interface FileObject {
  object: SignableObject;
  file: string;
  docIndex: number;
  /** 1-based line of the document start */
  line: number;
}

export function isJsonText(text: string): boolean {
  return /^\s*[{[]/.test(text);
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

export function parseObjects(text: string, file: string): FileObject[] {
  if (isJsonText(text)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new SigningError('io', `${file}: not valid JSON: ${(e as Error).message}`);
    }
    const list = Array.isArray(v) ? v : [v];
    return list.map((object, docIndex) => ({ object: object as SignableObject, file, docIndex, line: 1 }));
  }
  const docs = YAML.parseAllDocuments(text);
  const out: FileObject[] = [];
  docs.forEach((d, docIndex) => {
    if (!('errors' in d) || d.errors.length) {
      const err = 'errors' in d ? d.errors[0] : undefined;
      throw new SigningError('io', `${file}: YAML document ${docIndex + 1} does not parse: ${err?.message ?? 'empty'}`);
    }
    const object = d.toJS({ maxAliasCount: 100 }) as SignableObject;
    if (object === null || object === undefined) return;
    out.push({ object, file, docIndex, line: lineOf(text, d.contents?.range?.[0] ?? 0) });
  });
  return out;
}

export function readObjects(file: string): FileObject[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SigningError('io', `${file}: cannot read: ${(e as Error).message}`);
  }
  return parseObjects(text, file);
}

function scalar(v: string): string {
  return YAML.stringify(v, { lineWidth: 0, minContentWidth: 0 }).replace(/\n$/, '');
}

function col(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i === -1 ? text.length : i + 1;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function keyOf(p: Pair): string | undefined {
  return isScalar(p.key) ? String(p.key.value) : undefined;
}

/** Edits to make annotations of `doc` = non-signature ones kept + `set`; undefined when not possible. */
function annotationEdits(text: string, doc: Document, set: Record<string, string>, drop: (k: string) => boolean): Edit[] | undefined {
  const root = doc.contents;
  if (!isMap(root) || root.flow) return undefined;
  const metaPair = root.items.find((p) => keyOf(p) === 'metadata');
  if (!metaPair || !isMap(metaPair.value) || (metaPair.value as YAMLMap).flow) return undefined;
  const meta = metaPair.value as YAMLMap;
  const first = meta.items[0];
  if (!first || !isScalar(first.key) || !first.key.range) return undefined;
  const metaIndent = col(text, first.key.range[0]);
  const annPair = meta.items.find((p) => keyOf(p) === 'annotations');
  const lines = (indent: number) => Object.entries(set).map(([k, v]) => `${' '.repeat(indent)}${scalar(k)}: ${scalar(v)}\n`).join('');
  const newline = (pos: number) => (pos > 0 && text[pos - 1] !== '\n' ? '\n' : '');

  if (!annPair) {
    if (Object.keys(set).length === 0) return [];
    const at = lineStart(text, first.key.range[0]);
    return [{ start: at, end: at, text: `${' '.repeat(metaIndent)}annotations:\n${lines(metaIndent + 2)}` }];
  }
  const ann = annPair.value;
  if (isMap(ann) && !ann.flow && ann.items.length > 0) {
    const items = ann.items as Pair[];
    const k0 = items[0]!.key;
    if (!isScalar(k0) || !k0.range) return undefined;
    const indent = col(text, k0.range[0]);
    const edits: Edit[] = [];
    let lastEnd = 0;
    for (const p of items) {
      const k = keyOf(p);
      if (k === undefined || !isScalar(p.key) || !p.key.range) return undefined;
      const v = p.value as { range?: [number, number, number] } | null;
      const valueEnd = v?.range?.[1] ?? p.key.range[1];
      const end = lineEnd(text, Math.max(valueEnd - 1, p.key.range[0]));
      lastEnd = Math.max(lastEnd, end);
      if (drop(k) || k in set) edits.push({ start: lineStart(text, p.key.range[0]), end, text: '' });
    }
    const kept = items.filter((p) => !(drop(keyOf(p)!) || keyOf(p)! in set)).length;
    if (kept === 0 && Object.keys(set).length === 0) return undefined;
    edits.push({ start: lastEnd, end: lastEnd, text: newline(lastEnd) + lines(indent) });
    return edits;
  }
  // empty, null or flow-style annotations: replace the whole pair with a block map
  if (!isScalar(annPair.key) || !annPair.key.range) return undefined;
  const existing: Record<string, string> = {};
  if (isMap(ann)) for (const [k, v] of Object.entries((ann.toJSON() ?? {}) as Record<string, string>)) if (!drop(k) && !(k in set)) existing[k] = String(v);
  else if (ann !== null && !(isScalar(ann) && (ann.value === null || ann.value === ''))) return undefined;
  const all = { ...existing, ...set };
  if (Object.keys(all).length === 0) return undefined;
  const start = lineStart(text, annPair.key.range[0]);
  const vr = (ann as { range?: [number, number, number] } | null)?.range;
  const end = lineEnd(text, Math.max((vr?.[1] ?? annPair.key.range[1]) - 1, annPair.key.range[0]));
  const body = Object.entries(all).map(([k, v]) => `${' '.repeat(metaIndent + 2)}${scalar(k)}: ${scalar(v)}\n`).join('');
  return [{ start, end, text: `${' '.repeat(metaIndent)}annotations:\n${body}` }];
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

export interface AnnotationUpdate {
  docIndex: number;
  /** Signature annotations to set; all other signature annotations are removed. */
  annotations: Record<string, string>;
  /** Extra annotation keys to remove (besides old signature annotations). */
  remove?: string[];
}

function expectedObject(obj: SignableObject, u: AnnotationUpdate, artifact: boolean): SignableObject {
  const drop = (k: string) => isSignatureAnnotation(k) || (u.remove ?? []).includes(k);
  const copy = structuredClone(obj);
  const cur = (artifact ? copy.annotations : copy.metadata?.annotations) ?? {};
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(cur)) if (!drop(k)) next[k] = v as string;
  Object.assign(next, u.annotations);
  if (artifact) copy.annotations = next;
  else {
    copy.metadata ??= {};
    copy.metadata.annotations = next;
  }
  return copy;
}

function normalise(o: unknown): unknown {
  const c = structuredClone(o) as SignableObject;
  if (c?.metadata && c.metadata.annotations && Object.keys(c.metadata.annotations).length === 0) delete c.metadata.annotations;
  return c;
}

/**
 * Returns `text` with the annotations of the given documents replaced. Everything else stays
 * byte-identical where the layout allows; otherwise the affected document is re-serialised.
 */
export function rewriteAnnotations(text: string, updates: AnnotationUpdate[], file = 'input'): string {
  if (isJsonText(text)) {
    const parsed = JSON.parse(text) as unknown;
    const list = (Array.isArray(parsed) ? parsed : [parsed]) as SignableObject[];
    for (const u of updates) {
      const o = list[u.docIndex];
      if (!o) throw new SigningError('io', `${file}: no document ${u.docIndex + 1}`);
      const artifact = o.metadata === undefined && o.kind === undefined;
      list[u.docIndex] = expectedObject(o, u, artifact);
    }
    const indent = /^[{[]\s*\n([ \t]+)/.exec(text)?.[1] ?? (/\n/.test(text.trim()) ? '  ' : '');
    return JSON.stringify(Array.isArray(parsed) ? list : list[0], null, indent) + (text.endsWith('\n') ? '\n' : '');
  }
  const docs = YAML.parseAllDocuments(text) as Document[];
  const edits: Edit[] = [];
  const fallbacks = new Set<number>();
  for (const u of updates) {
    const d = docs[u.docIndex];
    if (!d) throw new SigningError('io', `${file}: no YAML document ${u.docIndex + 1}`);
    const drop = (k: string) => isSignatureAnnotation(k) || (u.remove ?? []).includes(k);
    const e = annotationEdits(text, d, u.annotations, drop);
    if (e) edits.push(...e);
    else fallbacks.add(u.docIndex);
  }
  let out = applyEdits(text, edits);
  // safety net: every updated document must now equal the expected object, and nothing else changed
  const before = parseObjects(text, file);
  const after = YAML.parseAllDocuments(out) as Document[];
  const ok =
    after.length === docs.length &&
    after.every((d, i) => {
      const u = updates.find((x) => x.docIndex === i);
      if (fallbacks.has(i)) return true;
      const want = u ? expectedObject(before.find((b) => b.docIndex === i)!.object, u, false) : docs[i]!.toJS();
      return isDeepEqual(normalise(d.toJS()), normalise(want));
    });
  if (!ok || fallbacks.size) {
    // semantic fallback: re-serialise the affected documents from their parsed form
    const docs2 = YAML.parseAllDocuments(text) as Document[];
    for (const u of updates) {
      const d = docs2[u.docIndex]!;
      const obj = expectedObject(d.toJS() as SignableObject, u, false);
      d.setIn(['metadata', 'annotations'], d.createNode(obj.metadata!.annotations));
    }
    out = docs2.map((d) => d.toString({ lineWidth: 0 })).join('');
  }
  return out;
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
