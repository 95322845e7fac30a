/**
 * JSON schemas of the objects sbob reads. They validate loaded YAML (ajv) and are also the source of
 * the CRD manifests (`crdManifest`). Lists accept `null` wherever upstream serialises empty lists as
 * `null`.
 */

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const int: Schema = { type: 'integer' };
const nullableList = (items: Schema): Schema => ({ type: ['array', 'null'], items });
const nullableObject = (s: Schema): Schema => ({ ...s, type: ['object', 'null'] });
const strList = nullableList(str);
const stringMap: Schema = { type: ['object', 'null'], additionalProperties: str };

const labelSelector: Schema = {
  type: ['object', 'null'],
  properties: {
    matchLabels: stringMap,
    matchExpressions: nullableList({
      type: 'object',
      required: ['key', 'operator'],
      properties: {
        key: str,
        operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
        values: strList,
      },
    }),
  },
};

const metadata: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    namespace: str,
    labels: stringMap,
    annotations: stringMap,
  },
};

const apContainerProps: Record<string, Schema> = {
  name: str,
  architectures: strList,
  capabilities: strList,
  execs: nullableList({
    type: 'object',
    properties: { path: str, args: strList, envs: strList, argsRequired: bool },
  }),
  opens: nullableList({
    type: 'object',
    required: ['path'],
    properties: { path: str, flags: strList },
  }),
  syscalls: strList,
  endpoints: nullableList({
    type: 'object',
    properties: {
      endpoint: str,
      methods: strList,
      internal: bool,
      direction: { type: 'string' },
      headers: { type: ['object', 'null'], additionalProperties: strList },
    },
  }),
  imageID: str,
  imageTag: str,
  rulePolicies: {
    type: ['object', 'null'],
    additionalProperties: {
      type: 'object',
      properties: { processAllowed: strList, containerAllowed: bool },
    },
  },
  seccompProfile: { type: ['object', 'null'] },
  identifiedCallStacks: { type: ['array', 'null'] },
};

const neighbor: Schema = {
  type: 'object',
  properties: {
    identifier: str,
    type: str,
    dns: str,
    dnsNames: strList,
    ports: nullableList({
      type: 'object',
      properties: {
        name: str,
        protocol: str,
        port: { type: ['integer', 'null'], minimum: 0, maximum: 65535 },
      },
    }),
    podSelector: labelSelector,
    namespaceSelector: labelSelector,
    ipAddress: str,
    ipAddresses: strList,
  },
};
const nnContainerProps: Record<string, Schema> = {
  name: str,
  ingress: nullableList(neighbor),
  egress: nullableList(neighbor),
};

const apContainer: Schema = { type: 'object', properties: apContainerProps };
const nnContainer: Schema = { type: 'object', properties: nnContainerProps };
const cpContainer: Schema = { type: 'object', properties: { ...apContainerProps, ...nnContainerProps } };

const groups = (c: Schema): Record<string, Schema> => ({
  containers: nullableList(c),
  initContainers: nullableList(c),
  ephemeralContainers: nullableList(c),
});

const object = (kind: string, apiVersions: string[], spec: Schema, specRequired = true): Schema => ({
  type: 'object',
  required: specRequired ? ['apiVersion', 'kind', 'metadata', 'spec'] : ['apiVersion', 'kind', 'metadata'],
  properties: {
    apiVersion: { enum: apiVersions },
    kind: { const: kind },
    metadata,
    spec,
  },
});

export const PROFILE_API_VERSION = 'spdx.softwarecomposition.kubescape.io/v1beta1';
export const RULES_API_VERSION = 'kubescape.io/v1';

const profileDataSelector: Schema = {
  oneOf: [
    { const: 'all' },
    {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        minProperties: 1,
        maxProperties: 1,
        additionalProperties: false,
        properties: {
          exact: { type: 'string', minLength: 1 },
          prefix: { type: 'string', minLength: 1 },
          suffix: { type: 'string', minLength: 1 },
          contains: { type: 'string', minLength: 1 },
        },
      },
    },
  ],
};

export const ruleSchema: Schema = {
  type: 'object',
  required: ['id', 'name', 'expressions'],
  properties: {
    enabled: bool,
    id: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1 },
    description: str,
    expressions: {
      type: 'object',
      required: ['message', 'uniqueId', 'ruleExpression'],
      properties: {
        message: str,
        uniqueId: str,
        ruleExpression: {
          type: 'array',
          items: {
            type: 'object',
            required: ['eventType', 'expression'],
            properties: { eventType: { type: 'string', minLength: 1 }, expression: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
    profileDependency: { enum: [0, 1, 2] },
    profileDataRequired: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: Object.fromEntries(
        ['opens', 'execs', 'capabilities', 'syscalls', 'endpoints', 'egressDomains', 'egressAddresses',
          'ingressDomains', 'ingressAddresses'].map((k) => [k, profileDataSelector]),
      ),
    },
    severity: int,
    supportPolicy: bool,
    tags: strList,
    state: { type: ['object', 'null'] },
    agentVersionRequirement: str,
    isTriggerAlert: bool,
    mitreTactic: str,
    mitreTechnique: str,
  },
};

export const SCHEMAS: Record<string, Schema> = {
  ApplicationProfile: object('ApplicationProfile', [PROFILE_API_VERSION], {
    type: 'object',
    properties: { architectures: strList, ...groups(apContainer) },
  }),
  NetworkNeighborhood: object('NetworkNeighborhood', [PROFILE_API_VERSION], {
    type: 'object',
    properties: { matchLabels: stringMap, matchExpressions: { type: ['array', 'null'] }, ...groups(nnContainer) },
  }),
  ContainerProfile: object('ContainerProfile', [PROFILE_API_VERSION], {
    type: 'object',
    properties: {
      ...apContainerProps,
      ...nnContainerProps,
      matchLabels: stringMap,
      matchExpressions: { type: ['array', 'null'] },
      ...groups(cpContainer),
    },
  }),
  Rules: object('Rules', [RULES_API_VERSION], {
    type: 'object',
    required: ['rules'],
    properties: { rules: { type: 'array', items: ruleSchema } },
  }),
  RuntimeRuleAlertBinding: object('RuntimeRuleAlertBinding', [RULES_API_VERSION], {
    type: 'object',
    properties: {
      namespaceSelector: labelSelector,
      podSelector: labelSelector,
      rules: nullableList({
        type: 'object',
        properties: {
          ruleID: str,
          ruleName: str,
          ruleTags: strList,
          parameters: { type: ['object', 'null'] },
          severity: {},
        },
      }),
    },
  }),
  // sbob's own trust policy (src/signing documents its fields); validated there in depth.
  TrustPolicy: object('TrustPolicy', ['sbob.io/v1alpha1'], { type: 'object' }, false),
};

/** Kinds the loader accepts, with their API versions. */
export const KNOWN_KINDS: Record<string, string> = {
  ApplicationProfile: PROFILE_API_VERSION,
  NetworkNeighborhood: PROFILE_API_VERSION,
  ContainerProfile: PROFILE_API_VERSION,
  Rules: RULES_API_VERSION,
  RuntimeRuleAlertBinding: RULES_API_VERSION,
  TrustPolicy: 'sbob.io/v1alpha1',
};

const CRD_INFO: Record<string, { group: string; version: string; plural: string; scope: 'Namespaced' | 'Cluster' }> = {
  ApplicationProfile: { group: 'spdx.softwarecomposition.kubescape.io', version: 'v1beta1', plural: 'applicationprofiles', scope: 'Namespaced' },
  NetworkNeighborhood: { group: 'spdx.softwarecomposition.kubescape.io', version: 'v1beta1', plural: 'networkneighborhoods', scope: 'Namespaced' },
  ContainerProfile: { group: 'spdx.softwarecomposition.kubescape.io', version: 'v1beta1', plural: 'containerprofiles', scope: 'Namespaced' },
  Rules: { group: 'kubescape.io', version: 'v1', plural: 'rules', scope: 'Namespaced' },
  RuntimeRuleAlertBinding: { group: 'kubescape.io', version: 'v1', plural: 'runtimerulealertbindings', scope: 'Cluster' },
  TrustPolicy: { group: 'sbob.io', version: 'v1alpha1', plural: 'trustpolicies', scope: 'Cluster' },
};

/** Converts a JSON schema to the OpenAPI v3 subset of CRDs (no type arrays: nullable instead). */
function toOpenApi(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toOpenApi);
  if (!s || typeof s !== 'object') return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
    if (k === 'type' && Array.isArray(v)) {
      const types = v.filter((t) => t !== 'null');
      out.type = types[0];
      if (v.includes('null')) out.nullable = true;
    } else if (k === 'const') {
      out.enum = [v];
    } else if (k === 'oneOf') {
      out['x-kubernetes-preserve-unknown-fields'] = true;
    } else {
      out[k] = toOpenApi(v);
    }
  }
  if (out.type === 'object' && !out.properties && !out.additionalProperties) out['x-kubernetes-preserve-unknown-fields'] = true;
  return out;
}

/** A CustomResourceDefinition manifest for one kind, generated from its schema. */
export function crdManifest(kind: string): Record<string, unknown> {
  const info = CRD_INFO[kind];
  const schema = SCHEMAS[kind];
  if (!info || !schema) throw new Error(`no CRD for kind ${kind}`);
  const props = (schema.properties as Record<string, unknown>) ?? {};
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${info.group}` },
    spec: {
      group: info.group,
      scope: info.scope,
      names: { kind, plural: info.plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: info.version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: toOpenApi({
              type: 'object',
              properties: { spec: props.spec ?? { type: 'object' } },
            }),
          },
        },
      ],
    },
  };
}
