/**
 * The programmatic verification entry point used by the agent and the CLI.
 */
import { describe, isArtifact, kindOf, type SignableObject } from './content.ts';
import { SigningError } from './errors.ts';
import { PIECES_ANNOTATION, verifyAssembled } from './pieces.ts';
import { authorise, describeSigner, type TrustPolicy } from './policy.ts';
import type { VerificationResult } from './result.ts';
import { checkSignature, signedObjectOf, type CheckOptions } from './verify.ts';
import { readObjects } from './files.ts';

export type VerifyOptions = CheckOptions;

/** Verifies one object's signature and checks its signer against `policy`. Never throws. */
export function verifyObject(obj: SignableObject, policy: TrustPolicy, opts: VerifyOptions = {}): VerificationResult {
  const artifact = obj && typeof obj === 'object' ? isArtifact(obj) : false;
  const base: VerificationResult = {
    status: 'invalid',
    reason: '',
    kind: obj && typeof obj === 'object' ? kindOf(obj) : '',
    name: (!artifact && obj?.metadata?.name) || '',
    namespace: (!artifact && obj?.metadata?.namespace) || undefined,
    warnings: [],
  };
  const check = checkSignature(obj, opts);
  const hasPieces = !artifact && obj?.metadata?.annotations?.[PIECES_ANNOTATION] !== undefined;
  if (check.signer) {
    base.signer = describeSigner(check.signer);
    base.signerId = check.signer.id;
  }
  base.hash = check.hash;
  base.hashAlgorithm = check.algorithm;
  base.signedAt = check.signedAt;
  base.liveMatchesSigned = check.liveMatchesSigned;

  let whole: VerificationResult = { ...base, status: check.status, reason: check.reason };
  if (check.status === 'valid') {
    const signed = signedObjectOf(obj, check);
    whole.signedObject = signed;
    if (check.liveMatchesSigned === false) {
      if (policy.requireLiveMatch) {
        whole = { ...whole, status: 'tampered', reason: `the live object differs from its signed embedded content (trust policy "${policy.name}" sets requireLiveMatch)` };
      } else whole.warnings.push('the live object differs from its signed embedded content; the signed content is what counts');
    }
    if (whole.status === 'valid') {
      const kind = (check.signedContent as SignableObject | undefined)?.kind ?? kindOf(obj);
      // for an assembled object the whole signature vouches only for local entries: pieces are checked below
      const spec = hasPieces ? localOnlySpec(signed) : signed.spec;
      const labels = (check.signedContent as SignableObject | undefined)?.metadata?.labels ?? null;
      const auth = authorise(policy, check.signer!, kind, base.namespace ?? '', spec, labels);
      whole.status = auth.ok ? 'valid' : 'untrusted';
      whole.reason = auth.reason;
      whole.signerName = auth.signer?.name;
    }
  }
  if (!hasPieces) return whole;
  try {
    // entries come from the signed form when the whole object is signed with embedded content
    const a = verifyAssembled(whole.signedObject ?? obj, policy, check.status === 'unsigned' ? undefined : { status: whole.status, reason: whole.reason, signer: whole.signer });
    const wholeNote = check.status === 'unsigned' ? '' : `; whole object: ${whole.status}: ${whole.reason}`;
    return {
      ...whole,
      status: check.status === 'unsigned' || whole.status === 'valid' ? a.status : worstOf(whole.status, a.status),
      reason: `${a.reason}${wholeNote}`,
      warnings: [...whole.warnings, ...a.warnings],
      pieces: a.pieces,
      entries: a.entries,
    };
  } catch (e) {
    const msg = e instanceof SigningError ? e.message : String(e);
    return { ...whole, status: 'invalid', reason: `${describe(obj)}: ${msg}` };
  }
}

function worstOf(a: VerificationResult['status'], b: VerificationResult['status']): VerificationResult['status'] {
  const rank = { valid: 0, unsigned: 1, untrusted: 2, invalid: 3, tampered: 4 } as const;
  return rank[a] >= rank[b] ? a : b;
}

function localOnlySpec(obj: SignableObject): unknown {
  let sources: Record<string, string> = {};
  try {
    sources = JSON.parse(obj.metadata?.annotations?.['sbob.io/entry-sources'] ?? '{}') as Record<string, string>;
  } catch {
    /* reported by verifyAssembled */
  }
  const spec = structuredClone(obj.spec ?? {}) as Record<string, unknown>;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) {
    const arr = spec[list];
    if (!Array.isArray(arr)) continue;
    for (const c of arr as Array<Record<string, unknown>>) {
      for (const d of ['ingress', 'egress']) {
        if (!Array.isArray(c[d])) continue;
        c[d] = (c[d] as Array<Record<string, unknown>>).filter((e, i) => {
          const id = typeof e.identifier === 'string' && e.identifier ? e.identifier : `#${i}`;
          const src = sources[`${list}/${String(c.name ?? '')}/${d}/${id}`];
          return src === undefined || src === 'local';
        });
      }
    }
  }
  return spec;
}

export interface FileVerification {
  file: string;
  docIndex: number;
  line: number;
  result: VerificationResult;
}

/** Reads every document of each file and verifies it. Unreadable/unparsable files throw SigningError naming the file. */
export function verifyFiles(files: string[], policy: TrustPolicy, opts: VerifyOptions = {}): FileVerification[] {
  return files.flatMap((file) => readObjects(file).map((o) => ({ file, docIndex: o.docIndex, line: o.line, result: verifyObject(o.object, policy, opts) })));
}
