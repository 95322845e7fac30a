/**
 * The rule engine: given rules, bindings, profiles and the world, decides per event which rules fire
 * and builds their alerts (rule-engine.md §3.4 pipeline, adapted to sbob's event sources).
 */
import type { Environment } from '@marcbachmann/cel-js';
import type { RuntimeEvent } from '../events/index.ts';
import type { RuntimeAlert } from '../alerts/index.ts';
import type {
  KObject, LoadedObject, ProfileObject, RulesObject, RuntimeRuleAlertBinding, ProfileDataSurface, ProfileDataSelector,
} from '../model/index.ts';
import { ProfileStore, isProfileObject, type CompiledProfile, type ProjectionSpec } from '../profile/index.ts';
import { createCelEnvironment } from './cel.ts';
import { compileRulesObjects, type CompiledRule } from './compile.ts';
import { bindingSelectsPod, resolveBindingRules, type BoundRule } from './bindings.ts';
import { buildPrefilter, type Prefilter } from './prefilter.ts';
import { Cooldown, type CooldownOptions } from './cooldown.ts';
import { buildAlert, md5Hex } from './alert.ts';
import { HelperContext, type Semantics } from './helpers/context.ts';
import { toCelEvent, type CelEvent } from './values.ts';
import { createWorld, findPod, podKey, type ContainerInfo, type PodInfo, type World } from './world.ts';

export interface EngineOptions {
  /** Rules objects (as loaded, or plain) */
  rules?: Array<LoadedObject | RulesObject>;
  /** RuntimeRuleAlertBinding objects; when none are set every rule applies to every pod */
  bindings?: RuntimeRuleAlertBinding[];
  profiles?: ProfileObject[];
  cooldown?: CooldownOptions;
  world?: World;
  semantics?: Semantics;
  /** evaluate events from host processes (context `host`), default false as upstream */
  hostMonitoring?: boolean;
  /** evaluate events of standalone containers (context `standalone`), default false as upstream */
  standaloneMonitoring?: boolean;
  /**
   * `sbob` (default): profiles keep every entry they list. `upstream`: the projection of
   * rule-engine.md §2.2 (surfaces no enabled rule declares are pass-through; declared surfaces keep
   * only declared entries). Defaults to the `semantics` setting.
   */
  projection?: 'sbob' | 'upstream';
  nodeName?: string;
  clusterName?: string;
  now?: () => number;
  /** called for rule evaluation errors (default: counted only) */
  onError?: (err: Error, rule: CompiledRule, ev: RuntimeEvent) => void;
}

export interface EngineStats {
  events: number;
  alerts: number;
  suppressed: number;
  evalErrors: number;
  skipped: Record<string, number>;
}

interface RuleEntry {
  rule: CompiledRule;
  prefilter: Prefilter | undefined;
}

const POLICY_LEARNING_TYPES = new Set(['exec', 'symlink', 'hardlink', 'iouring']);
const CONTAINER_CONTEXTS = new Set(['kubernetes', 'standalone', 'container', 'ecs']);

/** Does a rule apply to an event's source context (rule-engine.md §3.3)? */
export function ruleAppliesToContext(rule: CompiledRule, context: string): boolean {
  const ctxTags = rule.tags.filter((t) => t.startsWith('context:')).map((t) => t.slice(8));
  if (ctxTags.length === 0) return context === 'kubernetes';
  if (ctxTags.includes(context)) return true;
  return ctxTags.includes('container') && CONTAINER_CONTEXTS.has(context);
}

export class RuleEngine {
  readonly world: World;
  readonly store: ProfileStore;
  readonly ctx: HelperContext;
  readonly env: Environment;
  private rules: CompiledRule[] = [];
  private bindings: RuntimeRuleAlertBinding[] = [];
  private bindingsSet = false;
  private podRules = new Map<string, RuleEntry[]>();
  private allRules: RuleEntry[] = [];
  private eventTypes = new Set<string>();
  private cooldown: Cooldown;
  private readonly now: () => number;
  readonly stats: EngineStats = { events: 0, alerts: 0, suppressed: 0, evalErrors: 0, skipped: {} };
  /** compile errors and warnings of the last setRules */
  loadErrors: Error[] = [];
  loadWarnings: string[] = [];

  constructor(private readonly opts: EngineOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.world = opts.world ?? createWorld();
    this.store = new ProfileStore();
    this.ctx = new HelperContext(this.world, this.store, opts.semantics ?? 'sbob', this.now);
    this.env = createCelEnvironment(this.ctx);
    this.cooldown = new Cooldown(opts.cooldown, this.now);
    if (opts.rules) this.setRules(opts.rules);
    if (opts.bindings) this.setBindings(opts.bindings);
    for (const p of opts.profiles ?? []) this.upsertProfile(p);
  }

  /** Replaces the rule set; returns the compile errors (rules that failed are left out). */
  setRules(objects: Array<LoadedObject | RulesObject>): Error[] {
    const res = compileRulesObjects(this.env, objects);
    // the same id more than once: the last definition wins (as upstream)
    const byId = new Map<string, CompiledRule>();
    for (const r of res.rules) byId.set(r.id, r);
    this.rules = [...byId.values()];
    this.loadErrors = res.errors;
    this.loadWarnings = res.warnings;
    this.rebuild();
    return res.errors;
  }

  getRules(): readonly CompiledRule[] {
    return this.rules;
  }

  /** Sets the bindings; an empty list means "no bindings": every rule applies to every pod. */
  setBindings(bindings: RuntimeRuleAlertBinding[]): void {
    this.bindings = [...bindings];
    this.bindingsSet = bindings.length > 0;
    this.rebuild();
  }

  upsertProfile(obj: ProfileObject | KObject): void {
    if (!isProfileObject(obj as KObject)) throw new Error(`not a profile object: ${(obj as KObject).kind}`);
    this.store.upsert(obj as ProfileObject);
  }

  removeProfile(kind: string, namespace: string | undefined, name: string): boolean {
    return this.store.remove(kind, namespace, name);
  }

  registerContainer(info: ContainerInfo): void {
    this.world.containers.set(info.containerId, info);
    this.ctx.forgetContainer(info.containerId);
    this.podRules.clear();
  }

  removeContainer(containerId: string): void {
    this.world.containers.delete(containerId);
    this.ctx.forgetContainer(containerId);
  }

  registerPod(pod: PodInfo): void {
    this.world.pods.set(podKey(pod.namespace, pod.name), pod);
    this.podRules.clear();
    // pod labels may name a user-defined profile
    this.ctx.forgetAllContainers();
  }

  setNamespaceLabels(namespace: string, labels: Record<string, string>): void {
    this.world.namespaceLabels.set(namespace, labels);
    this.podRules.clear();
  }

  private rebuild(): void {
    this.podRules.clear();
    this.allRules = this.rules.map((rule) => ({ rule, prefilter: buildPrefilter(rule.state, {}) }));
    this.eventTypes = new Set(this.rules.flatMap((r) => [...r.byEventType.keys()]));
    if ((this.opts.projection ?? this.opts.semantics ?? 'sbob') === 'upstream') this.store.setProjection(this.projectionSpec());
  }

  /**
   * The union of profileDataRequired of all enabled rules (rule-engine.md §2.2), plus `also` (a rule
   * evaluated as if it were enabled).
   */
  projectionSpec(also?: CompiledRule): ProjectionSpec {
    const spec: ProjectionSpec = {};
    for (const r of also ? [...this.rules, also] : this.rules) {
      if (!r.enabled && r !== also) continue;
      for (const [surface, sel] of Object.entries(r.def.profileDataRequired ?? {}) as Array<[ProfileDataSurface, ProfileDataSelector]>) {
        const cur = spec[surface];
        if (cur === 'all' || sel === 'all') spec[surface] = 'all';
        else spec[surface] = [...(cur ?? []), ...sel];
      }
    }
    return spec;
  }

  private rulesForPod(ev: RuntimeEvent): RuleEntry[] {
    if (!this.bindingsSet) return this.allRules;
    const ns = ev.namespace ?? '';
    const podName = ev.podName ?? '';
    const key = podKey(ns, podName);
    const hit = this.podRules.get(key);
    if (hit) return hit;
    const pod = findPod(this.world, ns, podName);
    const labels = { ...(pod?.labels ?? {}), ...(ev.podLabels ?? {}) };
    const ref = { namespace: ns, labels, namespaceLabels: this.world.namespaceLabels.get(ns) ?? {} };
    const bound: BoundRule[] = [];
    for (const b of this.bindings) if (bindingSelectsPod(b, ref)) bound.push(...resolveBindingRules(b, this.rules));
    const entries = bound.map((br) => ({ rule: br.rule, prefilter: buildPrefilter(br.rule.state, br.parameters) }));
    if (this.podRules.size > 10000) this.podRules.clear();
    this.podRules.set(key, entries);
    return entries;
  }

  private skip(reason: string): void {
    this.stats.skipped[reason] = (this.stats.skipped[reason] ?? 0) + 1;
  }

  /** Evaluates the rule expressions of the event's type (AND). Throws on evaluation errors. */
  evaluateExpressions(rule: CompiledRule, celEvent: CelEvent, eventType: string): boolean {
    const exprs = rule.byEventType.get(eventType);
    if (!exprs) return true;
    const vars = this.vars(celEvent, eventType);
    for (const e of exprs) {
      const v = e.program(vars);
      if (v !== true) {
        if (v === false) return false;
        throw new Error(`expression did not evaluate to a bool: ${String(v)}`);
      }
    }
    return true;
  }

  vars(celEvent: CelEvent, eventType: string): Record<string, unknown> {
    return eventType === 'http' ? { event: celEvent, http: celEvent, eventType } : { event: celEvent, eventType };
  }

  /** Is the rule allowed for this event by the profile's rule policy (rule-engine.md §3.8)? */
  policyAllows(rule: CompiledRule, profile: CompiledProfile | undefined, comm: string): boolean {
    const pol = profile?.policies.get(rule.id);
    return pol !== undefined && (pol.containerAllowed || pol.processAllowed.has(comm));
  }

  /**
   * Rule-policy learning (rule-engine.md §3.8): during a container's learning window, the ids of the
   * `supportPolicy` rules (enabled, regardless of bindings) whose expressions are true for an exec,
   * symlink, hardlink or iouring event. The recorder adds the event's `comm` to
   * `rulePolicies[<id>].processAllowed` for each.
   */
  learnPolicies(ev: RuntimeEvent): string[] {
    if (!POLICY_LEARNING_TYPES.has(ev.eventType)) return [];
    const celEvent = toCelEvent(ev);
    const out: string[] = [];
    for (const rule of this.rules) {
      if (!rule.enabled || !rule.supportPolicy || !rule.byEventType.has(ev.eventType)) continue;
      try {
        if (this.evaluateExpressions(rule, celEvent, ev.eventType)) out.push(rule.id);
      } catch {
        // an evaluation error learns nothing
      }
    }
    return out;
  }

  /**
   * Runs the full pipeline for one event and returns the alerts it produced. `skipCooldown` is for
   * callers that de-duplicate themselves (the agent reports each distinct rejected object content
   * once, so two different tamperings of one object must both alert).
   */
  evaluate(ev: RuntimeEvent, opts: { skipCooldown?: boolean } = {}): RuntimeAlert[] {
    this.stats.events++;
    const type = ev.eventType;
    if (!this.eventTypes.has(type)) return [];
    const context = typeof ev.context === 'string' && ev.context ? ev.context : 'kubernetes';
    if (context === 'host' && !this.opts.hostMonitoring) return (this.skip('host_monitoring_disabled'), []);
    if (context === 'standalone' && !this.opts.standaloneMonitoring) return (this.skip('standalone_monitoring_disabled'), []);
    const cid = ev.containerId ?? '';
    if (cid !== '' && !this.world.containers.has(cid)) {
      this.registerContainer({ containerId: cid, name: ev.containerName ?? '', namespace: ev.namespace, podName: ev.podName });
    }
    if (ev.podLabels && ev.namespace !== undefined && ev.podName !== undefined && !this.world.pods.has(podKey(ev.namespace, ev.podName))) {
      this.registerPod({ namespace: ev.namespace, name: ev.podName, labels: ev.podLabels });
    }
    const entries = this.rulesForPod(ev);
    if (entries.length === 0) return (this.skip('no_rules_for_pod'), []);
    const profile = cid !== '' ? this.ctx.profileFor(cid) : undefined;
    const containerName = this.world.containers.get(cid)?.name ?? ev.containerName ?? '';
    let celEvent: CelEvent | undefined;
    const alerts: RuntimeAlert[] = [];
    for (const { rule, prefilter } of entries) {
      if (!rule.enabled) continue;
      const exprs = rule.byEventType.get(type);
      if (!exprs) continue;
      if (!ruleAppliesToContext(rule, context)) continue;
      if (context === 'kubernetes' && !profile && rule.profileDependency === 0) {
        this.skip('profile_incomplete');
        continue;
      }
      if (prefilter?.skip(ev)) {
        this.skip('prefilter');
        continue;
      }
      if (rule.supportPolicy && this.policyAllows(rule, profile, ev.comm ?? '')) {
        this.skip('policy');
        continue;
      }
      celEvent ??= toCelEvent(ev);
      const vars = this.vars(celEvent, type);
      let fired: boolean;
      let message = '';
      let uniqueId: string;
      try {
        fired = this.evaluateExpressions(rule, celEvent, type);
        if (!fired) continue;
        try {
          message = String(rule.message(vars));
        } catch (err) {
          this.opts.onError?.(err as Error, rule, ev); // a message error only blanks the message
        }
        uniqueId = String(rule.uniqueId(vars));
      } catch (err) {
        this.stats.evalErrors++;
        this.skip('eval_error');
        this.opts.onError?.(err as Error, rule, ev);
        continue;
      }
      const hash = md5Hex(uniqueId);
      if (!opts.skipCooldown && this.cooldown.suppress(hash, cid, rule.id)) {
        this.stats.suppressed++;
        continue;
      }
      alerts.push(
        buildAlert({
          rule, event: ev, message, uniqueId, profile, containerName, now: this.now(),
          nodeName: this.opts.nodeName, clusterName: this.opts.clusterName,
        }),
      );
    }
    this.stats.alerts += alerts.length;
    return alerts;
  }
}
