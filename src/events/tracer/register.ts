/**
 * Registers the kernel tracer as event source type `kernel` (agent config
 * `sources: [{ type: kernel, mode: all, bpftrace: /usr/bin/bpftrace, strlen: 200, startTimeoutMs: 60000 }]`).
 * Importing src/events/tracer/index.ts registers it.
 */
import { registerEventSource, type EventSourceContext } from '../source.ts';
import { TracerError } from './errors.ts';
import { KernelTracer, type KernelTracerOptions } from './kernel.ts';

export function kernelTracerOptions(options: Record<string, unknown>): KernelTracerOptions {
  const out: KernelTracerOptions = {};
  const { mode, bpftrace, strlen, startTimeoutMs } = options;
  if (mode !== undefined) {
    if (mode !== 'all' && mode !== 'tree') throw new TracerError(`source kernel: field mode: must be "all" or "tree", got ${JSON.stringify(mode)}`);
    out.mode = mode;
  }
  if (bpftrace !== undefined) {
    if (typeof bpftrace !== 'string' || bpftrace === '') throw new TracerError(`source kernel: field bpftrace: must be a path, got ${JSON.stringify(bpftrace)}`);
    out.bpftrace = bpftrace;
  }
  if (strlen !== undefined) {
    if (typeof strlen !== 'number' || !Number.isInteger(strlen) || strlen < 32 || strlen > 200) throw new TracerError(`source kernel: field strlen: must be an integer 32..200, got ${JSON.stringify(strlen)}`);
    out.strlen = strlen;
  }
  if (startTimeoutMs !== undefined) {
    if (typeof startTimeoutMs !== 'number' || startTimeoutMs <= 0) throw new TracerError(`source kernel: field startTimeoutMs: must be a positive number, got ${JSON.stringify(startTimeoutMs)}`);
    out.startTimeoutMs = startTimeoutMs;
  }
  return out;
}

export function registerKernelSource(): void {
  registerEventSource('kernel', (ctx: EventSourceContext) => {
    const opts = kernelTracerOptions(ctx.options);
    return new KernelTracer({
      mode: 'all',
      ...opts,
      onStderr: (line) => ctx.log.warn({ source: 'kernel', line }, 'tracer stderr'),
    });
  });
}

registerKernelSource();
