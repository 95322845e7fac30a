/**
 * Conversion between sbob's event model (plain JS numbers) and CEL values (int = bigint, uint =
 * cel-js' UnsignedInt). The `event` object CEL sees is built once per event and shared by all rules.
 */
import { Environment } from '@marcbachmann/cel-js';
import { EVENT_FIELD_TYPES, networkDirection, type RuntimeEvent } from '../events/index.ts';

type UIntCtor = new (v: bigint | number) => { valueOf(): bigint };
/** cel-js does not export its uint class; take it from a value it produces. */
export const UnsignedInt: UIntCtor = (new Environment().evaluate('uint(0)') as object).constructor as UIntCtor;

export function toUint(v: unknown): { valueOf(): bigint } {
  const n = typeof v === 'bigint' ? v : BigInt(Math.max(0, Math.trunc(Number(v) || 0)));
  return new UnsignedInt(n);
}
export function toInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  const n = Number(v);
  return Number.isFinite(n) ? BigInt(Math.trunc(n)) : 0n;
}

/** JS value of a CEL value (bigint / UnsignedInt → number; lists and maps recursively). */
export function fromCel(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof UnsignedInt) return Number(v.valueOf());
  if (Array.isArray(v)) return v.map(fromCel);
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), fromCel(x)]));
  if (v && typeof v === 'object' && v.constructor === Object) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromCel(x)]));
  }
  return v;
}

/** The HTTP request object of `event.request` / `http.request`. */
export class CelHttpRequest {
  method = '';
  host = '';
  url = '';
  path = '';
  headers: Map<string, string[]> = new Map();
  body = '';
}

/**
 * The `event` object: every field of EVENT_FIELD_TYPES with CEL-typed values (zero when absent).
 * Fields are converted lazily, on first access, because a rule reads only a few of them.
 */
export class CelEvent {
  [field: string]: unknown;
  constructor(readonly raw: RuntimeEvent) {}
}

const ZERO_REQUEST = new CelHttpRequest();

function convert(raw: RuntimeEvent, name: string, type: string): unknown {
  const v = (raw as Record<string, unknown>)[name];
  switch (type) {
    case 'string':
      // derived from pktType for network events when unset (rule-engine.md §1.3)
      if (name === 'direction' && raw.eventType === 'network') return networkDirection(raw);
      return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
    case 'int':
      return toInt(v ?? 0);
    case 'uint':
      return toUint(v ?? 0);
    case 'bool':
      return v === true;
    case 'list':
      return Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : String(x))) : [];
    case 'request': {
      if (!v || typeof v !== 'object') return ZERO_REQUEST;
      const r = new CelHttpRequest();
      const q = v as Record<string, unknown>;
      r.method = String(q.method ?? '');
      r.host = String(q.host ?? '');
      r.url = String(q.url ?? '');
      r.path = String(q.path ?? '');
      r.body = String(q.body ?? '');
      const h = q.headers && typeof q.headers === 'object' ? (q.headers as Record<string, unknown>) : {};
      for (const [k, val] of Object.entries(h)) r.headers.set(k, Array.isArray(val) ? val.map(String) : [String(val)]);
      return r;
    }
    default:
      return undefined;
  }
}

for (const [name, type] of Object.entries(EVENT_FIELD_TYPES)) {
  Object.defineProperty(CelEvent.prototype, name, {
    configurable: true,
    enumerable: true,
    get(this: CelEvent) {
      const value = convert(this.raw, name, type);
      Object.defineProperty(this, name, { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
  });
}

export function toCelEvent(ev: RuntimeEvent): CelEvent {
  return new CelEvent(ev);
}

/** CEL type declarations of the event object's fields, for the environment. */
export function eventFieldDecls(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, type] of Object.entries(EVENT_FIELD_TYPES)) {
    out[name] = type === 'list' ? 'list<dyn>' : type === 'request' ? 'HttpRequest' : type;
  }
  return out;
}
