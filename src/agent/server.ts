/** The operations HTTP server: `/metrics`, `/healthz`, `/readyz`. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { AgentError } from './errors.ts';

export interface OpsServerOptions {
  listen: string;
  registry: Registry;
  /** Called before every /metrics scrape to refresh gauges. */
  beforeScrape?: () => void;
  ready: () => { ready: boolean; reason: string };
  healthy: () => { healthy: boolean; reason: string };
}

export class OpsServer {
  private server: Server | undefined;
  address: string | undefined;

  constructor(private readonly opts: OpsServerOptions) {}

  async start(): Promise<string> {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(this.opts.listen);
    if (!m) throw new AgentError(`server.listen: invalid address ${this.opts.listen}`);
    const host = m[1] ?? m[2];
    const port = Number(m[3]);
    const server = createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') { res.statusCode = 405; res.end(); return; }
      if (url === '/metrics') {
        try { this.opts.beforeScrape?.(); } catch { /* best effort */ }
        this.opts.registry.metrics().then((text) => {
          res.setHeader('content-type', this.opts.registry.contentType);
          res.end(text);
        }, (err: Error) => { res.statusCode = 500; res.end(err.message); });
        return;
      }
      if (url === '/healthz' || url === '/readyz') {
        const r = url === '/healthz' ? this.opts.healthy() : this.opts.ready();
        const ok = 'healthy' in r ? r.healthy : r.ready;
        res.statusCode = ok ? 200 : 503;
        res.setHeader('content-type', 'text/plain');
        res.end(`${ok ? 'ok' : 'not ok'}: ${r.reason}\n`);
        return;
      }
      res.statusCode = 404;
      res.end('not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new AgentError(`cannot listen on ${this.opts.listen}: ${err.message}`)));
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    this.address = a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    return this.address;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
