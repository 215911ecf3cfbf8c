/**
 * What Kubernetes service discovery (`kubernetes_sd_configs`, role `pod`) would hand Prometheus and
 * Promtail for one pod of a synthesized Deployment: the same target address and the same
 * `__meta_kubernetes_*` labels, built from the Deployment's own pod template. The end-to-end test
 * puts these into static targets so that the rendered relabelling rules, unchanged, produce the
 * `namespace` / `pod` / `app` / `container` labels the dashboards select on.
 *
 * Label names follow Prometheus' discovery/kubernetes/pod.go (Promtail uses the same code): one
 * target per container port (`<pod ip>:<port>`), or one per container without ports
 * (`<pod ip>`); label and annotation names with every character outside [a-zA-Z0-9_] turned
 * into `_`, each with a `..._present_...` twin.
 */
import type { KubeObject } from '../../../verify/helm';

export interface PodIdentity {
  /** Pod name; a Deployment's pod is `<replicaset>-<5 chars>`. */
  readonly name: string;
  readonly uid: string;
  readonly ip: string;
  readonly nodeName: string;
  /** The ReplicaSet that owns the pod, `<deployment>-<template hash>`. */
  readonly replicaSetName: string;
}

export interface DiscoveredTarget {
  readonly targets: string[];
  readonly labels: Record<string, string>;
}

interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: { name: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }[] };
}

function metaName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** The pod template of a Deployment, or an error naming the object. */
export function podTemplateOf(deployment: KubeObject): PodTemplate {
  const template = (deployment as unknown as { spec?: { template?: PodTemplate } }).spec?.template;
  if (deployment.kind !== 'Deployment' || !template?.spec?.containers) {
    throw new Error(`${deployment.kind} ${deployment.metadata.name} has no pod template`);
  }
  return template;
}

/** Discovery's targets for one running pod of `deployment`, in namespace `namespace`. */
export function podDiscoveryTargets(deployment: KubeObject, pod: PodIdentity): DiscoveredTarget[] {
  const template = podTemplateOf(deployment);
  const namespace = deployment.metadata.namespace;
  if (!namespace) throw new Error(`Deployment ${deployment.metadata.name} has no namespace`);
  const podLabels: Record<string, string> = {
    __meta_kubernetes_namespace: namespace,
    __meta_kubernetes_pod_name: pod.name,
    __meta_kubernetes_pod_ip: pod.ip,
    __meta_kubernetes_pod_uid: pod.uid,
    __meta_kubernetes_pod_node_name: pod.nodeName,
    __meta_kubernetes_pod_host_ip: pod.ip,
    __meta_kubernetes_pod_ready: 'true',
    __meta_kubernetes_pod_phase: 'Running',
    __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
    __meta_kubernetes_pod_controller_name: pod.replicaSetName,
  };
  for (const [key, value] of Object.entries(template.metadata.labels ?? {})) {
    podLabels[`__meta_kubernetes_pod_label_${metaName(key)}`] = value;
    podLabels[`__meta_kubernetes_pod_labelpresent_${metaName(key)}`] = 'true';
  }
  for (const [key, value] of Object.entries(template.metadata.annotations ?? {})) {
    podLabels[`__meta_kubernetes_pod_annotation_${metaName(key)}`] = value;
    podLabels[`__meta_kubernetes_pod_annotationpresent_${metaName(key)}`] = 'true';
  }
  return template.spec.containers.flatMap((container) => {
    const containerLabels = { ...podLabels, __meta_kubernetes_pod_container_name: container.name, __meta_kubernetes_pod_container_init: 'false' };
    if (!container.ports?.length) return [{ targets: [pod.ip], labels: containerLabels }];
    return container.ports.map((port) => ({
      targets: [`${pod.ip}:${port.containerPort}`],
      labels: {
        ...containerLabels,
        __meta_kubernetes_pod_container_port_name: port.name ?? '',
        __meta_kubernetes_pod_container_port_number: String(port.containerPort),
        __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP',
      },
    }));
  });
}

/**
 * The Deployment as it would be if its container listened on `to` instead of `from`: the
 * container port and the `prometheus.io/port` annotation, the only two places a pod states its
 * port. The end-to-end test runs the service on a free loopback port, not on the pod's.
 */
export function withContainerPort(deployment: KubeObject, from: number, to: number, portAnnotation: string): KubeObject {
  const copy = structuredClone(deployment) as KubeObject & { spec: { template: PodTemplate } };
  const template = copy.spec.template;
  for (const container of template.spec.containers) {
    for (const port of container.ports ?? []) if (port.containerPort === from) port.containerPort = to;
  }
  const annotations = template.metadata.annotations ?? {};
  if (annotations[portAnnotation] === String(from)) annotations[portAnnotation] = String(to);
  return copy;
}

/** The `<namespace>_<pod>_<uid>/<container>/0.log` path the kubelet writes a container's log to, under `root`. */
export function podLogPath(root: string, namespace: string, pod: PodIdentity, container: string): string {
  return `${root}/${namespace}_${pod.name}_${pod.uid}/${container}/0.log`;
}
