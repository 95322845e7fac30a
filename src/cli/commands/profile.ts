/**
 * `sbob profile compact`: storage-compatible compaction of a profile file (docs/compaction.md).
 * Prints what was collapsed to stderr and writes the compacted objects to stdout or `-o`.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';
import { loadPathLenient, formatObjectRef } from '../../model/index.ts';
import {
  compactProfile, collapseSettingsFromObject, CompactError, defaultCollapseConfigs, InvalidCollapseSettingsError,
  type CollapseConfig, type CollapseRecord, type CollapseSettings,
} from '../../profile/compact/index.ts';
import { CliError } from '../errors.ts';

const PROFILE_KINDS = ['ApplicationProfile', 'ContainerProfile', 'NetworkNeighborhood'];

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export interface CompactFlags {
  output?: string;
  threshold?: string;
  endpointThreshold?: string;
  config?: string[];
  sbom?: string;
  settings?: string;
}

/** Reads a CollapseConfiguration YAML/JSON file; errors name the file, the object and the field. */
export function readSettingsFile(file: string): CollapseSettings {
  if (!existsSync(file)) throw new CliError(`--settings ${file}: no such file or directory`);
  let obj: unknown;
  try {
    obj = YAML.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return collapseSettingsFromObject(obj);
  } catch (e) {
    if (!(e instanceof InvalidCollapseSettingsError)) throw e;
    const md = (obj as { metadata?: { name?: string } } | null)?.metadata;
    const name = formatObjectRef({ kind: 'CollapseConfiguration', name: md?.name });
    throw new CliError(`${file}: ${name}: field ${e.field}: ${e.detail}`);
  }
}

function positiveInt(v: string, flag: string, min: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new CliError(`${flag}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** `--config prefix=N` → collapse configs (replacing the built-in per-prefix defaults, like the CRD). */
export function parseConfigFlags(values: readonly string[]): CollapseConfig[] {
  const out: CollapseConfig[] = [];
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    if (eq <= 0) throw new CliError(`--config ${JSON.stringify(v)}: expected PREFIX=THRESHOLD, e.g. /var/log=10`);
    const prefix = v.slice(0, eq);
    if (!prefix.startsWith('/')) throw new CliError(`--config ${JSON.stringify(v)}: the prefix must start with "/"`);
    if (out.some((c) => c.prefix === prefix)) throw new CliError(`--config ${JSON.stringify(v)}: prefix ${prefix} given twice`);
    out.push({ prefix, threshold: positiveInt(v.slice(eq + 1), `--config ${prefix}`, 1) });
  }
  return out;
}

export function describeCollapse(r: CollapseRecord, object: string): string {
  const where = r.container !== undefined ? ` container ${r.container}` : '';
  const n = `${r.from} entr${r.from === 1 ? 'y' : 'ies'}`;
  if (!r.to.includes('\u22ef') && !r.to.includes('*')) return `${object}${where}: ${r.surface}: folded ${n} into ${r.to}`;
  return `${object}${where}: ${r.surface} under ${r.prefix}: ${n} -> ${r.to}`;
}

function countEntries(spec: unknown): number {
  let n = 0;
  const visit = (c: Record<string, unknown>) => {
    for (const f of ['execs', 'opens', 'endpoints', 'syscalls', 'capabilities', 'ingress', 'egress']) {
      const v = c[f];
      if (Array.isArray(v)) n += v.length;
    }
  };
  if (spec && typeof spec === 'object') {
    const s = spec as Record<string, unknown>;
    visit(s);
    for (const g of ['containers', 'initContainers', 'ephemeralContainers']) {
      const cs = s[g];
      if (Array.isArray(cs)) for (const c of cs) if (c && typeof c === 'object') visit(c as Record<string, unknown>);
    }
  }
  return n;
}

/** The whole command; returns the text written (for tests) and writes it to stdout or the file. */
export function runCompact(file: string, flags: CompactFlags, stderr: (s: string) => void = (s) => process.stderr.write(s)): string {
  if (!existsSync(file)) throw new CliError(`${file}: no such file or directory`);
  const settings: Partial<CollapseSettings> = flags.settings !== undefined ? readSettingsFile(flags.settings) : { collapseConfigs: defaultCollapseConfigs() };
  if (flags.threshold !== undefined) settings.openDynamicThreshold = positiveInt(flags.threshold, '--threshold', 1);
  if (flags.endpointThreshold !== undefined) settings.endpointDynamicThreshold = positiveInt(flags.endpointThreshold, '--endpoint-threshold', 1);
  if (flags.config?.length) settings.collapseConfigs = parseConfigFlags(flags.config);
  let sbom: string[] | undefined;
  if (flags.sbom !== undefined) {
    if (!existsSync(flags.sbom)) throw new CliError(`--sbom ${flags.sbom}: no such file or directory`);
    sbom = readFileSync(flags.sbom, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  }

  const loaded = loadPathLenient(file, { kinds: PROFILE_KINDS });
  if (loaded.errors.length) throw new CliError(loaded.errors.map((e) => e.message).join('\n'));
  if (loaded.objects.length === 0) throw new CliError(`${file}: no ApplicationProfile, ContainerProfile or NetworkNeighborhood found`);

  const docs: string[] = [];
  for (const lo of loaded.objects) {
    const obj = lo.object;
    const name = formatObjectRef({ kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name });
    let res;
    try {
      res = compactProfile(obj, settings, { sbom });
    } catch (e) {
      if (e instanceof CompactError) throw new CliError(`${lo.source.file}: ${e.message}`);
      throw e;
    }
    for (const w of res.warnings) {
      stderr(`warning: ${name}${w.container !== undefined ? ` container ${w.container}` : ''}: ${w.surface} ${w.entry}: ${w.message}\n`);
    }
    for (const r of res.collapsed) stderr(`collapsed ${describeCollapse(r, name)}\n`);
    stderr(`${name}: ${countEntries(obj.spec)} -> ${countEntries(res.profile.spec)} entries, ${res.collapsed.length} collapse(s)\n`);
    docs.push(YAML.stringify(res.profile, { aliasDuplicateObjects: false, lineWidth: 0 }));
  }
  const text = docs.length === 1 ? docs[0]! : docs.map((d) => `---\n${d}`).join('');
  if (flags.output) writeFileSync(flags.output, text);
  else process.stdout.write(text);
  return text;
}

export function register(program: Command): void {
  const profile = program.command('profile').description('work with profiles (ApplicationProfile, ContainerProfile, NetworkNeighborhood)');
  profile
    .command('compact')
    .description('compact a profile the way storage does on save (collapse paths into ⋯ / *, merge duplicates); report collapses on stderr')
    .argument('<file>', 'profile YAML/JSON file (one or more documents) or directory')
    .option('-o, --output <file>', 'write the compacted profile(s) here instead of stdout')
    .option('--threshold <n>', 'opens: collapse a directory with more than N distinct children (default 50)')
    .option('--endpoint-threshold <n>', 'endpoints: the same per port (default 100)')
    .option('--config <prefix=n>', 'per-prefix threshold, e.g. /var/log=10 or /tmp=1 (1 = "*" at once); repeatable; replaces the defaults /etc=100 /etc/apache2=50 /opt=50 /var/run=50 /app=50', collect)
    .option('--settings <file>', 'a CollapseConfiguration object (spec.openDynamicThreshold, endpointDynamicThreshold, collapseConfigs); the options above override it')
    .option('--sbom <file>', 'file with one path per line that is never collapsed (image SBOM files)')
    .action((file: string, flags: CompactFlags) => {
      runCompact(file, flags);
    });
}
