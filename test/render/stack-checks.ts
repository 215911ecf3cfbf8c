/** Checks the render tests of both profiles share (addresses, buckets, the Prometheus config). */
import { parse } from 'yaml';
import { AddressReference, addressProblems, extractFromConfigFile, podTargetsKept, podTemplates, referencesInObjects, RelabelRule, serviceBackendProblems } from '../../verify/addresses';
import { KubeObject } from '../../verify/helm';
import { objectReferenceProblems } from '../../verify/object-references';
import { configFile, release, RenderedStack } from './rendered-stack';

/** Every address in our values files, in the rendered objects of every release and in our manifests. */
export function allReferences(stack: RenderedStack): AddressReference[] {
  return [
    ...Object.entries(stack.valuesFiles).flatMap(([name, text]) => extractFromConfigFile(text, `values/${name}.yaml`, stack.namespace)),
    ...stack.releases.flatMap((r) => referencesInObjects(r.objects, r.name, r.namespace)),
    ...referencesInObjects(stack.manifests, 'observability.k8s.yaml', stack.namespace),
  ];
}

export function problems(stack: RenderedStack, objects: readonly KubeObject[] = stack.all): string[] {
  return addressProblems(allReferences(stack), objects, { defaultNamespace: stack.namespace });
}

/** Bucket names an S3 client config uses (Loki's `bucketnames` may list several, comma-separated). */
export function bucketsUsed(configText: string): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (['bucketnames', 'bucket_name', 'bucket'].includes(key) && typeof child === 'string') found.push(...child.split(','));
        else walk(child);
      }
    }
  };
  walk(parse(configText));
  return found;
}

export function prometheusConfig(stack: RenderedStack, releaseName = 'prometheus'): {
  alerting: { alertmanagers: { kubernetes_sd_configs: { role: string }[]; relabel_configs: RelabelRule[] }[] };
  scrape_configs: { job_name: string; kubernetes_sd_configs?: { role: string }[]; relabel_configs?: RelabelRule[] }[];
} {
  const hasConfig = (o: KubeObject) => o.kind === 'ConfigMap' && 'prometheus.yml' in ((o as { data?: object }).data ?? {});
  const serverConfigMap = release(stack, releaseName).objects.find(hasConfig);
  if (!serverConfigMap) throw new Error(`release ${releaseName} renders no ConfigMap with prometheus.yml`);
  return parse(configFile(serverConfigMap, 'prometheus.yml'));
}

/**
 * What the rename tests require of a stack synthesized with another namespace and release names:
 * addresses into the new namespace, no unresolved address, object reference or Service backend,
 * and Prometheus' Alertmanager discovery (release `prometheusRelease`) keeping only port 9093.
 */
export function renamedStackWiring(stack: RenderedStack, prometheusRelease: string) {
  const pods = podTemplates(stack.all, stack.namespace);
  const alerting = prometheusConfig(stack, prometheusRelease).alerting.alertmanagers[0].relabel_configs;
  return {
    addressesIntoNamespace: allReferences(stack).filter((r) => r.address.includes(`.${stack.namespace}.svc`)).length,
    addressProblems: problems(stack),
    referenceProblems: objectReferenceProblems(stack.all, stack.namespace),
    serviceBackendProblems: stack.all.filter((o) => o.kind === 'Service').flatMap((s) => serviceBackendProblems(s, pods, stack.namespace)),
    alertmanagerPorts: podTargetsKept(alerting, stack.all, stack.namespace).map((t) => t.port),
  };
}
