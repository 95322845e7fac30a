/**
 * The `sbob` command line. Each command lives in src/cli/commands/<name>.ts and exports
 * `register(program)`; this file only composes them.
 */
import { Command, CommanderError } from 'commander';
import { commandModules } from './commands/index.ts';
import { CliError } from './errors.ts';

/**
 * Builds the program with the commands needed for `argv`: only the named command when argv names
 * one, all of them otherwise (help, unknown commands).
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('sbob')
    .description('Software Bills of Behavior: rules, profiles, signing and runtime detection')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError(false);
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const only = commandModules.filter(([name]) => name === first);
  for (const [, load] of only.length ? only : commandModules) (await load()).register(program);
  return program;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit through here with code 0
      return err.exitCode;
    }
    if (err instanceof CliError) {
      process.stderr.write(`sbob: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    process.stderr.write(`sbob: ${e?.message ?? String(err)}\n`);
    if (process.env.SBOB_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
    return 2;
  }
}
