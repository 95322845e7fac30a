/** Errors of the model layer: every one names the file, the line, the object and the field. */

export interface ObjectRef {
  kind?: string;
  namespace?: string;
  name?: string;
}

export function formatObjectRef(ref: ObjectRef | undefined): string {
  if (!ref || (!ref.kind && !ref.name)) return '';
  const kind = ref.kind ?? '<no kind>';
  const name = ref.name ?? '<no name>';
  return ref.namespace ? `${kind} ${ref.namespace}/${name}` : `${kind} ${name}`;
}

export class ModelError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly object: ObjectRef | undefined;
  /** dotted field path, e.g. spec.rules[0].expressions.message */
  readonly field: string | undefined;
  readonly detail: string;

  constructor(opts: { file: string; line?: number; object?: ObjectRef; field?: string; detail: string }) {
    const where = opts.line ? `${opts.file}:${opts.line}` : opts.file;
    const obj = formatObjectRef(opts.object);
    const parts = [where];
    if (obj) parts.push(obj);
    if (opts.field) parts.push(`field ${opts.field}`);
    super(`${parts.join(': ')}: ${opts.detail}`);
    this.name = 'ModelError';
    this.file = opts.file;
    this.line = opts.line;
    this.object = opts.object;
    this.field = opts.field;
    this.detail = opts.detail;
  }
}

/** Several model errors at once (e.g. a directory with more than one bad file). */
export class ModelErrors extends Error {
  constructor(readonly errors: ModelError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ModelErrors';
  }
}
