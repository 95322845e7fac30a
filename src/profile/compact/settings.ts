/**
 * Collapse settings (the CollapseConfiguration CRD, profiles.md §1.4) and the per-prefix threshold lookup.
 */
import { InvalidCollapseSettingsError } from './errors.ts';

export interface CollapseConfig {
  /** path prefix, starts with `/`; matched at `/` boundaries */
  prefix: string;
  /** a node with more than this many distinct children collapses; 1 = `*` straight away */
  threshold: number;
}

export interface CollapseSettings {
  /** opens: threshold where no prefix applies (0 or absent → 50) */
  openDynamicThreshold: number;
  /** endpoints: threshold where no prefix applies (0 or absent → 100) */
  endpointDynamicThreshold: number;
  /** per-prefix thresholds; the list replaces the built-in defaults */
  collapseConfigs: CollapseConfig[];
}

export const DEFAULT_OPEN_THRESHOLD = 50;
export const DEFAULT_ENDPOINT_THRESHOLD = 100;

/** Built-in per-prefix defaults of storage v0.0.297. */
export function defaultCollapseConfigs(): CollapseConfig[] {
  return [
    { prefix: '/etc', threshold: 100 },
    { prefix: '/etc/apache2', threshold: 50 },
    { prefix: '/opt', threshold: 50 },
    { prefix: '/var/run', threshold: 50 },
    { prefix: '/app', threshold: 50 },
  ];
}

/** A fresh copy of the storage default settings. */
export function defaultCollapseSettings(): CollapseSettings {
  return {
    openDynamicThreshold: DEFAULT_OPEN_THRESHOLD,
    endpointDynamicThreshold: DEFAULT_ENDPOINT_THRESHOLD,
    collapseConfigs: defaultCollapseConfigs(),
  };
}

/**
 * Completes partial settings like storage does (0/absent thresholds → defaults, absent configs →
 * defaults) and validates them. Throws {@link InvalidCollapseSettingsError}.
 */
export function resolveCollapseSettings(s: Partial<CollapseSettings> | undefined | null): CollapseSettings {
  const out = defaultCollapseSettings();
  if (!s) return out;
  const num = (v: unknown, field: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new InvalidCollapseSettingsError(field, `must be an integer >= 0, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const o = num(s.openDynamicThreshold, 'openDynamicThreshold');
  if (o) out.openDynamicThreshold = o;
  const e = num(s.endpointDynamicThreshold, 'endpointDynamicThreshold');
  if (e) out.endpointDynamicThreshold = e;
  if (s.collapseConfigs !== undefined && s.collapseConfigs !== null) {
    if (!Array.isArray(s.collapseConfigs)) {
      throw new InvalidCollapseSettingsError('collapseConfigs', 'must be a list of {prefix, threshold}');
    }
    const seen = new Set<string>();
    out.collapseConfigs = s.collapseConfigs.map((c, i) => {
      const f = `collapseConfigs[${i}]`;
      if (!c || typeof c.prefix !== 'string' || !c.prefix.startsWith('/')) {
        throw new InvalidCollapseSettingsError(`${f}.prefix`, 'must be a string starting with "/"');
      }
      if (seen.has(c.prefix)) throw new InvalidCollapseSettingsError(`${f}.prefix`, `duplicate prefix ${c.prefix}`);
      seen.add(c.prefix);
      if (typeof c.threshold !== 'number' || !Number.isInteger(c.threshold) || c.threshold < 1) {
        throw new InvalidCollapseSettingsError(`${f}.threshold`, `must be an integer >= 1, got ${JSON.stringify(c.threshold)}`);
      }
      return { prefix: c.prefix, threshold: c.threshold };
    });
  }
  return out;
}

/** True if `prefix` covers `path` at a `/` boundary (`/etc` covers `/etc` and `/etc/x`, not `/etcd`). */
export function prefixCovers(prefix: string, path: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || prefix.endsWith('/') || path.charCodeAt(prefix.length) === 47;
}

/**
 * The config that applies to `path`: the longest covering prefix (first one on equal length), else
 * `{prefix: '/', threshold: defaultThreshold}`.
 */
export function findCollapseConfig(
  configs: readonly CollapseConfig[],
  path: string,
  defaultThreshold: number,
): CollapseConfig {
  let best: CollapseConfig | undefined;
  for (const c of configs) {
    if (!prefixCovers(c.prefix, path)) continue;
    if (!best || c.prefix.length > best.prefix.length) best = c;
  }
  return best ?? { prefix: '/', threshold: defaultThreshold };
}

/**
 * Settings from a CollapseConfiguration object (`spec.openDynamicThreshold`,
 * `spec.endpointDynamicThreshold`, `spec.collapseConfigs`). Throws {@link InvalidCollapseSettingsError}
 * whose field is the path inside the object (e.g. `spec.collapseConfigs[1].threshold`).
 */
export function collapseSettingsFromObject(obj: unknown): CollapseSettings {
  const o = obj as { kind?: unknown; spec?: unknown } | null;
  if (!o || typeof o !== 'object') throw new InvalidCollapseSettingsError('(object)', 'not a mapping');
  if (o.kind !== 'CollapseConfiguration') {
    throw new InvalidCollapseSettingsError('kind', `expected CollapseConfiguration, got ${JSON.stringify(o.kind)}`);
  }
  if (o.spec === undefined || o.spec === null) return defaultCollapseSettings();
  if (typeof o.spec !== 'object' || Array.isArray(o.spec)) throw new InvalidCollapseSettingsError('spec', 'must be a mapping');
  try {
    return resolveCollapseSettings(o.spec as Partial<CollapseSettings>);
  } catch (e) {
    if (e instanceof InvalidCollapseSettingsError) throw new InvalidCollapseSettingsError(`spec.${e.field}`, e.detail);
    throw e;
  }
}
