/**
 * Loads the shipped bpftrace script and adapts it to the running kernel: attach points whose
 * tracepoint does not exist (e.g. `init_module` on a kernel built without modules) are removed, and a
 * probe block left with no attach point is dropped. Which probes were dropped is reported so the
 * caller can tell the user which event types are unavailable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SCRIPT_PATH = fileURLToPath(new URL('./scripts/sbob.bt', import.meta.url));

export interface PreparedScript {
  text: string;
  /** attach points removed because the kernel lacks them, e.g. `syscalls:sys_enter_init_module` */
  missing: string[];
}

/** True when `category:name` exists under the tracefs events directory. */
export type TracepointExists = (category: string, name: string) => boolean;

export function tracefsTracepointExists(tracefs = '/sys/kernel/tracing'): TracepointExists {
  let fpstate: boolean | undefined;
  return (category, name) => {
    if (!existsSync(`${tracefs}/events/${category}/${name}`)) return false;
    if (category === 'x86_fpu') {
      // the RandomX probe reads struct fpu->fpstate (kernel >= 5.16); look the type up in BTF once
      fpstate ??= btfHasType('fpstate');
      return fpstate;
    }
    return true;
  };
}

function btfHasType(name: string): boolean {
  try {
    return readFileSync('/sys/kernel/btf/vmlinux').includes(Buffer.from(`\0${name}\0`));
  } catch {
    return false;
  }
}

/**
 * Splits a bpftrace program into top-level blocks. A probe block starts with one or more attach-point
 * lines at column 0 (comma-continued) and ends with a `}` at column 0.
 */
export function adaptScript(source: string, exists: TracepointExists): PreparedScript {
  const lines = source.split('\n');
  const out: string[] = [];
  const missing: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (!/^tracepoint:/.test(line)) {
      out.push(line);
      i++;
      continue;
    }
    // collect the attach-point header lines (those ending in ',' continue the list)
    const header: string[] = [];
    while (i < lines.length) {
      header.push(lines[i]!);
      if (!lines[i]!.trimEnd().endsWith(',')) break;
      i++;
    }
    i++;
    const body: string[] = [];
    // the last header line carries the predicate and the opening brace
    const last = header[header.length - 1]!;
    const m = /^(tracepoint:[A-Za-z0-9_]+:[A-Za-z0-9_]+)(.*)$/.exec(last);
    const points = header.slice(0, -1).map((h) => h.trim().replace(/,$/, ''));
    let rest = '';
    if (m) {
      points.push(m[1]!);
      rest = m[2]!;
    }
    const oneLine = rest.trimEnd().endsWith('}');
    if (!oneLine) {
      while (i < lines.length && lines[i] !== '}') body.push(lines[i++]!);
      i++; // the closing brace
    }
    const kept = points.filter((p) => {
      const [, cat, name] = p.split(':');
      const ok = exists(cat!, name!);
      if (!ok) missing.push(`${cat}:${name}`);
      return ok;
    });
    if (kept.length === 0) continue;
    out.push(kept.map((p, k) => (k < kept.length - 1 ? `${p},` : `${p}${rest}`)).join('\n'));
    if (!oneLine) {
      out.push(...body);
      out.push('}');
    }
  }
  return { text: out.join('\n'), missing };
}

/** Index of the memory controller in css_set.subsys (the order of /proc/cgroups), 0 if unknown. */
export function memcgId(procCgroups?: string): number {
  let text = procCgroups;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cgroups', 'utf8');
    } catch {
      return 0;
    }
  }
  const names = text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/\s+/)[0]);
  const i = names.indexOf('memory');
  return i < 0 ? 0 : i;
}

export function loadScript(exists: TracepointExists = tracefsTracepointExists(), memcg = memcgId()): PreparedScript {
  const r = adaptScript(readFileSync(SCRIPT_PATH, 'utf8'), exists);
  return { ...r, text: r.text.replaceAll('SBOB_MEMCG_ID', String(memcg)) };
}
