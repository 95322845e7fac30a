import type { RuntimeAlert } from '../types.ts';

/**
 * An alert as the agent hands it to sinks: the node-agent RuntimeAlert JSON plus `alertId`, a stable
 * identifier (same alert → same id across retries, spool replays and agent restarts) that receivers
 * use to de-duplicate (exactly-once delivery by id).
 */
export type AgentAlert = RuntimeAlert & { alertId: string };

export interface SinkStats {
  /** Alerts the receiver acknowledged (or written, for local sinks). */
  delivered: number;
  /** Alerts dropped because a bounded buffer/spool was full. */
  dropped: number;
  /** Failed delivery attempts (each retried later, except where noted by the sink). */
  failures: number;
  /** Alerts accepted but not yet delivered. */
  pending: number;
}

export interface AlertSink {
  /** `<type>` or `<type>:<name>`, used in logs and metrics. */
  readonly name: string;
  /** Hands an alert to the sink. Never throws and never blocks; overflow is dropped and counted. */
  send(alert: AgentAlert): void;
  /**
   * Waits until everything accepted so far is delivered, or until `timeoutMs` passes. Resolves
   * `true` when nothing is pending any more.
   */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes (bounded by `timeoutMs`) and releases sockets/files. Undelivered spooled alerts stay on disk. */
  close(timeoutMs?: number): Promise<void>;
  stats(): SinkStats;
}

/** Minimal structured logger (pino-compatible subset). */
export interface SinkLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const nullLogger: SinkLogger = { info() {}, warn() {}, error() {} };
