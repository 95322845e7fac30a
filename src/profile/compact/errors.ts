/** Typed errors of the profile compaction (src/profile/compact). */

export class CompactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompactError';
  }
}

/** Collapse settings are malformed (threshold < 1, prefix not starting with `/`, duplicate prefix …). */
export class InvalidCollapseSettingsError extends CompactError {
  constructor(readonly field: string, readonly detail: string) {
    super(`invalid collapse settings: ${field}: ${detail}`);
    this.name = 'InvalidCollapseSettingsError';
  }
}

/** An ApplicationProfile / NetworkNeighborhood has more entries than the storage limit after compaction. */
export class ProfileTooLargeError extends CompactError {
  constructor(readonly object: string, readonly size: number, readonly maxSize: number) {
    super(`${object}: resource size ${size} exceeds the maximum of ${maxSize} entries`);
    this.name = 'ProfileTooLargeError';
  }
}

/** The object handed to compaction is not a profile sbob can compact. */
export class UnsupportedProfileError extends CompactError {
  constructor(readonly object: string, detail: string) {
    super(`${object}: ${detail}`);
    this.name = 'UnsupportedProfileError';
  }
}
