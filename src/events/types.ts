/**
 * The runtime event model. Field names are the CEL field names of node-agent's `event` object
 * (spec rule-engine.md §1.3); every event source (NDJSON replay, kernel tracer, adapters) produces
 * this shape. Fields not applicable to an event type take their zero value.
 */

/** Event types dispatched to rules (rule-engine.md §1.1). */
export const RULE_EVENT_TYPES = [
  'capabilities', 'exec', 'open', 'network', 'dns', 'randomx', 'symlink', 'hardlink', 'ssh',
  'http', 'ptrace', 'iouring', 'syscall', 'kmod', 'unshare', 'bpf',
] as const;
export type RuleEventType = (typeof RULE_EVENT_TYPES)[number];

/**
 * sbob's own event types. `signature`: emitted by the agent when a loaded object's signature stops
 * verifying (rule R1016); fields: name = `<Kind>/<namespace>/<name>`, path = the file.
 */
export const SBOB_EVENT_TYPES = ['signature'] as const;

/** All event type strings known upstream (some feed only the process tree). */
export const ALL_EVENT_TYPES = [
  'all', 'bpf', 'capabilities', 'dns', 'exec', 'exit', 'fork', 'http', 'hardlink', 'iouring', 'kmod',
  'network', 'open', 'procfs', 'ptrace', 'randomx', 'ssh', 'symlink', 'syscall', 'unshare',
] as const;
export type EventType = (typeof ALL_EVENT_TYPES)[number];

export interface HttpRequest {
  method: string;
  host: string;
  url: string;
  path: string;
  headers: Record<string, string[]>;
  body: string;
}

/** CEL type of each `event` field (string/int/uint/bool/list/object). */
export const EVENT_FIELD_TYPES = {
  capName: 'string', comm: 'string', containerId: 'string', containerName: 'string', cwd: 'string',
  direction: 'string', dstAddr: 'string', dstIp: 'string', exepath: 'string', module: 'string',
  name: 'string', namespace: 'string', newPath: 'string', oldPath: 'string', path: 'string',
  pcomm: 'string', pktType: 'string', podName: 'string', proto: 'string', syscallName: 'string',
  attrSize: 'uint', cmd: 'uint', pid: 'uint', ppid: 'uint', uid: 'uint', ttyMajor: 'uint', ttyMinor: 'uint',
  dstPort: 'int', srcPort: 'int', flagsRaw: 'int', opcode: 'int', tty: 'int',
  upperlayer: 'bool', pupperlayer: 'bool', hasTty: 'bool',
  args: 'list', flags: 'list',
  request: 'request',
} as const;
export type EventFieldName = keyof typeof EVENT_FIELD_TYPES;

/**
 * A runtime event as sources deliver it. Numbers are plain JS numbers (the engine converts them to
 * CEL int/uint). Fields beyond the CEL ones (timestamp, gid, podLabels, ...) feed the alert only.
 */
export interface RuntimeEvent {
  eventType: string;
  // identity / context
  containerId?: string;
  containerName?: string;
  podName?: string;
  namespace?: string;
  // process
  comm?: string;
  pcomm?: string;
  pid?: number;
  ppid?: number;
  uid?: number;
  gid?: number;
  cwd?: string;
  exepath?: string;
  args?: string[];
  upperlayer?: boolean;
  pupperlayer?: boolean;
  tty?: number;
  ttyMajor?: number;
  ttyMinor?: number;
  hasTty?: boolean;
  // files
  path?: string;
  flags?: string[];
  flagsRaw?: number;
  oldPath?: string;
  newPath?: string;
  // network / dns / ssh / http
  dstAddr?: string;
  dstIp?: string;
  dstPort?: number;
  srcPort?: number;
  proto?: string;
  pktType?: string;
  direction?: string;
  name?: string;
  addresses?: string[];
  request?: Partial<HttpRequest>;
  // others
  capName?: string;
  syscallName?: string;
  module?: string;
  cmd?: number;
  attrSize?: number;
  opcode?: number;
  // alert-only metadata
  timestamp?: number | string;
  srcIp?: string;
  image?: string;
  imageDigest?: string;
  hostNetwork?: boolean;
  podLabels?: Record<string, string>;
  /** Source context: kubernetes (default), host, standalone, container. */
  context?: string;
  [extra: string]: unknown;
}
