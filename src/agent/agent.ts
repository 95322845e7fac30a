/**
 * The node agent: verified objects in, events in, alerts out.
 *
 *   object dir ──(verification gate)──▶ RuleEngine ◀── bounded queue ◀── event sources
 *                                           │
 *                                           └──▶ alert sinks (stdout, file, webhook, Alertmanager, syslog)
 *
 * Runs until SIGTERM/SIGINT, or (with exitOnSourcesEnd) until every source has ended; either way it
 * drains the queue, flushes the sinks (bounded by shutdown.flushTimeoutMs) and stops.
 */
import { existsSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { RuleEngine, md5Hex } from '../rules/index.ts';
import { ALL_EVENT_TYPES, normalizeEvent, type RuntimeEvent } from '../events/index.ts';
import type { EventSource } from '../events/source.ts';
import type { RuntimeAlert } from '../alerts/index.ts';
import { computeAlertId, type AgentAlert, type AlertSink } from '../alerts/sinks/index.ts';
import type { ModelError, RuntimeRuleAlertBinding } from '../model/index.ts';
import type { AgentConfig } from './config.ts';
import { AgentMetrics } from './metrics.ts';
import { BoundedQueue, type Overflow } from './queue.ts';
import { OpsServer } from './server.ts';
import { ObjectStore, type Rejection, type StoreChanges } from './objects.ts';
import { createSinks } from './sinks.ts';
import { AgentError } from './errors.ts';
import { createSource } from './sources.ts';

const KNOWN_TYPES = new Set<string>([...ALL_EVENT_TYPES, 'signature']);
const TAMPER_RULE = 'R1016';

interface Queued {
  ev: RuntimeEvent;
  origin: string;
}

export interface AgentOptions {
  logger?: Logger;
  /** Stream for the stdout sink (default process.stdout). */
  stdout?: Writable;
}

export class Agent {
  readonly log: Logger;
  readonly metrics = new AgentMetrics();
  readonly engine: RuleEngine;
  private store: ObjectStore | undefined;
  private sinks: AlertSink[] = [];
  private sources: Array<{ src: EventSource; overflow: Overflow; done: boolean }> = [];
  private readonly queue: BoundedQueue<Queued>;
  private server: OpsServer | undefined;
  private ready = false;
  private stopping: Promise<void> | undefined;
  private consumer: Promise<void> | undefined;
  private stoppedResolve!: () => void;
  private readonly stopped = new Promise<void>((r) => { this.stoppedResolve = r; });
  private badLines = 0;
  private fatal: Error | undefined;
  /** address the ops server listens on (after start) */
  serverAddress: string | undefined;

  constructor(readonly cfg: AgentConfig, private readonly opts: AgentOptions = {}) {
    this.log = opts.logger ?? pino({ level: cfg.log.level, base: { component: 'sbob-agent' } }, pino.destination({ dest: 2, sync: true }));
    this.queue = new BoundedQueue<Queued>(cfg.queue.capacity);
    this.metrics.queueCapacity.set(cfg.queue.capacity);
    let evalErrorLogs = 0;
    this.engine = new RuleEngine({
      cooldown: cfg.engine.cooldown,
      semantics: cfg.engine.semantics,
      hostMonitoring: cfg.engine.hostMonitoring,
      nodeName: cfg.nodeName || undefined,
      clusterName: cfg.clusterName || undefined,
      onError: (err, rule) => {
        this.metrics.evalErrors.inc();
        if (evalErrorLogs++ < 100) this.log.warn({ rule: rule.id, err: err.message }, 'rule evaluation error');
      },
    });
    if (cfg.engine.apiServerAddress) this.engine.world.apiServerAddress = cfg.engine.apiServerAddress;
  }

  /** Loads objects, opens sinks, starts the ops server and the sources. */
  async start(): Promise<void> {
    const cfg = this.cfg;
    if (cfg.objects.dir && !(existsSync(cfg.objects.dir) && statSync(cfg.objects.dir).isDirectory())) {
      throw new AgentError(`objects.dir ${cfg.objects.dir}: no such directory`);
    }
    this.sinks = createSinks(cfg.sinks, cfg.stateDir, this.log, this.opts.stdout);
    this.log.info({ sinks: this.sinks.map((s) => s.name) }, 'sinks ready');
    if (cfg.objects.dir) {
      this.store = new ObjectStore({
        dir: cfg.objects.dir,
        mode: cfg.verification.mode,
        trustPolicyFile: cfg.verification.trustPolicy,
        onRejected: (r) => this.onRejected(r),
        onLoadError: (err, file) => this.onLoadError(err, file),
        onChanges: (c) => this.applyChanges(c),
        onInfo: (o, m) => this.log.info(o, m),
      });
      this.store.scan();
      if (cfg.objects.watch) this.store.watch(cfg.objects.debounceMs, cfg.objects.rescanIntervalMs);
    } else {
      this.log.warn({}, 'no object directory configured (objects.dir / --objects): no rules, no profiles');
    }
    this.logObjectSummary();
    if (cfg.server.listen) {
      this.server = new OpsServer({
        listen: cfg.server.listen,
        registry: this.metrics.registry,
        beforeScrape: () => this.refreshGauges(),
        ready: () => ({ ready: this.ready && !this.stopping, reason: this.stopping ? 'shutting down' : this.ready ? 'objects loaded, sources running' : 'starting' }),
        healthy: () => ({ healthy: !this.fatal, reason: this.fatal ? this.fatal.message : 'running' }),
      });
      this.serverAddress = await this.server.start();
      this.log.info({ address: this.serverAddress }, 'ops server listening (/metrics, /healthz, /readyz)');
    }
    this.consumer = this.consume();
    for (const [i, sc] of cfg.sources.entries()) {
      if (this.stopping) return;
      const src = await createSource(sc, i, this.log, (bad) => {
        this.metrics.badEvents.inc({ source: src.name });
        if (this.badLines++ < 100 || this.badLines % 1000 === 0) this.log.warn({ source: src.name, file: bad.file, line: bad.line, reason: bad.reason }, 'bad event line skipped');
      });
      const overflow: Overflow = cfg.queue.overflow === 'auto'
        ? (sc.type === 'ndjson' && sc.path !== '-' ? 'block' : 'drop')
        : cfg.queue.overflow;
      this.sources.push({ src, overflow, done: false });
    }
    if (this.stopping) return;
    for (const entry of this.sources) {
      let seq = 0;
      const { src, overflow } = entry;
      this.log.info({ source: src.name, overflow }, 'event source started');
      src.start((ev) => {
        const r = this.queue.push({ ev, origin: `${src.name}#${++seq}` }, overflow);
        if (r === false) this.metrics.eventsDropped.inc({ reason: 'queue_full' });
        return typeof r === 'object' ? r : undefined;
      }).then(
        () => this.sourceEnded(entry),
        (err: Error) => {
          this.log.error({ source: src.name, err: err.message }, 'event source failed');
          this.fatal ??= err;
          this.sourceEnded(entry);
        },
      );
    }
    this.ready = true;
    this.log.info({ sources: this.sources.map((s) => s.src.name) }, 'agent ready');
  }

  private sourceEnded(entry: { src: EventSource; done: boolean }): void {
    entry.done = true;
    this.log.info({ source: entry.src.name, lost: entry.src.stats().lost }, 'event source ended');
    if (this.cfg.exitOnSourcesEnd && this.sources.every((s) => s.done)) void this.stop('all event sources ended');
  }

  /** Starts and runs until stopped; resolves with the exit code. */
  async run(): Promise<number> {
    const onSignal = (sig: NodeJS.Signals): void => { void this.stop(`received ${sig}`); };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      try {
        await this.start();
      } catch (err) {
        this.fatal = err as Error;
        await this.stop(`start failed: ${(err as Error).message}`);
        throw err;
      }
      await this.stopped;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    return this.fatal ? 1 : 0;
  }

  /** Graceful stop: stop sources, drain the queue, flush and close sinks, stop the server. */
  stop(reason = 'stop requested'): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ reason }, 'shutting down');
      this.store?.close();
      await Promise.all(this.sources.map((s) => s.src.stop().catch(() => undefined)));
      this.queue.close();
      await this.consumer;
      const timeout = this.cfg.shutdown.flushTimeoutMs;
      await Promise.all(this.sinks.map(async (s) => {
        const ok = await s.flush(timeout).catch(() => false);
        await s.close(Math.min(1000, timeout)).catch(() => undefined);
        const st = s.stats();
        this.log.info({ sink: s.name, ...st, flushed: ok }, 'sink closed');
      }));
      this.refreshGauges();
      this.log.info({ events: this.engine.stats.events, alerts: this.engine.stats.alerts, dropped: this.queue.droppedCount }, 'agent stopped');
      await this.server?.stop();
      this.stoppedResolve();
    })();
    return this.stopping;
  }

  private async consume(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        if (this.queue.isClosed) return;
        this.metrics.queueDepth.set(0);
        await this.queue.waitForItems();
        continue;
      }
      const until = performance.now() + 20;
      do {
        for (const item of this.queue.take(64)) this.process(item);
      } while (this.queue.length > 0 && performance.now() < until);
      this.metrics.queueDepth.set(this.queue.length);
      await yieldToLoop();
    }
  }

  private process(item: Queued): void {
    const { ev, origin } = item;
    this.metrics.events.inc({ type: KNOWN_TYPES.has(ev.eventType) ? ev.eventType : 'other' });
    const t0 = performance.now();
    let alerts: RuntimeAlert[];
    try {
      alerts = this.engine.evaluate(normalizeEvent(ev)); // idempotent; sources may have normalised already
    } catch (err) {
      this.metrics.evalErrors.inc();
      this.log.warn({ origin, err: (err as Error).message }, 'event evaluation failed');
      return;
    } finally {
      this.metrics.evalLatency.observe((performance.now() - t0) / 1000);
    }
    this.boundContainers();
    alerts.forEach((a, i) => this.emitAlert(a, `${origin}/${i}`));
  }

  private boundContainers(): void {
    const containers = this.engine.world.containers;
    const max = this.cfg.engine.maxContainers;
    if (containers.size <= max) return;
    for (const id of containers.keys()) {
      if (containers.size <= max) break;
      this.engine.removeContainer(id);
    }
  }

  private emitAlert(alert: RuntimeAlert, origin: string): void {
    const a = alert as AgentAlert;
    a.alertId = computeAlertId(alert, origin);
    this.metrics.alerts.inc({ rule_id: a.ruleID || 'unknown' });
    for (const s of this.sinks) s.send(a);
  }

  private applyChanges(c: StoreChanges): void {
    const store = this.store!;
    if (c.rules) {
      const errors = this.engine.setRules(store.list('Rules').map((e) => e.loaded));
      for (const err of errors) this.log.error({ err: err.message }, 'rule failed to compile; left out');
      this.log.info({ rules: this.engine.getRules().length }, 'rules loaded');
    }
    if (c.bindings) this.engine.setBindings(store.list('RuntimeRuleAlertBinding').map((e) => e.object as RuntimeRuleAlertBinding));
    for (const u of c.upserted) {
      try {
        this.engine.upsertProfile(u.object);
        this.log.info({ object: u.key, file: u.file, signature: u.status }, 'profile loaded');
      } catch (err) {
        this.log.error({ object: u.key, file: u.file, err: (err as Error).message }, 'profile rejected by the engine');
        this.metrics.rejected.inc({ reason: 'engine' });
      }
    }
    for (const r of c.removed) this.engine.removeProfile(r.kind, r.namespace, r.name);
    this.refreshObjectGauge();
  }

  private refreshObjectGauge(): void {
    if (!this.store) return;
    this.metrics.objectsLoaded.reset();
    for (const e of this.store.entries.values()) this.metrics.objectsLoaded.inc({ kind: e.kind });
  }

  private logObjectSummary(): void {
    if (!this.store) return;
    const byKind: Record<string, number> = {};
    for (const e of this.store.entries.values()) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    this.log.info({ dir: this.cfg.objects.dir, objects: byKind, verification: this.cfg.verification.mode, trustPolicy: this.store.policy?.name ?? null }, 'objects loaded');
  }

  private onLoadError(err: ModelError | Error, file: string): void {
    const me = err as ModelError;
    this.metrics.rejected.inc({ reason: 'load_error' });
    this.log.error({ file, line: me.line, object: me.object ? `${me.object.kind ?? ''}/${me.object.namespace ?? ''}/${me.object.name ?? ''}` : undefined, field: me.field, reason: err.message }, 'object file rejected');
  }

  private onRejected(r: Rejection): void {
    this.metrics.rejected.inc({ reason: r.status });
    this.log.error(
      { file: r.file, line: r.line, object: r.key, status: r.status, reason: r.reason, keptPrevious: r.keptPrevious },
      r.keptPrevious ? 'object update rejected; the last verified version stays in force' : 'object rejected',
    );
    if (r.keptPrevious || r.status === 'tampered') this.raiseTamper(r);
  }

  /** R1016: through the engine (the rule library's R1016 fires on eventType `signature`), else built directly. */
  private raiseTamper(r: Rejection): void {
    const ev: RuntimeEvent = {
      eventType: 'signature', comm: 'sbob-agent', pid: process.pid, name: r.key, path: r.file,
      namespace: r.namespace, podName: '', containerId: '', containerName: '', context: 'kubernetes',
      timestamp: Date.now(), reason: r.reason, status: r.status,
    };
    let alerts: RuntimeAlert[] = [];
    try {
      // the object store reports each distinct rejected content once: no cooldown on top of that
      alerts = this.engine.evaluate(ev, { skipCooldown: true }).filter((a) => a.ruleID === TAMPER_RULE);
    } catch { /* fall through to the direct alert */ }
    const origin = `tamper:${r.key}@${r.file}#${Date.now()}`;
    if (alerts.length) {
      alerts.forEach((a, i) => {
        a.arguments = { ...a.arguments, status: r.status, reason: r.reason };
        this.emitAlert(a, `${origin}/${i}`);
      });
      return;
    }
    this.emitAlert(directTamperAlert(r, this.cfg), origin);
  }

  private refreshGauges(): void {
    this.metrics.queueDepth.set(this.queue.length);
    for (const s of this.sinks) {
      const st = s.stats();
      this.metrics.sinkDelivered.set({ sink: s.name }, st.delivered);
      this.metrics.sinkDropped.set({ sink: s.name }, st.dropped);
      this.metrics.sinkFailures.set({ sink: s.name }, st.failures);
      this.metrics.sinkPending.set({ sink: s.name }, st.pending);
    }
    for (const { src } of this.sources) this.metrics.sourceLost.set({ source: src.name }, src.stats().lost);
  }
}

/** The R1016 alert built without the rule library (signing.md §3.4 fields). */
export function directTamperAlert(r: Rejection, cfg: Pick<AgentConfig, 'nodeName' | 'clusterName'>): RuntimeAlert {
  const message = `Signed ${r.kind} '${r.name}' in namespace '${r.namespace}' has been tampered with: ${r.reason}`;
  const slash = r.file.lastIndexOf('/');
  return {
    alertName: 'Signed object tampered',
    arguments: { apChecksum: '', message, object: r.key, file: r.file, status: r.status, reason: r.reason },
    infectedPID: 1,
    severity: 10,
    timestamp: new Date().toISOString(),
    uniqueID: md5Hex(`${r.key}|${r.file}`),
    identifiers: { process: { name: 'sbob-agent' }, file: { name: r.file.slice(slash + 1), directory: r.file.slice(0, Math.max(0, slash)) } },
    ruleDescription: message,
    containerName: '',
    containerID: '',
    namespace: r.namespace,
    podName: '',
    podNamespace: r.namespace,
    nodeName: cfg.nodeName || undefined,
    clusterName: cfg.clusterName || undefined,
    alertType: 0,
    alertSourcePlatform: 1,
    ruleID: TAMPER_RULE,
    isTriggerAlert: true,
    hostName: '',
    message,
    mitreTactic: 'TA0005',
    mitreTechnique: 'T1565',
    ruleTags: ['integrity', 'signature', 'tamper'],
  };
}

