export * from './types.ts';
export { normalizeEvent, normalizeEventPath, decodeOpenFlags, checkEventFields, networkDirection } from './normalize.ts';
