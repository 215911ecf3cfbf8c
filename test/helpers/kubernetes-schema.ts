/**
 * Validates Kubernetes objects against the Kubernetes 1.27 API, in-process.
 *
 * Three checks, each closing a gap the one before leaves open:
 *  1. The apiVersion/kind must be served by Kubernetes 1.27. The list comes from the `k8s`
 *     bindings of cdk8s-plus-27 (generated from the 1.27 OpenAPI document). kubernetes-models
 *     alone is not enough: its generator merges older specs in (1.15, 1.21, 1.24) so that removed
 *     APIs stay available (e.g. `policy/v1beta1 PodDisruptionBudget`, gone since 1.25).
 *  2. The object must satisfy the 1.27 OpenAPI schema, checked by kubernetes-models 4.3.1.
 *     Why that version is 1.27: its README badge reads "kubernetes 1.27.1" and its CHANGELOG entry
 *     for 4.3.0 says "Update schema version to v1.27.1" (4.3.1 only bumps dependencies); its schema
 *     has 1.27's additions (Container.resizePolicy, admissionregistration v1 MatchCondition) and
 *     none of 1.28's (Container.restartPolicy for sidecars, ValidatingAdmissionPolicy v1beta1).
 *     Unlike kubernetes-models 5 (ESM-only, ~1.36 schema) it ships CommonJS, so Jest loads it.
 *  3. No unknown fields. The Kubernetes OpenAPI v2 schemas never say `additionalProperties: false`,
 *     so ajv accepts `spec.replcas`; a 1.27 API server does not (kubectl's default
 *     `--validate=strict`, server-side field validation, GA in 1.27). kubernetes-models offers no
 *     option for this, so we record the schemas it registers with its validator and walk the
 *     object against them ourselves (a few lines; no library does this walk over these schemas).
 */
import { k8s } from 'cdk8s-plus-27';

interface SchemaNode {
  readonly $ref?: string;
  readonly oneOf?: readonly SchemaNode[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly type?: string;
}

interface ModelClass {
  new (data: unknown): { validate(): void };
  readonly apiVersion: string;
  readonly kind: string;
}

// kubernetes-models' schema modules call `register(id, schema)` and its models call
// `validate(id, data)`, both looked up on this module's exports at call time, so wrapping them
// here sees every schema and the id each model validates against.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validateLib = require('@kubernetes-models/validate') as {
  register(id: string, schema: SchemaNode): void;
  validate(id: string, data: unknown): void;
};
const registered = new Map<string, SchemaNode>();
let lastValidatedId: string | undefined;
if (!(validateLib.register as { recording?: boolean }).recording) {
  const register = validateLib.register;
  const validate = validateLib.validate;
  validateLib.register = Object.assign(
    (id: string, schema: SchemaNode) => {
      registered.set(id, schema);
      register(id, schema);
    },
    { recording: true },
  );
  validateLib.validate = (id: string, data: unknown) => {
    lastValidatedId = id;
    validate(id, data);
  };
}

/** `apiVersion kind` of every object a Kubernetes 1.27 API server serves. */
export const SERVED_BY_KUBERNETES_1_27: ReadonlySet<string> = new Set(
  Object.values(k8s).flatMap((binding) => {
    const gvk = (binding as { GVK?: { apiVersion: string; kind: string } }).GVK;
    return gvk ? [`${gvk.apiVersion} ${gvk.kind}`] : [];
  }),
);

function modelFor(apiVersion: string, kind: string): ModelClass | undefined {
  let exported: Record<string, unknown>;
  try {
    // Core objects live in kubernetes-models/v1, the others in kubernetes-models/<group>/<version>.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(`kubernetes-models/${apiVersion}`) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const model = exported[kind] as ModelClass | undefined;
  return typeof model === 'function' && model.apiVersion === apiVersion && model.kind === kind ? model : undefined;
}

function resolve(node: SchemaNode): SchemaNode {
  if (node.$ref === undefined) return node;
  const id = node.$ref.replace(/#$/, '');
  const target = registered.get(id);
  if (!target) throw new Error(`schema ${id} was not registered by kubernetes-models (library internals changed?)`);
  return resolve(target);
}

/** Paths of fields the schema does not know, e.g. `spec/replcas`. */
function unknownFields(value: unknown, node: SchemaNode, path: string): string[] {
  if (value === null || value === undefined) return [];
  const schema = resolve(node);
  if (schema.oneOf) {
    // Nullable references are written as oneOf [{$ref}, {type: null}]; scalars (IntOrString) have no fields.
    const branch = schema.oneOf.find((b) => b.$ref !== undefined || b.properties !== undefined);
    return branch ? unknownFields(value, branch, path) : [];
  }
  if (Array.isArray(value)) {
    return schema.items ? value.flatMap((item, i) => unknownFields(item, schema.items as SchemaNode, `${path}/${i}`)) : [];
  }
  if (typeof value !== 'object') return [];
  const entries = Object.entries(value as Record<string, unknown>);
  if (schema.properties) {
    const properties = schema.properties;
    return entries.flatMap(([key, child]) =>
      key in properties ? unknownFields(child, properties[key], `${path}/${key}`) : [`${path}/${key}`],
    );
  }
  if (typeof schema.additionalProperties === 'object') {
    const values = schema.additionalProperties;
    return entries.flatMap(([key, child]) => unknownFields(child, values, `${path}/${key}`));
  }
  return []; // free-form object (e.g. FieldsV1, RawExtension)
}

/**
 * Problems with one Kubernetes object (empty when valid against Kubernetes 1.27), each naming
 * the object and the failing field.
 */
export function kubernetesSchemaProblems(object: unknown): string[] {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    return [`not a Kubernetes object (got ${object === null ? 'null' : Array.isArray(object) ? 'a list' : typeof object})`];
  }
  const { apiVersion, kind, metadata } = object as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['missing apiVersion or kind'];
  const what = `${apiVersion} ${kind} ${typeof metadata?.name === 'string' ? metadata.name : '(no name)'}`;
  if (!SERVED_BY_KUBERNETES_1_27.has(`${apiVersion} ${kind}`)) {
    return [`${what}: unknown kind: Kubernetes 1.27 serves no ${kind} in ${apiVersion}`];
  }
  const Model = modelFor(apiVersion, kind);
  if (!Model) return [`${what}: unknown kind: kubernetes-models has no schema for ${apiVersion} ${kind}`];
  lastValidatedId = undefined;
  try {
    new Model(object).validate();
  } catch (err) {
    return [`${what}: ${err instanceof Error ? err.message : String(err)}`];
  }
  if (lastValidatedId === undefined) return [`${what}: kubernetes-models did not validate it (no schema id)`];
  const unknown = unknownFields(object, { $ref: lastValidatedId }, 'data');
  return unknown.map((field) => `${what}: ${field} is not a field of the Kubernetes 1.27 schema`);
}

// Kubernetes 1.33, for the current profile: the served kinds from cdk8s-plus-33's `k8s` bindings
// (generated from the 1.33 OpenAPI document), types, required fields and enums from kubernetes-models
// 4.5.1 (installed as kubernetes-models-1-33). Why that version is 1.33: its schema has 1.33's
// additions (Lifecycle.stopSignal, EndpointHints.forNodes) and none of 1.34's
// (PodCertificateProjection); its README badge still says 1.27.1. Its validators are compiled ahead
// of time and ship without the schemas, so the unknown-field walk above cannot run against 1.33:
// unknown fields are found by the 1.27 check only.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const k8s133 = (require('cdk8s-plus-33') as typeof import('cdk8s-plus-33')).k8s;

/** `apiVersion kind` of every object a Kubernetes 1.33 API server serves. */
export const SERVED_BY_KUBERNETES_1_33: ReadonlySet<string> = new Set(
  Object.values(k8s133).flatMap((binding) => {
    const gvk = (binding as { GVK?: { apiVersion: string; kind: string } }).GVK;
    return gvk ? [`${gvk.apiVersion} ${gvk.kind}`] : [];
  }),
);

/** Problems with one object against Kubernetes 1.33 (served kind, field types, required fields, enums). */
export function kubernetes133SchemaProblems(object: unknown): string[] {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return ['not a Kubernetes object'];
  const { apiVersion, kind, metadata } = object as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['missing apiVersion or kind'];
  const what = `${apiVersion} ${kind} ${typeof metadata?.name === 'string' ? metadata.name : '(no name)'}`;
  if (!SERVED_BY_KUBERNETES_1_33.has(`${apiVersion} ${kind}`)) return [`${what}: unknown kind: Kubernetes 1.33 serves no ${kind} in ${apiVersion}`];
  let exported: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(`kubernetes-models-1-33/${apiVersion}`) as Record<string, unknown>;
  } catch {
    return [`${what}: unknown kind: kubernetes-models 4.5.1 has no ${apiVersion}`];
  }
  const Model = exported[kind] as ModelClass | undefined;
  if (typeof Model !== 'function') return [`${what}: unknown kind: kubernetes-models 4.5.1 has no schema for ${apiVersion} ${kind}`];
  try {
    new Model(object).validate();
  } catch (err) {
    return [`${what}: ${err instanceof Error ? err.message : String(err)}`];
  }
  return [];
}
