// The package ships no type declarations; this covers the part we use.
declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    classifiers: { weights: Matrix }[];
    train(features: Matrix, labels: Matrix): void;
    predict(features: Matrix): number[];
  }
}
