/** Shared object loading for commands: profiles, rules and bindings from files or directories. */
import { existsSync } from 'node:fs';
import { loadPathLenient, type LoadedObject, type ProfileObject, type RuntimeRuleAlertBinding } from '../model/index.ts';
import { RuleEngine, type EngineOptions } from '../rules/index.ts';
import { CliError } from './errors.ts';
import { defaultRulesPath } from './paths.ts';

export function loadKinds(paths: string[], kinds: string[], what: string): LoadedObject[] {
  const out: LoadedObject[] = [];
  const problems: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new CliError(`${what} ${p}: no such file or directory`);
    const r = loadPathLenient(p, { kinds, skipNonObjects: true });
    problems.push(...r.errors.map((e) => e.message));
    out.push(...r.objects);
  }
  if (problems.length) throw new CliError(problems.join('\n'));
  return out;
}

export interface EngineFromFiles {
  rules?: string[];
  profiles?: string[];
  bindings?: string[];
}

/** Builds an engine from files; any load or compile error is a CliError naming file, object and field. */
export function engineFromFiles(files: EngineFromFiles, options: EngineOptions = {}): RuleEngine {
  const rulesPaths = files.rules?.length ? files.rules : [defaultRulesPath()].filter((x): x is string => !!x);
  if (!rulesPaths.length) throw new CliError('no rules: pass --rules PATH');
  const rules = loadKinds(rulesPaths, ['Rules'], '--rules');
  const profiles = loadKinds(files.profiles ?? [], ['ApplicationProfile', 'NetworkNeighborhood', 'ContainerProfile'], '--profiles');
  const bindings = loadKinds(files.bindings ?? [], ['RuntimeRuleAlertBinding'], '--bindings');
  const engine = new RuleEngine(options);
  const errs = engine.setRules(rules);
  if (errs.length) throw new CliError(errs.map((e) => e.message).join('\n'));
  engine.setBindings(bindings.map((b) => b.object as RuntimeRuleAlertBinding));
  for (const p of profiles) engine.upsertProfile(p.object as ProfileObject);
  return engine;
}
