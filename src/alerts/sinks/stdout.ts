import type { Writable } from 'node:stream';
import type { AgentAlert, AlertSink, SinkStats } from './types.ts';

/** Writes each alert as one JSON line to stdout (or another stream). */
export class StdoutSink implements AlertSink {
  readonly name = 'stdout';
  private delivered = 0;
  private failures = 0;

  constructor(private readonly out: Writable = process.stdout) {
    this.out.on('error', () => { this.failures++; });
  }

  send(alert: AgentAlert): void {
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
    return { delivered: this.delivered, dropped: 0, failures: this.failures, pending: 0 };
  }
}
