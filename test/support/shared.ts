/**
 * Locating `../shared` (upstream conformance data, specs, interop objects) beside the clone. Nothing
 * from it is committed; suites that need it are skipped, with the reason, where it is absent.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));

/** Absolute path of a file under shared/, e.g. sharedPath('conformance/cases.yaml'). */
export function sharedPath(rel: string): string {
  return SHARED_DIR + rel;
}

/** `false` when the file exists, else the skip reason (for `test(name, { skip }, fn)`). */
export function skipUnlessShared(rel: string): false | string {
  return existsSync(sharedPath(rel)) ? false : `shared data not found at ${sharedPath(rel)} (CI places shared/ beside the clone)`;
}
