/**
 * HTTP delivery with batching, retry with exponential backoff and an on-disk spool (see spool.ts).
 * Two body formats share the delivery machinery:
 *  - `webhook`: node-agent's RuntimeAlerts envelope (rule-engine.md §4.3), one batch per request;
 *  - `alertmanager`: the Alertmanager v2 API (`POST <url>/api/v2/alerts`, §4.4 labels/annotations).
 * Every alert carries its stable `alertId`; each request also carries the header
 * `Idempotency-Key` (hash of the batch's alert ids), so receivers can de-duplicate a batch re-sent
 * after a lost acknowledgement. Delivery order is FIFO; a failed batch is retried (forever, with
 * backoff capped at `maxBackoffMs`) before later alerts are sent.
 */
import { createHash } from 'node:crypto';
import { DiskSpool } from './spool.ts';
import { DeliveryError } from './errors.ts';
import type { AgentAlert, AlertSink, SinkLogger, SinkStats } from './types.ts';
import { nullLogger } from './types.ts';

export interface HttpSinkOptions {
  /** Sink name for logs/metrics (defaults to `<format>`). */
  name?: string;
  url: string;
  format: 'webhook' | 'alertmanager';
  method?: 'POST' | 'PUT';
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Maximum alerts per request. Default 100. */
  batchMaxAlerts?: number;
  /** How long to wait for more alerts before sending a partial batch. Default 200 ms. */
  batchMaxWaitMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Spool directory (created). */
  spoolDir: string;
  /** Bound of the spool in bytes; alerts beyond it are dropped and counted. Default 100 MiB. */
  spoolMaxBytes?: number;
  /** Alertmanager: how long an alert stays active (endsAt = startsAt + this). Default 1 h. */
  alertmanagerResolveMs?: number;
  logger?: SinkLogger;
}

/** node-agent RuntimeAlerts envelope for a batch. */
export function webhookBody(alerts: AgentAlert[]): unknown {
  const first = alerts[0];
  return {
    kind: 'RuntimeAlerts',
    apiVersion: 'kubescape.io/v1',
    metadata: { name: first?.podName ?? '', namespace: first?.podNamespace ?? first?.namespace ?? '' },
    spec: { alerts, processTree: first?.runtimeProcessDetails?.processTree ?? {}, cloudMetadata: {} },
  };
}

function treeDepth(p: { childrenMap?: Record<string, unknown> } | undefined): number {
  if (!p) return 0;
  let d = 0;
  for (const c of Object.values(p.childrenMap ?? {})) d = Math.max(d, treeDepth(c as { childrenMap?: Record<string, unknown> }));
  return d + 1;
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** One Alertmanager v2 alert for a RuntimeAlert (labels/annotations per rule-engine.md §4.4). */
export function alertmanagerAlert(a: AgentAlert, resolveMs = 3_600_000): Record<string, unknown> {
  const proc = a.runtimeProcessDetails?.processTree;
  const ev = (a.event ?? {}) as Record<string, unknown>;
  const startsAt = Number.isNaN(Date.parse(a.timestamp)) ? new Date() : new Date(a.timestamp);
  const title = `Rule '${a.alertName}' in '${a.podName}' namespace '${a.namespace}' failed`;
  const labels: Record<string, string> = {
    alertname: 'KubescapeRuleViolated',
    rule_name: a.alertName,
    rule_id: a.ruleID,
    container_id: a.containerID,
    container_name: a.containerName,
    namespace: a.namespace,
    pod_name: a.podName,
    pod_uid: str((a as unknown as Record<string, unknown>).podUID),
    workload_uid: str((a as unknown as Record<string, unknown>).workloadUID),
    host: a.hostName,
    node_name: str(a.nodeName),
    severity: str(a.severity),
    pid: str(proc?.pid ?? a.infectedPID),
    ppid: str(proc?.ppid ?? ev.ppid),
    pcomm: str(proc?.pcomm ?? ev.pcomm),
    comm: str(proc?.comm ?? ev.comm),
    uid: str(proc?.uid ?? ev.uid),
    gid: str(proc?.gid ?? ev.gid),
    trace: '',
    fail_on_profile: str(a.profileMetadata?.failOnProfile ?? false),
    profile_status: str(a.profileMetadata?.status),
    processtree_depth: str(treeDepth(proc)),
    // sbob extension: the stable alert id (makes each alert its own Alertmanager series)
    alert_id: a.alertId,
  };
  // an empty label value means "no label" to Alertmanager: leave such labels out
  for (const k of Object.keys(labels)) if (labels[k] === '') delete labels[k];
  return {
    labels,
    annotations: {
      title,
      summary: title,
      message: a.message,
      description: a.ruleDescription,
      fix: '',
    },
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + resolveMs).toISOString(),
    generatorURL: '',
  };
}

export class HttpSink implements AlertSink {
  readonly name: string;
  private readonly spool: DiskSpool;
  private delivered = 0;
  private dropped = 0;
  private failures = 0;
  private running = false;
  private closed = false;
  private stopping = false;
  private flushing = 0;
  private batchWake: (() => void) | undefined;
  private backoffWake: (() => void) | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly log: SinkLogger;
  private readonly endpoint: string;

  constructor(private readonly opts: HttpSinkOptions) {
    this.name = opts.name ?? opts.format;
    this.log = opts.logger ?? nullLogger;
    this.spool = new DiskSpool({ dir: opts.spoolDir, maxBytes: opts.spoolMaxBytes ?? 100 * 1024 * 1024 });
    this.endpoint = opts.format === 'alertmanager' ? `${opts.url.replace(/\/+$/, '')}/api/v2/alerts` : opts.url;
    if (this.spool.size > 0) {
      this.log.info({ sink: this.name, pending: this.spool.size }, 'resuming spooled alerts');
      this.kick();
    }
  }

  send(alert: AgentAlert): void {
    if (this.closed) { this.dropped++; return; }
    if (!this.spool.push(JSON.stringify(alert))) {
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.log.warn({ sink: this.name, dropped: this.dropped, spoolBytes: this.spool.sizeBytes }, 'alert spool full, dropping alerts');
      }
      return;
    }
    this.kick();
  }

  /** Starts the delivery loop, or ends its batching wait when a batch is full. */
  private kick(): void {
    if (!this.running) {
      this.running = true;
      void this.loop();
    } else if (this.batchWake && (this.flushing > 0 || this.spool.size >= (this.opts.batchMaxAlerts ?? 100))) {
      this.batchWake();
    }
  }

  private sleep(ms: number, kind: 'batch' | 'backoff'): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        if (kind === 'batch') this.batchWake = undefined; else this.backoffWake = undefined;
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      if (kind === 'batch') this.batchWake = done; else this.backoffWake = done;
    });
  }

  private async loop(): Promise<void> {
    const batchMax = this.opts.batchMaxAlerts ?? 100;
    const waitMs = this.opts.batchMaxWaitMs ?? 200;
    const initial = this.opts.initialBackoffMs ?? 500;
    let backoff = initial;
    const maxBackoff = this.opts.maxBackoffMs ?? 30_000;
    try {
      while (this.spool.size > 0 && !this.stopping) {
        if (this.spool.size < batchMax && waitMs > 0 && this.flushing === 0) {
          // give a partial batch a short time to fill up
          await this.sleep(waitMs, 'batch');
          if (this.stopping) break;
        }
        const records = this.spool.peek(batchMax);
        const alerts: AgentAlert[] = [];
        for (const r of records) {
          try { alerts.push(JSON.parse(r)); } catch { this.dropped++; } // torn record after a crash
        }
        try {
          if (alerts.length > 0) await this.post(alerts);
          this.spool.ack(records.length);
          this.delivered += alerts.length;
          backoff = initial;
        } catch (err) {
          this.failures++;
          this.log.warn({ sink: this.name, err: (err as Error).message, pending: this.spool.size, retryInMs: backoff }, 'alert delivery failed, will retry');
          if (this.stopping) break;
          await this.sleep(backoff * (0.8 + Math.random() * 0.4), 'backoff');
          backoff = Math.min(maxBackoff, backoff * 2);
        }
      }
    } finally {
      this.running = false;
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  }

  private async post(alerts: AgentAlert[]): Promise<void> {
    const body = this.opts.format === 'alertmanager'
      ? alerts.map((a) => alertmanagerAlert(a, this.opts.alertmanagerResolveMs))
      : webhookBody(alerts);
    const key = createHash('sha256').update(alerts.map((a) => a.alertId).join(',')).digest('hex').slice(0, 32);
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: this.opts.method ?? 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key, ...(this.opts.headers ?? {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000),
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      throw new DeliveryError(`${this.endpoint}: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new DeliveryError(`${this.endpoint}: HTTP ${res.status}`, res.status);
  }

  async flush(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.flushing++;
    try {
      while (this.spool.size > 0 && Date.now() < deadline && !this.stopping) {
        if (!this.running) this.kick();
        else this.batchWake?.();
        const idle = new Promise<void>((r) => this.idleWaiters.push(r));
        let t: NodeJS.Timeout | undefined;
        await Promise.race([idle, new Promise<void>((r) => { t = setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))); })]);
        clearTimeout(t);
      }
    } finally {
      this.flushing--;
    }
    return this.spool.size === 0;
  }

  async close(timeoutMs = 10_000): Promise<void> {
    await this.flush(timeoutMs);
    this.closed = true;
    this.stopping = true;
    this.batchWake?.();
    this.backoffWake?.();
    if (this.running) await new Promise<void>((r) => this.idleWaiters.push(r));
    this.spool.close();
    if (this.spool.size > 0) this.log.warn({ sink: this.name, pending: this.spool.size }, 'undelivered alerts remain in the spool for the next start');
  }

  stats(): SinkStats {
    return { delivered: this.delivered, dropped: this.dropped, failures: this.failures, pending: this.spool.size };
  }

  spoolBytes(): number {
    return this.spool.sizeBytes;
  }
}
