/**
 * Event-source construction. Built in: `ndjson` (a file, or `-` for stdin). Other source types
 * register themselves with `registerEventSource(type, factory)` from `src/events/source.ts` when
 * their module is imported; the modules listed in OPTIONAL_SOURCE_MODULES are imported at agent
 * start if they exist. REGISTRATION POINT: the kernel tracer lives in `src/events/tracer/index.ts`
 * and registers the type `kernel` there (config `sources: [{type: kernel, ...}]`, flag `--source kernel`).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getEventSourceFactory, registerEventSource, registeredEventSourceTypes, type EventSource, type EventSourceContext } from '../events/source.ts';
import { NdjsonEventSource, type BadLine } from '../events/sources/ndjson.ts';
import { AgentConfigError } from './errors.ts';
import type { SourceConfig } from './config.ts';

/** Modules (relative to this file) that register additional source types when imported. */
export const OPTIONAL_SOURCE_MODULES = ['../events/tracer/index.ts'];

let builtinsRegistered = false;
let optionalLoaded = false;

/** Hook for bad input lines of NDJSON sources (set by the agent per source). */
export type BadLineHandler = (bad: BadLine) => void;

function registerBuiltins(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  registerEventSource('ndjson', (ctx: EventSourceContext) => {
    const path = String(ctx.options.path ?? '-');
    const onBadLine = ctx.options.onBadLine as BadLineHandler | undefined;
    return new NdjsonEventSource({ path, onBadLine });
  });
}

/**
 * `kernel`: the tracer of src/events/tracer (bpftrace), unless that module registers `kernel` itself.
 * Options (config `sources: [{type: kernel, mode, bpftrace, strlen, startTimeoutMs}]`) pass through.
 */
function registerKernelFallback(): void {
  if (getEventSourceFactory('kernel')) return;
  registerEventSource('kernel', async (ctx: EventSourceContext) => {
    const mod = (await import(new URL('../events/tracer/index.ts', import.meta.url).href)) as {
      KernelTracer: new (opts: Record<string, unknown>) => EventSource;
    };
    const { type: _type, onBadLine: _bad, ...opts } = ctx.options;
    return new mod.KernelTracer({ ...opts, onStderr: (line: string) => ctx.log.warn({ source: 'kernel', line }, 'tracer stderr') });
  });
}

async function loadOptionalSources(log: EventSourceContext['log']): Promise<void> {
  if (optionalLoaded) return;
  optionalLoaded = true;
  for (const rel of OPTIONAL_SOURCE_MODULES) {
    const url = new URL(rel, import.meta.url);
    if (!existsSync(fileURLToPath(url))) continue;
    try {
      await import(url.href);
    } catch (err) {
      log.warn({ module: rel, err: (err as Error).message }, 'optional event source module failed to load');
    }
  }
}

export async function createSource(cfg: SourceConfig, index: number, log: EventSourceContext['log'], onBadLine: BadLineHandler): Promise<EventSource> {
  registerBuiltins();
  if (cfg.type === 'ndjson' && cfg.path !== '-' && !existsSync(String(cfg.path))) {
    throw new AgentConfigError('event source', `sources[${index}].path (--events)`, `event file ${String(cfg.path)} does not exist`);
  }
  if (cfg.type !== 'ndjson') {
    await loadOptionalSources(log);
    if (existsSync(fileURLToPath(new URL('../events/tracer/index.ts', import.meta.url)))) registerKernelFallback();
  }
  const factory = getEventSourceFactory(cfg.type);
  if (!factory) {
    throw new AgentConfigError('config', `sources[${index}].type`, `unknown source type "${cfg.type}" (available: ${registeredEventSourceTypes().join(', ')})`);
  }
  return factory({ options: { ...cfg, onBadLine }, log });
}
