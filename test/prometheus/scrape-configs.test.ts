import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { every2sScrapeConfig, EVERY_2S_JOB_NAME } from '../../lib/prometheus/scrape-configs';

describe('the kubernetes-pods-every-2s scrape job', () => {
  test('is accepted by the real promtool (Prometheus 2.42 from Debian)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promcfg-'));
    const file = path.join(dir, 'prometheus.yml');
    // Debian builds Prometheus without Kubernetes service discovery ("field kubernetes_sd_configs not
    // found"), so the discovery block is swapped for a static target; everything else (intervals,
    // timeout vs the chart's global 10s, relabel actions and regexes) is checked as written.
    const { kubernetes_sd_configs: sd, ...job } = every2sScrapeConfig();
    expect(sd).toEqual([{ role: 'pod' }]);
    const config = { global: { scrape_interval: '1m', scrape_timeout: '10s' }, scrape_configs: [{ ...job, static_configs: [{ targets: ['10.0.0.1:3010'] }] }] };
    fs.writeFileSync(file, stringify(config));
    const run = spawnSync('promtool', ['check', 'config', '--syntax-only', file], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

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
