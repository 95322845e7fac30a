/**
 * src/match: wildcard, exec-argument, IP/CIDR, DNS, endpoint and port matchers shared by the profile
 * index and the rule engine. Semantics: docs/matching.md.
 */
export { DYNAMIC, WILDCARD, EXEC_ARGS_WILDCARD, isDynamicEntry, classifyEntry, PATH_SURFACES } from './tokens.ts';
export { compareDynamic, compileDynamic, splitSegments, normalizePath, cleanPath } from './path.ts';
export type { CompiledPathPattern } from './path.ts';
export { compareExecArgs, matchExecArgs, matchArgToken, matchArgsAnchored } from './args.ts';
export {
  parseIP,
  parseIPOrThrow,
  canonicalIP,
  formatIP,
  isV4Mapped,
  parseCIDR,
  parseCIDROrThrow,
  matchIP,
  compileIPSet,
  checkIPEntry,
  isValidIPEntry,
  assertIPEntry,
} from './ip.ts';
export type { CIDR, IPSet } from './ip.ts';
export { matchDNS, compileDNSSet, checkDNSEntry, isValidDNSEntry, assertDNSEntry } from './dns.ts';
export type { DNSSet } from './dns.ts';
export { splitEndpointPortAndPath, compareEndpoint, compileEndpoint, WILDCARD_PORT } from './endpoint.ts';
export type { CompareEndpointOptions, CompiledEndpointPattern } from './endpoint.ts';
export { matchPortProtocol } from './ports.ts';
export type { NeighborPort } from './ports.ts';
export { prefixAny, suffixAny, containsAny } from './strings.ts';
export { checkNeighborEntries, checkNetworkEntries, lookupKnownServers } from './network.ts';
export type { NetworkEntryProblem, KnownServer } from './network.ts';
export {
  MatchError,
  InvalidIPError,
  InvalidCIDRError,
  InvalidIPEntryError,
  InvalidDNSEntryError,
} from './errors.ts';
