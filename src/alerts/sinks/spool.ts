/**
 * A disk-backed FIFO of text records (one per line) used by the HTTP sinks, so that alerts survive a
 * receiver outage and an agent restart. Records are appended to segment files
 * `seg-<n>.ndjson`; the reader consumes whole sealed segments; `cursor.json` records how many lines
 * of the head segment were acknowledged, and a fully acknowledged segment is deleted. The total size
 * of unacknowledged records is bounded by `maxBytes`: a push beyond it is refused (the caller counts
 * the drop). Writes are not fsynced per record: an OS crash may lose the last records, a process
 * crash loses nothing written; an acknowledgement lost in a crash causes a re-send of at most one
 * batch, which receivers de-duplicate by alert id.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface DiskSpoolOptions {
  dir: string;
  /** Upper bound on the bytes of unacknowledged records. */
  maxBytes: number;
  /** A write segment is sealed once it reaches this size. Default 1 MiB. */
  segmentBytes?: number;
}

/** The spool directory is already used by another sink or process. */
export class SpoolInUseError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(`alert spool ${dir} is in use by ${pid === process.pid ? 'another sink of this agent' : `process ${pid}`}; give each sink/agent its own spoolDir or stateDir`);
    this.name = 'SpoolInUseError';
  }
}

const openSpools = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const SEG_RE = /^seg-(\d{12})\.ndjson$/;
const segName = (n: number): string => `seg-${String(n).padStart(12, '0')}.ndjson`;

interface Head {
  name: string;
  lines: string[];
  pos: number;
}

export class DiskSpool {
  private sealed: string[] = [];
  private writeSeg: { name: string; fd: number; bytes: number; count: number } | undefined;
  private head: Head | undefined;
  private nextSeq = 1;
  private count = 0;
  private bytes = 0;
  private readonly segmentBytes: number;

  constructor(private readonly opts: DiskSpoolOptions) {
    this.segmentBytes = opts.segmentBytes ?? 1 << 20;
    mkdirSync(opts.dir, { recursive: true });
    this.lock();
    this.recover();
  }

  /** One spool directory, one owner: a `lock` file holds the owner's pid (a stale lock is taken over). */
  private lock(): void {
    const dir = resolve(this.opts.dir);
    if (openSpools.has(dir)) throw new SpoolInUseError(dir, process.pid);
    const lockFile = join(dir, 'lock');
    try {
      const pid = Number(readFileSync(lockFile, 'utf8').trim());
      if (pid > 0 && pid !== process.pid && pidAlive(pid)) throw new SpoolInUseError(dir, pid);
    } catch (err) {
      if (err instanceof SpoolInUseError) throw err;
    }
    writeFileSync(lockFile, String(process.pid));
    openSpools.add(dir);
  }

  /** Unacknowledged records. */
  get size(): number {
    return this.count;
  }

  /** Bytes of unacknowledged records. */
  get sizeBytes(): number {
    return this.bytes;
  }

  private recover(): void {
    const segs = readdirSync(this.opts.dir)
      .map((f) => SEG_RE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[0], n: Number(m[1]) }))
      .sort((a, b) => a.n - b.n);
    let cursor: { segment?: string; line?: number } = {};
    try {
      cursor = JSON.parse(readFileSync(join(this.opts.dir, 'cursor.json'), 'utf8'));
    } catch { /* no cursor yet */ }
    const cursorN = cursor.segment ? Number(SEG_RE.exec(cursor.segment)?.[1] ?? 0) : 0;
    for (const s of segs) {
      if (s.n < cursorN) {
        rmSync(join(this.opts.dir, s.name), { force: true }); // fully acknowledged before a crash
        continue;
      }
      const lines = this.readLines(s.name);
      const skip = s.name === cursor.segment ? Math.min(cursor.line ?? 0, lines.length) : 0;
      for (let i = skip; i < lines.length; i++) this.bytes += Buffer.byteLength(lines[i]) + 1;
      this.count += lines.length - skip;
      this.sealed.push(s.name);
      this.nextSeq = s.n + 1;
    }
  }

  private readLines(name: string): string[] {
    const text = readFileSync(join(this.opts.dir, name), 'utf8');
    const lines = text.split('\n');
    // the last element is "" after a final newline, or a torn write after a crash: drop it
    lines.pop();
    return lines;
  }

  /** Appends a record (must not contain a newline). Returns false when the spool is full. */
  push(record: string): boolean {
    const b = Buffer.byteLength(record) + 1;
    if (this.bytes + b > this.opts.maxBytes) return false;
    if (!this.writeSeg || this.writeSeg.bytes >= this.segmentBytes) this.sealWrite();
    if (!this.writeSeg) {
      const name = segName(this.nextSeq++);
      this.writeSeg = { name, fd: openSync(join(this.opts.dir, name), 'a'), bytes: 0, count: 0 };
    }
    writeSync(this.writeSeg.fd, record + '\n');
    this.writeSeg.bytes += b;
    this.writeSeg.count++;
    this.count++;
    this.bytes += b;
    return true;
  }

  private sealWrite(): void {
    if (!this.writeSeg) return;
    closeSync(this.writeSeg.fd);
    if (this.writeSeg.count > 0) this.sealed.push(this.writeSeg.name);
    else rmSync(join(this.opts.dir, this.writeSeg.name), { force: true });
    this.writeSeg = undefined;
  }

  /** Returns up to `max` records from the head without removing them. */
  peek(max: number): string[] {
    if (!this.head) {
      if (this.sealed.length === 0) {
        if (!this.writeSeg || this.writeSeg.count === 0) return [];
        this.sealWrite();
      }
      const name = this.sealed[0];
      const lines = this.readLines(name);
      let pos = 0;
      try {
        const c = JSON.parse(readFileSync(join(this.opts.dir, 'cursor.json'), 'utf8'));
        if (c.segment === name) pos = Math.min(Number(c.line) || 0, lines.length);
      } catch { /* none */ }
      this.head = { name, lines, pos };
      if (pos >= lines.length) {
        this.finishHead();
        return this.peek(max);
      }
    }
    return this.head.lines.slice(this.head.pos, this.head.pos + max);
  }

  /** Removes `n` records from the head (after the receiver acknowledged them). */
  ack(n: number): void {
    const h = this.head;
    if (!h) return;
    const end = Math.min(h.pos + n, h.lines.length);
    for (let i = h.pos; i < end; i++) this.bytes -= Buffer.byteLength(h.lines[i]) + 1;
    this.count -= end - h.pos;
    h.pos = end;
    if (h.pos >= h.lines.length) this.finishHead();
    else this.writeCursor(h.name, h.pos);
  }

  private finishHead(): void {
    const h = this.head!;
    this.writeCursor(h.name, h.lines.length);
    rmSync(join(this.opts.dir, h.name), { force: true });
    this.sealed.shift();
    this.head = undefined;
  }

  private writeCursor(segment: string, line: number): void {
    const p = join(this.opts.dir, 'cursor.json');
    writeFileSync(`${p}.tmp`, JSON.stringify({ segment, line }));
    renameSync(`${p}.tmp`, p);
  }

  close(): void {
    const dir = resolve(this.opts.dir);
    if (openSpools.delete(dir)) rmSync(join(dir, 'lock'), { force: true });
    if (this.writeSeg) {
      closeSync(this.writeSeg.fd);
      if (this.writeSeg.count > 0) this.sealed.push(this.writeSeg.name);
      this.writeSeg = undefined;
    }
  }

  /** Total bytes of segment files on disk (for tests/metrics). */
  diskBytes(): number {
    let total = 0;
    for (const f of readdirSync(this.opts.dir)) {
      if (SEG_RE.test(f) && existsSync(join(this.opts.dir, f))) total += statSync(join(this.opts.dir, f)).size;
    }
    return total;
  }
}
