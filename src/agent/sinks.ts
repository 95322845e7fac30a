/** Builds the configured alert sinks. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FileSink, HttpSink, StdoutSink, SyslogSink, type AlertSink, type SinkLogger } from '../alerts/sinks/index.ts';
import type { SinkConfig } from './config.ts';
import type { Writable } from 'node:stream';

export function createSinks(configs: SinkConfig[], stateDir: string, logger: SinkLogger, stdout: Writable = process.stdout): AlertSink[] {
  return configs.map((c) => {
    switch (c.type) {
      case 'stdout':
        return new StdoutSink(stdout);
      case 'file':
        return new FileSink({ path: c.path, maxBytes: c.maxBytes, maxFiles: c.maxFiles, logger });
      case 'webhook':
      case 'alertmanager': {
        const tag = createHash('sha256').update(c.url).digest('hex').slice(0, 12);
        return new HttpSink({
          name: c.name ?? `${c.type}:${c.url}`,
          format: c.type,
          url: c.url,
          method: c.method,
          headers: c.headers,
          timeoutMs: c.timeoutMs,
          batchMaxAlerts: c.batchMaxAlerts,
          batchMaxWaitMs: c.batchMaxWaitMs,
          initialBackoffMs: c.initialBackoffMs,
          maxBackoffMs: c.maxBackoffMs,
          spoolDir: c.spoolDir ?? join(stateDir, 'spool', `${c.type}-${tag}`),
          spoolMaxBytes: c.spoolMaxBytes,
          logger,
        });
      }
      case 'syslog': {
        const u = new URL(c.url);
        const protocol = u.protocol === 'tcp:' ? 'tcp' : 'udp';
        return new SyslogSink({
          host: u.hostname.replace(/^\[|\]$/g, ''),
          port: Number(u.port || 514),
          protocol,
          facility: c.facility,
          maxPending: c.maxPending,
          logger,
        });
      }
    }
  });
}
