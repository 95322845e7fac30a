/**
 * X.509 helpers: the self-signed "local-key" certificate that upstream stores in the `certificate`
 * annotation for key-based signatures (signing.md §2), and extension reading for Fulcio certificates.
 */
import { X509Certificate, createPublicKey, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { bitString, bool, decodeOid, explicit, octets, oid, parseDer, seq, set, time, uint, utf8, type DerNode } from './der.ts';

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_CN = '2.5.4.3';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
/** Fulcio OIDC issuer extensions: v1 (raw string) and v2 (DER UTF8String). */
export const FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
export const FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

export interface SelfSignedOptions {
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
}

/** A fresh self-signed certificate around `privateKey` (CN=local-key, codeSigning, CA:false). */
export function selfSignedCertificate(privateKey: KeyObject, opts: SelfSignedOptions = {}): string {
  const cn = opts.commonName ?? 'local-key';
  const notBefore = opts.notBefore ?? new Date();
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + 365 * 24 * 3600 * 1000);
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const name = seq(set(seq(oid(OID_CN), utf8(cn))));
  const alg = seq(oid(ECDSA_SHA256));
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const extensions = seq(
    seq(oid(OID_KEY_USAGE), bool(true), octets(bitString(Buffer.from([0x80]), 7))),
    seq(oid(OID_EXT_KEY_USAGE), octets(seq(oid(OID_CODE_SIGNING)))),
    seq(oid(OID_BASIC_CONSTRAINTS), bool(true), octets(seq())),
  );
  const tbs = seq(explicit(0, uint(Buffer.from([2]))), uint(serial), alg, name, seq(time(notBefore), time(notAfter)), name, spki, explicit(3, extensions));
  const sig = nodeSign('sha256', tbs, privateKey);
  const der = seq(tbs, alg, bitString(sig));
  return toPem(der, 'CERTIFICATE');
}

export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export interface PemBlock {
  label: string;
  der: Buffer;
}

export function parsePemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = m[2]!.replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '');
    out.push({ label: m[1]!, der: Buffer.from(body, 'base64') });
  }
  return out;
}

/** Extension values by OID (the extnValue OCTET STRING contents). */
export function certificateExtensions(cert: X509Certificate): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const [certNode] = parseDer(cert.raw);
  const tbs = certNode?.children?.[0];
  const ext = tbs?.children?.find((c) => c.tag === 0xa3);
  const list = ext?.children?.[0]?.children ?? [];
  for (const e of list) {
    const kids = e.children ?? [];
    const id = kids[0];
    const value = kids[kids.length - 1];
    if (id?.tag === 0x06 && value?.tag === 0x04) out.set(decodeOid(id.body), value.body);
  }
  return out;
}

/** The OIDC issuer Fulcio recorded in the certificate, if any. */
export function fulcioIssuer(cert: X509Certificate): string | undefined {
  const ext = certificateExtensions(cert);
  const v2 = ext.get(FULCIO_ISSUER_V2);
  if (v2) {
    try {
      const [n] = parseDer(v2) as DerNode[];
      if (n) return n.body.toString('utf8');
    } catch {
      /* fall through to v1 */
    }
  }
  const v1 = ext.get(FULCIO_ISSUER_V1);
  return v1 ? v1.toString('utf8') : undefined;
}

/** Identities in the SAN (email and URI entries), then the subject CN. */
export function certificateIdentities(cert: X509Certificate): string[] {
  const out: string[] = [];
  for (const part of (cert.subjectAltName ?? '').split(/,\s*/)) {
    const m = /^(email|URI):(.*)$/.exec(part.trim());
    if (m) out.push(m[2]!);
  }
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject);
  if (cn) out.push(cn[1]!);
  return out;
}
