/**
 * Syslog sink: RFC 5424 messages over UDP (one datagram each) or TCP (RFC 6587 octet-counting
 * framing: `<len> <message>`). Fields follow node-agent's syslog exporter (rule-engine.md §4.4):
 * severity error, HOSTNAME = pod name, APP-NAME = container name, PROCID = pid, MSGID = rule id,
 * structured data `kubecop@<pid>` with rule, priority, error, fix_suggestion, comm, uid, gid,
 * namespace, pod_name, container_name, container_id (+ sbob's alert_id); MSG = rule description.
 * TCP keeps a bounded in-memory buffer while the collector is unreachable (overflow dropped and
 * counted) and reconnects with exponential backoff. There is no disk spool for syslog.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import type { AgentAlert, AlertSink, SinkLogger, SinkStats } from './types.ts';
import { nullLogger } from './types.ts';

export interface SyslogSinkOptions {
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  /** Syslog facility number (0..23). Default 1 (user). */
  facility?: number;
  /** TCP: messages buffered while disconnected. Default 10000. */
  maxPending?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  logger?: SinkLogger;
}

const ERROR_SEVERITY = 3;

/** Header field: printable US-ASCII without spaces, truncated; "-" when empty. */
function headerField(v: unknown, max: number): string {
  const s = String(v ?? '').replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return s === '' ? '-' : s;
}

/** SD-PARAM value escaping (RFC 5424 §6.3.3): `"`, `\` and `]`. */
function sdValue(v: unknown): string {
  return String(v ?? '').replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** Formats one alert as an RFC 5424 message (without transport framing). */
export function formatSyslog(a: AgentAlert, facility = 1): string {
  const pri = facility * 8 + ERROR_SEVERITY;
  const ts = Number.isNaN(Date.parse(a.timestamp)) ? new Date().toISOString() : new Date(a.timestamp).toISOString();
  const pid = a.infectedPID ?? 0;
  const proc = a.runtimeProcessDetails?.processTree;
  const ev = (a.event ?? {}) as Record<string, unknown>;
  const params: Array<[string, unknown]> = [
    ['rule', a.alertName], ['priority', a.severity], ['error', a.ruleDescription], ['fix_suggestion', ''],
    ['comm', proc?.comm ?? ev.comm ?? ''], ['uid', proc?.uid ?? ev.uid ?? ''], ['gid', proc?.gid ?? ev.gid ?? ''],
    ['namespace', a.namespace], ['pod_name', a.podName], ['container_name', a.containerName],
    ['container_id', a.containerID], ['alert_id', a.alertId],
  ];
  const sd = `[kubecop@${Math.trunc(Math.abs(Number(pid))) || 0} ${params.map(([k, v]) => `${k}="${sdValue(v)}"`).join(' ')}]`;
  return `<${pri}>1 ${ts} ${headerField(a.podName, 255)} ${headerField(a.containerName, 48)} ${headerField(pid, 128)} ${headerField(a.ruleID, 32)} ${sd} ${a.ruleDescription ?? ''}`;
}

export class SyslogSink implements AlertSink {
  readonly name: string;
  private delivered = 0;
  private dropped = 0;
  private failures = 0;
  private udp: UdpSocket | undefined;
  private tcp: Socket | undefined;
  private connected = false;
  private connecting = false;
  private pending: Buffer[] = [];
  private inFlight = 0;
  private closed = false;
  private backoff: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  private readonly log: SinkLogger;

  constructor(private readonly opts: SyslogSinkOptions) {
    this.name = `syslog:${opts.protocol}://${opts.host}:${opts.port}`;
    this.log = opts.logger ?? nullLogger;
    this.backoff = opts.initialBackoffMs ?? 200;
    if (opts.protocol === 'udp') {
      this.udp = createSocket(opts.host.includes(':') ? 'udp6' : 'udp4');
      this.udp.on('error', (err) => { this.failures++; this.log.warn({ sink: this.name, err: err.message }, 'syslog socket error'); });
      this.udp.unref();
    }
  }

  send(alert: AgentAlert): void {
    if (this.closed) { this.dropped++; return; }
    const msg = formatSyslog(alert, this.opts.facility ?? 1);
    if (this.udp) {
      this.inFlight++;
      this.udp.send(msg, this.opts.port, this.opts.host, (err) => {
        this.inFlight--;
        if (err) this.failures++; else this.delivered++;
        this.checkIdle();
      });
      return;
    }
    const body = Buffer.from(msg);
    const frame = Buffer.concat([Buffer.from(`${body.length} `), body]);
    if (this.pending.length >= (this.opts.maxPending ?? 10_000)) { this.dropped++; return; }
    this.pending.push(frame);
    this.pump();
  }

  private connectTcp(): void {
    if (this.connecting || this.closed) return;
    this.connecting = true;
    const sock = connect({ host: this.opts.host, port: this.opts.port });
    sock.setNoDelay(true);
    sock.on('connect', () => {
      this.connecting = false;
      this.connected = true;
      this.backoff = this.opts.initialBackoffMs ?? 200;
      this.pump();
    });
    sock.on('error', (err) => {
      this.failures++;
      this.log.warn({ sink: this.name, err: err.message }, 'syslog connection error');
    });
    sock.on('close', () => {
      this.connected = false;
      this.connecting = false;
      this.tcp = undefined;
      if (this.closed) return;
      if (this.pending.length > 0) this.scheduleReconnect();
    });
    this.tcp = sock;
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.opts.maxBackoffMs ?? 10_000, this.backoff * 2);
    this.reconnectTimer = setTimeout(() => { this.reconnectTimer = undefined; this.pump(); }, wait);
  }

  private pump(): void {
    if (this.closed && !this.connected) return;
    if (!this.connected) {
      if (!this.reconnectTimer) this.connectTcp();
      return;
    }
    const sock = this.tcp!;
    while (this.pending.length > 0) {
      const frame = this.pending.shift()!;
      this.inFlight++;
      sock.write(frame, (err) => {
        this.inFlight--;
        if (err) {
          this.failures++;
          // the frame may or may not have reached the collector; re-queue to avoid silent loss
          this.pending.unshift(frame);
        } else {
          this.delivered++;
        }
        this.checkIdle();
      });
    }
  }

  private checkIdle(): void {
    if (this.pending.length === 0 && this.inFlight === 0) {
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of ws) w();
    }
  }

  async flush(timeoutMs = 5000): Promise<boolean> {
    if (this.pending.length === 0 && this.inFlight === 0) return true;
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((r) => this.idleWaiters.push(r)),
      new Promise<void>((r) => { t = setTimeout(r, timeoutMs); }),
    ]);
    clearTimeout(t);
    return this.pending.length === 0 && this.inFlight === 0;
  }

  async close(timeoutMs = 5000): Promise<void> {
    await this.flush(timeoutMs);
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    if (this.pending.length > 0) {
      this.dropped += this.pending.length;
      this.log.warn({ sink: this.name, dropped: this.pending.length }, 'syslog collector unreachable at shutdown, alerts dropped');
      this.pending = [];
    }
    if (this.tcp) await new Promise<void>((r) => this.tcp!.end(r));
    if (this.udp) await new Promise<void>((r) => { try { this.udp!.close(() => r()); } catch { r(); } });
  }

  stats(): SinkStats {
    return { delivered: this.delivered, dropped: this.dropped, failures: this.failures, pending: this.pending.length + this.inFlight };
  }
}
