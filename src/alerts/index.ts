export type { RuntimeAlert, ProcessInfo, ProfileMetadata, AlertIdentifiers } from './types.ts';
