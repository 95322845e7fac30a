export { buildProfiles, formatSummary, execPathOf, PROFILE_API_VERSION, type RecordOptions, type RecordResult, type RecordSummary, type Generalisation } from './build.ts';
export { generalisePath, generaliseArgs, looksRandom, isEphemeralPort, DYN } from './generalise.ts';
export { profilesToYaml } from './yaml.ts';
