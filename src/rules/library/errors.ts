/** Errors of the rule library (rules/<id>-<name>/rule.yaml): each names the file, the object and the field. */
import { ModelError, type ObjectRef } from '../../model/index.ts';

export class LibraryError extends ModelError {
  constructor(opts: { file: string; line?: number; object?: ObjectRef; field?: string; detail: string }) {
    super(opts);
    this.name = 'LibraryError';
  }
}

/** Several library errors at once, so one run reports every broken rule. */
export class LibraryErrors extends Error {
  constructor(readonly errors: Error[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'LibraryErrors';
  }
}
