/**
 * Agent configuration: a YAML file (`sbob agent --config FILE`) whose every option can also be given
 * (and overridden) as a command-line flag. See docs/agent.md for the reference.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import YAML from 'yaml';
import type { HttpSinkOptions } from '../alerts/sinks/index.ts';
import { AgentConfigError } from './errors.ts';

export type VerificationMode = 'strict' | 'allow-unsigned' | 'off';
export type OverflowMode = 'auto' | 'drop' | 'block';

export interface SourceConfig {
  /** `ndjson` (file or `-` for stdin) or a registered type such as `kernel`. */
  type: string;
  path?: string;
  [option: string]: unknown;
}

export type SinkConfig =
  | { type: 'stdout' }
  | { type: 'file'; path: string; maxBytes?: number; maxFiles?: number }
  | ({ type: 'webhook' | 'alertmanager'; spoolDir?: string } & Omit<HttpSinkOptions, 'format' | 'spoolDir' | 'logger' | 'alertmanagerResolveMs'>)
  | { type: 'syslog'; url: string; facility?: number; maxPending?: number };

export interface AgentConfig {
  objects: { dir?: string; watch: boolean; debounceMs: number; rescanIntervalMs: number };
  verification: { mode: VerificationMode; trustPolicy?: string };
  sources: SourceConfig[];
  queue: { capacity: number; overflow: OverflowMode };
  engine: {
    cooldown: { disabled: boolean; durationMs: number; afterCount: number; maxSize: number };
    /** Bound of the container/pod registry built from events (oldest forgotten first). */
    maxContainers: number;
    /** matching semantics: sbob (ports, `:0` honoured) or upstream (node-agent's answers) */
    semantics: 'sbob' | 'upstream';
    /** evaluate events of host processes (context `host`), as node-agent's hostMonitoringEnabled */
    hostMonitoring: boolean;
    /** the Kubernetes API server address for k8s.is_api_server_address ('' = $KUBERNETES_SERVICE_HOST) */
    apiServerAddress: string;
  };
  sinks: SinkConfig[];
  server: { listen: string };
  log: { level: string };
  shutdown: { flushTimeoutMs: number };
  /** Stop (flush and exit) when every source has ended. Default true. */
  exitOnSourcesEnd: boolean;
  stateDir: string;
  nodeName: string;
  clusterName: string;
}

export function defaultConfig(): AgentConfig {
  return {
    objects: { watch: true, debounceMs: 150, rescanIntervalMs: 30_000 },
    verification: { mode: 'strict' },
    sources: [],
    queue: { capacity: 10_000, overflow: 'auto' },
    engine: {
      cooldown: { disabled: false, durationMs: 3_600_000, afterCount: 1, maxSize: 10_000 }, maxContainers: 50_000,
      semantics: 'sbob', hostMonitoring: false, apiServerAddress: '',
    },
    sinks: [],
    server: { listen: '127.0.0.1:9090' },
    log: { level: 'info' },
    shutdown: { flushTimeoutMs: 10_000 },
    exitOnSourcesEnd: true,
    stateDir: join(tmpdir(), 'sbob-agent'),
    nodeName: process.env.NODE_NAME ?? '',
    clusterName: process.env.CLUSTER_NAME ?? '',
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

class Reader {
  constructor(readonly where: string, readonly baseDir: string) {}
  fail(field: string, detail: string): never {
    throw new AgentConfigError(this.where, field, detail);
  }
  obj(v: unknown, field: string): Obj {
    if (v === undefined || v === null) return {};
    if (!isObj(v)) this.fail(field, 'must be a mapping');
    return v;
  }
  known(o: Obj, field: string, keys: string[]): void {
    for (const k of Object.keys(o)) if (!keys.includes(k)) this.fail(field ? `${field}.${k}` : k, `is not a known option (known: ${keys.join(', ')})`);
  }
  bool(v: unknown, field: string, d: boolean): boolean {
    if (v === undefined) return d;
    if (typeof v !== 'boolean') this.fail(field, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }
  int(v: unknown, field: string, d: number, min = 0): number {
    if (v === undefined) return d;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) this.fail(field, `must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  }
  str(v: unknown, field: string, d?: string): string | undefined {
    if (v === undefined) return d;
    if (typeof v !== 'string' || v === '') this.fail(field, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }
  path(v: unknown, field: string): string | undefined {
    const s = this.str(v, field);
    if (s === undefined || s === '-') return s;
    return isAbsolute(s) ? s : resolve(this.baseDir, s);
  }
  oneOf<T extends string>(v: unknown, field: string, options: readonly T[], d: T): T {
    if (v === undefined) return d;
    if (typeof v !== 'string' || !options.includes(v as T)) this.fail(field, `must be one of ${options.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }
  url(v: unknown, field: string, protocols: string[]): string {
    const s = this.str(v, field);
    if (!s) this.fail(field, 'is required');
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      this.fail(field, `is not a URL: ${JSON.stringify(s)}`);
    }
    if (!protocols.includes(u.protocol)) this.fail(field, `must use ${protocols.join(' or ')} (got ${u.protocol})`);
    return s;
  }
}

function readSink(r: Reader, v: unknown, field: string): SinkConfig {
  const o = r.obj(v, field);
  const type = r.oneOf(o.type, `${field}.type`, ['stdout', 'file', 'webhook', 'alertmanager', 'syslog'] as const, 'stdout');
  if (o.type === undefined) r.fail(`${field}.type`, 'is required (stdout, file, webhook, alertmanager or syslog)');
  switch (type) {
    case 'stdout':
      r.known(o, field, ['type']);
      return { type };
    case 'file':
      r.known(o, field, ['type', 'path', 'maxBytes', 'maxFiles']);
      return {
        type,
        path: r.path(o.path, `${field}.path`) ?? r.fail(`${field}.path`, 'is required'),
        maxBytes: r.int(o.maxBytes, `${field}.maxBytes`, 10 * 1024 * 1024, 1),
        maxFiles: r.int(o.maxFiles, `${field}.maxFiles`, 5, 1),
      };
    case 'webhook':
    case 'alertmanager': {
      r.known(o, field, ['type', 'name', 'url', 'method', 'headers', 'timeoutMs', 'batchMaxAlerts', 'batchMaxWaitMs', 'initialBackoffMs', 'maxBackoffMs', 'spoolDir', 'spoolMaxBytes']);
      const headers = r.obj(o.headers, `${field}.headers`);
      for (const [k, hv] of Object.entries(headers)) if (typeof hv !== 'string') r.fail(`${field}.headers.${k}`, 'must be a string');
      return {
        type,
        url: r.url(o.url, `${field}.url`, ['http:', 'https:']),
        name: r.str(o.name, `${field}.name`),
        method: r.oneOf(o.method, `${field}.method`, ['POST', 'PUT'] as const, 'POST'),
        headers: headers as Record<string, string>,
        timeoutMs: r.int(o.timeoutMs, `${field}.timeoutMs`, 5000, 1),
        batchMaxAlerts: r.int(o.batchMaxAlerts, `${field}.batchMaxAlerts`, 100, 1),
        batchMaxWaitMs: r.int(o.batchMaxWaitMs, `${field}.batchMaxWaitMs`, 200),
        initialBackoffMs: r.int(o.initialBackoffMs, `${field}.initialBackoffMs`, 500, 1),
        maxBackoffMs: r.int(o.maxBackoffMs, `${field}.maxBackoffMs`, 30_000, 1),
        spoolDir: r.path(o.spoolDir, `${field}.spoolDir`),
        spoolMaxBytes: r.int(o.spoolMaxBytes, `${field}.spoolMaxBytes`, 100 * 1024 * 1024, 1024),
      };
    }
    case 'syslog':
      r.known(o, field, ['type', 'url', 'facility', 'maxPending']);
      return {
        type,
        url: r.url(o.url, `${field}.url`, ['udp:', 'tcp:']),
        facility: r.int(o.facility, `${field}.facility`, 1) > 23 ? r.fail(`${field}.facility`, 'must be a syslog facility number 0..23') : r.int(o.facility, `${field}.facility`, 1),
        maxPending: r.int(o.maxPending, `${field}.maxPending`, 10_000, 1),
      };
  }
}

/** Validates a parsed config document (`where` names it in errors; relative paths resolve against `baseDir`). */
export function parseConfig(doc: unknown, where: string, baseDir: string, base: AgentConfig = defaultConfig()): AgentConfig {
  const r: Reader = new Reader(where, baseDir);
  if (doc === null || doc === undefined) return base;
  const d = r.obj(doc, '(document)');
  r.known(d, '', ['objects', 'verification', 'sources', 'queue', 'engine', 'sinks', 'server', 'log', 'shutdown', 'exitOnSourcesEnd', 'stateDir', 'nodeName', 'clusterName']);
  const c = structuredClone(base);
  const o = r.obj(d.objects, 'objects');
  r.known(o, 'objects', ['dir', 'watch', 'debounceMs', 'rescanIntervalMs']);
  c.objects = {
    dir: r.path(o.dir, 'objects.dir') ?? c.objects.dir,
    watch: r.bool(o.watch, 'objects.watch', c.objects.watch),
    debounceMs: r.int(o.debounceMs, 'objects.debounceMs', c.objects.debounceMs),
    rescanIntervalMs: r.int(o.rescanIntervalMs, 'objects.rescanIntervalMs', c.objects.rescanIntervalMs),
  };
  const v = r.obj(d.verification, 'verification');
  r.known(v, 'verification', ['mode', 'trustPolicy']);
  c.verification = {
    mode: r.oneOf(v.mode, 'verification.mode', ['strict', 'allow-unsigned', 'off'] as const, c.verification.mode),
    trustPolicy: r.path(v.trustPolicy, 'verification.trustPolicy') ?? c.verification.trustPolicy,
  };
  if (d.sources !== undefined) {
    if (!Array.isArray(d.sources)) r.fail('sources', 'must be a list of {type, ...}');
    c.sources = d.sources.map((s, i) => {
      const so = r.obj(s, `sources[${i}]`);
      const type = r.str(so.type, `sources[${i}].type`) ?? r.fail(`sources[${i}].type`, 'is required (ndjson, or a registered source such as kernel)');
      const out: SourceConfig = { ...so, type };
      if (type === 'ndjson') {
        r.known(so, `sources[${i}]`, ['type', 'path']);
        out.path = r.path(so.path, `sources[${i}].path`) ?? r.fail(`sources[${i}].path`, 'is required (a file, or - for stdin)');
      }
      return out;
    });
  }
  const q = r.obj(d.queue, 'queue');
  r.known(q, 'queue', ['capacity', 'overflow']);
  c.queue = {
    capacity: r.int(q.capacity, 'queue.capacity', c.queue.capacity, 1),
    overflow: r.oneOf(q.overflow, 'queue.overflow', ['auto', 'drop', 'block'] as const, c.queue.overflow),
  };
  const e = r.obj(d.engine, 'engine');
  r.known(e, 'engine', ['cooldown', 'maxContainers', 'semantics', 'hostMonitoring', 'apiServerAddress']);
  const cd = r.obj(e.cooldown, 'engine.cooldown');
  r.known(cd, 'engine.cooldown', ['disabled', 'durationMs', 'afterCount', 'maxSize']);
  c.engine = {
    cooldown: {
      disabled: r.bool(cd.disabled, 'engine.cooldown.disabled', c.engine.cooldown.disabled),
      durationMs: r.int(cd.durationMs, 'engine.cooldown.durationMs', c.engine.cooldown.durationMs, 1),
      afterCount: r.int(cd.afterCount, 'engine.cooldown.afterCount', c.engine.cooldown.afterCount, 0),
      maxSize: r.int(cd.maxSize, 'engine.cooldown.maxSize', c.engine.cooldown.maxSize, 1),
    },
    maxContainers: r.int(e.maxContainers, 'engine.maxContainers', c.engine.maxContainers, 1),
    semantics: r.oneOf(e.semantics, 'engine.semantics', ['sbob', 'upstream'] as const, c.engine.semantics),
    hostMonitoring: r.bool(e.hostMonitoring, 'engine.hostMonitoring', c.engine.hostMonitoring),
    apiServerAddress: r.str(e.apiServerAddress, 'engine.apiServerAddress', c.engine.apiServerAddress) ?? '',
  };
  if (d.sinks !== undefined) {
    if (!Array.isArray(d.sinks)) r.fail('sinks', 'must be a list of {type, ...}');
    c.sinks = d.sinks.map((s, i) => readSink(r, s, `sinks[${i}]`));
  }
  const srv = r.obj(d.server, 'server');
  r.known(srv, 'server', ['listen']);
  if (srv.listen !== undefined) c.server.listen = parseListen(r, srv.listen, 'server.listen');
  const lg = r.obj(d.log, 'log');
  r.known(lg, 'log', ['level']);
  c.log.level = r.oneOf(lg.level, 'log.level', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, c.log.level as 'info');
  const sd = r.obj(d.shutdown, 'shutdown');
  r.known(sd, 'shutdown', ['flushTimeoutMs']);
  c.shutdown.flushTimeoutMs = r.int(sd.flushTimeoutMs, 'shutdown.flushTimeoutMs', c.shutdown.flushTimeoutMs);
  c.exitOnSourcesEnd = r.bool(d.exitOnSourcesEnd, 'exitOnSourcesEnd', c.exitOnSourcesEnd);
  c.stateDir = r.path(d.stateDir, 'stateDir') ?? c.stateDir;
  c.nodeName = d.nodeName === undefined ? c.nodeName : String(r.str(d.nodeName, 'nodeName'));
  c.clusterName = d.clusterName === undefined ? c.clusterName : String(r.str(d.clusterName, 'clusterName'));
  return c;
}

function parseListen(r: Reader, v: unknown, field: string): string {
  if (v === '' || v === false) return '';
  const s = typeof v === 'number' ? `127.0.0.1:${v}` : r.str(v, field)!;
  if (!/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(s)) r.fail(field, `must be HOST:PORT (or "" to disable), got ${JSON.stringify(v)}`);
  return s;
}

/** Reads a YAML config file. */
export function loadConfigFile(file: string, base?: AgentConfig): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AgentConfigError(file, '(file)', `cannot read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text, { uniqueKeys: true });
  } catch (err) {
    throw new AgentConfigError(file, '(document)', `invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return parseConfig(doc, file, dirname(resolve(file)), base);
}

/** Command-line flags (commander's parsed options); each overrides the matching config key. */
export interface AgentFlags {
  config?: string;
  objects?: string;
  watch?: boolean;
  debounceMs?: string;
  rescanIntervalMs?: string;
  verification?: string;
  trustPolicy?: string;
  events?: string[];
  source?: string[];
  queueCapacity?: string;
  queueOverflow?: string;
  cooldown?: boolean;
  cooldownDurationMs?: string;
  cooldownAfterCount?: string;
  cooldownMaxSize?: string;
  maxContainers?: string;
  semantics?: string;
  hostMonitoring?: boolean;
  apiServer?: string;
  stdout?: boolean;
  alertsFile?: string;
  alertsFileMaxBytes?: string;
  alertsFileMaxFiles?: string;
  webhook?: string[];
  webhookHeader?: string[];
  webhookBatch?: string;
  webhookBatchWaitMs?: string;
  webhookMethod?: string;
  httpTimeoutMs?: string;
  httpInitialBackoffMs?: string;
  httpMaxBackoffMs?: string;
  syslogFacility?: string;
  syslogMaxPending?: string;
  alertmanager?: string[];
  syslog?: string[];
  spoolMaxBytes?: string;
  listen?: string;
  logLevel?: string;
  flushTimeoutMs?: string;
  exitOnEnd?: boolean;
  stateDir?: string;
  nodeName?: string;
  clusterName?: string;
}

/** Builds the effective config: defaults ← config file ← flags. */
export function resolveConfig(flags: AgentFlags, cwd = process.cwd()): AgentConfig {
  const base = flags.config ? loadConfigFile(resolve(cwd, flags.config)) : defaultConfig();
  const doc: Obj = {};
  const set = (path: string[], value: unknown): void => {
    if (value === undefined) return;
    let o = doc;
    for (const p of path.slice(0, -1)) o = (o[p] ??= {}) as Obj;
    o[path[path.length - 1]] = value;
  };
  set(['objects', 'dir'], flags.objects);
  set(['objects', 'watch'], flags.watch === false ? false : undefined);
  set(['objects', 'debounceMs'], flags.debounceMs);
  set(['objects', 'rescanIntervalMs'], flags.rescanIntervalMs);
  set(['verification', 'mode'], flags.verification);
  set(['verification', 'trustPolicy'], flags.trustPolicy);
  const sources: unknown[] = [];
  for (const e of flags.events ?? []) sources.push({ type: 'ndjson', path: e });
  for (const s of flags.source ?? []) sources.push({ type: s });
  if (sources.length) set(['sources'], sources);
  set(['queue', 'capacity'], flags.queueCapacity);
  set(['queue', 'overflow'], flags.queueOverflow);
  set(['engine', 'cooldown', 'disabled'], flags.cooldown === false ? true : undefined);
  set(['engine', 'cooldown', 'durationMs'], flags.cooldownDurationMs);
  set(['engine', 'cooldown', 'afterCount'], flags.cooldownAfterCount);
  set(['engine', 'cooldown', 'maxSize'], flags.cooldownMaxSize);
  set(['engine', 'maxContainers'], flags.maxContainers);
  set(['engine', 'semantics'], flags.semantics);
  set(['engine', 'hostMonitoring'], flags.hostMonitoring);
  set(['engine', 'apiServerAddress'], flags.apiServer);
  const sinks: unknown[] = [];
  if (flags.stdout) sinks.push({ type: 'stdout' });
  if (flags.alertsFile) sinks.push({ type: 'file', path: flags.alertsFile, maxBytes: flags.alertsFileMaxBytes, maxFiles: flags.alertsFileMaxFiles });
  const headers: Obj = {};
  for (const h of flags.webhookHeader ?? []) {
    const i = h.indexOf('=');
    if (i <= 0) throw new AgentConfigError('--webhook-header', h, 'must be NAME=VALUE');
    headers[h.slice(0, i)] = h.slice(i + 1);
  }
  const http = {
    batchMaxAlerts: flags.webhookBatch, batchMaxWaitMs: flags.webhookBatchWaitMs, spoolMaxBytes: flags.spoolMaxBytes,
    timeoutMs: flags.httpTimeoutMs, initialBackoffMs: flags.httpInitialBackoffMs, maxBackoffMs: flags.httpMaxBackoffMs,
  };
  for (const u of flags.webhook ?? []) sinks.push({ type: 'webhook', url: u, headers, method: flags.webhookMethod, ...http });
  for (const u of flags.alertmanager ?? []) sinks.push({ type: 'alertmanager', url: u, ...http });
  for (const u of flags.syslog ?? []) sinks.push({ type: 'syslog', url: u, facility: flags.syslogFacility, maxPending: flags.syslogMaxPending });
  const clean = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined));
  if (sinks.length) set(['sinks'], [...base.sinks.map((s) => s as unknown), ...sinks.map((s) => clean(s as Obj))]);
  if (flags.listen !== undefined) set(['server', 'listen'], flags.listen);
  set(['log', 'level'], flags.logLevel);
  set(['shutdown', 'flushTimeoutMs'], flags.flushTimeoutMs);
  set(['exitOnSourcesEnd'], flags.exitOnEnd === false ? false : undefined);
  set(['stateDir'], flags.stateDir);
  set(['nodeName'], flags.nodeName);
  set(['clusterName'], flags.clusterName);
  // flags: relative paths resolve against the working directory
  const c = parseConfig(doc, 'command line', cwd, base);
  if (c.sinks.length === 0) c.sinks = [{ type: 'stdout' }];
  if (c.sources.length === 0) throw new AgentConfigError(flags.config ?? 'command line', 'sources', 'no event source configured (use --events FILE, --events - for stdin, --source TYPE, or sources: in the config)');
  return c;
}
