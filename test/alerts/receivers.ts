/** Test receivers bound to 127.0.0.1: an HTTP collector and syslog UDP/TCP listeners. */
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface HttpCollector {
  url: string;
  port: number;
  requests: Array<{ method: string; path: string; headers: Record<string, unknown>; body: unknown }>;
  /** Resolves once `pred()` holds (checked after every request), rejects after `ms`. */
  waitFor(pred: () => boolean, ms?: number, what?: string): Promise<void>;
  close(): Promise<void>;
  /** Respond with this status (default 200). */
  status: number;
}

export async function startHttpCollector(port = 0): Promise<HttpCollector> {
  const waiters: Array<() => void> = [];
  const c: HttpCollector = {
    url: '', port: 0, requests: [], status: 200,
    waitFor(pred, ms = 10_000, what = 'condition') {
      if (pred()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
        const check = (): void => {
          if (pred()) { clearTimeout(t); resolve(); } else waiters.push(check);
        };
        waiters.push(check);
      });
    },
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* keep text */ }
      if (c.status >= 200 && c.status < 300) c.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.statusCode = c.status;
      res.end();
      const ws = waiters.splice(0);
      for (const w of ws) w();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  c.port = (server.address() as AddressInfo).port;
  c.url = `http://127.0.0.1:${c.port}`;
  c.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return c;
}

export interface SyslogCollector {
  port: number;
  messages: string[];
  waitFor(n: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

function collector(): Omit<SyslogCollector, 'port' | 'close'> & { push(m: string): void } {
  const waiters: Array<() => void> = [];
  const c = {
    messages: [] as string[],
    push(m: string) { c.messages.push(m); for (const w of waiters.splice(0)) w(); },
    waitFor(n: number, ms = 10_000) {
      if (c.messages.length >= n) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${n} syslog messages (got ${c.messages.length})`)), ms);
        const check = (): void => { if (c.messages.length >= n) { clearTimeout(t); resolve(); } else waiters.push(check); };
        waiters.push(check);
      });
    },
  };
  return c;
}

export async function startUdpSyslog(): Promise<SyslogCollector> {
  const c = collector();
  const sock = createSocket('udp4');
  sock.on('message', (m) => c.push(m.toString('utf8')));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { messages: c.messages, waitFor: c.waitFor, port: sock.address().port, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

/** TCP collector that parses RFC 6587 octet-counting frames strictly (a bad frame throws in the test). */
export async function startTcpSyslog(): Promise<SyslogCollector & { errors: string[] }> {
  const c = collector();
  const errors: string[] = [];
  const server: TcpServer = createTcpServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const sp = buf.indexOf(0x20);
        if (sp < 0) break;
        const lenText = buf.subarray(0, sp).toString('ascii');
        if (!/^[1-9][0-9]*$/.test(lenText)) { errors.push(`bad frame length ${JSON.stringify(lenText)}`); sock.destroy(); return; }
        const len = Number(lenText);
        if (buf.length < sp + 1 + len) break;
        c.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
        buf = buf.subarray(sp + 1 + len);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    messages: c.messages, waitFor: c.waitFor, errors, port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
