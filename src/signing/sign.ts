/**
 * Signing: message = the 64-char lowercase hex content hash as ASCII bytes; signature = DER ECDSA
 * P-256 over SHA-256 of it, base64 in the `signature` annotation (signing.md §1.1, §2).
 */
import { sign as nodeSign, type KeyObject } from 'node:crypto';
import { selfSignedCertificate, type SelfSignedOptions } from './cert.ts';
import { ANN, contentOf, describe, encodeEmbedded, isArtifact, type ContentOptions, type SignableObject } from './content.ts';
import { SigningError } from './errors.ts';
import { CANONICAL_HASH, TREE_HASH, contentHash, type HashAlgorithm } from './jsonhash.ts';

export interface SignatureMaterial {
  /** DER ECDSA signature over the message. */
  signature: Buffer;
  /** PEM of the certificate holding the verification key (self-signed or Fulcio leaf). */
  certificatePem: string;
  issuer: string;
  identity: string;
  /** PEM chain (keyless), leaf first. */
  chainPem?: string;
  /** Serialized sigstore bundle JSON (keyless). */
  rekorBundle?: string;
}

/** Something that signs a message (the 64 ASCII hex bytes of the content hash). */
export interface Signer {
  sign(message: Buffer): Promise<SignatureMaterial>;
}

/** A key-based signer: a fresh self-signed `CN=local-key` certificate per signature, as upstream. */
export function keySigner(privateKey: KeyObject, cert: SelfSignedOptions = {}): Signer {
  return {
    async sign(message) {
      return {
        signature: nodeSign('sha256', message, privateKey),
        certificatePem: selfSignedCertificate(privateKey, cert),
        issuer: 'local',
        identity: 'local-key',
      };
    },
  };
}

export interface SignOptions extends ContentOptions {
  /** Content hash algorithm; default the interoperable tree hash. */
  hash?: HashAlgorithm;
  /** Embed the signed content (default true, G3). */
  embed?: boolean;
  /** Signing time (default now). */
  now?: Date;
}

export interface SignResult {
  annotations: Record<string, string>;
  hash: string;
  algorithm: HashAlgorithm;
}

/** Computes the signature annotations for `obj`. Nothing else of the object is changed. */
export async function signObject(obj: SignableObject, signer: Signer, opts: SignOptions = {}): Promise<SignResult> {
  const algorithm = opts.hash ?? TREE_HASH;
  if (algorithm !== TREE_HASH && algorithm !== CANONICAL_HASH) throw new SigningError('content', `unknown hash algorithm "${String(algorithm)}"`);
  if (!obj || typeof obj !== 'object') throw new SigningError('content', 'cannot sign: not an object');
  if (obj.metadata !== undefined && !obj.metadata?.name) throw new SigningError('content', `cannot sign ${describe(obj)}: metadata.name is missing`);
  if (obj.metadata !== undefined && !obj.kind) throw new SigningError('content', `cannot sign ${describe(obj)}: kind is missing`);
  const content = contentOf(obj, opts);
  const hash = contentHash(content, algorithm);
  const material = await signer.sign(Buffer.from(hash, 'ascii'));
  const now = opts.now ?? new Date();
  const annotations: Record<string, string> = {
    [ANN.signature]: material.signature.toString('base64'),
    [ANN.certificate]: Buffer.from(material.certificatePem, 'utf8').toString('base64'),
    [ANN.issuer]: material.issuer,
    [ANN.identity]: material.identity,
    [ANN.timestamp]: String(Math.floor(now.getTime() / 1000)),
  };
  // upstream artifacts ({policy|config, annotations}) never carry embedded content
  if (opts.embed !== false && !isArtifact(obj)) annotations[ANN.content] = encodeEmbedded(content);
  if (material.rekorBundle) annotations[ANN.rekorBundle] = Buffer.from(material.rekorBundle, 'utf8').toString('base64');
  if (material.chainPem) annotations[ANN.chain] = Buffer.from(material.chainPem, 'utf8').toString('base64');
  if (algorithm !== TREE_HASH) annotations[ANN.hash] = algorithm;
  return { annotations, hash, algorithm };
}
