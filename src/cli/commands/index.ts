import type { Command } from 'commander';

type CommandModule = { register(program: Command): void };

/**
 * Every command, by name, loaded on demand: `sbob <name>` imports only that command's module, so a
 * command does not pay for the others' dependencies; `sbob --help` loads them all. Add one line per
 * command (the order is the order of `sbob --help`).
 */
export const commandModules: Array<[name: string, load: () => Promise<CommandModule>]> = [
  ['demo', () => import('./demo.ts')], // what npm start runs
  ['eval', () => import('./eval.ts')], // rule engine
  ['test', () => import('./test.ts')], // rule engine
  ['rules', () => import('./rules.ts')], // rule library
  ['profile', () => import('./profile.ts')], // profile compaction
  ['crds', () => import('./crds.ts')], // model: CRD manifests
  ['keygen', () => import('./keygen.ts')], // signing
  ['sign', () => import('./sign.ts')], // signing
  ['verify', () => import('./verify.ts')], // signing
  ['nn', () => import('./nn.ts')], // signing
  ['agent', () => import('./agent.ts')], // node agent
  ['record', () => import('./record.ts')], // kernel tracer
  ['watch', () => import('./watch.ts')], // kernel tracer
];
