/** Summaries of library rules for `sbob rules list`. */
import type { LibraryRule } from './load.ts';

export interface RuleSummary {
  id: string;
  name: string;
  enabled: boolean;
  severity: number;
  eventTypes: string[];
  profileDependency: number;
  mitreTactic: string;
  mitreTechnique: string;
  supportPolicy: boolean;
  dir: string;
}

export function summarize(rules: readonly LibraryRule[]): RuleSummary[] {
  return rules.map(({ rule, dir }) => ({
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled === true,
    severity: rule.severity ?? 0,
    eventTypes: [...new Set(rule.expressions.ruleExpression.map((e) => e.eventType))],
    profileDependency: rule.profileDependency ?? 0,
    mitreTactic: rule.mitreTactic ?? '',
    mitreTechnique: rule.mitreTechnique ?? '',
    supportPolicy: rule.supportPolicy === true,
    dir,
  }));
}

/** A plain-text table, one rule per line, columns padded to their widest cell. */
export function formatTable(rows: readonly RuleSummary[]): string {
  const header = ['ID', 'NAME', 'ENABLED', 'SEVERITY', 'EVENTS', 'PROFILE', 'MITRE'];
  const cells = rows.map((r) => [
    r.id, r.name, r.enabled ? 'yes' : 'no', String(r.severity), r.eventTypes.join(','), String(r.profileDependency),
    `${r.mitreTactic}/${r.mitreTechnique}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  const enabled = rows.filter((r) => r.enabled).length;
  return [line(header), ...cells.map(line), '', `${rows.length} rules, ${enabled} enabled, ${rows.length - enabled} disabled`, ''].join('\n');
}
