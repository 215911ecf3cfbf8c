/**
 * Alloy's OTLP gateway options: tail sampling (off by default), the sending queue's size, and the
 * one-line errors for bad values. The generated config is checked by the real Alloy in the e2e
 * (current profile), and the tail-sampling variant by `alloy validate` here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { ObservabilityStack, ObservabilityStackProps } from '../../lib/observability-stack';
import { resolveCurrentBackend } from '../../verify/backend-binaries';

function alloyConfig(props: ObservabilityStackProps = {}): string {
  const stack = new ObservabilityStack(new App(), 'stack', { profile: 'current', ...props });
  return stack.alloy!.config();
}

describe('Alloy as the node-local OTLP gateway', () => {
  test('GIVEN the defaults THEN every span is kept, and queued on disk (2,000,000 spans) before any batching', () => {
    const config = alloyConfig();
    expect(config).not.toContain('tail_sampling');
    // A batch processor would hold acknowledged spans in memory, where a killed Alloy loses them.
    expect(config).not.toContain('otelcol.processor.batch');
    expect(config).toMatch(/otelcol\.processor\.k8sattributes "default" \{[\s\S]*?traces = \[otelcol\.exporter\.otlp\.tempo\.input\]/);
    expect(config).toMatch(/sizer {6}= "items"\n\s+queue_size = 2000000\n\s+storage\s+= otelcol\.storage\.file\.queue\.handler/);
  });

  test('GIVEN the defaults THEN Alloy\'s state (read positions, sending queue) is on a hostPath that outlives the pod', () => {
    const values = new ObservabilityStack(new App(), 'stack', { profile: 'current' }).alloy!.renderValues();
    expect(values.alloy?.storagePath).toBe('/var/lib/alloy/data');
    expect(values.alloy?.mounts?.extra).toEqual([{ name: 'alloy-state', mountPath: '/var/lib/alloy' }]);
    expect(values.controller?.volumes?.extra).toEqual([{ name: 'alloy-state', hostPath: { path: '/var/lib/alloy', type: 'DirectoryOrCreate' } }]);
    expect(alloyConfig()).toContain('directory = "/var/lib/alloy/otlp-queue"');
  });

  test('GIVEN tailSampling THEN errors, slow traces and a share of the rest are kept, between k8sattributes and the exporter', () => {
    const config = alloyConfig({ tailSampling: { slowerThanMs: 250, keepPercent: 5 }, otlpQueueSpans: 50000 });
    expect(config).toMatch(/otelcol\.processor\.k8sattributes "default" \{[\s\S]*?traces = \[otelcol\.processor\.tail_sampling\.default\.input\]/);
    expect(config).toMatch(/status_codes = \["ERROR"\]/);
    expect(config).toMatch(/threshold_ms = 250/);
    expect(config).toMatch(/sampling_percentage = 5/);
    expect(config).toMatch(/decision_wait = "10s"/);
    expect(config).toContain('queue_size = 50000');
  });

  test.each([
    [{ otlpQueueSpans: 2999 }, 'alloy.otlpQueueSpans: 2999 is not a whole number of spans of at least 3000 (default 2000000).'],
    [{ tailSampling: { keepPercent: 120 } }, 'alloy.tailSampling.keepPercent: 120 is not a percentage from 0 to 100.'],
    [{ tailSampling: { slowerThanMs: 0.5 } }, 'alloy.tailSampling.slowerThanMs: 0.5 is not a positive whole number of milliseconds.'],
    [{ tailSampling: { decisionWait: 'soon' } }, 'alloy.tailSampling.decisionWait: "soon" is not a duration like "10s".'],
  ] as [ObservabilityStackProps, string][])('GIVEN %j THEN a one-line error names the prop', (props, message) => {
    expect(() => alloyConfig(props)).toThrow(message);
  });

  test('GIVEN the reference profile THEN the gateway props are refused (it sends spans straight to Tempo)', () => {
    expect(() => new ObservabilityStack(new App(), 'stack', { profile: 'reference', tailSampling: {} })).toThrow(
      'tailSampling: current profile only; the reference profile keeps its pinned design.',
    );
  });

  test('the real Alloy accepts the config with tail sampling at the chart\'s stability level', async () => {
    const alloy = (await resolveCurrentBackend('alloy')).path;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'alloy-config-')), 'config.alloy');
    writeFileSync(file, alloyConfig({ tailSampling: {} }));
    const result = spawnSync(alloy, ['validate', '--stability.level=public-preview', file], { encoding: 'utf8' });
    expect({ status: result.status, output: result.stderr }).toEqual({ status: 0, output: expect.any(String) });
  });
});
