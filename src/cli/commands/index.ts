import type { Command } from 'commander';

/** Every command module's `register`; add one line per command. */
export const commands: Array<(program: Command) => void> = [];
