/**
 * Real HTTP servers on 127.0.0.1 around @sigstore/mock's Fulcio and Rekor handlers (the package
 * itself only offers nock interceptors for them).
 */
import { createServer, type Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, rekorHandler, type HandlerFn } from '@sigstore/mock';

export interface MockSigstore {
  fulcioURL: string;
  rekorURL: string;
  /** PEM of the mock Fulcio root certificate. */
  fulcioRootPem: string;
  /** PEM of the mock Rekor log key (signs the entry timestamps). */
  rekorPublicKeyPem: string;
  requests: { fulcio: number; rekor: number };
  close(): Promise<void>;
}

async function serve(path: string, fn: HandlerFn, count: () => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(404).end('not found');
        return;
      }
      count();
      fn(Buffer.concat(chunks).toString('utf8')).then(
        (r) => {
          res.writeHead(r.statusCode, { 'content-type': r.contentType ?? 'application/json' });
          res.end(r.response);
        },
        (e: Error) => res.writeHead(500).end(e.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export async function startMockSigstore(opts: { caClock?: Date } = {}): Promise<MockSigstore> {
  const keyPair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ctlog = await initializeCTLog(keyPair);
  const ca = await initializeCA(keyPair, ctlog, opts.caClock);
  const requests = { fulcio: 0, rekor: 0 };
  const f = fulcioHandler(ca, { strict: true });
  const fulcio = await serve(f.path, f.fn, () => requests.fulcio++);
  // the Rekor mock needs its own URL for the log entries it returns
  const rekorKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  let rekorFn: HandlerFn = async () => ({ statusCode: 503, response: 'starting' });
  const rekor = await serve('/api/v1/log/entries', (b) => rekorFn(b), () => requests.rekor++);
  const tlog = await initializeTLog(rekor.url, rekorKeys);
  rekorFn = rekorHandler(tlog, { strict: true }).fn;
  const b64 = ca.rootCertificate.toString('base64').match(/.{1,64}/g)!.join('\n');
  return {
    fulcioURL: fulcio.url,
    rekorURL: rekor.url,
    fulcioRootPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
    rekorPublicKeyPem: rekorKeys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    requests,
    async close() {
      await Promise.all([fulcio.server, rekor.server].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** An unsigned JWT (Fulcio's mock does not check the token signature). */
export function fakeIdentityToken(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ aud: 'sigstore', iat: now, exp: now + 600, ...claims })}.${Buffer.from('sig').toString('base64url')}`;
}
