export * from './types.ts';
export { ModelError, ModelErrors, formatObjectRef, type ObjectRef } from './errors.ts';
export {
  parseDocuments, loadPath, loadPathSync, loadPathLenient, listObjectFiles, validateObject, formatFieldPath,
  type LoadOptions, type LoadResult,
} from './load.ts';
export { SCHEMAS, KNOWN_KINDS, crdManifest, PROFILE_API_VERSION, RULES_API_VERSION } from './schemas.ts';
