import type { SignableObject } from './content.ts';
import type { HashAlgorithm } from './jsonhash.ts';

export type VerificationStatus = 'valid' | 'tampered' | 'unsigned' | 'untrusted' | 'invalid';

export interface EntryVerification {
  /** `<container list>/<container>/<direction>/<identifier>` */
  key: string;
  /** `piece:<name>` or `local` */
  source: string;
  status: VerificationStatus;
  reason: string;
  signer?: string;
}

export interface PieceVerification {
  name: string;
  status: VerificationStatus;
  reason: string;
  signer?: string;
  signerName?: string;
  entries: string[];
}

export interface VerificationResult {
  status: VerificationStatus;
  reason: string;
  kind: string;
  name: string;
  namespace?: string;
  /** Display form of the signer: `key:<sha256>` or `<identity> via <issuer>`. */
  signer?: string;
  /** The trust policy's name for the signer. */
  signerName?: string;
  signerId?: string;
  hash?: string;
  hashAlgorithm?: HashAlgorithm;
  signedAt?: Date;
  /** The object as signed (embedded content applied). Enforce this, not the live object. */
  signedObject?: SignableObject;
  liveMatchesSigned?: boolean;
  warnings: string[];
  /** Piece-wise NetworkNeighborhood: one result per entry and per piece. */
  entries?: EntryVerification[];
  pieces?: PieceVerification[];
}

const RANK: Record<VerificationStatus, number> = { valid: 0, unsigned: 1, untrusted: 2, invalid: 3, tampered: 4 };

export function worst(a: VerificationStatus, b: VerificationStatus): VerificationStatus {
  return RANK[a] >= RANK[b] ? a : b;
}
