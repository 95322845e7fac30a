/**
 * The pluggable event-source interface. Every producer of runtime events (NDJSON replay, the kernel
 * tracer, Kubernetes adapters) implements `EventSource`; the agent starts it with an `emit` callback
 * and stops it on shutdown.
 *
 * Backpressure contract: `emit` returns `undefined` when the event was taken (or dropped and counted
 * by the agent's bounded queue), or a Promise when the consumer asks the source to wait before
 * emitting more (only in the agent's `block` overflow mode). Sources that cannot wait (a kernel ring
 * buffer) may ignore the return value; the agent then drops and counts what does not fit.
 */
import type { RuntimeEvent } from './types.ts';

export type EmitFn = (ev: RuntimeEvent) => void | Promise<void>;

export interface EventSourceStats {
  /** Events the source itself lost (ring-buffer overruns, unparsable input lines, ...). */
  lost: number;
}

export interface EventSource {
  /** Short name used in logs and metrics, e.g. `ndjson:/tmp/events.ndjson`, `kernel`. */
  readonly name: string;
  /**
   * Starts delivering events through `emit`. The returned promise resolves when the source has
   * ended (a finite replay reached its end, or `stop()` was called); it rejects on a fatal error.
   */
  start(emit: EmitFn): Promise<void>;
  /** Asks the source to stop; resolves once no more events will be emitted. */
  stop(): Promise<void>;
  stats(): EventSourceStats;
}

/** Options a source factory receives: the agent's `source` config section and a logger. */
export interface EventSourceContext {
  /** The source's config block (e.g. `{ type: 'ndjson', path: 'events.ndjson' }`). */
  options: Record<string, unknown>;
  /** Structured log callback (the agent's pino logger). */
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export type EventSourceFactory = (ctx: EventSourceContext) => EventSource | Promise<EventSource>;

const registry = new Map<string, EventSourceFactory>();

/**
 * Registers a source type under `type` (the `sources[].type` value of the agent config). The
 * kernel tracer registers itself as `kernel` from `src/events/tracer`; the agent imports the
 * registration modules listed in `src/agent/sources.ts`.
 */
export function registerEventSource(type: string, factory: EventSourceFactory): void {
  registry.set(type, factory);
}

export function getEventSourceFactory(type: string): EventSourceFactory | undefined {
  return registry.get(type);
}

export function registeredEventSourceTypes(): string[] {
  return [...registry.keys()].sort();
}
