/** sbob's default rule library: loading rules/<id>-<name>/rule.yaml, building default-rules.yaml, listing. */
export { LibraryError, LibraryErrors } from './errors.ts';
export { loadLibrary, checkRuleFile, kebabCase, ruleDirName, RULE_FILE, TESTS_FILE, type LibraryRule } from './load.ts';
export { buildManifest, renderManifest, renderYaml, canonicalRule, DEFAULT_RULES_NAME, DEFAULT_RULES_FILE } from './build.ts';
export { summarize, formatTable, type RuleSummary } from './list.ts';
