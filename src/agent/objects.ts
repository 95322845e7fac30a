/**
 * The object source: a directory of YAML/JSON files (profiles, Rules, bindings, trust policies),
 * scanned at start, then watched (fs.watch + debounce) with a periodic rescan as fallback. Every
 * object passes the verification gate; the store keeps, per `Kind/namespace/name`, the last version
 * that passed. A failed update leaves the last good version in force and is reported as such (the
 * agent turns it into an R1016 alert). Removing an object from its file, or the file, unloads it.
 * A file that does not parse is reported (file, line, object, field) and its previous objects stay
 * in force until it parses again.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { listObjectFiles, parseDocuments, type KObject, type LoadedObject, type ModelError } from '../model/index.ts';
import { parseTrustPolicy, mergePolicies, loadTrustPolicy, type TrustPolicy } from '../signing/policy.ts';
import { VerificationGate, type GateStatus } from './verify.ts';
import type { VerificationMode } from './config.ts';

export const PROFILE_KINDS = ['ApplicationProfile', 'NetworkNeighborhood', 'ContainerProfile'] as const;

export interface ObjectEntry {
  key: string;
  kind: string;
  namespace: string;
  name: string;
  object: KObject;
  /** The object with its source position (for compile errors naming file and line). */
  loaded: LoadedObject;
  file: string;
  line: number;
  /** sha256 of the object's JSON as loaded (live form), to detect updates. */
  hash: string;
  status: GateStatus;
}

export interface Rejection {
  file: string;
  line: number;
  key: string;
  kind: string;
  namespace: string;
  name: string;
  status: GateStatus | 'invalid-object';
  reason: string;
  /** A previously verified version of the same object stays in force. */
  keptPrevious: boolean;
}

export interface StoreChanges {
  rules: boolean;
  bindings: boolean;
  upserted: ObjectEntry[];
  removed: Array<{ kind: string; namespace: string; name: string }>;
}

export interface ObjectStoreOptions {
  dir: string;
  mode: VerificationMode;
  /** A trust policy file outside the object directory; when set, TrustPolicy objects in the directory are ignored. */
  trustPolicyFile?: string;
  onRejected(r: Rejection): void;
  onLoadError(err: ModelError | Error, file: string): void;
  onChanges(c: StoreChanges): void;
  onInfo(obj: object, msg: string): void;
}

interface FileState {
  stat: string;
  hash: string;
  keys: string[];
  policy?: TrustPolicy;
}

const keyOf = (kind: string, ns: string, name: string): string => `${kind}/${ns}/${name}`;
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export class ObjectStore {
  readonly entries = new Map<string, ObjectEntry>();
  private files = new Map<string, FileState>();
  private gate: VerificationGate;
  private policyKey = '';
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private scanning = false;
  private reverify = false;
  private scanAgain = false;
  scans = 0;

  constructor(private readonly opts: ObjectStoreOptions) {
    this.gate = new VerificationGate(opts.mode, opts.trustPolicyFile ? loadTrustPolicy(opts.trustPolicyFile) : undefined);
  }

  get policy(): TrustPolicy | undefined {
    return this.gate.policy;
  }

  /** Entries of one kind, in file/line order. */
  list(kind: string): ObjectEntry[] {
    return [...this.entries.values()]
      .filter((e) => e.kind === kind)
      .sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  }

  /** Rescans the directory; safe to call concurrently (coalesced). */
  scan(): void {
    if (this.scanning) { this.scanAgain = true; return; }
    this.scanning = true;
    try {
      do {
        this.scanAgain = false;
        this.scanOnce();
      } while (this.scanAgain);
    } finally {
      this.scanning = false;
    }
  }

  private scanOnce(): void {
    this.scans++;
    let listing: string[];
    try {
      listing = listObjectFiles(this.opts.dir);
    } catch (err) {
      this.opts.onLoadError(new Error(`object directory ${this.opts.dir}: ${(err as Error).message}`), this.opts.dir);
      return;
    }
    const changes: StoreChanges = { rules: false, bindings: false, upserted: [], removed: [] };
    // 1. read changed files
    const parsed: Array<{ file: string; text: string; hash: string; stat: string }> = [];
    for (const file of listing) {
      let stat: string;
      try {
        const st = statSync(file);
        stat = `${st.mtimeMs}:${st.size}:${st.ino}`;
      } catch {
        continue; // vanished between listing and stat
      }
      const prev = this.files.get(file);
      if (prev && prev.stat === stat) continue;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        this.opts.onLoadError(new Error(`${file}: cannot read: ${(err as Error).message}`), file);
        continue;
      }
      const hash = sha(text);
      if (prev && prev.hash === hash) { prev.stat = stat; continue; }
      parsed.push({ file, text, hash, stat });
    }
    const present = new Set(listing);
    const deleted = [...this.files.keys()].filter((f) => !present.has(f));

    // 2. trust policies from the directory (unless a policy file is configured)
    let policyChanged = false;
    const docs = new Map<string, ReturnType<typeof parseDocuments>>();
    for (const p of parsed) docs.set(p.file, parseDocuments(p.text, p.file));
    const policyFiles = new Map<string, TrustPolicy | undefined>();
    if (!this.opts.trustPolicyFile) {
      const policies: TrustPolicy[] = [];
      for (const p of parsed) {
        const pol = docs.get(p.file)!.objects.filter((o) => o.object.kind === 'TrustPolicy');
        let policy: TrustPolicy | undefined;
        for (const o of pol) {
          try {
            const one = parseTrustPolicy(o.object, p.file, dirname(p.file));
            policy = policy ? mergePolicies([policy, one]) : one;
          } catch (err) {
            this.opts.onLoadError(err as Error, p.file);
          }
        }
        policyFiles.set(p.file, policy);
      }
      for (const [file, st] of this.files) {
        if (!present.has(file)) continue;
        const fresh = policyFiles.has(file) ? policyFiles.get(file) : st.policy;
        if (fresh) policies.push(fresh);
      }
      for (const [file, pol] of policyFiles) if (!this.files.has(file) && pol) policies.push(pol);
      const key = policies.map((p) => `${p.source}:${p.signers.map((s) => s.fingerprint ?? s.name).join(',')}`).sort().join('|');
      if (key !== this.policyKey) {
        this.policyKey = key;
        this.gate = new VerificationGate(this.opts.mode, policies.length ? mergePolicies(policies) : undefined);
        policyChanged = this.scans > 1;
        this.opts.onInfo({ trustPolicies: policies.map((p) => p.source ?? p.name) }, 'trust policy loaded');
      }
      if (policyChanged) {
        // re-verify everything under the new policy: forget file states and re-read all files
        this.files.clear();
        this.reverify = true;
        this.scanAgain = true;
        return;
      }
    }

    // 3. apply parsed files
    for (const p of parsed) {
      const r = docs.get(p.file)!;
      const prevState = this.files.get(p.file);
      if (r.errors.length) {
        for (const e of r.errors) this.opts.onLoadError(e, p.file);
        // keep the previous state in force; remember the hash so the same broken text is reported once
        this.files.set(p.file, { stat: p.stat, hash: p.hash, keys: prevState?.keys ?? [], policy: prevState?.policy });
        continue;
      }
      const keys: string[] = [];
      const policy: TrustPolicy | undefined = policyFiles.has(p.file) ? policyFiles.get(p.file) : prevState?.policy;
      for (const lo of r.objects) {
        const obj = lo.object;
        const kind = obj.kind;
        if (kind === 'TrustPolicy') {
          if (this.opts.trustPolicyFile) this.opts.onInfo({ file: p.file }, 'TrustPolicy in the object directory ignored: verification.trustPolicy is set');
          continue;
        }
        const ns = obj.metadata?.namespace ?? '';
        const name = obj.metadata?.name ?? '';
        const key = keyOf(kind, ns, name);
        keys.push(key);
        const hash = sha(JSON.stringify(obj));
        const existing = this.entries.get(key);
        const same = existing !== undefined && existing.hash === hash && existing.file === p.file;
        if (same && !this.reverify) continue;
        const g = this.gate.check(obj);
        if (!g.accepted) {
          // under a changed trust policy, an object that no longer verifies is unloaded, not kept
          const revoked = same && this.reverify;
          if (revoked) this.remove(changes, existing!);
          this.opts.onRejected({ file: p.file, line: lo.source.line, key, kind, namespace: ns, name, status: g.status, reason: g.reason, keptPrevious: existing !== undefined && !revoked });
          continue;
        }
        if (same) continue;
        if (existing && existing.file !== p.file) {
          this.opts.onInfo({ object: key, file: p.file, previousFile: existing.file }, 'object defined in more than one file; the later one wins');
        }
        const entry: ObjectEntry = { key, kind, namespace: ns, name, object: g.object, loaded: { ...lo, object: g.object }, file: p.file, line: lo.source.line, hash, status: g.status };
        this.entries.set(key, entry);
        this.note(changes, entry);
      }
      // objects that disappeared from this file
      for (const k of prevState?.keys ?? []) {
        if (keys.includes(k)) continue;
        const e = this.entries.get(k);
        if (e && e.file === p.file) this.remove(changes, e);
      }
      this.files.set(p.file, { stat: p.stat, hash: p.hash, keys, policy });
    }
    for (const file of deleted) {
      const st = this.files.get(file)!;
      this.files.delete(file);
      for (const k of st.keys) {
        const e = this.entries.get(k);
        if (e && e.file === file) this.remove(changes, e);
      }
      if (st.policy && !this.opts.trustPolicyFile) this.scanAgain = true; // policy set changed
    }
    this.reverify = false;
    if (changes.rules || changes.bindings || changes.upserted.length || changes.removed.length) this.opts.onChanges(changes);
  }

  private note(c: StoreChanges, e: ObjectEntry): void {
    if (e.kind === 'Rules') c.rules = true;
    else if (e.kind === 'RuntimeRuleAlertBinding') c.bindings = true;
    else if ((PROFILE_KINDS as readonly string[]).includes(e.kind)) c.upserted.push(e);
  }

  private remove(c: StoreChanges, e: ObjectEntry): void {
    this.entries.delete(e.key);
    this.opts.onInfo({ object: e.key, file: e.file }, 'object unloaded');
    if (e.kind === 'Rules') c.rules = true;
    else if (e.kind === 'RuntimeRuleAlertBinding') c.bindings = true;
    else if ((PROFILE_KINDS as readonly string[]).includes(e.kind)) {
      c.upserted = c.upserted.filter((u) => u.key !== e.key);
      c.removed.push({ kind: e.kind, namespace: e.namespace, name: e.name });
    }
  }

  /** Starts watching: fs.watch (debounced) plus a periodic rescan. */
  watch(debounceMs: number, rescanIntervalMs: number): void {
    const trigger = (): void => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.scan(), debounceMs);
    };
    try {
      this.watcher = watch(this.opts.dir, { recursive: true }, trigger);
    } catch {
      try {
        this.watcher = watch(this.opts.dir, trigger);
      } catch (err) {
        this.opts.onInfo({ dir: this.opts.dir, err: (err as Error).message }, 'fs.watch unavailable; relying on the periodic rescan');
      }
    }
    this.watcher?.on('error', (err) => this.opts.onInfo({ err: err.message }, 'fs.watch error; relying on the periodic rescan'));
    if (this.opts.trustPolicyFile) {
      // a policy file outside the directory: reload on change
      const f = this.opts.trustPolicyFile;
      let last = sha(readFileSync(f, 'utf8'));
      const check = (): void => {
        try {
          const h = sha(readFileSync(f, 'utf8'));
          if (h === last) return;
          last = h;
          this.gate = new VerificationGate(this.opts.mode, loadTrustPolicy(f));
          this.opts.onInfo({ trustPolicy: f }, 'trust policy reloaded; re-verifying all objects');
          this.files.clear();
          this.reverify = true;
          this.scan();
        } catch (err) {
          this.opts.onLoadError(err as Error, f);
        }
      };
      this.policyTimer = setInterval(check, Math.max(1000, Math.min(rescanIntervalMs, 5000)));
    }
    if (rescanIntervalMs > 0) this.rescanTimer = setInterval(() => this.scan(), rescanIntervalMs);
  }

  private policyTimer: NodeJS.Timeout | undefined;

  close(): void {
    this.watcher?.close();
    clearTimeout(this.debounce);
    clearInterval(this.rescanTimer);
    clearInterval(this.policyTimer);
  }
}
