/** Invalid sink configuration: names the sink and the offending field. */
export class SinkConfigError extends Error {
  constructor(readonly sink: string, readonly field: string, message: string) {
    super(`sink ${sink}: field "${field}": ${message}`);
    this.name = 'SinkConfigError';
  }
}

/** A delivery attempt that did not succeed (HTTP status or transport error). */
export class DeliveryError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'DeliveryError';
  }
}
