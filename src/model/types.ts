/** Kubernetes object types read by sbob (profiles, rules, bindings). */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
}

export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  [k: string]: unknown;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[] | null;
}
export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

// ---- profiles (spdx.softwarecomposition.kubescape.io/v1beta1) ----

export interface ExecCall {
  path?: string;
  args?: string[] | null;
  envs?: string[] | null;
  argsRequired?: boolean;
}
export interface OpenCall {
  path: string;
  flags?: string[] | null;
}
export interface HTTPEndpoint {
  endpoint?: string;
  methods?: string[] | null;
  internal?: boolean;
  direction?: string;
  headers?: Record<string, string[]> | null;
}
export interface RulePolicy {
  processAllowed?: string[] | null;
  containerAllowed?: boolean;
}
export interface NetworkPort {
  name?: string;
  protocol?: string;
  port?: number | null;
}
export interface NetworkNeighbor {
  identifier?: string;
  type?: string;
  dns?: string;
  dnsNames?: string[] | null;
  ports?: NetworkPort[] | null;
  podSelector?: LabelSelector | null;
  namespaceSelector?: LabelSelector | null;
  ipAddress?: string;
  ipAddresses?: string[] | null;
  [k: string]: unknown;
}

export interface ApplicationProfileContainer {
  name?: string;
  capabilities?: string[] | null;
  execs?: ExecCall[] | null;
  opens?: OpenCall[] | null;
  syscalls?: string[] | null;
  endpoints?: HTTPEndpoint[] | null;
  imageID?: string;
  imageTag?: string;
  rulePolicies?: Record<string, RulePolicy> | null;
  [k: string]: unknown;
}
export interface NetworkNeighborhoodContainer {
  name?: string;
  ingress?: NetworkNeighbor[] | null;
  egress?: NetworkNeighbor[] | null;
}
export type ContainerProfileContainer = ApplicationProfileContainer & NetworkNeighborhoodContainer;

export type ContainerGroup = 'containers' | 'initContainers' | 'ephemeralContainers';
export const CONTAINER_GROUPS: readonly ContainerGroup[] = ['containers', 'initContainers', 'ephemeralContainers'];

export interface ApplicationProfile extends KObject {
  kind: 'ApplicationProfile';
  spec: {
    architectures?: string[] | null;
    containers?: ApplicationProfileContainer[] | null;
    initContainers?: ApplicationProfileContainer[] | null;
    ephemeralContainers?: ApplicationProfileContainer[] | null;
  };
}
export interface NetworkNeighborhood extends KObject {
  kind: 'NetworkNeighborhood';
  spec: LabelSelector & {
    containers?: NetworkNeighborhoodContainer[] | null;
    initContainers?: NetworkNeighborhoodContainer[] | null;
    ephemeralContainers?: NetworkNeighborhoodContainer[] | null;
  };
}
/** Flat form: spec is one container's profile; grouped form: spec.containers[] etc. */
export interface ContainerProfile extends KObject {
  kind: 'ContainerProfile';
  spec: ContainerProfileContainer & LabelSelector & {
    architectures?: string[] | null;
    containers?: ContainerProfileContainer[] | null;
    initContainers?: ContainerProfileContainer[] | null;
    ephemeralContainers?: ContainerProfileContainer[] | null;
  };
}
export type ProfileObject = ApplicationProfile | NetworkNeighborhood | ContainerProfile;

// ---- rules (kubescape.io/v1) ----

export interface RuleExpression {
  eventType: string;
  expression: string;
}
export type ProfileDataSelector = 'all' | Array<{ exact?: string; prefix?: string; suffix?: string; contains?: string }>;
export const PROFILE_DATA_SURFACES = [
  'opens', 'execs', 'capabilities', 'syscalls', 'endpoints',
  'egressDomains', 'egressAddresses', 'ingressDomains', 'ingressAddresses',
] as const;
export type ProfileDataSurface = (typeof PROFILE_DATA_SURFACES)[number];

export interface RuleDefinition {
  enabled?: boolean;
  id: string;
  name: string;
  description?: string;
  expressions: {
    message: string;
    uniqueId: string;
    ruleExpression: RuleExpression[];
  };
  profileDependency?: number;
  profileDataRequired?: Partial<Record<ProfileDataSurface, ProfileDataSelector>>;
  severity?: number;
  supportPolicy?: boolean;
  tags?: string[] | null;
  state?: Record<string, unknown> | null;
  agentVersionRequirement?: string;
  isTriggerAlert?: boolean;
  mitreTactic?: string;
  mitreTechnique?: string;
}
export interface RulesObject extends KObject {
  kind: 'Rules';
  spec: { rules: RuleDefinition[] };
}

export interface BindingRuleRef {
  ruleID?: string;
  ruleName?: string;
  ruleTags?: string[];
  parameters?: Record<string, unknown> | null;
  severity?: unknown;
}
export interface RuntimeRuleAlertBinding extends KObject {
  kind: 'RuntimeRuleAlertBinding';
  spec: {
    namespaceSelector?: LabelSelector | null;
    podSelector?: LabelSelector | null;
    rules?: BindingRuleRef[] | null;
  };
}

/** Where an object came from. */
export interface SourceRef {
  file: string;
  /** 1-based line of the object's first line */
  line: number;
  /** index of the YAML document in the file (0-based) */
  docIndex: number;
  /** index within a List's items, when the object came from a List */
  itemIndex?: number;
}

export interface LoadedObject<T extends KObject = KObject> {
  object: T;
  source: SourceRef;
  /** 1-based line of a field path inside the object (e.g. ['spec','rules',0,'expressions','message']) */
  lineOf(path: ReadonlyArray<string | number>): number;
}
