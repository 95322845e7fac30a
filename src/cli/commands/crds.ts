/** `sbob crds`: CustomResourceDefinition manifests generated from sbob's JSON schemas. */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { SCHEMAS, crdManifest } from '../../model/index.ts';
import { CliError } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('crds')
    .description('print the CustomResourceDefinition manifests of the kinds sbob reads (generated from its validation schemas)')
    .option('--kind <kind>', `only this kind (${Object.keys(SCHEMAS).join(', ')})`)
    .option('-o, --output <file>', 'write the manifests here instead of stdout')
    .action((o: { kind?: string; output?: string }) => {
      const kinds = o.kind ? [o.kind] : Object.keys(SCHEMAS);
      for (const k of kinds) if (!SCHEMAS[k]) throw new CliError(`--kind ${k}: unknown kind (expected one of ${Object.keys(SCHEMAS).join(', ')})`);
      const text = kinds.map((k) => stringify(crdManifest(k))).join('---\n');
      if (o.output) writeFileSync(o.output, text);
      else process.stdout.write(text);
    });
}
