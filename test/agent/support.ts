/** Helpers for agent tests: signing keys and objects, and the real agent process (`bin/sbob agent`). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { generateSigningKey, keyFingerprint, keySigner, signObject, withSignatureAnnotations, type SignableObject, type Signer } from '../../src/signing/index.ts';
import { parseDocuments } from '../../src/model/index.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SBOB = join(REPO, 'bin', 'sbob');

export const tmp = (p: string): string => mkdtempSync(join(tmpdir(), `sbob-${p}-`));

export interface TestKey {
  signer: Signer;
  fingerprint: string;
}

export function makeKey(): TestKey {
  const { privateKey, publicKey } = generateSigningKey();
  return { signer: keySigner(privateKey), fingerprint: keyFingerprint(publicKey) };
}

/** Signs without embedded content, so any later edit of the live object is tampering. */
export async function sign<T extends object>(obj: T, key: TestKey): Promise<T> {
  const r = await signObject(obj as SignableObject, key.signer, { embed: false });
  return withSignatureAnnotations(obj as SignableObject, r.annotations) as unknown as T;
}

export function trustPolicyYaml(fingerprint: string): string {
  return YAML.stringify({
    apiVersion: 'sbob.io/v1alpha1',
    kind: 'TrustPolicy',
    metadata: { name: 'test-policy' },
    spec: { requireLiveMatch: true, signers: [{ name: 'test-vendor', key: { fingerprint }, allow: [{ kinds: ['*'], namespaces: ['*'] }] }] },
  });
}

/** The repository's default rule library as one Rules object. */
export function defaultRules(): Record<string, unknown> {
  const file = join(REPO, 'rules', 'default-rules.yaml');
  const r = parseDocuments(readFileSync(file, 'utf8'), file);
  if (r.errors.length) throw r.errors[0];
  return r.objects[0].object as unknown as Record<string, unknown>;
}

export function webProfile(execs: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1',
    kind: 'ApplicationProfile',
    metadata: { name: 'web', namespace: 'shop', ...extra },
    spec: { containers: [{ name: 'web', execs: execs.map((p) => ({ path: p, args: [p] })), opens: [{ path: '/etc/web.conf', flags: ['O_RDONLY'] }], syscalls: ['read'] }] },
  };
}

export function ev(eventType: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { eventType, containerId: 'c1', containerName: 'web', podName: 'web-1', namespace: 'shop', pid: 42, ppid: 1, comm: 'sh', ...fields };
}

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export class AgentProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdoutLines: string[] = [];
  readonly logs: LogLine[] = [];
  readonly stderrText: string[] = [];
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [SBOB, 'agent', ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    const lines = (stream: NodeJS.ReadableStream, onLine: (l: string) => void): void => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        const parts = (rest + d).split('\n');
        rest = parts.pop() ?? '';
        for (const p of parts) onLine(p);
        this.notify();
      });
    };
    lines(this.child.stdout, (l) => { if (l.trim()) this.stdoutLines.push(l); });
    lines(this.child.stderr, (l) => {
      if (!l.trim()) return;
      try { this.logs.push(JSON.parse(l)); } catch { this.stderrText.push(l); }
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => { this.notify(); resolve(code); }));
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `pred()` holds (re-checked on every output line), or rejects after `ms`. */
  waitFor<T>(pred: () => T | undefined | false, ms: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}\nlogs:\n${this.logs.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\n${this.stderrText.join('\n')}`)), ms);
      const check = (): void => {
        const v = pred();
        if (v) { clearTimeout(timer); resolve(v); return; }
        if (this.child.exitCode !== null) { clearTimeout(timer); reject(new Error(`agent exited (${this.child.exitCode}) while waiting for ${what}\n${this.stderrText.join('\n')}\n${this.logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`)); return; }
        this.waiters.push(check);
      };
      check();
    });
  }

  log(msg: string): LogLine | undefined {
    return this.logs.find((l) => l.msg === msg);
  }

  /** Address of the ops server, from the startup log. */
  async opsAddress(ms = 30_000): Promise<string> {
    const l = await this.waitFor(() => this.logs.find((x) => x.msg.startsWith('ops server listening')), ms, 'ops server');
    return String(l.address);
  }

  async metrics(): Promise<string> {
    const res = await fetch(`http://${await this.opsAddress()}/metrics`);
    return res.text();
  }

  write(events: Array<Record<string, unknown>>): void {
    this.child.stdin.write(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
}

/** Value of one sample in Prometheus text output (sum over samples matching the name and label text). */
export function metricValue(text: string, name: string, labels = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labels && !(m[2] ?? '').includes(labels)) continue;
    total += Number(m[3]);
  }
  return total;
}
