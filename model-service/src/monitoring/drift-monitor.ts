import type { Gauge } from 'prom-client';
import { CLASS_SHARE_SOURCES, DRIFT_SIGNAL_NAMES, DRIFT_STATISTICS, DriftSignal } from '../contract';
import type { TokenizedDocument } from '../model/classifier';
import { binOf } from '../metrics/histogram-bins';
import { informativeMass, informativeTermTable, ReferenceProfile } from '../model/reference-profile';
import { jensenShannonDistance, populationStabilityIndex } from './drift-statistics';
import { PredictionWindow } from './prediction-window';

export interface DriftGauges {
  readonly score: Gauge<string>;
  readonly windowPredictions: Gauge<string>;
  readonly referenceAvailable: Gauge<string>;
  readonly classShare: Gauge<string>;
}

export interface DriftMonitorOptions {
  readonly classes: readonly string[];
  /** The model's profile; without one, drift is reported unavailable (model_drift_reference_available 0). */
  readonly profile: ReferenceProfile | undefined;
  readonly windowSize: number;
  readonly minPredictions: number;
  /** Most predictions per second that enter the window. */
  readonly maxPerSecond: number;
  readonly gauges: DriftGauges;
  /** Clock in ms (tests). @default Date.now */
  readonly now?: () => number;
}

const CLASS_MIX = DRIFT_SIGNAL_NAMES.indexOf('class_mix');
const CONFIDENCE = DRIFT_SIGNAL_NAMES.indexOf('confidence');
const TOKENS = DRIFT_SIGNAL_NAMES.indexOf('document_tokens');
const OOV = DRIFT_SIGNAL_NAMES.indexOf('oov_ratio');
const INFORMATIVE = DRIFT_SIGNAL_NAMES.indexOf('informative_mass');

/**
 * Drift of the recent predictions from the model's reference profile. Per prediction it only
 * bins five numbers into the window (`observe`, O(signals + tokens)), for at most `maxPerSecond`
 * predictions a second; the scores are computed when Prometheus scrapes (the gauges' `collect`),
 * O(signals × bins).
 */
export class DriftMonitor {
  private readonly window: PredictionWindow | undefined;
  private readonly bounds: Float64Array[] = [];
  private readonly informative: Uint8Array = new Uint8Array(0);
  private readonly classIndex = new Map<string, number>();
  private readonly bins: Int32Array = new Int32Array(DRIFT_SIGNAL_NAMES.length);
  private readonly now: () => number;
  private second = 0;
  private observedThisSecond = 0;

  constructor(private readonly options: DriftMonitorOptions) {
    const { profile, classes, gauges } = options;
    this.now = options.now ?? Date.now;
    classes.forEach((c, i) => this.classIndex.set(c, i));
    if (profile !== undefined) {
      this.bounds = DRIFT_SIGNAL_NAMES.map((s) => Float64Array.from(profile.signals[s].upperBounds ?? []));
      const vocabularyBound = profile.informativeTerms.reduce((a, t) => Math.max(a, t + 1), 0);
      this.informative = informativeTermTable(profile.informativeTerms, vocabularyBound);
      this.window = new PredictionWindow(options.windowSize, DRIFT_SIGNAL_NAMES.map((s) => profile.signals[s].counts.length));
    }
    gauges.referenceAvailable.set(profile === undefined ? 0 : 1);
    const setScrapeValues = (): void => this.collect();
    // prom-client calls `collect` before rendering each of these gauges; the first one computes.
    (gauges.score as unknown as { collect: () => void }).collect = setScrapeValues;
    (gauges.windowPredictions as unknown as { collect: () => void }).collect = () => gauges.windowPredictions.set(this.window?.length ?? 0);
    (gauges.classShare as unknown as { collect: () => void }).collect = () => this.collectClassShares();
  }

  /** The classifier's view of one document: call once per prediction. */
  observe(label: string, confidence: number, doc: TokenizedDocument): void {
    const window = this.window;
    if (window === undefined) return;
    // A sample of at most maxPerSecond a second: above that, a prediction costs one clock read here.
    const second = Math.floor(this.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.observedThisSecond = 0;
    }
    if (this.observedThisSecond >= this.options.maxPerSecond) return;
    this.observedThisSecond += 1;
    const bins = this.bins;
    const tokens = doc.tokenCount;
    bins[CLASS_MIX] = this.classIndex.get(label) ?? 0;
    bins[CONFIDENCE] = binOf(this.bounds[CONFIDENCE], confidence);
    bins[TOKENS] = binOf(this.bounds[TOKENS], tokens);
    bins[OOV] = binOf(this.bounds[OOV], tokens === 0 ? 0 : doc.outOfVocabularyCount / tokens);
    bins[INFORMATIVE] = binOf(this.bounds[INFORMATIVE], informativeMass(doc, this.informative));
    window.add(bins);
  }

  /** Current scores per signal, or undefined while unavailable (no profile, or a window below minPredictions). */
  scores(): Record<DriftSignal, { psi: number; jsDistance: number }> | undefined {
    const { window } = this;
    const profile = this.options.profile;
    if (window === undefined || profile === undefined || window.length < this.options.minPredictions) return undefined;
    const out: Partial<Record<DriftSignal, { psi: number; jsDistance: number }>> = {};
    DRIFT_SIGNAL_NAMES.forEach((signal, s) => {
      const reference = profile.signals[signal].counts;
      out[signal] = {
        psi: populationStabilityIndex(reference, window.counts[s])!,
        jsDistance: jensenShannonDistance(reference, window.counts[s])!,
      };
    });
    return out as Record<DriftSignal, { psi: number; jsDistance: number }>;
  }

  private collect(): void {
    const gauge = this.options.gauges.score;
    gauge.reset();
    const scores = this.scores();
    if (scores === undefined) return;
    for (const signal of DRIFT_SIGNAL_NAMES) {
      gauge.set({ signal, statistic: DRIFT_STATISTICS.psi }, scores[signal].psi);
      gauge.set({ signal, statistic: DRIFT_STATISTICS.jsDistance }, scores[signal].jsDistance);
    }
  }

  private collectClassShares(): void {
    const { gauges, classes, profile } = this.options;
    const gauge = gauges.classShare;
    gauge.reset();
    if (profile === undefined) return;
    const share = (counts: ArrayLike<number>, source: string): void => {
      let total = 0;
      for (let i = 0; i < counts.length; i++) total += counts[i];
      if (total === 0) return;
      classes.forEach((c, i) => gauge.set({ class: c, source }, counts[i] / total));
    };
    share(profile.signals.class_mix.counts, CLASS_SHARE_SOURCES.referencePredictions);
    share(profile.labelCounts, CLASS_SHARE_SOURCES.referenceLabels);
    if (this.window !== undefined) share(this.window.counts[CLASS_MIX], CLASS_SHARE_SOURCES.window);
  }
}
