/**
 * src/signing: signed SBoBs (signature.kubescape.io annotations, interoperable with the kubescape
 * node-agent fork), keys, keyless signing, sbob trust policies and piece-wise NetworkNeighborhoods.
 */
export { verifyObject, verifyFiles, type VerifyOptions, type FileVerification } from './api.ts';
export type { VerificationResult, VerificationStatus, EntryVerification, PieceVerification } from './result.ts';
export { loadTrustPolicy, parseTrustPolicy, fromUpstreamTrustPolicy, policyFromKeys, mergePolicies, type TrustPolicy, type PolicySigner } from './policy.ts';
export { checkSignature, signedObjectOf, type SignatureCheck, type SignerInfo } from './verify.ts';
export { signObject, keySigner, type Signer, type SignOptions, type SignResult } from './sign.ts';
export { keylessSigner, DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL, type KeylessOptions } from './keyless.ts';
export { treeHash, canonicalHash, contentHash, TREE_HASH, CANONICAL_HASH, type HashAlgorithm } from './jsonhash.ts';
export { ANN, contentOf, describe, signatureAnnotations, withSignatureAnnotations, type SignableObject } from './content.ts';
export { readPrivateKey, readPublicKey, encryptCosignKey, generateSigningKey, keyFingerprint, publicKeyPem, isEncryptedKeyPem, COSIGN_SCRYPT } from './keys.ts';
export { assemble, verifyAssembled, PIECES_ANNOTATION, ENTRY_SOURCES_ANNOTATION } from './pieces.ts';
export { readObjects, parseObjects, rewriteAnnotations, type FileObject } from './files.ts';
export { SigningError, KeyFormatError, WrongPasswordError, PolicyError, KeylessError } from './errors.ts';
export { buildManifest, merkleRoot, BUNDLE_MANIFEST_ANNOTATION, type BundleManifest, type BundleLeaf } from './bundle.ts';
