import type { Writable } from 'node:stream';
import type { AgentAlert, AlertSink, SinkStats } from './types.ts';

/**
 * Writes each alert as one JSON line to stdout (or another stream). When the reader is slower than
 * the alerts (output buffered beyond `maxBufferedBytes`, default 64 MiB) further alerts are dropped
 * and counted instead of growing memory without bound.
 */
export class StdoutSink implements AlertSink {
  readonly name = 'stdout';
  private delivered = 0;
  private dropped = 0;
  private failures = 0;

  constructor(private readonly out: Writable = process.stdout, private readonly maxBufferedBytes = 64 * 1024 * 1024) {
    this.out.on('error', () => { this.failures++; });
  }

  send(alert: AgentAlert): void {
    if (this.out.writableLength > this.maxBufferedBytes) { this.dropped++; return; }
    try {
      this.out.write(JSON.stringify(alert) + '\n');
      this.delivered++;
    } catch {
      this.failures++;
    }
  }

  async flush(): Promise<boolean> {
    if (!this.out.writableNeedDrain) return true;
    await new Promise<void>((resolve) => this.out.once('drain', resolve));
    return true;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  stats(): SinkStats {
    return { delivered: this.delivered, dropped: this.dropped, failures: this.failures, pending: 0 };
  }
}
