/**
 * Product entry point: compact a recorded or authored profile the way storage would on save, and
 * report what was collapsed. Works on ApplicationProfile, ContainerProfile (flat and grouped) and
 * NetworkNeighborhood objects; no storage annotations are added.
 */
import type { ApplicationProfileContainer, ContainerProfileContainer, NetworkNeighbor } from '../../model/index.ts';
import {
  deflateApplicationProfileContainer, deflateContainerProfileSpec, deflateNeighbors, deflateSortString,
  type CollapseRecord, type CompactWarning, type DeflateOptions,
} from './deflate.ts';
import { UnsupportedProfileError } from './errors.ts';
import { resolveCollapseSettings, type CollapseSettings } from './settings.ts';

export interface CompactOptions {
  /** paths from the image SBOM: never collapsed or dropped */
  sbom?: ReadonlySet<string> | readonly string[] | null;
}

export interface CompactResult<T> {
  profile: T;
  collapsed: CollapseRecord[];
  /** hazardous input entries (kept as they are) */
  warnings: CompactWarning[];
}

const GROUPS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

type Obj = { kind?: unknown; metadata?: { name?: string; namespace?: string }; spec?: unknown; [k: string]: unknown };

function describe(o: Obj): string {
  const md = o.metadata ?? {};
  return `${typeof o.kind === 'string' ? o.kind : 'object'} ${md.namespace ? md.namespace + '/' : ''}${md.name ?? '(unnamed)'}`;
}

/**
 * Compacts a profile object (returns a new object; the input is not modified). Throws
 * {@link UnsupportedProfileError} for other kinds or a missing spec, and
 * InvalidCollapseSettingsError for bad settings.
 */
export function compactProfile<T extends Obj>(
  obj: T,
  settings?: Partial<CollapseSettings> | null,
  opts: CompactOptions = {},
): CompactResult<T> {
  const resolved = resolveCollapseSettings(settings);
  const collapsed: CollapseRecord[] = [];
  const warnings: CompactWarning[] = [];
  const d: DeflateOptions = {
    settings: resolved,
    sbom: opts.sbom ?? null,
    onCollapse: (r) => collapsed.push(r),
    onWarning: (w) => warnings.push(w),
  };
  const o = structuredClone(obj);
  if (!o.spec || typeof o.spec !== 'object') {
    throw new UnsupportedProfileError(describe(obj), 'field spec: missing or not an object');
  }
  const spec = o.spec as Record<string, unknown>;
  switch (o.kind) {
    case 'ApplicationProfile':
      if (Array.isArray(spec.architectures)) spec.architectures = deflateSortString(spec.architectures as string[]);
      for (const g of GROUPS) {
        const cs = spec[g];
        if (Array.isArray(cs)) {
          spec[g] = cs.map((c: ApplicationProfileContainer) => deflateApplicationProfileContainer(c, { ...d, container: c.name }));
        }
      }
      break;
    case 'ContainerProfile':
      o.spec = deflateContainerProfileSpec(spec as ContainerProfileContainer, d);
      break;
    case 'NetworkNeighborhood':
      for (const g of GROUPS) {
        const cs = spec[g];
        if (!Array.isArray(cs)) continue;
        spec[g] = cs.map((c: { ingress?: NetworkNeighbor[] | null; egress?: NetworkNeighbor[] | null }) => {
          const n = { ...c };
          if (c.ingress) n.ingress = deflateNeighbors(c.ingress);
          if (c.egress) n.egress = deflateNeighbors(c.egress);
          return n;
        });
      }
      break;
    default:
      throw new UnsupportedProfileError(
        describe(obj),
        `field kind: ${JSON.stringify(o.kind)} cannot be compacted (expected ApplicationProfile, ContainerProfile or NetworkNeighborhood)`,
      );
  }
  return { profile: o, collapsed, warnings };
}

/**
 * Compacts a recorded profile (ApplicationProfile or ContainerProfile) with storage's collapse rules;
 * `collapsed` lists every new wildcard entry and how many recorded entries it replaced.
 */
export function compactApplicationProfile<T extends Obj>(
  obj: T,
  settings?: Partial<CollapseSettings> | null,
  opts: CompactOptions = {},
): CompactResult<T> {
  return compactProfile(obj, settings, opts);
}
