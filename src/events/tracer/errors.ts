/** Errors of the kernel tracer. */
export class TracerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TracerError';
  }
}

/** The tracer cannot run here; `reasons` say why and how to fix each problem. */
export class TracerUnavailableError extends TracerError {
  constructor(readonly reasons: string[]) {
    super(`the kernel tracer cannot run here:\n${reasons.map((r) => `  - ${r}`).join('\n')}`);
    this.name = 'TracerUnavailableError';
  }
}
