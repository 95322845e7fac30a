/** `sbob sign`: (re-)sign objects with a local key or keyless; only annotations change. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import {
  CANONICAL_HASH,
  TREE_HASH,
  describe,
  keySigner,
  keylessSigner,
  parseObjects,
  readPrivateKey,
  rewriteAnnotations,
  signObject,
  type HashAlgorithm,
  type Signer,
  type SignableObject,
} from '../../signing/index.ts';
import { getPassword } from '../../signing/password.ts';
import { SigningError } from '../../signing/errors.ts';
import { networkEntries } from '../../signing/network.ts';

/** Where the signing commands write their results (tests swap it; stderr is used for progress). */
export const output = {
  write(text: string): void {
    process.stdout.write(text);
  },
};

export interface SignCliOptions {
  key?: string;
  keyless?: boolean;
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tlogUpload?: boolean;
  hash?: string;
  embed?: boolean;
  output?: string;
  inPlace?: boolean;
  signNamespace?: boolean;
}

export function addSignOptions(cmd: Command, withEmbed = true): Command {
  cmd
    .option('--key <file>', 'private key: cosign encrypted (password from COSIGN_PASSWORD or a prompt), PKCS#8 or SEC1 PEM')
    .option('--keyless', 'sign keyless: Fulcio certificate for an OIDC identity, Rekor log entry (sigstore)')
    .option('--identity-token <jwt>', 'OIDC token for --keyless (default: env SIGSTORE_ID_TOKEN)')
    .option('--fulcio-url <url>', 'Fulcio URL for --keyless', 'https://fulcio.sigstore.dev')
    .option('--rekor-url <url>', 'Rekor URL for --keyless', 'https://rekor.sigstore.dev')
    .option('--no-tlog-upload', 'keyless: do not record the signature in Rekor')
    .option('--hash <name>', `content hash: "tree" (${TREE_HASH}, interoperable) or "canonical" (${CANONICAL_HASH}, also covers array order)`, 'tree');
  if (withEmbed) cmd.option('--no-embed', 'do not embed the signed content in the signature.kubescape.io/content annotation');
  cmd.option('--sign-namespace', 'also sign metadata.namespace (binds the object to its namespace; the G1/G2 content shape)');
  return cmd
    .option('-o, --output <file>', 'write the signed file here (one input file only)')
    .option('--in-place', 'overwrite each input file');
}

async function makeSigner(opts: SignCliOptions): Promise<Signer> {
  if (opts.key && opts.keyless) throw new CliError('use either --key or --keyless, not both');
  if (opts.keyless) {
    const token = opts.identityToken ?? process.env.SIGSTORE_ID_TOKEN;
    if (!token) throw new CliError('--keyless needs an OIDC token: pass --identity-token or set SIGSTORE_ID_TOKEN');
    try {
      return keylessSigner({ identityToken: token, fulcioURL: opts.fulcioUrl, rekorURL: opts.rekorUrl, tlogUpload: opts.tlogUpload !== false });
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  if (!opts.key) throw new CliError('pass --key FILE or --keyless');
  let text: string;
  try {
    text = readFileSync(opts.key, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the key ${opts.key}: ${(e as Error).message}`);
  }
  try {
    const key = await readPrivateKey(text, { file: opts.key, password: () => getPassword(opts.key!) });
    return keySigner(key);
  } catch (e) {
    throw new CliError(e instanceof SigningError ? e.message : String(e));
  }
}

function hashOption(name: string | undefined): HashAlgorithm {
  if (!name || name === 'tree' || name === TREE_HASH) return TREE_HASH;
  if (name === 'canonical' || name === CANONICAL_HASH) return CANONICAL_HASH;
  throw new CliError(`--hash: unknown hash "${name}" (use "tree" or "canonical")`);
}

/** Signs every object of every file. `check` may reject objects (piece mode). */
export async function runSign(files: string[], opts: SignCliOptions, check?: (o: SignableObject, where: string) => void): Promise<void> {
  if (files.length === 0) throw new CliError('no input files');
  if (opts.output && files.length > 1) throw new CliError('-o/--output takes a single input file; use --in-place for several');
  if (opts.output && opts.inPlace) throw new CliError('use either -o/--output or --in-place');
  const algorithm = hashOption(opts.hash);
  const signer = await makeSigner(opts);
  const outputs: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
    }
    let objects;
    try {
      objects = parseObjects(text, file);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    if (objects.length === 0) throw new CliError(`${file}: no objects to sign`);
    const updates = [];
    for (const o of objects) {
      const where = `${file}#${o.docIndex + 1} (line ${o.line}) ${describe(o.object)}`;
      if (!o.object || typeof o.object !== 'object' || Array.isArray(o.object)) throw new CliError(`${where}: not an object`);
      check?.(o.object, where);
      try {
        const r = await signObject(o.object, signer, { hash: algorithm, embed: opts.embed !== false, includeNamespace: opts.signNamespace === true });
        updates.push({ docIndex: o.docIndex, annotations: r.annotations });
        process.stderr.write(`signed ${where} (${r.algorithm} ${r.hash.slice(0, 16)}…)\n`);
      } catch (e) {
        throw new CliError(`${where}: ${(e as Error).message}`);
      }
    }
    const out = rewriteAnnotations(text, updates, file);
    if (opts.inPlace) writeFileSync(file, out);
    else if (opts.output) writeFileSync(opts.output, out);
    else outputs.push(out);
  }
  if (outputs.length) output.write(outputs.map((o) => (o.startsWith('---') || outputs.length === 1 ? o : `---\n${o}`)).join(''));
}

export function pieceCheck(o: SignableObject, where: string): void {
  if (o.kind !== 'NetworkNeighborhood') throw new CliError(`${where}: a piece must be a NetworkNeighborhood (found kind ${JSON.stringify(o.kind)})`);
  const entries = networkEntries(o.spec);
  if (entries.length === 0) throw new CliError(`${where}: the piece has no ingress/egress entries`);
  const noId = entries.find((e) => typeof e.entry.identifier !== 'string' || !e.entry.identifier);
  if (noId) throw new CliError(`${where}: entry ${noId.key} has no identifier; every piece entry needs spec.containers[].egress[].identifier`);
}

export function register(program: Command): void {
  const cmd = program
    .command('sign')
    .description('Sign ApplicationProfile, NetworkNeighborhood, ContainerProfile, Rules (any kind) objects: sets the signature.kubescape.io/* annotations and changes nothing else; writes to stdout unless -o or --in-place')
    .argument('<files...>', 'YAML or JSON files (every document is signed)');
  addSignOptions(cmd).action(async (files: string[], opts: SignCliOptions) => runSign(files, opts));
}
