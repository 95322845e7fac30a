import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { SignableObject } from '../../src/signing/index.ts';

/** ../shared relative to the repo root. */
export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const INTEROP = `${SHARED}interop/kubescape-signed/`;
export const interopSkip: string | false = existsSync(`${INTEROP}expected.json`) ? false : `shared/ interop data not found at ${INTEROP}`;

export const FIXTURES = fileURLToPath(new URL('../fixtures/signing/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export function readObject(path: string): SignableObject {
  const text = readFileSync(path, 'utf8');
  return (path.endsWith('.json') ? JSON.parse(text) : YAML.parse(text)) as SignableObject;
}

export function fixture(name: string): SignableObject {
  return readObject(`${FIXTURES}${name}`);
}
