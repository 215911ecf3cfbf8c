import type { Prediction } from '../model/classifier';

/**
 * Writes the single-document answer `{"result", "confidence", "probabilities",
 * "modelVersion", "predictionId"}` as JSON, for the `POST /predict` hot path.
 *
 * Why not Fastify's schema serializer (fast-json-stringify): `probabilities`
 * is keyed by the model's class names, which the schema can only describe as
 * `additionalProperties`, and that path quotes every key and checks every
 * value on every response (~2 µs of a ~50 µs request in the CPU profile). The
 * class names and the model version are fixed once the model is loaded, so
 * their quoted forms are built here once; a response is then a handful of
 * concatenations. The output is exactly `JSON.stringify` of the same object (a
 * test checks it), and the route schema still documents the shape.
 */
export function predictionJsonWriter(classes: readonly string[], modelVersion: string): (p: Prediction, predictionId: string) => string {
  const resultFields = new Map(classes.map((c) => [c, `{"result":${JSON.stringify(c)},"confidence":`]));
  const probabilityKeys = classes.map((c, i) => `${i === 0 ? '' : ','}${JSON.stringify(c)}:`);
  const tail = `},"modelVersion":${JSON.stringify(modelVersion)},"predictionId":`;
  return (p, predictionId) => {
    const head = resultFields.get(p.label) ?? `{"result":${JSON.stringify(p.label)},"confidence":`;
    let out = `${head}${jsonNumber(p.confidence)},"probabilities":{`;
    for (let c = 0; c < classes.length; c++) out += probabilityKeys[c] + jsonNumber(p.probabilities[classes[c]]);
    // Prediction ids are hex digits and dashes: nothing to escape.
    return `${out}${tail}"${predictionId}"}`;
  };
}

/** A number as JSON.stringify writes it (non-finite numbers become null). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}
