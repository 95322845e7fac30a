/**
 * Normalisation and validation of events at the edge (rule-engine.md §1.5): what node-agent's
 * getters do before CEL sees a value. Sources call `normalizeEvent` once per event.
 */
import { normalizePath } from '../match/index.ts';
import { EVENT_FIELD_TYPES, type RuntimeEvent } from './types.ts';

/** Path normalisation: empty stays empty, `.` → `/`, a leading `/` is added, then Go `path.Clean`. */
export const normalizeEventPath = normalizePath;

const OPEN_FLAGS: Array<[string, number]> = [
  ['O_CREAT', 0o100], ['O_EXCL', 0o200], ['O_NOCTTY', 0o400], ['O_TRUNC', 0o1000], ['O_APPEND', 0o2000],
  ['O_NONBLOCK', 0o4000], ['O_DSYNC', 0o10000], ['O_FASYNC', 0o20000], ['O_DIRECT', 0o40000],
  ['O_LARGEFILE', 0o100000], ['O_DIRECTORY', 0o200000], ['O_NOFOLLOW', 0o400000], ['O_NOATIME', 0o1000000],
  ['O_CLOEXEC', 0o2000000],
];

/** Decodes raw open(2) flags into names: the access mode first, then each flag in a fixed order. */
export function decodeOpenFlags(raw: number): string[] {
  const out: string[] = [];
  const mode = raw & 3;
  if (mode === 0) out.push('O_RDONLY');
  else if (mode === 1) out.push('O_WRONLY');
  else if (mode === 2) out.push('O_RDWR');
  for (const [name, bit] of OPEN_FLAGS) if ((raw & bit) === bit) out.push(name);
  return out;
}

const FIELD_TYPES: Record<string, string | undefined> = { ...EVENT_FIELD_TYPES };

/** Why an event is malformed (a CEL field of the wrong type), or null when it is fine. */
export function checkEventFields(ev: Record<string, unknown>): string | null {
  if (typeof ev.eventType !== 'string' || ev.eventType === '') return 'field eventType: must be a non-empty string';
  for (const name in ev) {
    const type = FIELD_TYPES[name];
    if (type === undefined) continue;
    const v = ev[name];
    if (v === undefined || v === null) continue;
    switch (type) {
      case 'string':
        if (typeof v !== 'string') return `field ${name}: must be a string, got ${typeof v}`;
        break;
      case 'int':
      case 'uint':
        if (typeof v !== 'number' || !Number.isInteger(v)) return `field ${name}: must be an integer, got ${JSON.stringify(v)}`;
        if (type === 'uint' && v < 0) return `field ${name}: must not be negative`;
        break;
      case 'bool':
        if (typeof v !== 'boolean') return `field ${name}: must be true or false, got ${JSON.stringify(v)}`;
        break;
      case 'list':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return `field ${name}: must be a list of strings`;
        break;
      case 'request':
        if (typeof v !== 'object' || Array.isArray(v)) return `field ${name}: must be an object`;
        break;
    }
  }
  return null;
}

/** A network event's direction: as given, else derived from pktType (`OUTGOING` → outbound, else inbound). */
export function networkDirection(ev: RuntimeEvent): string {
  if (typeof ev.direction === 'string' && ev.direction !== '') return ev.direction;
  return String(ev.pktType ?? '').toUpperCase() === 'OUTGOING' ? 'outbound' : 'inbound';
}

/** Applies the getter normalisations in place and returns the event. */
export function normalizeEvent(ev: RuntimeEvent): RuntimeEvent {
  for (const f of ['exepath', 'path', 'oldPath', 'newPath'] as const) {
    const v = ev[f];
    if (typeof v === 'string' && v !== '') ev[f] = normalizeEventPath(v);
  }
  if (ev.eventType === 'open' && ev.flags === undefined && typeof ev.flagsRaw === 'number') {
    ev.flags = decodeOpenFlags(ev.flagsRaw);
  }
  if (ev.eventType === 'network' && !ev.direction && typeof ev.pktType === 'string') ev.direction = networkDirection(ev);
  return ev;
}
