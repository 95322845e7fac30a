/** `sbob verify`: verify signed objects against trust policies or public keys. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { output } from './sign.ts';
import { loadTrustPolicy, mergePolicies, parseObjects, policyFromKeys, verifyObject, type TrustPolicy, type VerificationResult } from '../../signing/index.ts';

interface VerifyCliOptions {
  policy: string[];
  key: string[];
  policyRoot?: string;
  json?: boolean;
  verbose?: boolean;
  ignoreCertificateWindow?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function buildPolicy(policyFiles: string[], keyFiles: string[], policyRoot?: string): TrustPolicy {
  if (policyFiles.length === 0 && keyFiles.length === 0) throw new CliError('pass --policy FILE or --key PUB (sbob never trusts a signer on its own say-so)');
  const policies: TrustPolicy[] = [];
  for (const f of policyFiles) {
    try {
      policies.push(loadTrustPolicy(f, { upstreamRootPem: policyRoot ? readFileSync(policyRoot, 'utf8') : undefined }));
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  if (keyFiles.length) {
    try {
      policies.push(policyFromKeys(keyFiles.map((f) => ({ name: basename(f), pem: readFileSync(f, 'utf8') }))));
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  return mergePolicies(policies);
}

/** Files as given; directories expand to their *.yaml, *.yml and *.json files (recursively, sorted). */
export function expandFiles(args: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ya?ml|json)$/i.test(name)) out.push(p);
    }
  };
  for (const a of args) {
    let isDir = false;
    try {
      isDir = statSync(a).isDirectory();
    } catch {
      /* reported when read */
    }
    if (isDir) walk(a);
    else out.push(a);
  }
  return out;
}

function line(r: VerificationResult, where: string): string {
  const obj = r.name ? `${r.namespace ? `${r.namespace}/` : ''}${r.name}` : '-';
  const signer = r.signer ? `${r.signer}${r.signerName ? ` (${r.signerName})` : ''}` : '-';
  return `${r.status.padEnd(9)} ${(r.kind || '-').padEnd(20)} ${obj}  signer=${signer}  ${where}`;
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('Verify signed objects: prints valid/tampered/unsigned/untrusted/invalid, kind, name and signer per object; exit 0 only when all are valid')
    .argument('<files...>', 'YAML or JSON files, or directories (their *.yaml, *.yml, *.json files)')
    .option('--policy <file>', 'sbob TrustPolicy YAML (repeatable)', collect, [])
    .option('--key <pub>', 'trust this public key (PKIX PEM) for every kind and namespace (repeatable)', collect, [])
    .option('--policy-root <pub>', 'root public key for kubescape-fork signed trust policies ({policy, annotations} JSON) given with --policy')
    .option('--json', 'print one JSON result per object')
    .option('-v, --verbose', 'print the reason for valid objects too')
    .option('--ignore-certificate-window', 'do not check that the certificate was valid at the signing time')
    .action(async (files: string[], opts: VerifyCliOptions) => {
      const policy = buildPolicy(opts.policy, opts.key, opts.policyRoot);
      let allValid = true;
      let count = 0;
      for (const file of expandFiles(files)) {
        let objects;
        try {
          objects = parseObjects(readFileSync(file, 'utf8'), file);
        } catch (e) {
          allValid = false;
          output.write(`${'invalid'.padEnd(9)} ${'-'.padEnd(20)} -  signer=-  ${file}\n  reason: ${(e as Error).message}\n`);
          continue;
        }
        for (const o of objects) {
          count++;
          const where = `${file}#${o.docIndex + 1}`;
          const r = verifyObject(o.object, policy, { ignoreCertificateWindow: opts.ignoreCertificateWindow });
          if (r.status !== 'valid') allValid = false;
          if (opts.json) {
            const { signedObject: _s, ...rest } = r;
            output.write(`${JSON.stringify({ file, doc: o.docIndex + 1, line: o.line, ...rest })}\n`);
            continue;
          }
          output.write(`${line(r, where)}\n`);
          if (r.status !== 'valid' || opts.verbose) output.write(`  reason: ${where} (line ${o.line}) ${r.kind} ${r.name}: ${r.reason}\n`);
          for (const w of r.warnings) output.write(`  warning: ${w}\n`);
          for (const e of r.entries ?? []) {
            output.write(`  entry ${e.key}: ${e.status} from ${e.source}${e.signer ? ` signer=${e.signer}` : ''}${e.status !== 'valid' ? ` (${e.reason})` : ''}\n`);
          }
        }
      }
      if (count === 0 && allValid) throw new CliError('no objects found in the given files', 1);
      process.exitCode = allValid ? 0 : 1;
    });
}
