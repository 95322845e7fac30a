import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentAlert, AlertSink, SinkLogger, SinkStats } from './types.ts';
import { nullLogger } from './types.ts';

export interface FileSinkOptions {
  path: string;
  /** Rotate when the file would exceed this size (bytes). Default 10 MiB. */
  maxBytes?: number;
  /** Rotated files kept (`path.1` newest … `path.N` oldest). Default 5. */
  maxFiles?: number;
  logger?: SinkLogger;
}

/** Appends alerts as NDJSON to a file, rotating by size (`file` → `file.1` → … → `file.N`). */
export class FileSink implements AlertSink {
  readonly name: string;
  private fd: number;
  private size: number;
  private delivered = 0;
  private failures = 0;
  private readonly maxBytes: number;
  private readonly maxFiles: number;
  private readonly log: SinkLogger;

  constructor(private readonly opts: FileSinkOptions) {
    this.name = `file:${opts.path}`;
    this.maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
    this.maxFiles = Math.max(1, opts.maxFiles ?? 5);
    this.log = opts.logger ?? nullLogger;
    mkdirSync(dirname(opts.path), { recursive: true });
    this.fd = openSync(opts.path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    closeSync(this.fd);
    const p = this.opts.path;
    rmSync(`${p}.${this.maxFiles}`, { force: true });
    for (let i = this.maxFiles - 1; i >= 1; i--) {
      if (existsSync(`${p}.${i}`)) renameSync(`${p}.${i}`, `${p}.${i + 1}`);
    }
    renameSync(p, `${p}.1`);
    this.fd = openSync(p, 'a');
    this.size = 0;
  }

  send(alert: AgentAlert): void {
    const buf = Buffer.from(JSON.stringify(alert) + '\n');
    try {
      if (this.size > 0 && this.size + buf.length > this.maxBytes) this.rotate();
      writeSync(this.fd, buf);
      this.size += buf.length;
      this.delivered++;
    } catch (err) {
      this.failures++;
      this.log.error({ sink: this.name, err: (err as Error).message }, 'alert file write failed');
    }
  }

  async flush(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    try { closeSync(this.fd); } catch { /* already closed */ }
  }

  stats(): SinkStats {
    return { delivered: this.delivered, dropped: 0, failures: this.failures, pending: 0 };
  }
}
