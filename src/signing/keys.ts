/**
 * Key handling: ECDSA P-256 keys in PEM (SEC1 "EC PRIVATE KEY", PKCS#8 "PRIVATE KEY", PKIX
 * "PUBLIC KEY") and cosign's encrypted private key format ("ENCRYPTED SIGSTORE PRIVATE KEY", legacy
 * "ENCRYPTED COSIGN PRIVATE KEY"): a JSON document with an scrypt KDF, a nacl/secretbox cipher and the
 * secretbox of a PKCS#8 DER key, all byte fields standard base64.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, scryptSync, X509Certificate, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { parsePemBlocks, toPem } from './cert.ts';
import { KeyFormatError, WrongPasswordError } from './errors.ts';

export const COSIGN_PEM_LABEL = 'ENCRYPTED SIGSTORE PRIVATE KEY';
const COSIGN_LEGACY_LABEL = 'ENCRYPTED COSIGN PRIVATE KEY';
/** scrypt parameters sbob writes (cosign's defaults); any N/r/p in a key file is honoured on read. */
export const COSIGN_SCRYPT = { N: 32768, r: 8, p: 1 } as const;

export interface EncryptedKeyJson {
  kdf: { name: string; params: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

function scryptKey(password: string, salt: Buffer, p: { N: number; r: number; p: number }): Buffer {
  return scryptSync(Buffer.from(password, 'utf8'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 * 64 });
}

export function generateSigningKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** Encrypts a private key in cosign's format; returns the PEM text. */
export function encryptCosignKey(privateKey: KeyObject, password: string, params: { N: number; r: number; p: number } = COSIGN_SCRYPT): string {
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const key = scryptKey(password, salt, params);
  const box = nacl.secretbox(new Uint8Array(pkcs8), new Uint8Array(nonce), new Uint8Array(key));
  const doc: EncryptedKeyJson = {
    kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(box).toString('base64'),
  };
  return toPem(Buffer.from(JSON.stringify(doc), 'utf8'), COSIGN_PEM_LABEL);
}

/** Opens the JSON envelope of a cosign/securesystemslib encrypted blob; returns the plaintext bytes. */
export function decryptCosignPayload(json: Buffer | string, password: string, file = 'encrypted key'): Buffer {
  let doc: EncryptedKeyJson;
  try {
    doc = JSON.parse(Buffer.from(json).toString('utf8')) as EncryptedKeyJson;
  } catch {
    throw new KeyFormatError(`${file}: the ${COSIGN_PEM_LABEL} block does not contain JSON`);
  }
  if (doc?.kdf?.name !== 'scrypt') throw new KeyFormatError(`${file}: unsupported key derivation "${doc?.kdf?.name}" (expected scrypt)`);
  if (doc?.cipher?.name !== 'nacl/secretbox') throw new KeyFormatError(`${file}: unsupported cipher "${doc?.cipher?.name}" (expected nacl/secretbox)`);
  const { N, r, p } = doc.kdf.params ?? ({} as EncryptedKeyJson['kdf']['params']);
  if (![N, r, p].every((x) => Number.isInteger(x) && x > 0) || (N & (N - 1)) !== 0 || N > 1 << 20 || r > 32 || p > 16) {
    throw new KeyFormatError(`${file}: unsupported scrypt parameters ${JSON.stringify(doc.kdf.params)}`);
  }
  const salt = Buffer.from(doc.kdf.salt ?? '', 'base64');
  const nonce = Buffer.from(doc.cipher.nonce ?? '', 'base64');
  const ct = Buffer.from(doc.ciphertext ?? '', 'base64');
  if (nonce.length !== 24 || salt.length === 0 || ct.length <= 16) throw new KeyFormatError(`${file}: truncated salt, nonce or ciphertext in the encrypted key`);
  const key = scryptKey(password, salt, { N, r, p });
  const plain = nacl.secretbox.open(new Uint8Array(ct), new Uint8Array(nonce), new Uint8Array(key));
  if (!plain) {
    throw new WrongPasswordError(`${file}: wrong password for the encrypted private key (decryption failed; check COSIGN_PASSWORD)`);
  }
  return Buffer.from(plain);
}

function decryptCosignKey(der: Buffer, password: string, file: string): KeyObject {
  const plain = decryptCosignPayload(der, password, file);
  try {
    return createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new KeyFormatError(`${file}: the decrypted key is not a PKCS#8 key (${(e as Error).message})`);
  }
}

function requireP256(key: KeyObject, file: string): KeyObject {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'P-256')) {
    throw new KeyFormatError(`${file}: unsupported key type ${key.asymmetricKeyType}${curve ? ` (${curve})` : ''}; sbob signs with ECDSA P-256 keys`);
  }
  return key;
}

export interface ReadKeyOptions {
  /** Password for encrypted keys (asked for lazily, only when needed). */
  password?: string | (() => string | Promise<string>);
  /** Name used in error messages. */
  file?: string;
}

export function isEncryptedKeyPem(text: string): boolean {
  return parsePemBlocks(text).some((b) => b.label === COSIGN_PEM_LABEL || b.label === COSIGN_LEGACY_LABEL);
}

/** Reads a private key: cosign encrypted, PKCS#8 or SEC1 PEM. The key must be ECDSA P-256. */
export async function readPrivateKey(text: string, opts: ReadKeyOptions = {}): Promise<KeyObject> {
  const file = opts.file ?? 'private key';
  const blocks = parsePemBlocks(text).filter((b) => b.label !== 'EC PARAMETERS');
  if (blocks.length === 0) {
    throw new KeyFormatError(`${file}: unknown key format: no PEM block found (expected "${COSIGN_PEM_LABEL}", "PRIVATE KEY" or "EC PRIVATE KEY")`);
  }
  const b = blocks[0]!;
  switch (b.label) {
    case COSIGN_PEM_LABEL:
    case COSIGN_LEGACY_LABEL: {
      const pw = typeof opts.password === 'function' ? await opts.password() : opts.password;
      if (pw === undefined) throw new WrongPasswordError(`${file}: the private key is encrypted; set COSIGN_PASSWORD or run interactively to be asked`);
      return requireP256(decryptCosignKey(b.der, pw, file), file);
    }
    case 'PRIVATE KEY':
    case 'EC PRIVATE KEY': {
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: b.der, format: 'der', type: b.label === 'PRIVATE KEY' ? 'pkcs8' : 'sec1' });
      } catch (e) {
        throw new KeyFormatError(`${file}: broken ${b.label} block (${(e as Error).message})`);
      }
      return requireP256(key, file);
    }
    case 'ENCRYPTED PRIVATE KEY':
      throw new KeyFormatError(`${file}: unknown key format: PKCS#8 "ENCRYPTED PRIVATE KEY" is not supported; convert it with \`openssl pkcs8 -in KEY -out plain.pem\` or use \`sbob keygen\``);
    default:
      throw new KeyFormatError(`${file}: unknown key format "${b.label}" (expected "${COSIGN_PEM_LABEL}", "PRIVATE KEY" or "EC PRIVATE KEY")`);
  }
}

/** Reads a public key from a PKIX "PUBLIC KEY" PEM or from a certificate PEM. */
export function readPublicKey(text: string, file = 'public key'): KeyObject {
  const blocks = parsePemBlocks(text);
  const b = blocks.find((x) => x.label === 'PUBLIC KEY' || x.label === 'CERTIFICATE');
  if (!b) throw new KeyFormatError(`${file}: unknown public key format: expected a "PUBLIC KEY" or "CERTIFICATE" PEM block`);
  try {
    if (b.label === 'CERTIFICATE') return new X509Certificate(b.der).publicKey;
    return createPublicKey({ key: b.der, format: 'der', type: 'spki' });
  } catch (e) {
    throw new KeyFormatError(`${file}: broken ${b.label} block (${(e as Error).message})`);
  }
}

export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'pem', type: 'spki' }).toString();
}

/** `key:` + hex(SHA-256(DER SubjectPublicKeyInfo)), the upstream signer id. */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const der = pub.export({ format: 'der', type: 'spki' });
  return `key:${createHash('sha256').update(der).digest('hex')}`;
}
