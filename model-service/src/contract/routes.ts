/** The service's HTTP routes: registered by src/routes/, probed and scraped by the synthesizer's manifests. */
/**
 * Header a pod sets when it forwards feedback to its peers (config key feedbackPeers): a peer
 * answers it from its own store only and never forwards it again.
 */
export const FEEDBACK_FORWARDED_HEADER = 'x-model-service-feedback-forwarded';

export const ROUTES = {
  /** POST: classify a document (the one user-facing route; the SLO and latency alerts are about it). */
  predict: '/predict',
  /** POST: the true label of an earlier prediction, by its predictionId (or a batch of them). */
  feedback: '/feedback',
  /** GET: liveness (the process answers). */
  health: '/healthz',
  /** GET: readiness (model loaded, not draining). */
  ready: '/readyz',
  /** GET: Prometheus/OpenMetrics exposition. */
  metrics: '/metrics',
  /** GET: the loaded model's version and classes. */
  info: '/info',
  /** GET: OpenAPI UI. */
  docs: '/docs',
} as const;
