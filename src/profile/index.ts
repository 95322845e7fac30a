export {
  compileProfile, finishCompiled, emptySurface, opensMatch, neighborMatch,
  type CompiledProfile, type Surface, type ProjectionSpec, type CompiledNeighbor, type CompiledPolicy,
  type ProfileOrigin, type CompileInput,
} from './compiled.ts';
export {
  ProfileStore, sectionFor, isProfileObject, WORKLOAD_NAME_LABEL, USER_DEFINED_PROFILE_LABEL,
  USER_DEFINED_NETWORK_LABEL, type ContainerQuery,
} from './store.ts';
export { ProfileError } from './errors.ts';
