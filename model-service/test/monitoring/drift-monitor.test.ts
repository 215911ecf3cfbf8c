import { Gauge } from 'prom-client';
import { buildApp, ModelServiceApp } from '../../src/app';
import { defaultConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createRegistry } from '../../src/metrics/registry';
import { DriftMonitor } from '../../src/monitoring/drift-monitor';
import { populationStabilityIndex } from '../../src/monitoring/drift-statistics';
import { trainModel } from '../../src/model/training';
import { TINY_CORPUS } from '../fixtures/tiny-corpus';

async function serve(referenceFolds: number, driftWindowSize: number, driftMinPredictions: number): Promise<ModelServiceApp> {
  const classifier = trainModel(TINY_CORPUS, { seed: 1, referenceFolds });
  return buildApp({
    classifier,
    config: defaultConfig({ modelPath: 'unused', maxEventLoopDelayMs: 0, driftWindowSize, driftMinPredictions }),
    registry: createRegistry(),
    logger: createLogger({ level: 'silent' }),
  });
}

async function scrape(s: ModelServiceApp): Promise<string> {
  return (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
}

function gauge(text: string, selector: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${selector} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('drift monitor', () => {
  it('exports no score below driftMinPredictions, then PSI and JS per signal over the last driftWindowSize predictions', async () => {
    const s = await serve(3, 10, 4);
    const post = (text: string) => s.app.inject({ method: 'POST', url: '/predict', payload: text, headers: { 'content-type': 'text/plain' } });
    for (const d of TINY_CORPUS.slice(0, 3)) await post(d.text);
    let text = await scrape(s);
    expect(gauge(text, 'model_drift_reference_available')).toBe(1);
    expect(gauge(text, 'model_drift_window_predictions')).toBe(3);
    expect(text).not.toMatch(/^model_drift_score\{/m);

    const sailing = TINY_CORPUS.find((d) => d.label === 'sailing')!.text;
    for (let i = 0; i < 12; i++) await post(sailing);
    text = await scrape(s);
    expect(gauge(text, 'model_drift_window_predictions')).toBe(10);
    // Every window document is the same sailing text from the training corpus: the class mix is all "sailing".
    const profile = s.quality.drift['options'].profile!;
    const window = [0, 0, 0];
    window[['astronomy', 'cooking', 'sailing'].indexOf('sailing')] = 10;
    expect(gauge(text, 'model_drift_score{signal="class_mix",statistic="psi"}'))
      .toBeCloseTo(populationStabilityIndex(profile.signals.class_mix.counts, window)!, 12);
    for (const signal of ['class_mix', 'confidence', 'document_tokens', 'oov_ratio', 'informative_mass']) {
      expect(gauge(text, `model_drift_score{signal="${signal}",statistic="psi"}`)).toBeGreaterThanOrEqual(0);
      const js = gauge(text, `model_drift_score{signal="${signal}",statistic="js_distance"}`)!;
      expect(js).toBeGreaterThanOrEqual(0);
      expect(js).toBeLessThanOrEqual(1);
    }
    expect(gauge(text, 'model_class_share{class="sailing",source="window"}')).toBe(1);
    expect(gauge(text, 'model_class_share{class="sailing",source="reference_labels"}')).toBeCloseTo(1 / 3, 12);
    await s.app.close();
  });

  it('lets at most driftMaxPerSecond predictions a second into the window', () => {
    const classifier = trainModel(TINY_CORPUS, { seed: 1, referenceFolds: 3 });
    const registry = createRegistry();
    const g = (name: string, labelNames: string[] = []) => new Gauge({ name, help: name, labelNames, registers: [registry] });
    let now = 5_000;
    const monitor = new DriftMonitor({
      classes: classifier.classes, profile: classifier.referenceProfile, windowSize: 100, minPredictions: 1, maxPerSecond: 3, now: () => now,
      gauges: { score: g('s', ['signal', 'statistic']), windowPredictions: g('w'), referenceAvailable: g('r'), classShare: g('c', ['class', 'source']) },
    });
    const doc = classifier.tokenize(TINY_CORPUS[0].text);
    const observeMany = (n: number) => { for (let i = 0; i < n; i++) monitor.observe('astronomy', 0.9, doc); };
    observeMany(10);
    expect(monitor['window']!.length).toBe(3);
    now += 999; // same second (5.999 s)
    observeMany(10);
    expect(monitor['window']!.length).toBe(3);
    now += 1; // next second
    observeMany(10);
    expect(monitor['window']!.length).toBe(6);
  });

  it('reports drift as unavailable, not as zero, for a model without a reference profile', async () => {
    const s = await serve(0, 10, 1);
    await s.app.inject({ method: 'POST', url: '/predict', payload: 'bake the bread', headers: { 'content-type': 'text/plain' } });
    const text = await scrape(s);
    expect(gauge(text, 'model_drift_reference_available')).toBe(0);
    expect(gauge(text, 'model_drift_window_predictions')).toBe(0);
    expect(text).not.toMatch(/^model_drift_score\{/m);
    expect(text).not.toMatch(/^model_class_share\{/m);
    await s.app.close();
  });
});
