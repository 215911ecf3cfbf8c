/**
 * The service's name is spliced into PromQL/LogQL string literals (`app="<name>"`) by the rules and the
 * dashboard. It is the value of the pod label app.kubernetes.io/name, so it must be a Kubernetes label
 * value; checking that here also guarantees it needs no escaping inside a query.
 */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export function checkAppName(caller: string, appName: string): string {
  if (typeof appName !== 'string' || !LABEL_VALUE.test(appName)) {
    throw new Error(
      `${caller}: appName ${JSON.stringify(appName)} is not a Kubernetes label value ` +
        '(1-63 characters: letters, digits, "-", "_", "." and starting and ending with a letter or digit); ' +
        'pass the model service name, e.g. "model-service".',
    );
  }
  return appName;
}
