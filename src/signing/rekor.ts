/**
 * Offline check of the Rekor entry in a keyless signature's sigstore bundle: the signed entry
 * timestamp (SET) must verify under a trusted Rekor key, and the logged hashedrekord must be this
 * signature, this certificate and this message. The integrated time is then authenticated.
 */
import { createHash, verify as nodeVerify, type KeyObject, type X509Certificate } from 'node:crypto';
import { parsePemBlocks } from './cert.ts';
import { keyFingerprint } from './keys.ts';

interface TlogEntry {
  logIndex?: string | number;
  logId?: { keyId?: string };
  integratedTime?: string | number;
  inclusionPromise?: { signedEntryTimestamp?: string };
  canonicalizedBody?: string;
}

function canonical(v: Record<string, unknown>): string {
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(v[k])}`)
    .join(',')}}`;
}

export interface RekorCheck {
  ok: boolean;
  reason: string;
  integratedTime?: Date;
}

export function verifyRekorEntry(bundle: unknown, rekorKeys: KeyObject[], cert: X509Certificate, signature: Buffer, message: Buffer): RekorCheck {
  const entries = ((bundle as { verificationMaterial?: { tlogEntries?: TlogEntry[] } })?.verificationMaterial?.tlogEntries ?? []) as TlogEntry[];
  if (entries.length === 0) return { ok: false, reason: 'no Rekor entry in the signature bundle (signed with --no-tlog-upload?)' };
  const reasons: string[] = [];
  for (const e of entries) {
    const logID = Buffer.from(e.logId?.keyId ?? '', 'base64').toString('hex');
    const key = rekorKeys.find((k) => keyFingerprint(k) === `key:${logID}`);
    if (!key) {
      reasons.push(`Rekor entry from an unknown log ${logID.slice(0, 12)}…`);
      continue;
    }
    const payload = canonical({ body: e.canonicalizedBody ?? '', integratedTime: Number(e.integratedTime), logID, logIndex: Number(e.logIndex) });
    let setOk = false;
    try {
      setOk = nodeVerify('sha256', Buffer.from(payload), key, Buffer.from(e.inclusionPromise?.signedEntryTimestamp ?? '', 'base64'));
    } catch {
      setOk = false;
    }
    if (!setOk) {
      reasons.push('the Rekor signed entry timestamp does not verify');
      continue;
    }
    let body: { kind?: string; spec?: { data?: { hash?: { algorithm?: string; value?: string } }; signature?: { content?: string; publicKey?: { content?: string } } } };
    try {
      body = JSON.parse(Buffer.from(e.canonicalizedBody ?? '', 'base64').toString('utf8'));
    } catch {
      reasons.push('the Rekor entry body is not JSON');
      continue;
    }
    const digest = createHash('sha256').update(message).digest('hex');
    const loggedCert = parsePemBlocks(Buffer.from(body.spec?.signature?.publicKey?.content ?? '', 'base64').toString('utf8')).find((b) => b.label === 'CERTIFICATE');
    if (body.kind !== 'hashedrekord' || body.spec?.data?.hash?.value !== digest) {
      reasons.push('the Rekor entry is for other content');
      continue;
    }
    if (!Buffer.from(body.spec?.signature?.content ?? '', 'base64').equals(signature) || !loggedCert || !loggedCert.der.equals(cert.raw)) {
      reasons.push('the Rekor entry records another signature or certificate');
      continue;
    }
    return { ok: true, reason: 'Rekor entry verified', integratedTime: new Date(Number(e.integratedTime) * 1000) };
  }
  return { ok: false, reason: reasons.join('; ') };
}
