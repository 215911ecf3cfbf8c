/**
 * The extra scrape job the model service relies on (contract in docs/synthesizer.md): pods that
 * opt in with the annotation below are scraped every 2 s, on the path and port their
 * `prometheus.io/path` / `prometheus.io/port` annotations name, and every series gets the labels
 * `namespace`, `pod` and `app` (from the pod label app.kubernetes.io/name) that the dashboards
 * and alert rules select on.
 */

export const EVERY_2S_JOB_NAME = 'kubernetes-pods-every-2s';
export const SCRAPE_EVERY_2S_ANNOTATION = 'prometheus.io/scrape_every_2s';
export const SCRAPE_PATH_ANNOTATION = 'prometheus.io/path';
export const SCRAPE_PORT_ANNOTATION = 'prometheus.io/port';

/** Prometheus turns annotation/label names into meta labels by replacing every non [a-zA-Z0-9_] with `_`. */
function metaLabel(kind: 'annotation' | 'label', name: string): string {
  return `__meta_kubernetes_pod_${kind}_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

export interface RelabelConfig {
  readonly source_labels?: string[];
  readonly action?: 'replace' | 'keep' | 'drop';
  readonly regex?: string;
  readonly replacement?: string;
  readonly target_label?: string;
}

export interface ScrapeConfig {
  readonly job_name: string;
  readonly scrape_interval: string;
  readonly scrape_timeout: string;
  readonly kubernetes_sd_configs: { readonly role: 'pod' }[];
  readonly relabel_configs: RelabelConfig[];
}

export function every2sScrapeConfig(): ScrapeConfig {
  return {
    job_name: EVERY_2S_JOB_NAME,
    scrape_interval: '2s',
    // Must not exceed the interval (the global default is 10s).
    scrape_timeout: '2s',
    kubernetes_sd_configs: [{ role: 'pod' }],
    relabel_configs: [
      { source_labels: [metaLabel('annotation', SCRAPE_EVERY_2S_ANNOTATION)], action: 'keep', regex: 'true' },
      // Completed/failed pods keep their IPs in discovery for a while; scraping them only yields errors.
      { source_labels: ['__meta_kubernetes_pod_phase'], action: 'drop', regex: 'Pending|Succeeded|Failed|Completed' },
      { source_labels: [metaLabel('annotation', SCRAPE_PATH_ANNOTATION)], action: 'replace', regex: '(.+)', target_label: '__metrics_path__' },
      {
        source_labels: ['__address__', metaLabel('annotation', SCRAPE_PORT_ANNOTATION)],
        action: 'replace',
        regex: '(.+?)(?::\\d+)?;(\\d+)',
        replacement: '$1:$2',
        target_label: '__address__',
      },
      { source_labels: ['__meta_kubernetes_namespace'], action: 'replace', target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], action: 'replace', target_label: 'pod' },
      { source_labels: [metaLabel('label', 'app.kubernetes.io/name')], action: 'replace', target_label: 'app' },
    ],
  };
}
