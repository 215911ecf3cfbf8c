/**
 * The series the rules look at. Every series of the service carries `app`, `namespace` and `pod`
 * (Prometheus job kubernetes-pods-every-2s); alerts aggregate by `namespace, app` (or per pod where
 * a single pod can be in trouble alone).
 */
import { METRICS, ROUTES } from 'model-service/contract';

/**
 * The route the availability SLO and the latency alert are about: the service's one user-facing
 * route (the `route` label is the route pattern).
 */
export const PREDICT_ROUTE = ROUTES.predict;

/** Statuses that count against availability: any 5xx, including 503 from load shedding (see docs/runbook.md). */
export const SERVER_ERROR_STATUS = '5..';

export function app(appName: string, ...extra: string[]): string {
  return [`app="${appName}"`, ...extra].join(', ');
}

export function predictRequests(appName: string, ...extra: string[]): string {
  return `${METRICS.httpRequestsTotal.name}{${app(appName, `route="${PREDICT_ROUTE}"`, ...extra)}}`;
}
