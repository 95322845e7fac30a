/**
 * NDJSON event source: one JSON event per line, from a file or stdin (replay). Lines use the CEL
 * field names of `RuntimeEvent`; node-agent `StructEvent` keys (rule-engine.md §1.6: `container`,
 * `pod`, `dnsName`, `exePath`, `dstIP`, `dstEndpoint.addr`, `upperLayer`, `pupperLayer`, `syscall`)
 * are accepted as aliases when the CEL name is absent. A bad line (invalid JSON, not an object, no
 * string `eventType`, a CEL field of the wrong type) is reported through `onBadLine` with its 1-based
 * line number and skipped. Good events are normalised (`normalizeEvent`, rule-engine.md §1.5).
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { EmitFn, EventSource, EventSourceStats } from '../source.ts';
import type { RuntimeEvent } from '../types.ts';
import { checkEventFields, normalizeEvent } from '../normalize.ts';

export interface BadLine {
  /** File path, or `-` for stdin. */
  file: string;
  line: number;
  reason: string;
}

export interface NdjsonSourceOptions {
  /** File path, or `-` for stdin. */
  path: string;
  /** Input stream to read instead of opening `path` (tests, embedding). */
  stream?: Readable;
  onBadLine?: (bad: BadLine) => void;
  /** Maximum accepted line length in bytes (longer lines are reported and skipped). */
  maxLineBytes?: number;
}

const ALIASES: Array<[string, string]> = [
  ['container', 'containerName'], ['pod', 'podName'], ['dnsName', 'name'], ['exePath', 'exepath'],
  ['dstIP', 'dstIp'], ['upperLayer', 'upperlayer'], ['pupperLayer', 'pupperlayer'], ['syscall', 'syscallName'],
];

/** Parses one NDJSON line into an event; throws an Error whose message is the reason. */
export function parseEventLine(text: string): RuntimeEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`invalid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`expected a JSON object, got ${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value}`);
  }
  const ev = value as Record<string, unknown>;
  for (const [from, to] of ALIASES) {
    if (ev[to] === undefined && ev[from] !== undefined) ev[to] = ev[from];
  }
  const ep = ev.dstEndpoint as { addr?: unknown } | undefined;
  if (ev.dstAddr === undefined && ep && typeof ep === 'object' && typeof ep.addr === 'string') ev.dstAddr = ep.addr;
  if (typeof ev.eventType !== 'string' || ev.eventType === '') {
    throw new Error('field "eventType" must be a non-empty string');
  }
  const problem = checkEventFields(ev);
  if (problem) throw new Error(problem);
  return normalizeEvent(ev as RuntimeEvent);
}

export class NdjsonEventSource implements EventSource {
  readonly name: string;
  private lost = 0;
  private stream: Readable | undefined;
  private stopped = false;
  private finish: (() => void) | undefined;

  constructor(private readonly opts: NdjsonSourceOptions) {
    this.name = `ndjson:${opts.path}`;
  }

  stats(): EventSourceStats {
    return { lost: this.lost };
  }

  async start(emit: EmitFn): Promise<void> {
    const file = this.opts.path;
    const maxLine = this.opts.maxLineBytes ?? 1 << 20;
    const stream: Readable = this.opts.stream ?? (file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 16 }));
    this.stream = stream;
    let lineNo = 0;
    let rest = '';
    const bad = (line: number, reason: string): void => {
      this.lost++;
      this.opts.onBadLine?.({ file, line, reason });
    };
    const handleLine = (raw: string): void | Promise<void> => {
      lineNo++;
      const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (text.trim() === '') return;
      if (text.length > maxLine) return bad(lineNo, `line longer than ${maxLine} bytes`);
      let ev: RuntimeEvent;
      try {
        ev = parseEventLine(text);
      } catch (err) {
        return bad(lineNo, (err as Error).message);
      }
      return emit(ev);
    };
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const end = (): void => {
        if (done) return;
        done = true;
        resolve();
      };
      this.finish = end;
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        if (this.stopped) return;
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        if (rest.length > maxLine * 2) {
          // a runaway line without newline: report once its end arrives, keep memory bounded
          rest = rest.slice(0, maxLine + 1);
        }
        let waits: Promise<void> | undefined;
        for (const p of parts) {
          const r = handleLine(p);
          if (r) waits = r; // the latest pending wait covers the earlier ones (FIFO queue)
        }
        if (waits) {
          stream.pause();
          waits.then(() => { if (!this.stopped) stream.resume(); }, reject);
        }
      });
      stream.on('end', () => {
        if (rest !== '' && !this.stopped) {
          const r = handleLine(rest);
          rest = '';
          if (r) { r.then(end, reject); return; }
        }
        end();
      });
      stream.on('error', (err) => {
        if (done) return;
        done = true;
        reject(new Error(`event source ${file}: ${err.message}`));
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const s = this.stream;
    if (s && s !== process.stdin) s.destroy();
    else if (s) s.pause();
    this.finish?.();
  }
}
