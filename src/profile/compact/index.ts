/**
 * src/profile/compact: storage-compatible profile compaction ("deflate"): the path analyzer, opens and
 * endpoint collapse, PreSave, user-overlay merge, and the `compactProfile` product entry point.
 * Semantics: docs/compaction.md.
 */
export {
  defaultCollapseSettings, defaultCollapseConfigs, resolveCollapseSettings, collapseSettingsFromObject, findCollapseConfig, prefixCovers,
  DEFAULT_OPEN_THRESHOLD, DEFAULT_ENDPOINT_THRESHOLD,
  type CollapseConfig, type CollapseSettings,
} from './settings.ts';
export { PathAnalyzer, collapseAdjacentDynamic, type PathAnalyzerOptions } from './analyzer.ts';
export { analyzeOpens, analyzeOpensDetailed, OPENS_IDENTIFIER, type OpenEntry, type AnalyzeOpensResult } from './opens.ts';
export {
  analyzeEndpoints, analyzeEndpointsDetailed, mergeDuplicateEndpoints, isValidEndpointURI,
  type AnalyzeEndpointsResult,
} from './endpoints.ts';
export {
  deflateSortString, deflateRulePolicies, deflateExecs, deflateCallStacks, deflateNeighbors,
  deflateApplicationProfileContainer, deflateContainerProfileSpec, containerResourceSize,
  preSaveApplicationProfile, preSaveNetworkNeighborhood, preSaveContainerProfile,
  RESOURCE_SIZE_ANNOTATION, STATUS_ANNOTATION, DEFAULT_MAX_SIZE, openPathWarnings,
  type CollapseRecord, type CompactWarning, type DeflateOptions, type PreSaveOptions,
} from './deflate.ts';
export {
  mergeUserApplicationProfile, mergeUserNetworkNeighborhood, findUserContainer, type MergeNetworkOptions,
} from './merge.ts';
export { compactProfile, compactApplicationProfile, type CompactOptions, type CompactResult } from './compact.ts';
export {
  CompactError, InvalidCollapseSettingsError, ProfileTooLargeError, UnsupportedProfileError,
} from './errors.ts';
