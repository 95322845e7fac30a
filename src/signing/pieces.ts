/**
 * Piece-wise signed NetworkNeighborhoods.
 *
 * A piece is an ordinary NetworkNeighborhood (e.g. one cloud endpoint) signed by its provider with
 * embedded content. `assemble` merges pieces and local entries into one NetworkNeighborhood and keeps,
 * in annotations (never signed), everything needed to re-verify each piece on its own:
 *  - `sbob.io/pieces`: JSON list of `{name, apiVersion, kind, annotations}` with each piece's
 *    signature annotations (including its embedded content);
 *  - `sbob.io/entry-sources`: JSON map from entry key to `piece:<name>` or `local`.
 */
import { checkSignature, signedObjectOf, type SignatureCheck } from './verify.ts';
import { ANN, describe, isSignatureAnnotation, signatureAnnotations, type SignableObject } from './content.ts';
import { SigningError } from './errors.ts';
import { canonicalHash } from './jsonhash.ts';
import { entryId, networkEntries } from './network.ts';
import { BUNDLE_MANIFEST_ANNOTATION, buildManifest, type BundleLeaf, type BundleManifest } from './bundle.ts';
import { authorise, describeSigner, type TrustPolicy } from './policy.ts';
import { worst, type EntryVerification, type PieceVerification, type VerificationStatus } from './result.ts';

export const PIECES_ANNOTATION = 'sbob.io/pieces';
export const ENTRY_SOURCES_ANNOTATION = 'sbob.io/entry-sources';

export interface PieceRecord {
  name: string;
  /** Signer id at assembly time (informational; verification uses the signature itself). */
  signer?: string;
  apiVersion?: string;
  kind: string;
  annotations: Record<string, string>;
}

export interface AssembleInput {
  pieces: Array<{ object: SignableObject; file: string }>;
  local?: { object: SignableObject; file: string };
  name?: string;
  namespace?: string;
  /** When given, pieces must be trusted under it (else assembly fails naming the piece). */
  policy?: TrustPolicy;
}

const LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

function containersOf(spec: Record<string, unknown>, list: string): Array<Record<string, unknown>> {
  if (!Array.isArray(spec[list])) spec[list] = [];
  return spec[list] as Array<Record<string, unknown>>;
}

/** Builds the assembled NetworkNeighborhood. Throws SigningError naming the piece on any problem. */
export function assemble(input: AssembleInput): SignableObject {
  const base: SignableObject = input.local
    ? structuredClone(input.local.object)
    : { apiVersion: 'spdx.softwarecomposition.kubescape.io/v1beta1', kind: 'NetworkNeighborhood', metadata: {}, spec: {} };
  if (base.kind !== 'NetworkNeighborhood') throw new SigningError('content', `${input.local?.file}: ${describe(base)}: --local must be a NetworkNeighborhood`);
  base.metadata ??= {};
  if (input.name) base.metadata.name = input.name;
  if (input.namespace) base.metadata.namespace = input.namespace;
  if (!base.metadata.name) throw new SigningError('content', 'the assembled NetworkNeighborhood needs a name: pass --name or --local');
  base.spec ??= {};
  const spec = base.spec as Record<string, unknown>;
  // drop old signature and piece bookkeeping: the assembled object is new
  const ann: Record<string, string> = {};
  const bookkeeping = [PIECES_ANNOTATION, ENTRY_SOURCES_ANNOTATION, BUNDLE_MANIFEST_ANNOTATION];
  for (const [k, v] of Object.entries(base.metadata.annotations ?? {})) if (!isSignatureAnnotation(k) && !bookkeeping.includes(k)) ann[k] = v;

  const sources: Record<string, string> = {};
  for (const e of networkEntries(spec)) sources[e.key] = 'local';

  const records: PieceRecord[] = [];
  const leaves: BundleLeaf[] = [];
  for (const { object: piece, file } of input.pieces) {
    const where = `${file}: ${describe(piece)}`;
    if (piece.kind !== 'NetworkNeighborhood') throw new SigningError('content', `${where}: a piece must be a NetworkNeighborhood`);
    const check = checkSignature(piece);
    if (check.status !== 'valid') throw new SigningError('content', `${where}: piece is ${check.status}: ${check.reason}`);
    if (check.source !== 'embedded') throw new SigningError('content', `${where}: piece must be signed with embedded content (sign it with \`sbob nn sign-piece\`)`);
    const signed = signedObjectOf(piece, check);
    if (input.policy) {
      const auth = authorise(input.policy, check.signer!, 'NetworkNeighborhood', base.metadata.namespace ?? '', signed.spec, signed.metadata?.labels);
      if (!auth.ok) throw new SigningError('policy', `${where}: piece rejected: ${auth.reason}`);
    }
    const name = piece.metadata!.name!;
    if (records.some((r) => r.name === name)) throw new SigningError('content', `${where}: two pieces are named "${name}"`);
    const pspec = (signed.spec ?? {}) as Record<string, unknown>;
    for (const list of LISTS) {
      const pcs = Array.isArray(pspec[list]) ? (pspec[list] as Array<Record<string, unknown>>) : [];
      for (const pc of pcs) {
        const cname = String(pc.name ?? '');
        const target = containersOf(spec, list);
        let c = target.find((x) => String(x.name ?? '') === cname);
        if (!c) {
          c = { name: cname, ingress: [], egress: [] };
          target.push(c);
        }
        for (const direction of ['ingress', 'egress'] as const) {
          const entries = Array.isArray(pc[direction]) ? (pc[direction] as Array<Record<string, unknown>>) : [];
          if (!Array.isArray(c[direction])) c[direction] = [];
          const dest = c[direction] as Array<Record<string, unknown>>;
          entries.forEach((e, i) => {
            if (typeof e.identifier !== 'string' || !e.identifier) throw new SigningError('content', `${where}: ${list}/${cname}/${direction}[${i}] has no identifier; piece entries need one`);
            const key = `${list}/${cname}/${direction}/${entryId(e, i)}`;
            if (sources[key]) throw new SigningError('content', `${where}: entry ${key} is already provided by ${sources[key]}`);
            dest.push(structuredClone(e));
            sources[key] = `piece:${name}`;
          });
        }
      }
    }
    records.push({ name, signer: check.signer!.id, apiVersion: piece.apiVersion, kind: piece.kind, annotations: signatureAnnotations(piece) });
    leaves.push(leafOf(name, check, signed));
  }
  ann[BUNDLE_MANIFEST_ANNOTATION] = JSON.stringify(buildManifest(leaves));
  ann[PIECES_ANNOTATION] = JSON.stringify(records);
  ann[ENTRY_SOURCES_ANNOTATION] = JSON.stringify(sources);
  base.metadata.annotations = ann;
  return base;
}

/** The Merkle leaf of a verified piece: class = its signed fragment-class label, else "piece". */
function leafOf(name: string, check: SignatureCheck, signed: SignableObject): BundleLeaf {
  return { class: signed.metadata?.labels?.['signature.kubescape.io/fragment-class'] ?? 'piece', signer: check.signer!.id, name, contentDigest: check.hash! };
}

export function pieceObject(r: PieceRecord): SignableObject {
  // the live spec/labels come from the embedded content, so it verifies exactly as the piece did
  return { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, annotations: r.annotations } };
}

function parseJsonAnnotation<T>(obj: SignableObject, key: string): T {
  const raw = obj.metadata?.annotations?.[key];
  try {
    return JSON.parse(raw ?? '') as T;
  } catch {
    throw new SigningError('annotation', `annotation ${key} is garbled: not JSON`);
  }
}

export interface AssembledVerification {
  status: VerificationStatus;
  reason: string;
  warnings: string[];
  pieces: PieceVerification[];
  entries: EntryVerification[];
}

/**
 * Verifies an assembled NetworkNeighborhood piece by piece. `whole` is the check of the object's own
 * signature (covering the local entries), if it carries one.
 */
export function verifyAssembled(obj: SignableObject, policy: TrustPolicy, whole?: { status: VerificationStatus; reason: string; signer?: string }): AssembledVerification {
  const records = parseJsonAnnotation<PieceRecord[]>(obj, PIECES_ANNOTATION);
  const sources = obj.metadata?.annotations?.[ENTRY_SOURCES_ANNOTATION] === undefined ? {} : parseJsonAnnotation<Record<string, string>>(obj, ENTRY_SOURCES_ANNOTATION);
  if (!Array.isArray(records)) throw new SigningError('annotation', `annotation ${PIECES_ANNOTATION} is garbled: not a JSON list`);
  const namespace = obj.metadata?.namespace ?? '';
  const pieceResults = new Map<string, { v: PieceVerification; signedEntries: Map<string, string> }>();
  const leaves: BundleLeaf[] = [];
  const recordWarnings: string[] = [];
  for (const [i, r] of records.entries()) {
    const name = typeof r?.name === 'string' ? r.name : `#${i}`;
    const v: PieceVerification = { name, status: 'invalid', reason: '', entries: [] };
    const signedEntries = new Map<string, string>();
    if (!r || typeof r !== 'object' || typeof r.annotations !== 'object' || !r.annotations) {
      v.reason = `annotation ${PIECES_ANNOTATION}[${i}] is garbled: missing annotations`;
    } else if (r.annotations[ANN.content] === undefined) {
      v.reason = `piece "${name}": annotation ${ANN.content} is missing (pieces must embed their content)`;
    } else {
      const po = pieceObject(r);
      const check: SignatureCheck = checkSignature(po);
      if (check.status !== 'valid') {
        v.status = check.status;
        v.reason = `piece "${name}": ${check.reason}`;
      } else {
        const signed = signedObjectOf(po, check);
        leaves.push(leafOf(name, check, signed));
        if (r.signer !== undefined && r.signer !== check.signer!.id) recordWarnings.push(`piece "${name}": recorded signer ${r.signer} differs from the actual signer ${check.signer!.id}`);
        v.signer = describeSigner(check.signer!);
        const auth = authorise(policy, check.signer!, 'NetworkNeighborhood', namespace, signed.spec, signed.metadata?.labels);
        v.status = auth.ok ? 'valid' : 'untrusted';
        v.signerName = auth.signer?.name;
        v.reason = `piece "${name}": ${auth.reason}`;
        for (const e of networkEntries(signed.spec)) signedEntries.set(e.key, canonicalHash(e.entry));
      }
    }
    pieceResults.set(name, { v, signedEntries });
  }

  const entries: EntryVerification[] = [];
  for (const e of networkEntries(obj.spec)) {
    const source = sources[e.key];
    if (source === undefined || source === 'local') {
      const st = whole ? whole.status : 'unsigned';
      entries.push({ key: e.key, source: 'local', status: st, reason: whole ? `local entry: ${whole.reason}` : 'local entry: not covered by any signature (sign the assembled object to vouch for it)', signer: whole?.signer });
      continue;
    }
    const pname = source.replace(/^piece:/, '');
    const p = pieceResults.get(pname);
    if (!p) {
      entries.push({ key: e.key, source, status: 'invalid', reason: `entry claims piece "${pname}" but ${PIECES_ANNOTATION} has no such piece` });
      continue;
    }
    p.v.entries.push(e.key);
    if (p.v.status !== 'valid') {
      entries.push({ key: e.key, source, status: p.v.status, reason: p.v.reason, signer: p.v.signer });
      continue;
    }
    const signedHash = p.signedEntries.get(e.key);
    if (signedHash === undefined) {
      entries.push({ key: e.key, source, status: 'tampered', reason: `entry is not in piece "${pname}" as signed`, signer: p.v.signer });
    } else if (signedHash !== canonicalHash(e.entry)) {
      entries.push({ key: e.key, source, status: 'tampered', reason: `entry differs from piece "${pname}" as signed`, signer: p.v.signer });
    } else {
      entries.push({ key: e.key, source, status: 'valid', reason: p.v.reason, signer: p.v.signer });
    }
  }
  // a signed piece entry that was removed from the assembled spec is not an error (local tuning may drop entries)
  let status: VerificationStatus = 'valid';
  for (const p of pieceResults.values()) status = worst(status, p.v.status);
  for (const e of entries) status = worst(status, e.status);
  const bad = [...pieceResults.values()].filter((p) => p.v.status !== 'valid').map((p) => p.v.reason);
  const badEntries = entries.filter((e) => e.status !== 'valid');
  const reason =
    status === 'valid'
      ? `${records.length} piece(s) and ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} verified`
      : [...bad, ...badEntries.filter((e) => !e.source.startsWith('piece:') || pieceResults.get(e.source.slice(6))?.v.status === 'valid').map((e) => `entry ${e.key}: ${e.reason}`)].join('; ') ||
        `${badEntries.length} entr${badEntries.length === 1 ? 'y is' : 'ies are'} not valid`;
  const warnings: string[] = [...recordWarnings];
  const rawManifest = obj.metadata?.annotations?.[BUNDLE_MANIFEST_ANNOTATION];
  if (rawManifest !== undefined) {
    let m: BundleManifest | undefined;
    try {
      m = JSON.parse(rawManifest) as BundleManifest;
    } catch {
      warnings.push(`annotation ${BUNDLE_MANIFEST_ANNOTATION} is garbled: not JSON`);
    }
    const root = buildManifest(leaves).root;
    if (m && m.root !== root) warnings.push(`annotation ${BUNDLE_MANIFEST_ANNOTATION}: root ${String(m.root).slice(0, 12)}… does not match the verified pieces (${root.slice(0, 12)}…); the piece set changed after assembly`);
  }
  return { status, reason, warnings, pieces: [...pieceResults.values()].map((p) => p.v), entries };
}
