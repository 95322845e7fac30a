/**
 * Typed errors of the signing module. Every message names what the user can act on: the file and
 * object where known (callers add them through `where`), the annotation or field, and the cause.
 */
export type SigningErrorCode =
  | 'key-format'
  | 'wrong-password'
  | 'annotation'
  | 'certificate'
  | 'certificate-expired'
  | 'policy'
  | 'content'
  | 'keyless'
  | 'io';

export class SigningError extends Error {
  constructor(
    readonly code: SigningErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SigningError';
  }
}

/** The key file could not be parsed (unknown PEM type, not P-256, broken DER...). */
export class KeyFormatError extends SigningError {
  constructor(message: string) {
    super('key-format', message);
    this.name = 'KeyFormatError';
  }
}

/** Decrypting a cosign encrypted private key failed: the password is wrong. */
export class WrongPasswordError extends SigningError {
  constructor(message: string) {
    super('wrong-password', message);
    this.name = 'WrongPasswordError';
  }
}

/** A trust policy file is malformed. */
export class PolicyError extends SigningError {
  constructor(message: string) {
    super('policy', message);
    this.name = 'PolicyError';
  }
}

/** Keyless signing failed (OIDC token, Fulcio or Rekor). */
export class KeylessError extends SigningError {
  constructor(message: string) {
    super('keyless', message);
    this.name = 'KeylessError';
  }
}
