/**
 * Resolves what pods name by reference — Secrets and ConfigMaps (and their keys) in env,
 * envFrom and volumes, PersistentVolumeClaims, ServiceAccounts — to objects that really exist
 * among the rendered charts, our manifests and the Secrets the install creates. A reference
 * marked `optional: true` may point nowhere, as Kubernetes allows.
 */
import type { KubeObject } from './helm';
import { podTemplates } from './addresses';

interface KeyRef {
  readonly name: string;
  readonly key: string;
  readonly optional?: boolean;
}

interface PodSpecRefs {
  readonly serviceAccountName?: string;
  readonly containers?: readonly ContainerRefs[];
  readonly initContainers?: readonly ContainerRefs[];
  readonly volumes?: readonly VolumeRefs[];
}

interface ContainerRefs {
  readonly name: string;
  readonly env?: readonly { readonly name: string; readonly valueFrom?: { readonly secretKeyRef?: KeyRef; readonly configMapKeyRef?: KeyRef } }[];
  readonly envFrom?: readonly { readonly secretRef?: { name: string; optional?: boolean }; readonly configMapRef?: { name: string; optional?: boolean } }[] | null;
}

interface ItemsRef {
  readonly items?: readonly { readonly key: string }[];
  readonly optional?: boolean;
}

interface VolumeRefs {
  readonly name: string;
  readonly secret?: ItemsRef & { readonly secretName: string };
  readonly configMap?: ItemsRef & { readonly name: string };
  readonly persistentVolumeClaim?: { readonly claimName: string };
  readonly projected?: { readonly sources?: readonly { readonly secret?: ItemsRef & { name: string }; readonly configMap?: ItemsRef & { name: string } }[] };
}

/** The keys an object holds (`data` and `stringData` of a Secret, `data` and `binaryData` of a ConfigMap). */
function keysOf(object: KubeObject): Set<string> {
  const o = object as { data?: Record<string, unknown> | null; stringData?: Record<string, unknown>; binaryData?: Record<string, unknown> };
  return new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {}), ...Object.keys(o.binaryData ?? {})]);
}

/**
 * Problems with the references of every pod template among `objects` (empty when all resolve),
 * each naming the workload, the container or volume, and what is missing.
 */
export function objectReferenceProblems(objects: readonly KubeObject[], defaultNamespace: string): string[] {
  const index = new Map<string, KubeObject>();
  for (const o of objects) index.set(`${o.kind} ${o.metadata.namespace ?? defaultNamespace}/${o.metadata.name}`, o);
  const problems: string[] = [];

  for (const pod of podTemplates(objects, defaultNamespace)) {
    const spec = pod.spec as PodSpecRefs;
    const at = `${pod.owner} (${pod.namespace})`;
    const need = (kind: string, name: string, where: string, keys: readonly string[] = [], optional = false): void => {
      if (optional) return;
      const found = index.get(`${kind} ${pod.namespace}/${name}`);
      if (!found) {
        const there = objects.filter((o) => o.kind === kind && (o.metadata.namespace ?? defaultNamespace) === pod.namespace).map((o) => o.metadata.name).sort();
        problems.push(`${at} ${where}: no ${kind} "${name}" (there are: ${there.join(', ') || 'none'}).`);
        return;
      }
      const present = keysOf(found);
      for (const key of keys) {
        if (!present.has(key)) problems.push(`${at} ${where}: ${kind} "${name}" has no key "${key}" (keys: ${[...present].sort().join(', ') || 'none'}).`);
      }
    };

    if (spec.serviceAccountName && spec.serviceAccountName !== 'default') need('ServiceAccount', spec.serviceAccountName, 'serviceAccountName');
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as ContainerRefs[]) {
      for (const env of container.env ?? []) {
        const where = `container ${container.name} env ${env.name}`;
        const secret = env.valueFrom?.secretKeyRef;
        if (secret) need('Secret', secret.name, where, [secret.key], secret.optional === true);
        const configMap = env.valueFrom?.configMapKeyRef;
        if (configMap) need('ConfigMap', configMap.name, where, [configMap.key], configMap.optional === true);
      }
      for (const from of container.envFrom ?? []) {
        if (from.secretRef) need('Secret', from.secretRef.name, `container ${container.name} envFrom`, [], from.secretRef.optional === true);
        if (from.configMapRef) need('ConfigMap', from.configMapRef.name, `container ${container.name} envFrom`, [], from.configMapRef.optional === true);
      }
    }
    for (const volume of spec.volumes ?? []) {
      const where = `volume ${volume.name}`;
      const keys = (ref: ItemsRef) => (ref.items ?? []).map((i) => i.key);
      if (volume.secret) need('Secret', volume.secret.secretName, where, keys(volume.secret), volume.secret.optional === true);
      if (volume.configMap) need('ConfigMap', volume.configMap.name, where, keys(volume.configMap), volume.configMap.optional === true);
      if (volume.persistentVolumeClaim) need('PersistentVolumeClaim', volume.persistentVolumeClaim.claimName, where);
      for (const source of volume.projected?.sources ?? []) {
        if (source.secret) need('Secret', source.secret.name, where, keys(source.secret), source.secret.optional === true);
        if (source.configMap) need('ConfigMap', source.configMap.name, where, keys(source.configMap), source.configMap.optional === true);
      }
    }
  }
  return problems;
}
