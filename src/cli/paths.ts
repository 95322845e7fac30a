/** Paths of files shipped with sbob. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository / package root. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The built-in rule library directory, when present. */
export function defaultRulesPath(): string | undefined {
  const p = fileURLToPath(new URL('../../rules/', import.meta.url));
  return existsSync(p) ? p : undefined;
}
