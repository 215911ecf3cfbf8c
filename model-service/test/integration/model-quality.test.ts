/**
 * Model quality seen through a real Prometheus scraping the real service with a real model
 * (the 4 default categories, reference profile included): in-domain traffic keeps every drift
 * score under its default alert threshold, documents of other newsgroups take class-mix and OOV
 * drift over theirs, feedback with known labels gives the accuracy this test computes itself,
 * and bad feedback gets a 4xx with a message, never a 5xx.
 */
import { ALL_CATEGORIES, loadNewsgroups } from '../../src/data/newsgroups';
import { DEFAULT_DRIFT_PSI_THRESHOLDS, DRIFT_SIGNAL_NAMES, METRICS } from '../../src/contract';
import { mulberry32, shuffleInPlace } from '../../src/model/training/random';
import { newsgroupsModel } from '../support/model';
import { prometheusAvailable, queryPrometheus, RunningPrometheus, startPrometheus } from '../support/prometheus';
import { RunningModelService, startModelService } from '../support/service';

const describeIfReady = prometheusAvailable() || process.env.CI === 'true' ? describe : describe.skip;

/** The window is replaced completely by each phase; scores appear only once it is full. */
const WINDOW = 400;

interface Labelled {
  readonly text: string;
  readonly label: string;
}

describeIfReady('model quality in a real Prometheus', () => {
  let service: RunningModelService;
  let prometheus: RunningPrometheus;
  let inDomain: Labelled[];
  let foreign: Labelled[];

  beforeAll(async () => {
    const model = await newsgroupsModel();
    const data = await loadNewsgroups({ categories: ALL_CATEGORIES });
    const known = new Set(model.classifier.classes);
    // The test split is ordered by category: shuffle it (seeded, so every run sends the same documents)
    // the way live traffic mixes categories.
    const shuffled = (docs: Labelled[]): Labelled[] => {
      const order = Int32Array.from({ length: docs.length }, (_, i) => i);
      shuffleInPlace(order, mulberry32(7));
      return Array.from(order, (i) => docs[i]);
    };
    inDomain = shuffled(data.test.filter((d) => known.has(d.label)));
    foreign = shuffled(data.test.filter((d) => !known.has(d.label)));
    service = await startModelService({
      modelPath: model.modelPath,
      env: { MAX_EVENT_LOOP_DELAY_MS: '0', DRIFT_WINDOW_SIZE: String(WINDOW), DRIFT_MIN_PREDICTIONS: String(WINDOW),
        // The test sends each window within a second: let every prediction in, not the default sample.
        DRIFT_MAX_PER_SECOND: '1000000', LOG_LEVEL: 'warn' },
    });
    prometheus = await startPrometheus({ targets: [{ target: service.target }] });
    await prometheus.waitForTargetsUp();
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await service?.stop();
  });

  /** Classifies `docs` in batches; returns each document's result and predictionId. */
  async function predict(docs: readonly Labelled[]): Promise<{ result: string; predictionId: string }[]> {
    const out: { result: string; predictionId: string }[] = [];
    for (let i = 0; i < docs.length; i += 50) {
      const response = await fetch(`${service.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ texts: docs.slice(i, i + 50).map((d) => d.text) }),
      });
      expect(response.status).toBe(200);
      out.push(...((await response.json()) as { results: { result: string; predictionId: string }[] }).results);
    }
    return out;
  }

  /** The PSI of every signal once Prometheus has scraped a window of exactly `count` more predictions. */
  async function psiAfterScrape(predictionsSoFar: number): Promise<Record<string, number>> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [seen] = await queryPrometheus(prometheus.url, `sum(${METRICS.modelPredictionsTotal.name})`);
      if (seen !== undefined && seen.value >= predictionsSoFar) break;
      if (Date.now() > deadline) throw new Error(`Prometheus did not see ${predictionsSoFar} predictions`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const samples = await queryPrometheus(prometheus.url, `${METRICS.modelDriftScore.name}{statistic="psi"}`);
    return Object.fromEntries(samples.map((s) => [s.metric.signal, s.value]));
  }

  it('keeps every drift score under its threshold on in-domain traffic, and takes class mix and OOV over theirs on other newsgroups', async () => {
    const [available] = await queryPrometheus(prometheus.url, METRICS.modelDriftReferenceAvailable.name);
    expect(available.value).toBe(1);

    await predict(inDomain.slice(0, WINDOW));
    const healthy = await psiAfterScrape(WINDOW);
    expect(Object.keys(healthy).sort()).toEqual([...DRIFT_SIGNAL_NAMES].sort());
    for (const signal of DRIFT_SIGNAL_NAMES) expect([signal, healthy[signal]]).toEqual([signal, expect.any(Number)]);
    const over = DRIFT_SIGNAL_NAMES.filter((s) => healthy[s] >= DEFAULT_DRIFT_PSI_THRESHOLDS[s]).map((s) => `${s} PSI ${healthy[s]}`);
    expect(over).toEqual([]);

    await predict(foreign.slice(0, WINDOW));
    const drifted = await psiAfterScrape(2 * WINDOW);
    expect(drifted.class_mix).toBeGreaterThan(DEFAULT_DRIFT_PSI_THRESHOLDS.class_mix);
    expect(drifted.oov_ratio).toBeGreaterThan(DEFAULT_DRIFT_PSI_THRESHOLDS.oov_ratio);
    const [window] = await queryPrometheus(prometheus.url, METRICS.modelDriftWindowPredictions.name);
    expect(window.value).toBe(WINDOW);
  }, 120_000);

  it('gives, from feedback with known labels, the accuracy this test computes from the same documents', async () => {
    const docs = inDomain.slice(0, 200);
    const answers = await predict(docs);
    const expected = answers.filter((a, i) => a.result === docs[i].label).length / docs.length;
    expect(expected).toBeGreaterThan(0.8);
    expect(expected).toBeLessThan(1); // some are wrong, so the figure is not trivially 1

    const response = await fetch(`${service.url}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feedback: answers.slice(0, 64).map((a, i) => ({ predictionId: a.predictionId, label: docs[i].label })) }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { counted: number }).counted).toBe(64);
    for (let i = 64; i < docs.length; i += 1) {
      const single = await fetch(`${service.url}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ predictionId: answers[i].predictionId, label: docs[i].label }),
      });
      expect(single.status).toBe(200);
    }

    const accuracyQuery = `sum(${METRICS.modelFeedbackCorrectTotal.name}) / sum(${METRICS.modelFeedbackLabelledTotal.name})`;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [labelled] = await queryPrometheus(prometheus.url, `sum(${METRICS.modelFeedbackLabelledTotal.name})`);
      if (labelled?.value === docs.length) break;
      if (Date.now() > deadline) throw new Error(`Prometheus saw ${labelled?.value} labelled predictions, not ${docs.length}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const [accuracy] = await queryPrometheus(prometheus.url, accuracyQuery);
    expect(accuracy.value).toBeCloseTo(expected, 12);
    // Recall of each true class, as the dashboard computes it, equals the test's own count.
    const recall = await queryPrometheus(prometheus.url,
      `sum by (class) (${METRICS.modelFeedbackCorrectTotal.name}) / sum by (class) (label_replace(${METRICS.modelFeedbackLabelledTotal.name}, "class", "$1", "true_class", "(.*)"))`);
    const classes = [...new Set(docs.map((d) => d.label))].sort();
    expect(recall.map((r) => r.metric.class).sort()).toEqual(classes);
    for (const r of recall) {
      const ofClass = docs.map((d, i) => [d, answers[i]] as const).filter(([d]) => d.label === r.metric.class);
      expect(r.value).toBeCloseTo(ofClass.filter(([d, a]) => a.result === d.label).length / ofClass.length, 12);
    }
  }, 120_000);

  it('answers every bad feedback input with a 4xx and a message saying what is wrong, never a 5xx', async () => {
    const [one] = await predict(inDomain.slice(0, 1));
    const bad: [string, string, number, RegExp][] = [
      ['unknown id', JSON.stringify({ predictionId: 'f'.repeat(32) + '-' + 'f'.repeat(16), label: 'rec.autos' }), 404, /is remembered/],
      ['unknown label', JSON.stringify({ predictionId: one.predictionId, label: 'sci.space' }), 400, /"sci.space" is not a class of this model; use one of rec.autos/],
      ['malformed JSON', '{"predictionId": "x", ', 400, /JSON/i],
      ['missing label', JSON.stringify({ predictionId: one.predictionId }), 400, /label must be a non-empty string/],
      ['array body', '[]', 400, /not a JSON object/],
      ['empty batch', JSON.stringify({ feedback: [] }), 400, /non-empty array/],
    ];
    for (const [name, body, status, message] of bad) {
      const response = await fetch(`${service.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const answer = (await response.json()) as { message: string };
      expect({ name, status: response.status, message: answer.message }).toEqual({ name, status, message: expect.stringMatching(message) });
    }
    const first = await fetch(`${service.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ predictionId: one.predictionId, label: 'rec.autos' }) });
    expect(first.status).toBe(200);
    const again = await fetch(`${service.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ predictionId: one.predictionId, label: 'rec.autos' }) });
    expect(again.status).toBe(409);
    await new Promise((r) => setTimeout(r, 2_500));
    const serverErrors = await queryPrometheus(prometheus.url, `${METRICS.httpRequestsTotal.name}{route="/feedback", status_code=~"5.."}`);
    expect(serverErrors).toEqual([]);
  }, 60_000);
});
