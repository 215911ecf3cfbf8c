import type { Prediction, SparseVector, TextClassifier, TokenizedDocument } from '../classifier';
import type { ModelParts, OutputKind } from '../model-parts';
import type { ReferenceProfile } from '../reference-profile';
import { InferenceTables } from './inference-tables';
import { WasmKernel } from './wasm/wasm-kernel';

/** A TF-IDF + linear model classifier; the one implementation of TextClassifier. */
export class LinearTextClassifier implements TextClassifier {
  readonly classes: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly output: OutputKind;
  readonly referenceProfile?: ReferenceProfile;
  private readonly kernel: WasmKernel;
  private readonly scores: Float64Array;
  private versionOrThunk: string | (() => string);

  /** Content hash of the artifact (see artifact.ts). */
  get version(): string {
    if (typeof this.versionOrThunk !== 'string') this.versionOrThunk = this.versionOrThunk();
    return this.versionOrThunk;
  }

  /**
   * @param parts the model data (validated by the caller: see artifact.ts)
   * @param version content hash of the artifact these parts serialise to, or a
   *   function computing it on first use (hashing a 15 MB model costs ~0.2 s, which
   *   training should not pay for a version nobody reads)
   * @throws DuplicateTermError when the vocabulary repeats a term
   */
  constructor(
    readonly parts: ModelParts,
    version: string | (() => string),
  ) {
    this.versionOrThunk = version;
    this.classes = parts.classes;
    this.metadata = parts.metadata;
    this.output = parts.output;
    this.referenceProfile = parts.referenceProfile;
    const tables = InferenceTables.build(parts.vocabulary, parts.idf, parts.weights, parts.classes.length);
    this.kernel = new WasmKernel(tables.layout(), parts.intercepts);
    this.scores = new Float64Array(parts.classes.length);
  }

  tokenize(text: string): TokenizedDocument {
    return this.kernel.scan(text);
  }

  tfidf(doc: TokenizedDocument): SparseVector {
    return this.kernel.tfidf(doc.termIds);
  }

  /** Raw class scores (before the probability link); the returned array is reused by the next call. */
  scoresOf(vector: SparseVector): Float64Array {
    return this.kernel.scores(vector, this.scores);
  }

  predictVector(vector: SparseVector, doc: TokenizedDocument): Prediction {
    const scores = this.scoresOf(vector);
    const K = scores.length;
    let best = 0;
    for (let c = 1; c < K; c++) if (scores[c] > scores[best]) best = c;
    const probabilities = new Float64Array(K);
    let sum = 0;
    if (this.output === 'softmax') {
      const max = scores[best];
      for (let c = 0; c < K; c++) sum += probabilities[c] = Math.exp(scores[c] - max);
    } else {
      for (let c = 0; c < K; c++) sum += probabilities[c] = 1 / (1 + Math.exp(-scores[c]));
    }
    const byClass: Record<string, number> = {};
    for (let c = 0; c < K; c++) byClass[this.classes[c]] = probabilities[c] / sum;
    return {
      label: this.classes[best],
      confidence: probabilities[best] / sum,
      probabilities: byClass,
      tokenCount: doc.tokenCount,
      outOfVocabularyCount: doc.outOfVocabularyCount,
    };
  }

  classify(text: string): Prediction {
    const doc = this.tokenize(text);
    return this.predictVector(this.tfidf(doc), doc);
  }

  /** Index of the predicted class only (no probabilities): the fast path for evaluation. */
  predictIndex(text: string): number {
    const scores = this.scoresOf(this.tfidf(this.tokenize(text)));
    let best = 0;
    for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
    return best;
  }
}
