export * from './types.ts';
export { normalizeEvent, normalizeEventPath, decodeOpenFlags, checkEventFields } from './normalize.ts';
