/**
 * The verification gate every object passes before the agent uses it (built on signing's
 * `verifyObject`).
 *  - `strict` (default): the object must be signed, the signature must match its content, and the
 *    signer must be allowed by the trust policy to sign that kind in that namespace.
 *  - `allow-unsigned`: unsigned objects pass; signed ones must verify as in strict.
 *  - `off`: everything passes (for experiments only).
 * Statuses: valid, unsigned, tampered (signature does not match the content), untrusted (valid
 * signature by a signer the policy does not allow), invalid (garbled signature annotations, ...).
 */
import { verifyObject, type SignableObject, type TrustPolicy } from '../signing/index.ts';
import type { KObject } from '../model/index.ts';
import type { VerificationMode } from './config.ts';

export type GateStatus = 'valid' | 'unsigned' | 'tampered' | 'untrusted' | 'invalid' | 'unchecked';

export interface GateResult {
  accepted: boolean;
  status: GateStatus;
  reason: string;
  /** The object to use: with embedded signed content, the signed spec replaces the live one. */
  object: KObject;
  signer?: string;
}

const NO_POLICY: TrustPolicy = { name: '(none configured)', signers: [], requireLiveMatch: false };

export class VerificationGate {
  constructor(readonly mode: VerificationMode, readonly policy: TrustPolicy | undefined) {}

  check(obj: KObject): GateResult {
    if (this.mode === 'off') return { accepted: true, status: 'unchecked', reason: 'verification is off', object: obj };
    const r = verifyObject(obj as unknown as SignableObject, this.policy ?? NO_POLICY);
    if (r.status === 'unsigned') {
      if (this.mode === 'allow-unsigned') return { accepted: true, status: 'unsigned', reason: 'unsigned (allowed by verification mode allow-unsigned)', object: obj };
      return { accepted: false, status: 'unsigned', reason: `unsigned: ${r.reason} (verification mode strict requires a signature)`, object: obj };
    }
    if (r.status !== 'valid') {
      const hint = r.status === 'untrusted' && !this.policy ? ' (no trust policy is configured: set verification.trustPolicy or put a TrustPolicy in the object directory)' : '';
      return { accepted: false, status: r.status, reason: r.reason + hint, object: obj, signer: r.signer };
    }
    return { accepted: true, status: 'valid', reason: r.reason, object: (r.signedObject ?? obj) as unknown as KObject, signer: r.signer };
  }
}
