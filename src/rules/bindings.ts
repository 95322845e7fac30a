/**
 * RuntimeRuleAlertBinding resolution (rule-engine.md §3.2): which rules apply to which pod.
 */
import type { LabelSelector, RuntimeRuleAlertBinding } from '../model/index.ts';
import type { CompiledRule } from './compile.ts';

/** Standard Kubernetes label selector matching; an empty or absent selector selects everything. */
export function selectorMatches(sel: LabelSelector | null | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function isEmptySelector(sel: LabelSelector | null | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** A rule bound to a pod, with the binding item's parameters (prefilter overrides). */
export interface BoundRule {
  rule: CompiledRule;
  parameters: Record<string, unknown>;
}

/** Resolves one binding's rule references against the loaded rules. */
export function resolveBindingRules(binding: RuntimeRuleAlertBinding, rules: readonly CompiledRule[]): BoundRule[] {
  const out: BoundRule[] = [];
  for (const item of binding.spec?.rules ?? []) {
    const parameters = { ...(item.parameters ?? {}) };
    if (item.ruleID) {
      const r = rules.find((x) => x.id === item.ruleID);
      if (r) out.push({ rule: r, parameters });
    } else if (item.ruleName) {
      const r = rules.find((x) => x.name === item.ruleName);
      if (r) out.push({ rule: r, parameters });
    } else if (item.ruleTags?.length) {
      for (const r of rules) if (r.tags.some((t) => item.ruleTags!.includes(t))) out.push({ rule: r, parameters });
    }
  }
  return out;
}

export interface PodRef {
  namespace: string;
  labels: Record<string, string>;
  namespaceLabels: Record<string, string>;
}

/** True when a binding selects the pod. */
export function bindingSelectsPod(binding: RuntimeRuleAlertBinding, pod: PodRef): boolean {
  if (!selectorMatches(binding.spec?.podSelector, pod.labels)) return false;
  const nsSel = binding.spec?.namespaceSelector;
  if (isEmptySelector(nsSel)) return true;
  const nsLabels = { 'kubernetes.io/metadata.name': pod.namespace, ...pod.namespaceLabels };
  return selectorMatches(nsSel, nsLabels);
}
