/**
 * Runs the real amtool (Debian's prometheus-alertmanager 0.25.0, the Alertmanager version the
 * prometheus chart's alertmanager subchart deploys; scripts/install-test-tools.sh installs it).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CHART_SUBCHARTS } from '../../scripts/chart-value-extras';
import { mergeValues } from '../../lib/helm/values-overrides';
import { PromtoolResult } from './promtool';

export const AMTOOL = process.env.AMTOOL ?? 'amtool';

export function amtool(args: readonly string[], cwd: string): PromtoolResult {
  const run = spawnSync(AMTOOL, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (run.error) {
    throw new Error(
      `could not run ${AMTOOL} (${run.error.message}): install Debian's prometheus-alertmanager package ` +
        '(bash scripts/install-test-tools.sh does it) or point AMTOOL at the binary.',
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/**
 * The alertmanager.yml the subchart writes from our values: its templates/configmap.yaml is
 * `toYaml .Values.config`, and Helm merges our `alertmanager.config` over the subchart's default
 * `config` as mergeValues does (maps key by key, lists replaced). Checked by hand against
 * `helm template` of prometheus-19.6.1.tgz; a harness rendering every chart in the tests replaces this.
 */
export function renderedAlertmanagerConfig(prometheusValues: { alertmanager?: { config?: object } }): object {
  const version = CHART_SUBCHARTS.prometheus.alertmanager;
  const reference = process.env.CHARTS_REFERENCE ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'charts-reference');
  const defaults = parse(fs.readFileSync(path.join(reference, `alertmanager-${version}`, 'values.yaml'), 'utf8')) as { config: object };
  return mergeValues(defaults.config, (prometheusValues.alertmanager?.config ?? {}) as Record<string, unknown>);
}
