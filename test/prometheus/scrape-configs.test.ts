import { every2sScrapeConfig, EVERY_2S_JOB_NAME } from '../../lib/prometheus/scrape-configs';

describe('the kubernetes-pods-every-2s scrape job', () => {
  // promtool checks this job inside the rendered prometheus.yml: test/render/promtool.test.ts.

  test('keeps only opted-in pods and maps the annotation, path, port and labels the dashboards rely on', () => {
    const job = every2sScrapeConfig();
    expect(job.job_name).toBe(EVERY_2S_JOB_NAME);
    const rules = job.relabel_configs;
    expect(rules[0]).toEqual({
      source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape_every_2s'],
      action: 'keep',
      regex: 'true',
    });
    const targets = Object.fromEntries(rules.filter((r) => r.target_label).map((r) => [r.target_label, r.source_labels]));
    expect(targets).toEqual({
      __metrics_path__: ['__meta_kubernetes_pod_annotation_prometheus_io_path'],
      __address__: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
      namespace: ['__meta_kubernetes_namespace'],
      pod: ['__meta_kubernetes_pod_name'],
      app: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'],
    });
  });

  test('the address rewrite puts the annotated port on the pod IP (checked with the regex Prometheus runs)', () => {
    const rewrite = every2sScrapeConfig().relabel_configs.find((r) => r.target_label === '__address__')!;
    // Prometheus anchors relabel regexes (^(?:...)$) and joins source labels with ';'.
    const anchored = new RegExp(`^(?:${rewrite.regex})$`);
    const apply = (input: string) => input.replace(anchored, rewrite.replacement!.replace(/\$(\d)/g, '$$$1'));
    expect(apply('10.1.2.3:8080;3010')).toBe('10.1.2.3:3010');
    expect(apply('10.1.2.3;3010')).toBe('10.1.2.3:3010');
  });
});
