/** Checks the render tests of both profiles share (addresses, buckets, the Prometheus config). */
import { parse } from 'yaml';
import { AddressReference, addressProblems, extractFromConfigFile, referencesInObjects, RelabelRule } from '../../verify/addresses';
import { KubeObject } from '../../verify/helm';
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
