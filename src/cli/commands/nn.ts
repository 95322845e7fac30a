/** `sbob nn`: piece-wise signed NetworkNeighborhoods (sign a piece, assemble pieces + local entries). */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { CliError } from '../errors.ts';
import { assemble, parseObjects, type FileObject } from '../../signing/index.ts';
import { addSignOptions, pieceCheck, runSign, type SignCliOptions } from './sign.ts';
import { buildPolicy } from './verify.ts';

function readOne(file: string, what: string): FileObject[] {
  try {
    return parseObjects(readFileSync(file, 'utf8'), file);
  } catch (e) {
    throw new CliError(`${what} ${file}: ${(e as Error).message}`);
  }
}

export function register(program: Command): void {
  const nn = program.command('nn').description('Piece-wise signed NetworkNeighborhoods');
  const signPiece = nn
    .command('sign-piece')
    .description('Sign a NetworkNeighborhood piece (a set of ingress/egress entries, each with an identifier) with embedded content')
    .argument('<files...>', 'piece YAML files');
  addSignOptions(signPiece, false).action(async (files: string[], opts: SignCliOptions) => runSign(files, { ...opts, embed: true }, pieceCheck));

  nn.command('assemble')
    .description('Combine signed pieces and local entries into one NetworkNeighborhood that records which piece and signer each entry came from')
    .argument('<pieces...>', 'signed piece files')
    .option('--local <file>', 'NetworkNeighborhood with local entries (its name, namespace and labels are kept)')
    .option('--name <name>', 'name of the assembled object (default: from --local)')
    .option('--namespace <ns>', 'namespace of the assembled object')
    .option('--policy <file>', 'reject pieces not trusted under this TrustPolicy (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--key <pub>', 'reject pieces not signed by one of these keys (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .requiredOption('-o, --output <file>', 'output YAML file')
    .action(async (pieceFiles: string[], opts: { local?: string; name?: string; namespace?: string; policy: string[]; key: string[]; output: string }) => {
      const pieces = pieceFiles.flatMap((f) => readOne(f, 'piece').map((o) => ({ object: o.object, file: `${f}#${o.docIndex + 1}` })));
      let local;
      if (opts.local) {
        const objs = readOne(opts.local, '--local');
        if (objs.length !== 1) throw new CliError(`--local ${opts.local}: expected exactly one NetworkNeighborhood, found ${objs.length} documents`);
        local = { object: objs[0]!.object, file: opts.local };
      }
      const policy = opts.policy.length || opts.key.length ? buildPolicy(opts.policy, opts.key) : undefined;
      let out;
      try {
        out = assemble({ pieces, local, name: opts.name, namespace: opts.namespace, policy });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      writeFileSync(opts.output, YAML.stringify(out, { lineWidth: 0 }));
      process.stderr.write(`assembled ${pieces.length} piece(s) into ${opts.output}; sign it with \`sbob sign --key KEY --in-place ${opts.output}\` to vouch for the local entries\n`);
    });
}
