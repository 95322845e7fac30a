/** `sbob keygen`: a cosign-compatible encrypted ECDSA P-256 key pair. */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../errors.ts';
import { encryptCosignKey, generateSigningKey, keyFingerprint, publicKeyPem } from '../../signing/index.ts';
import { getPassword } from '../../signing/password.ts';
import { SigningError } from '../../signing/errors.ts';

export function register(program: Command): void {
  program
    .command('keygen')
    .description('Generate an ECDSA P-256 signing key pair: PREFIX.key (cosign "ENCRYPTED SIGSTORE PRIVATE KEY", password from COSIGN_PASSWORD or a prompt) and PREFIX.pub (PKIX PEM)')
    .requiredOption('--output-key-prefix <prefix>', 'write <prefix>.key and <prefix>.pub')
    .option('--force', 'overwrite existing files')
    .action(async (opts: { outputKeyPrefix: string; force?: boolean }) => {
      const keyFile = `${opts.outputKeyPrefix}.key`;
      const pubFile = `${opts.outputKeyPrefix}.pub`;
      for (const f of [keyFile, pubFile]) if (existsSync(f) && !opts.force) throw new CliError(`${f} already exists; pass --force to overwrite it`);
      let password: string;
      try {
        password = await getPassword(keyFile, true);
      } catch (e) {
        throw new CliError(`keygen: ${(e as Error).message}`);
      }
      const { privateKey, publicKey } = generateSigningKey();
      try {
        writeFileSync(keyFile, encryptCosignKey(privateKey, password), { mode: 0o600 });
        writeFileSync(pubFile, publicKeyPem(publicKey));
      } catch (e) {
        throw new CliError(e instanceof SigningError ? e.message : `cannot write the key files: ${(e as Error).message}`);
      }
      process.stderr.write(`Private key written to ${keyFile}\nPublic key written to ${pubFile}\nFingerprint: ${keyFingerprint(publicKey)}\n`);
    });
}
