import type { CatalogueMetrics } from '../metrics/registry';
import { CounterSeries } from '../metrics/series';
import type { TextClassifier } from '../model/classifier';
import { DriftMonitor } from './drift-monitor';
import { PredictionStore } from './prediction-store';

export interface ModelQualityOptions {
  readonly driftWindowSize: number;
  readonly driftMinPredictions: number;
  readonly driftMaxPerSecond: number;
  readonly feedbackMaxPredictions: number;
  readonly feedbackTtlSeconds: number;
  /** Clock in ms for the prediction store (tests). @default Date.now */
  readonly now?: () => number;
}

/** What one feedback item did: counted (200), or refused with a status and a message saying why. */
export type FeedbackOutcome =
  | { readonly status: 200; readonly predicted: string; readonly correct: boolean; readonly traced: boolean }
  | { readonly status: 400 | 404 | 409; readonly message: string };

export type FeedbackRejection = 'unknown_prediction' | 'duplicate' | 'invalid';

/**
 * The model-quality side of the service: drift of the recent predictions from the reference
 * profile, and the predictions remembered until their true label comes back through
 * POST /feedback, counted into the confusion-matrix counters.
 */
export class ModelQuality {
  readonly drift: DriftMonitor;
  readonly store: PredictionStore;
  private readonly classIndex: Map<string, number>;

  constructor(
    private readonly classifier: TextClassifier,
    private readonly options: ModelQualityOptions,
    private readonly metrics: CatalogueMetrics,
  ) {
    this.classIndex = new Map(classifier.classes.map((c, i) => [c, i]));
    this.drift = new DriftMonitor({
      classes: classifier.classes,
      profile: classifier.referenceProfile,
      windowSize: options.driftWindowSize,
      minPredictions: options.driftMinPredictions,
      maxPerSecond: options.driftMaxPerSecond,
      now: options.now,
      gauges: {
        score: metrics.modelDriftScore,
        windowPredictions: metrics.modelDriftWindowPredictions,
        referenceAvailable: metrics.modelDriftReferenceAvailable,
        classShare: metrics.modelClassShare,
      },
    });
    // Once the store is full, every prediction evicts one: pre-resolved series, no allocation per call.
    const evictions = {
      ttl: new CounterSeries(metrics.modelPredictionStoreEvictionsTotal, { reason: 'ttl' }),
      capacity: new CounterSeries(metrics.modelPredictionStoreEvictionsTotal, { reason: 'capacity' }),
    };
    for (const reason of ['ttl', 'capacity']) metrics.modelPredictionStoreEvictionsTotal.inc({ reason }, 0);
    this.store = new PredictionStore({
      maxEntries: options.feedbackMaxPredictions,
      ttlMs: options.feedbackTtlSeconds * 1000,
      onEvict: (reason) => evictions[reason].inc(),
      now: options.now,
    });
    const entries = metrics.modelPredictionStoreEntries;
    (entries as unknown as { collect: () => void }).collect = () => {
      this.store.expire();
      entries.set(this.store.size);
    };
    // Zero series from the start, so rate() and ratios see the first increment and a dashboard
    // shows 0 rather than "no data" before any feedback.
    for (const reason of ['unknown_prediction', 'duplicate', 'invalid'] as const) metrics.modelFeedbackRejectedTotal.inc({ reason }, 0);
    for (const c of classifier.classes) metrics.modelFeedbackCorrectTotal.inc({ class: c }, 0);
  }

  /** Remembers a prediction for feedback (hot path: one Map insert). */
  rememberPrediction(id: string, label: string, traced: boolean): void {
    this.store.remember(id, this.classIndex.get(label) ?? 0, traced);
  }

  /**
   * Matches the true `label` of prediction `id`; counts it once. An unknown id is answered 404 but
   * not counted as rejected: the caller counts it once no peer knows the id either.
   */
  recordFeedback(id: string, label: string): FeedbackOutcome {
    const trueIndex = this.classIndex.get(label);
    if (trueIndex === undefined) {
      this.reject('invalid');
      return { status: 400, message: `label ${JSON.stringify(label)} is not a class of this model; use one of ${this.classifier.classes.join(', ')}` };
    }
    const match = this.store.match(id);
    if (match.kind === 'unknown') {
      // Not counted here: the route may still find the prediction on a peer (feedbackPeers).
      return {
        status: 404,
        message: `no prediction ${JSON.stringify(id)} is remembered: the id is not one /predict returned, or the prediction is older than `
          + `feedbackTtlSeconds (${this.options.feedbackTtlSeconds} s) or was pushed out by feedbackMaxPredictions (${this.options.feedbackMaxPredictions}) newer ones`,
      };
    }
    if (match.kind === 'duplicate') {
      this.reject('duplicate');
      return { status: 409, message: `prediction ${JSON.stringify(id)} already has feedback; it is counted once` };
    }
    const predicted = this.classifier.classes[match.classIndex];
    const correct = match.classIndex === trueIndex;
    this.metrics.modelFeedbackLabelledTotal.inc({ true_class: label, predicted_class: predicted });
    if (correct) this.metrics.modelFeedbackCorrectTotal.inc({ class: label });
    return { status: 200, predicted, correct, traced: match.traced };
  }

  /** Counts a feedback item refused before reaching the store (malformed). */
  reject(reason: FeedbackRejection): void {
    this.metrics.modelFeedbackRejectedTotal.inc({ reason });
  }
}
