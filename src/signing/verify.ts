/**
 * Signature checks without any trust decision (upstream "allow-untrusted" plus the name binding):
 * is the object signed, is the signature over this content, which key or certificate made it.
 * Trust (which signer may sign what) is layered on top in policy.ts.
 */
import { X509Certificate, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { certificateIdentities, fulcioIssuer, parsePemBlocks } from './cert.ts';
import { ANN, annotationsOf, contentOf, decodeEmbedded, isArtifact, isSignatureAnnotation, kindOf, type SignableObject } from './content.ts';
import { SigningError } from './errors.ts';
import { HASH_ALGORITHMS, TREE_HASH, contentHash, type HashAlgorithm } from './jsonhash.ts';
import { keyFingerprint } from './keys.ts';

export type CheckStatus = 'valid' | 'tampered' | 'unsigned' | 'invalid';

export interface SignerInfo {
  /** `key:<sha256 SPKI>` for key-based signatures, `keyless:<issuer>|<identity>` for Fulcio certificates. */
  id: string;
  type: 'key' | 'keyless';
  fingerprint: string;
  publicKey: KeyObject;
  certificate?: X509Certificate;
  /** keyless: certificates after the leaf (from the chain annotation or the sigstore bundle). */
  chain: X509Certificate[];
  /** keyless: SAN identity (email or URI) from the certificate. */
  identity?: string;
  /** keyless: OIDC issuer from the Fulcio extension. */
  issuer?: string;
  /** Unauthenticated annotation values, for display only. */
  claimedIssuer?: string;
  claimedIdentity?: string;
  /** What a policy needs to check a Rekor entry: the bundle, the signature and the signed message. */
  evidence?: { rekorBundle?: unknown; signature: Buffer; message: Buffer };
}

export interface SignatureCheck {
  status: CheckStatus;
  reason: string;
  algorithm?: HashAlgorithm;
  hash?: string;
  signer?: SignerInfo;
  signedAt?: Date;
  /** Where the hashed content came from. */
  source?: 'embedded' | 'live' | 'live-with-namespace';
  /** The signed content value (embedded or rebuilt from the live object). */
  signedContent?: unknown;
  /** With embedded content: does the live object hash to the same value? */
  liveMatchesSigned?: boolean;
  /** sigstore bundle JSON, when present. */
  rekorBundle?: unknown;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function strictBase64(value: string, key: string): Buffer {
  const v = value.replace(/\s+/g, '');
  if (!v || v.length % 4 !== 0 || !B64.test(v)) throw new SigningError('annotation', `annotation ${key} is garbled: not base64`);
  return Buffer.from(v, 'base64');
}

function verifyMessage(publicKey: KeyObject, message: Buffer, sig: Buffer): boolean {
  try {
    if (nodeVerify('sha256', message, publicKey, sig)) return true;
  } catch {
    /* not DER: try P1363 below */
  }
  if (sig.length === 64) {
    try {
      return nodeVerify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
    } catch {
      return false;
    }
  }
  return false;
}

function readSigner(ann: Record<string, string>): SignerInfo {
  const raw = ann[ANN.certificate];
  if (raw === undefined || raw === '') throw new SigningError('annotation', `annotation ${ANN.certificate} is missing`);
  const pemText = strictBase64(raw, ANN.certificate).toString('utf8');
  const blocks = parsePemBlocks(pemText);
  const certBlock = blocks.find((b) => b.label === 'CERTIFICATE');
  const claimed = { claimedIssuer: ann[ANN.issuer], claimedIdentity: ann[ANN.identity] };
  if (certBlock) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certBlock.der);
    } catch (e) {
      throw new SigningError('annotation', `annotation ${ANN.certificate} is garbled: not an X.509 certificate (${(e as Error).message})`);
    }
    const publicKey = cert.publicKey;
    const fingerprint = keyFingerprint(publicKey);
    const issuer = fulcioIssuer(cert);
    const selfSigned = cert.issuer === cert.subject && safeVerify(cert, publicKey);
    const chain: X509Certificate[] = [];
    const chainAnn = ann[ANN.chain];
    if (chainAnn) {
      for (const b of parsePemBlocks(strictBase64(chainAnn, ANN.chain).toString('utf8'))) {
        if (b.label !== 'CERTIFICATE') continue;
        const c = new X509Certificate(b.der);
        if (c.fingerprint256 !== cert.fingerprint256) chain.push(c);
      }
    }
    if (!selfSigned || issuer) {
      const identity = certificateIdentities(cert)[0];
      return { id: `keyless:${issuer ?? '?'}|${identity ?? '?'}`, type: 'keyless', fingerprint, publicKey, certificate: cert, chain, identity, issuer, ...claimed };
    }
    return { id: fingerprint, type: 'key', fingerprint, publicKey, certificate: cert, chain, ...claimed };
  }
  const keyBlock = blocks.find((b) => b.label === 'PUBLIC KEY');
  let publicKey: KeyObject;
  try {
    publicKey = keyBlock ? createPublicKey({ key: keyBlock.der, format: 'der', type: 'spki' }) : createPublicKey({ key: strictBase64(raw, ANN.certificate), format: 'der', type: 'spki' });
  } catch {
    throw new SigningError('annotation', `annotation ${ANN.certificate} is garbled: neither a certificate nor a public key`);
  }
  const fingerprint = keyFingerprint(publicKey);
  return { id: fingerprint, type: 'key', fingerprint, publicKey, chain: [], ...claimed };
}

function safeVerify(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.verify(key);
  } catch {
    return false;
  }
}

function readRekorBundle(ann: Record<string, string>): { bundle?: unknown; integratedTime?: Date } {
  const raw = ann[ANN.rekorBundle];
  if (!raw) return {};
  let text: string;
  try {
    text = strictBase64(raw, ANN.rekorBundle).toString('utf8');
  } catch {
    text = raw; // upstream falls back to the raw string
  }
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch {
    throw new SigningError('annotation', `annotation ${ANN.rekorBundle} is garbled: not JSON`);
  }
  const entries = (bundle as { verificationMaterial?: { tlogEntries?: Array<{ integratedTime?: string }> } })?.verificationMaterial?.tlogEntries;
  const t = entries?.[0]?.integratedTime;
  return { bundle, integratedTime: t ? new Date(Number(t) * 1000) : undefined };
}

export interface CheckOptions {
  /** Skip the certificate validity window check (upstream allow-untrusted behaviour). */
  ignoreCertificateWindow?: boolean;
}

/** Checks the signature annotations of one object. Never throws for bad input: reports it. */
export function checkSignature(obj: SignableObject, opts: CheckOptions = {}): SignatureCheck {
  try {
    return check(obj, opts);
  } catch (e) {
    if (e instanceof SigningError) return { status: 'invalid', reason: e.message };
    return { status: 'invalid', reason: `cannot check the signature: ${(e as Error).message}` };
  }
}

function check(obj: SignableObject, opts: CheckOptions): SignatureCheck {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { status: 'invalid', reason: 'not an object' };
  const ann = annotationsOf(obj);
  const present = Object.keys(ann).filter(isSignatureAnnotation);
  for (const k of present) {
    if (typeof ann[k] !== 'string') return { status: 'invalid', reason: `annotation ${k} is garbled: its value is a ${ann[k] === null ? 'null' : typeof ann[k]}, not a string (quote it in YAML)` };
  }
  if (ann[ANN.signature] === undefined) {
    if (present.length === 0) return { status: 'unsigned', reason: 'no signature.kubescape.io annotations' };
    return { status: 'invalid', reason: `annotation ${ANN.signature} is missing (the object has ${present.join(', ')})` };
  }
  const sig = strictBase64(ann[ANN.signature]!, ANN.signature);
  const signer = readSigner(ann);
  let signedAt: Date | undefined;
  const ts = ann[ANN.timestamp];
  if (ts !== undefined && ts !== '') {
    if (!/^-?\d+$/.test(ts.trim())) throw new SigningError('annotation', `annotation ${ANN.timestamp} is garbled: "${ts.slice(0, 40)}" is not an integer (Unix seconds)`);
    signedAt = new Date(Number(ts) * 1000);
  }
  const { bundle, integratedTime } = readRekorBundle(ann);
  const algName = ann[ANN.hash] ?? TREE_HASH;
  if (!HASH_ALGORITHMS.includes(algName as HashAlgorithm)) {
    throw new SigningError('annotation', `annotation ${ANN.hash} is garbled: unknown hash algorithm "${algName}" (known: ${HASH_ALGORITHMS.join(', ')})`);
  }
  const algorithm = algName as HashAlgorithm;
  const base = { algorithm, signer, signedAt: integratedTime ?? signedAt, rekorBundle: bundle };

  // the certificate must have been valid when the signature was made
  if (signer.certificate && !opts.ignoreCertificateWindow) {
    const when = base.signedAt;
    if (!when && signer.type === 'keyless') return { ...base, status: 'invalid', reason: `keyless signature without a signing time (no ${ANN.timestamp} annotation and no Rekor entry)` };
    if (when) {
      const from = new Date(signer.certificate.validFrom);
      const to = new Date(signer.certificate.validTo);
      // one minute of clock skew, like Fulcio clients
      if (when.getTime() > to.getTime() + 60_000) {
        return { ...base, status: 'invalid', reason: `certificate expired: it was valid until ${to.toISOString()} but the signature claims ${when.toISOString()}; re-sign with a current key or certificate` };
      }
      if (when.getTime() < from.getTime() - 60_000) {
        return { ...base, status: 'invalid', reason: `certificate not yet valid at signing time ${when.toISOString()} (valid from ${from.toISOString()})` };
      }
    }
  }

  const live = isArtifact(obj) ? undefined : obj;
  if (ann[ANN.content] !== undefined) {
    if (isArtifact(obj)) return { ...base, status: 'invalid', reason: `annotation ${ANN.content} is not allowed on a ${kindOf(obj)}` };
    const embedded = decodeEmbedded(ann[ANN.content]!);
    const hash = contentHash(embedded, algorithm);
    if (!verifyMessage(signer.publicKey, Buffer.from(hash, 'ascii'), sig)) {
      return { ...base, hash, source: 'embedded', status: 'tampered', reason: `signature does not match the embedded content (content hash ${hash.slice(0, 12)}…): the content was changed after signing, or the signature belongs to another object` };
    }
    const em = embedded as SignableObject;
    const liveName = live?.metadata?.name;
    if (!em || typeof em !== 'object' || em.metadata?.name !== liveName) {
      return { ...base, hash, source: 'embedded', status: 'tampered', reason: `the signed content is for name "${String(em?.metadata?.name)}" but the object is named "${String(liveName)}"` };
    }
    const emNs = em.metadata?.namespace;
    if (typeof emNs === 'string' && emNs !== '' && emNs !== (live?.metadata?.namespace ?? '')) {
      return { ...base, hash, source: 'embedded', status: 'tampered', reason: `the signed content is bound to namespace "${emNs}" but the object is in namespace "${live?.metadata?.namespace ?? ''}"` };
    }
    if (live?.kind && em.kind && em.kind !== live.kind) {
      return { ...base, hash, source: 'embedded', status: 'tampered', reason: `the signed content is a ${em.kind} but the object is a ${live.kind}` };
    }
    signer.evidence = { rekorBundle: bundle, signature: sig, message: Buffer.from(hash, 'ascii') };
    const liveMatches = contentHash(contentOf(obj), algorithm) === hash || (algorithm === TREE_HASH && contentHash(contentOf(obj, { goQuirks: true }), algorithm) === hash);
    return {
      ...base,
      hash,
      source: 'embedded',
      signedContent: embedded,
      liveMatchesSigned: liveMatches,
      status: 'valid',
      reason: 'signature matches the embedded content',
    };
  }

  // legacy path: hash the live object (G3 shape, then G1 shape with namespace)
  const candidates: Array<[SignatureCheck['source'], unknown]> = isArtifact(obj)
    ? [['live', contentOf(obj)]]
    : [
        ['live', contentOf(obj)],
        ['live', contentOf(obj, { goQuirks: true })],
        ['live-with-namespace', contentOf(obj, { includeNamespace: true })],
        ['live-with-namespace', contentOf(obj, { includeNamespace: true, goQuirks: true })],
      ];
  const firstHash = contentHash(candidates[0]![1], algorithm);
  for (const [source, content] of candidates) {
    const hash = contentHash(content, algorithm);
    if (verifyMessage(signer.publicKey, Buffer.from(hash, 'ascii'), sig)) {
      signer.evidence = { rekorBundle: bundle, signature: sig, message: Buffer.from(hash, 'ascii') };
      return { ...base, hash, source, signedContent: content, liveMatchesSigned: true, status: 'valid', reason: 'signature matches the object content' };
    }
  }
  return { ...base, hash: firstHash, source: 'live', status: 'tampered', reason: `signature does not match the object content (content hash ${firstHash.slice(0, 12)}…): the object was changed after signing, or the signature belongs to another object` };
}

/** The object as it was signed: the live object with the embedded content's spec and labels. */
export function signedObjectOf(obj: SignableObject, check: SignatureCheck): SignableObject {
  if (check.status !== 'valid' || check.source !== 'embedded' || isArtifact(obj)) return obj;
  const em = check.signedContent as SignableObject;
  const copy = structuredClone(obj);
  copy.metadata ??= {};
  if (em.metadata && 'labels' in em.metadata) {
    if (em.metadata.labels) copy.metadata.labels = em.metadata.labels;
    else delete copy.metadata.labels;
  }
  if (em.spec !== undefined) copy.spec = em.spec;
  else delete copy.spec;
  return copy;
}
