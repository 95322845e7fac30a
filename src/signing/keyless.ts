/**
 * Keyless signing through sigstore-js: an ephemeral key, a Fulcio certificate for the OIDC identity,
 * and (by default) a Rekor transparency log entry. The certificate goes into the `certificate`
 * annotation (as upstream), the serialized sigstore bundle into `rekor-bundle`.
 */
import { X509Certificate } from 'node:crypto';
import { sign as sigstoreSign } from 'sigstore';
import { certificateIdentities, fulcioIssuer, toPem } from './cert.ts';
import { KeylessError } from './errors.ts';
import type { Signer } from './sign.ts';

export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

export interface KeylessOptions {
  identityToken: string;
  fulcioURL?: string;
  rekorURL?: string;
  /** Record the signature in Rekor (default true). */
  tlogUpload?: boolean;
  timeoutMs?: number;
  retries?: number;
}

export function jwtClaims(token: string): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length < 2) throw new KeylessError('the identity token is not a JWT (expected header.payload.signature)');
  try {
    return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new KeylessError('the identity token is not a JWT: its payload is not base64url JSON');
  }
}

interface SerializedBundleLike {
  verificationMaterial?: {
    certificate?: { rawBytes: string };
    x509CertificateChain?: { certificates: Array<{ rawBytes: string }> };
  };
  messageSignature?: { signature: string };
}

export function keylessSigner(opts: KeylessOptions): Signer {
  const claims = jwtClaims(opts.identityToken);
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) {
    throw new KeylessError(`the identity token expired at ${new Date(claims.exp * 1000).toISOString()}; get a fresh OIDC token`);
  }
  return {
    async sign(message) {
      let bundle: SerializedBundleLike;
      try {
        bundle = (await sigstoreSign(message, {
          identityToken: opts.identityToken,
          fulcioURL: opts.fulcioURL ?? DEFAULT_FULCIO_URL,
          rekorURL: opts.rekorURL ?? DEFAULT_REKOR_URL,
          tlogUpload: opts.tlogUpload ?? true,
          timeout: opts.timeoutMs ?? 10_000,
          retry: { retries: opts.retries ?? 1 },
        })) as unknown as SerializedBundleLike;
      } catch (e) {
        throw new KeylessError(`keyless signing failed (Fulcio ${opts.fulcioURL ?? DEFAULT_FULCIO_URL}, Rekor ${opts.rekorURL ?? DEFAULT_REKOR_URL}): ${(e as Error).message}`);
      }
      const vm = bundle.verificationMaterial ?? {};
      const raws = vm.certificate ? [vm.certificate.rawBytes] : (vm.x509CertificateChain?.certificates ?? []).map((c) => c.rawBytes);
      if (!raws.length || !bundle.messageSignature) throw new KeylessError('keyless signing returned a bundle without certificate or signature');
      const pems = raws.map((r) => toPem(Buffer.from(r, 'base64'), 'CERTIFICATE'));
      const leaf = new X509Certificate(Buffer.from(raws[0]!, 'base64'));
      return {
        signature: Buffer.from(bundle.messageSignature.signature, 'base64'),
        certificatePem: pems[0]!,
        chainPem: pems.join(''),
        issuer: fulcioIssuer(leaf) ?? String(claims.iss ?? ''),
        identity: certificateIdentities(leaf)[0] ?? String(claims.email ?? claims.sub ?? ''),
        rekorBundle: JSON.stringify(bundle),
      };
    },
  };
}
