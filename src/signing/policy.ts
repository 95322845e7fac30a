/**
 * sbob's trust policy (`apiVersion: sbob.io/v1alpha1, kind: TrustPolicy`, see docs/trust-policy.md):
 * which signers (key fingerprints, or keyless identity + issuer under a Fulcio root) may sign which
 * kinds in which namespaces, and which hosts/CIDRs each may vouch for in network entries.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { verifyRekorEntry } from './rekor.ts';
import { basename, dirname, resolve } from 'node:path';
import YAML from 'yaml';
import { parsePemBlocks } from './cert.ts';
import { PolicyError } from './errors.ts';
import { keyFingerprint, readPublicKey } from './keys.ts';
import { ScopeMatcher, networkEntries, type NetworkScope } from './network.ts';
import { checkSignature, type SignerInfo } from './verify.ts';
import type { SignableObject } from './content.ts';

export const POLICY_API_VERSION = 'sbob.io/v1alpha1';
export const POLICY_KIND = 'TrustPolicy';

export interface AllowRule {
  kinds: string[];
  namespaces: string[];
  /** Labels the signed content must carry (e.g. the upstream fragment class). */
  labels?: Record<string, string>;
  /** Rules objects: rule ids the signer may ship ('*' = any). */
  ruleIds?: string[];
}

export interface KeylessIdentity {
  issuer: string;
  identity?: string;
  identityRegExp?: RegExp;
  roots: X509Certificate[];
  intermediates: X509Certificate[];
  /** When set, a valid Rekor entry from one of these logs is required. */
  rekorKeys: KeyObject[];
}

export interface PolicySigner {
  name: string;
  fingerprint?: string;
  keyless?: KeylessIdentity;
  allow: AllowRule[];
  network?: NetworkScope;
}

export interface TrustPolicy {
  name: string;
  /** file the policy was read from (for messages) */
  source?: string;
  signers: PolicySigner[];
  /** Treat a live object that differs from its embedded signed content as tampered. */
  requireLiveMatch: boolean;
}

function fail(file: string, field: string, msg: string): never {
  throw new PolicyError(`${file}: trust policy field ${field}: ${msg}`);
}

function strList(v: unknown, file: string, field: string, dflt?: string[]): string[] {
  if (v === undefined || v === null) {
    if (dflt) return dflt;
    fail(file, field, 'is required (a list of strings)');
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) fail(file, field, 'must be a list of non-empty strings');
  return v as string[];
}

function readPemSource(v: unknown, file: string, field: string, baseDir: string): string {
  if (typeof v !== 'string' || !v) fail(file, field, 'must be a PEM string or a file path');
  if (v.includes('-----BEGIN')) return v;
  try {
    return readFileSync(resolve(baseDir, v), 'utf8');
  } catch (e) {
    fail(file, field, `cannot read ${v}: ${(e as Error).message}`);
  }
}

function certs(v: unknown, file: string, field: string, baseDir: string, required: boolean): X509Certificate[] {
  if (v === undefined || v === null) {
    if (required) fail(file, field, 'is required (PEM certificates or file paths)');
    return [];
  }
  const list = Array.isArray(v) ? v : [v];
  const out: X509Certificate[] = [];
  list.forEach((item, i) => {
    const pem = readPemSource(item, file, `${field}[${i}]`, baseDir);
    const blocks = parsePemBlocks(pem).filter((b) => b.label === 'CERTIFICATE');
    if (!blocks.length) fail(file, `${field}[${i}]`, 'contains no CERTIFICATE PEM block');
    for (const b of blocks) out.push(new X509Certificate(b.der));
  });
  return out;
}

/** Validates a parsed policy document. `file` is used in messages, `baseDir` for relative key paths. */
export function parseTrustPolicy(doc: unknown, file = 'trust policy', baseDir = '.'): TrustPolicy {
  if (!doc || typeof doc !== 'object') fail(file, '(document)', 'must be a YAML mapping');
  const d = doc as Record<string, unknown>;
  if (d.apiVersion !== POLICY_API_VERSION) fail(file, 'apiVersion', `must be "${POLICY_API_VERSION}" (found ${JSON.stringify(d.apiVersion)})`);
  if (d.kind !== POLICY_KIND) fail(file, 'kind', `must be "${POLICY_KIND}" (found ${JSON.stringify(d.kind)})`);
  const meta = (d.metadata ?? {}) as Record<string, unknown>;
  const spec = d.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== 'object') fail(file, 'spec', 'is required');
  if (!Array.isArray(spec.signers) || spec.signers.length === 0) fail(file, 'spec.signers', 'must be a non-empty list');
  const names = new Set<string>();
  const signers = (spec.signers as unknown[]).map((raw, i): PolicySigner => {
    const f = `spec.signers[${i}]`;
    if (!raw || typeof raw !== 'object') fail(file, f, 'must be a mapping');
    const s = raw as Record<string, unknown>;
    if (typeof s.name !== 'string' || !s.name) fail(file, `${f}.name`, 'is required');
    if (names.has(s.name)) fail(file, `${f}.name`, `duplicate signer name "${s.name}"`);
    names.add(s.name);
    const out: PolicySigner = { name: s.name, allow: [] };
    if (s.key !== undefined && s.keyless !== undefined) fail(file, f, 'has both key and keyless; use one');
    if (s.key !== undefined) {
      const k = s.key as Record<string, unknown>;
      if (!k || typeof k !== 'object') fail(file, `${f}.key`, 'must be a mapping with fingerprint, publicKey or publicKeyFile');
      const fps: string[] = [];
      if (k.fingerprint !== undefined) {
        if (typeof k.fingerprint !== 'string' || !/^key:[0-9a-f]{64}$/.test(k.fingerprint)) fail(file, `${f}.key.fingerprint`, 'must be "key:" followed by 64 lowercase hex characters (SHA-256 of the DER public key)');
        fps.push(k.fingerprint);
      }
      for (const field of ['publicKey', 'publicKeyFile'] as const) {
        if (k[field] === undefined) continue;
        const pem = readPemSource(k[field], file, `${f}.key.${field}`, baseDir);
        try {
          fps.push(keyFingerprint(readPublicKey(pem, `${file} ${f}.key.${field}`)));
        } catch (e) {
          fail(file, `${f}.key.${field}`, (e as Error).message);
        }
      }
      if (fps.length === 0) fail(file, `${f}.key`, 'needs fingerprint, publicKey or publicKeyFile');
      if (new Set(fps).size > 1) fail(file, `${f}.key`, `fingerprint and public key disagree (${fps.join(' vs ')})`);
      out.fingerprint = fps[0];
    } else if (s.keyless !== undefined) {
      const k = s.keyless as Record<string, unknown>;
      if (!k || typeof k !== 'object') fail(file, `${f}.keyless`, 'must be a mapping');
      if (typeof k.issuer !== 'string' || !k.issuer) fail(file, `${f}.keyless.issuer`, 'is required (the OIDC issuer URL)');
      if (k.identity === undefined && k.identityRegExp === undefined) fail(file, `${f}.keyless`, 'needs identity or identityRegExp');
      let re: RegExp | undefined;
      if (k.identityRegExp !== undefined) {
        try {
          re = new RegExp(`^(?:${String(k.identityRegExp)})$`);
        } catch (e) {
          fail(file, `${f}.keyless.identityRegExp`, (e as Error).message);
        }
      }
      out.keyless = {
        issuer: k.issuer,
        identity: typeof k.identity === 'string' ? k.identity : undefined,
        identityRegExp: re,
        roots: certs(k.fulcioRoots, file, `${f}.keyless.fulcioRoots`, baseDir, true),
        intermediates: certs(k.intermediates, file, `${f}.keyless.intermediates`, baseDir, false),
        rekorKeys: (k.rekorPublicKeys === undefined ? [] : Array.isArray(k.rekorPublicKeys) ? k.rekorPublicKeys : [k.rekorPublicKeys]).map((v, j) => {
          const field = `${f}.keyless.rekorPublicKeys[${j}]`;
          try {
            return readPublicKey(readPemSource(v, file, field, baseDir), `${file} ${field}`);
          } catch (e) {
            if (e instanceof PolicyError) throw e;
            fail(file, field, (e as Error).message);
          }
        }),
      };
    } else fail(file, f, 'needs key or keyless');
    const allow = s.allow ?? [{ kinds: ['*'], namespaces: ['*'] }];
    if (!Array.isArray(allow)) fail(file, `${f}.allow`, 'must be a list of {kinds, namespaces}');
    out.allow = allow.map((a, j) => {
      const r = (a ?? {}) as Record<string, unknown>;
      const rule: AllowRule = { kinds: strList(r.kinds, file, `${f}.allow[${j}].kinds`), namespaces: strList(r.namespaces, file, `${f}.allow[${j}].namespaces`, ['*']) };
      if (r.labels !== undefined) {
        if (!r.labels || typeof r.labels !== 'object' || Object.values(r.labels).some((v) => typeof v !== 'string')) fail(file, `${f}.allow[${j}].labels`, 'must be a map of label name to string value');
        rule.labels = r.labels as Record<string, string>;
      }
      if (r.ruleIds !== undefined) rule.ruleIds = strList(r.ruleIds, file, `${f}.allow[${j}].ruleIds`);
      return rule;
    });
    if (s.network !== undefined) {
      const n = (s.network ?? {}) as Record<string, unknown>;
      const cidrs = strList(n.cidrs, file, `${f}.network.cidrs`, []);
      for (const [j, c] of cidrs.entries()) if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(c)) fail(file, `${f}.network.cidrs[${j}]`, `"${c}" is not a CIDR`);
      out.network = { hosts: strList(n.hosts, file, `${f}.network.hosts`, []), cidrs, selectors: n.selectors === true };
    }
    return out;
  });
  return {
    name: typeof meta.name === 'string' && meta.name ? meta.name : basename(file),
    source: file,
    signers,
    requireLiveMatch: spec.requireLiveMatch === true,
  };
}

export interface LoadPolicyOptions {
  /** PEM public key of the root that must have signed an upstream (kubescape fork) trust policy. */
  upstreamRootPem?: string;
}

/**
 * Reads and validates a trust policy file: an sbob TrustPolicy (YAML/JSON), or the kubescape fork's
 * root-signed `{policy, annotations}` JSON when `upstreamRootPem` is given.
 */
export function loadTrustPolicy(file: string, opts: LoadPolicyOptions = {}): TrustPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PolicyError(`${file}: cannot read the trust policy: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new PolicyError(`${file}: the trust policy is not valid YAML: ${(e as Error).message}`);
  }
  const d = doc as Record<string, unknown> | null;
  if (d && typeof d === 'object' && 'policy' in d && 'annotations' in d && d.kind === undefined) {
    if (!opts.upstreamRootPem) throw new PolicyError(`${file}: this is a kubescape-fork signed trust policy; pass the root public key that signed it (--policy-root PUB)`);
    const root = keyFingerprint(readPublicKey(opts.upstreamRootPem, 'policy root'));
    const c = checkSignature(d as SignableObject);
    if (c.status !== 'valid') throw new PolicyError(`${file}: the signed trust policy is ${c.status}: ${c.reason}`);
    if (c.signer?.fingerprint !== root) throw new PolicyError(`${file}: the trust policy is signed by ${c.signer?.fingerprint}, not by the policy root ${root}`);
    return { ...fromUpstreamTrustPolicy(d.policy, basename(file)), source: file };
  }
  return parseTrustPolicy(doc, file, dirname(file));
}

/** A policy trusting exactly these public keys for everything (`sbob verify --key PUB`). */
export function policyFromKeys(keys: Array<{ name: string; pem: string }>): TrustPolicy {
  return {
    name: keys.length === 1 ? `--key ${keys[0]!.name}` : `--key (${keys.length} keys)`,
    signers: keys.map((k) => ({ name: k.name, fingerprint: keyFingerprint(readPublicKey(k.pem, k.name)), allow: [{ kinds: ['*'], namespaces: ['*'] }] })),
    requireLiveMatch: false,
  };
}

/** Combines several policies: a signer trusted by any of them is trusted. */
export function mergePolicies(policies: TrustPolicy[]): TrustPolicy {
  if (policies.length === 1) return policies[0]!;
  return {
    name: policies.map((p) => p.name).join(' + '),
    signers: policies.flatMap((p) => p.signers),
    requireLiveMatch: policies.some((p) => p.requireLiveMatch),
  };
}

function glob(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

function chainsTo(leaf: X509Certificate, pool: X509Certificate[], roots: X509Certificate[]): boolean {
  let cur = leaf;
  for (let depth = 0; depth < 5; depth++) {
    for (const r of roots) if (issued(r, cur)) return true;
    const next = pool.find((c) => c.fingerprint256 !== cur.fingerprint256 && issued(c, cur));
    if (!next) return false;
    cur = next;
  }
  return false;
}

function issued(parent: X509Certificate, child: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

/** Policy signers that match the cryptographic signer (before kind/namespace checks). */
export function matchSigners(policy: TrustPolicy, signer: SignerInfo): PolicySigner[] {
  return policy.signers.filter((p) => {
    // a pinned key is trusted whatever certificate carries it (self-signed or issued by some CA)
    if (p.fingerprint) return p.fingerprint === signer.fingerprint;
    const k = p.keyless;
    if (!k || signer.type !== 'keyless' || !signer.certificate) return false;
    if (signer.issuer !== k.issuer) return false;
    const id = signer.identity ?? '';
    if (k.identity !== undefined && k.identity !== id) return false;
    if (k.identityRegExp && !k.identityRegExp.test(id)) return false;
    if (!chainsTo(signer.certificate, [...signer.chain, ...k.intermediates], k.roots)) return false;
    if (k.rekorKeys.length === 0) return true;
    const ev = signer.evidence;
    return !!ev && verifyRekorEntry(ev.rekorBundle, k.rekorKeys, signer.certificate, ev.signature, ev.message).ok;
  });
}

export function describeSigner(signer: SignerInfo): string {
  if (signer.type === 'keyless') return `${signer.identity ?? '(no identity)'} via ${signer.issuer ?? '(no issuer)'}`;
  return signer.fingerprint;
}

export interface Authorisation {
  ok: boolean;
  reason: string;
  signer?: PolicySigner;
}

/**
 * May `signer` sign a `kind` object in `namespace` whose signed spec is `spec`? For network kinds every
 * entry must be inside the signer's network scope (when the signer has one).
 */
export function authorise(policy: TrustPolicy, signer: SignerInfo, kind: string, namespace: string, spec: unknown, labels?: Record<string, string> | null): Authorisation {
  const candidates = matchSigners(policy, signer);
  if (candidates.length === 0) {
    let extra = '';
    if (signer.type === 'keyless') {
      extra = ' (or its certificate does not chain to the listed Fulcio roots)';
      const withRekor = policy.signers.filter((p) => p.keyless && p.keyless.issuer === signer.issuer && p.keyless.rekorKeys.length);
      if (withRekor.length && signer.certificate && signer.evidence) {
        const r = verifyRekorEntry(signer.evidence.rekorBundle, withRekor.flatMap((p) => p.keyless!.rekorKeys), signer.certificate, signer.evidence.signature, signer.evidence.message);
        if (!r.ok) extra = ` (Rekor: ${r.reason})`;
      }
    }
    return { ok: false, reason: `signer ${describeSigner(signer)} is not in trust policy "${policy.name}"${extra}` };
  }
  let last = '';
  for (const c of candidates) {
    const rules = c.allow.filter(
      (a) => a.kinds.some((k) => k === '*' || k === kind) && a.namespaces.some((n) => glob(n, namespace)) && Object.entries(a.labels ?? {}).every(([k, v]) => labels?.[k] === v),
    );
    if (rules.length === 0) {
      last = `signer "${c.name}" (${describeSigner(signer)}) may not sign ${kind} in namespace "${namespace || '(none)'}"${c.allow.some((a) => a.labels) ? ` with labels ${JSON.stringify(labels ?? {})}` : ''} under trust policy "${policy.name}"`;
      continue;
    }
    if (kind === 'Rules') {
      const ids = ruleIdsOf(spec);
      const ok = rules.some((a) => !a.ruleIds || a.ruleIds.includes('*') || ids.every((id) => a.ruleIds!.includes(id)));
      if (!ok) {
        const allowedIds = [...new Set(rules.flatMap((a) => a.ruleIds ?? []))];
        const bad = ids.filter((id) => !allowedIds.includes(id));
        last = `signer "${c.name}" may not ship rule(s) ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ` (+${bad.length - 5} more)` : ''} (allowed: ${allowedIds.join(', ')})`;
        continue;
      }
    }
    if (c.network && (kind === 'NetworkNeighborhood' || kind === 'ContainerProfile')) {
      const m = new ScopeMatcher(c.network);
      const bad = networkEntries(spec)
        .map((e) => ({ e, why: m.violation(e.entry) }))
        .find((x) => x.why);
      if (bad) {
        last = `signer "${c.name}" may not vouch for entry ${bad.e.key}: ${bad.why}`;
        continue;
      }
    }
    return { ok: true, reason: `signed by "${c.name}" (${describeSigner(signer)})`, signer: c };
  }
  return { ok: false, reason: last };
}

function ruleIdsOf(spec: unknown): string[] {
  const rules = (spec as { rules?: Array<{ id?: unknown }> } | undefined)?.rules;
  return Array.isArray(rules) ? rules.map((r) => String(r?.id ?? '')) : [];
}

/**
 * Converts the kubescape fork's trust policy (`classes`, `ruleClasses`, signature.md §6.3) into an sbob
 * policy: each class becomes allow rules keyed on the signed `signature.kubescape.io/fragment-class`
 * label. `allowedSpecPaths` and `bindingClasses` are not mapped.
 */
export function fromUpstreamTrustPolicy(upstream: unknown, name = 'upstream'): TrustPolicy {
  const u = (upstream ?? {}) as { classes?: Record<string, { signers?: string[] }>; ruleClasses?: Record<string, { signers?: string[]; allowedRuleIDs?: string[] }> };
  const bySigner = new Map<string, AllowRule[]>();
  const add = (fp: string, rule: AllowRule) => bySigner.set(fp, [...(bySigner.get(fp) ?? []), rule]);
  const label = 'signature.kubescape.io/fragment-class';
  for (const [cls, c] of Object.entries(u.classes ?? {})) for (const fp of c.signers ?? []) add(fp, { kinds: ['ContainerProfile'], namespaces: ['*'], labels: { [label]: cls } });
  for (const [cls, c] of Object.entries(u.ruleClasses ?? {})) for (const fp of c.signers ?? []) add(fp, { kinds: ['Rules'], namespaces: ['*'], labels: { [label]: cls }, ruleIds: c.allowedRuleIDs ?? [] });
  return {
    name,
    signers: [...bySigner.entries()].map(([fingerprint, allow]) => ({ name: fingerprint.slice(0, 16), fingerprint, allow })),
    requireLiveMatch: false,
  };
}
