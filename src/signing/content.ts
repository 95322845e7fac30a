/**
 * Objects, annotations and the signed content value (signing.md §1.3, §2).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { SigningError } from './errors.ts';

export const ANNOTATION_PREFIX = 'signature.kubescape.io/';
export const SBOB_ANNOTATION_PREFIX = 'signature.sbob.io/';
export const ANN = {
  signature: `${ANNOTATION_PREFIX}signature`,
  certificate: `${ANNOTATION_PREFIX}certificate`,
  rekorBundle: `${ANNOTATION_PREFIX}rekor-bundle`,
  issuer: `${ANNOTATION_PREFIX}issuer`,
  identity: `${ANNOTATION_PREFIX}identity`,
  timestamp: `${ANNOTATION_PREFIX}timestamp`,
  content: `${ANNOTATION_PREFIX}content`,
  /** sbob: the content hash algorithm when it is not the upstream tree hash. */
  hash: `${SBOB_ANNOTATION_PREFIX}hash`,
  /** sbob: base64 of the PEM certificate chain (keyless: leaf first, then what Fulcio returned). */
  chain: `${SBOB_ANNOTATION_PREFIX}certificate-chain`,
} as const;

/** Max decompressed size of an embedded content annotation (as upstream). */
export const MAX_EMBEDDED_BYTES = 8 * 1024 * 1024;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  [k: string]: unknown;
}

/** A Kubernetes-style object, or an upstream `{policy|config, annotations}` artifact. */
export interface SignableObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  annotations?: Record<string, string>;
  policy?: unknown;
  config?: unknown;
  [k: string]: unknown;
}

export const DEFAULT_API_VERSION: Record<string, string> = {
  ApplicationProfile: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  NetworkNeighborhood: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  SeccompProfile: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  ContainerProfile: 'spdx.softwarecomposition.kubescape.io/v1beta1',
  Rules: 'kubescape.io/v1',
  RuntimeRuleAlertBinding: 'kubescape.io/v1',
};

export function isArtifact(obj: SignableObject): boolean {
  return obj.metadata === undefined && obj.kind === undefined && (obj.policy !== undefined || obj.config !== undefined);
}

export function kindOf(obj: SignableObject): string {
  if (isArtifact(obj)) return obj.policy !== undefined ? 'TrustPolicyArtifact' : 'ConfigArtifact';
  return typeof obj.kind === 'string' ? obj.kind : '';
}

/** "Kind namespace/name" for messages. */
export function describe(obj: SignableObject): string {
  const kind = kindOf(obj) || '(no kind)';
  if (isArtifact(obj)) return kind;
  const name = obj.metadata?.name ?? '(no name)';
  return `${kind} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${name}`;
}

export function annotationsOf(obj: SignableObject): Record<string, string> {
  if (isArtifact(obj)) return (obj.annotations ?? {}) as Record<string, string>;
  return (obj.metadata?.annotations ?? {}) as Record<string, string>;
}

/** Signature annotations (replaced on re-signing). The bundle manifest is bookkeeping, not a signature. */
export function isSignatureAnnotation(key: string): boolean {
  if (key === `${ANNOTATION_PREFIX}bundle-manifest`) return false;
  return key.startsWith(ANNOTATION_PREFIX) || key.startsWith(SBOB_ANNOTATION_PREFIX);
}

export function signatureAnnotations(obj: SignableObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotationsOf(obj))) if (isSignatureAnnotation(k)) out[k] = v;
  return out;
}

function nonEmptyLabels(labels: unknown): Record<string, string> | null {
  if (labels && typeof labels === 'object' && Object.keys(labels).length > 0) return labels as Record<string, string>;
  return null;
}

export interface ContentOptions {
  /** G1/G2 shape: also sign the namespace. Default false (G3: a vendor cannot know the namespace). */
  includeNamespace?: boolean;
  /** Apply upstream's adapter quirk: nil `rulePolicies` becomes `{}` (AP containers, CP spec). */
  goQuirks?: boolean;
}

function fixRulePolicies(kind: string, spec: unknown): unknown {
  if (!spec || typeof spec !== 'object') return spec;
  const s = structuredClone(spec) as Record<string, unknown>;
  if (kind === 'ContainerProfile' && s.rulePolicies == null) s.rulePolicies = {};
  if (kind === 'ApplicationProfile') {
    for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
      const arr = s[list];
      if (Array.isArray(arr)) for (const c of arr) if (c && typeof c === 'object' && (c as Record<string, unknown>).rulePolicies == null) (c as Record<string, unknown>).rulePolicies = {};
    }
  }
  return s;
}

/**
 * The value that gets hashed for an object: `{apiVersion, kind, metadata{name, labels}, spec}`,
 * labels `null` when there are none; for artifacts the policy/config value itself.
 */
export function contentOf(obj: SignableObject, opts: ContentOptions = {}): unknown {
  if (isArtifact(obj)) return obj.policy !== undefined ? obj.policy : obj.config;
  const kind = kindOf(obj);
  const metadata: Record<string, unknown> = { name: obj.metadata?.name ?? '' };
  if (opts.includeNamespace) metadata.namespace = obj.metadata?.namespace ?? '';
  metadata.labels = nonEmptyLabels(obj.metadata?.labels);
  const spec = opts.goQuirks ? fixRulePolicies(kind, obj.spec) : obj.spec;
  const out: Record<string, unknown> = { apiVersion: obj.apiVersion || DEFAULT_API_VERSION[kind] || '', kind, metadata };
  if (spec !== undefined) out.spec = spec;
  return out;
}

export function encodeEmbedded(content: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(content), 'utf8')).toString('base64');
}

/** Decodes the `content` annotation; throws a SigningError naming what is wrong. */
export function decodeEmbedded(value: string): unknown {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value.replace(/\s+/g, ''))) {
    throw new SigningError('annotation', `annotation ${ANN.content} is garbled: not base64`);
  }
  let json: Buffer;
  try {
    json = gunzipSync(Buffer.from(value, 'base64'), { maxOutputLength: MAX_EMBEDDED_BYTES });
  } catch (e) {
    const msg = (e as Error).message;
    throw new SigningError('annotation', `annotation ${ANN.content} is garbled: ${/maxOutputLength|buffer/i.test(msg) ? 'larger than 8 MiB when decompressed' : 'not gzip data'}`);
  }
  try {
    return JSON.parse(json.toString('utf8'));
  } catch {
    throw new SigningError('annotation', `annotation ${ANN.content} is garbled: the decompressed content is not JSON`);
  }
}

/** A copy of `obj` with its signature annotations replaced by `ann` (an empty annotations map is dropped). */
export function withSignatureAnnotations(obj: SignableObject, ann: Record<string, string>): SignableObject {
  const copy = structuredClone(obj);
  const current = annotationsOf(copy);
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(current)) if (!isSignatureAnnotation(k)) next[k] = v;
  Object.assign(next, ann);
  if (isArtifact(copy)) copy.annotations = next;
  else {
    copy.metadata ??= {};
    if (Object.keys(next).length) copy.metadata.annotations = next;
    else delete copy.metadata.annotations;
  }
  return copy;
}
