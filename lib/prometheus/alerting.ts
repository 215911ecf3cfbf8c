/**
 * Who hears about an alert: Alertmanager receivers and routes built from typed props, for the
 * alertmanager subchart of prometheus 19.6.1 (alertmanager 0.24.1, which runs Alertmanager v0.25.0).
 *
 * Routing follows the rules' `severity` label (lib/prometheus/rule-types.ts): every receiver says
 * which severities it takes (default all), gets one child route matching them, and `continue: true`
 * lets an alert reach every receiver that takes it. The root route's receiver has no integration:
 * an alert whose severity no receiver takes stops there, and synth says so.
 *
 * Credentials are never in props, values or dist/: a receiver names a Secret you create (name and
 * key), the Secret is mounted read-only into the Alertmanager container, and the config points at
 * the file. The install scripts check that the Secret exists; they never create it.
 */
import type { PrometheusValues as CurrentPrometheusValues } from '../../imports/helm-values/current/prometheus';
import type { PrometheusValues } from '../../imports/helm-values/reference/prometheus';
import { validateSecretKey, validateSecretName } from '../shared/validation';
import { ALERT_SEVERITIES, AlertSeverity } from '../model-service/rules';

/** A key of a Secret in the stack's namespace. */
export interface SecretKeyRef {
  /** Name of the Secret. You create it (`kubectl create secret generic`); the install scripts only check it exists. */
  readonly name: string;
  /** Key in the Secret's data whose value is read. */
  readonly key: string;
}

interface ReceiverBase {
  /** Receiver name in Alertmanager (lower-case letters, digits and '-'; shown in its UI and logs). */
  readonly name: string;
  /**
   * Which alerts, by the rules' `severity` label, this receiver gets.
   * @default ['critical', 'warning']
   */
  readonly severities?: readonly AlertSeverity[];
  /**
   * Also notify when an alert resolves.
   * @default true
   */
  readonly sendResolved?: boolean;
}

/** A Slack incoming webhook; its URL (the credential) is read from a Secret (`api_url_file`). */
export interface SlackReceiver extends ReceiverBase {
  readonly type: 'slack';
  /** Secret and key holding the incoming-webhook URL (`https://hooks.slack.com/services/...`). */
  readonly urlSecret: SecretKeyRef;
  /**
   * Channel (`#alerts`) or user (`@someone`) to post to.
   * @default - the channel the incoming webhook was created for
   */
  readonly channel?: string;
}

/**
 * An HTTP endpoint that takes Alertmanager's webhook JSON.
 *
 * Alertmanager v0.25.0 (what the chart deploys) has no `url_file` for webhooks: it came in v0.26.0
 * (https://github.com/prometheus/alertmanager/pull/3223), and `amtool check-config` 0.25.0 rejects
 * it ("field url_file not found in type config.plain"). So the URL is a plain prop, written into
 * the values file in dist/: it must hold no credential. An endpoint that needs one gets it as a
 * bearer token read from a Secret (`http_config.authorization.credentials_file`, which v0.25.0 has).
 */
export interface WebhookReceiver extends ReceiverBase {
  readonly type: 'webhook';
  /** Where Alertmanager POSTs, e.g. `https://alerts.example/hook`. Committed to dist/: no credential in it. */
  readonly url: string;
  /**
   * Secret and key holding a token sent as `Authorization: Bearer <token>`.
   * @default - no Authorization header
   */
  readonly bearerTokenSecret?: SecretKeyRef;
}

export type AlertReceiver = SlackReceiver | WebhookReceiver;

export interface AlertingOptions {
  /**
   * Where alerts go. Each receiver gets the alerts of its severities.
   * @default - none: alerts reach no one, and synth prints a line saying so
   */
  readonly receivers?: readonly AlertReceiver[];
}

/** The root route's receiver: no integration, it catches what no receiver takes. */
export const UNROUTED_RECEIVER = 'unrouted';

/**
 * Each Secret a receiver names is mounted at `<dir>/<secret name>/`, outside /etc/alertmanager:
 * that is the subchart's ConfigMap volume, and a mount inside a ConfigMap volume needs a mount
 * point the read-only volume cannot provide.
 */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager-secrets';

/** Grouping of the root route: one notification per alert name and namespace. */
const GROUP_BY = ['alertname', 'namespace'];

/** The Slack message body; the rules' annotations (lib/model-service/rules) carry summary, description and runbook. */
const SLACK_TEXT =
  '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}';

/** A receiver with its defaults applied. */
export type ResolvedReceiver = AlertReceiver & { readonly severities: readonly AlertSeverity[]; readonly sendResolved: boolean };

/** Checks the alerting props (every message names the prop) and applies the defaults. */
export function resolveAlerting(prop: string, options: AlertingOptions | undefined): ResolvedReceiver[] {
  const receivers = options?.receivers ?? [];
  if (!Array.isArray(receivers)) throw new Error(`${prop}.receivers: must be a list of receivers, got ${typeof receivers}.`);
  const seen = new Map<string, number>();
  return receivers.map((receiver: AlertReceiver, index): ResolvedReceiver => {
    const at = `${prop}.receivers[${index}]`;
    const name = receiverName(`${at}.name`, receiver.name);
    const first = seen.get(name);
    if (first !== undefined) {
      throw new Error(`${at}.name: "${name}" is already the name of ${prop}.receivers[${first}]. Give each receiver its own name.`);
    }
    seen.set(name, index);
    const common = {
      name,
      severities: severities(`${at}.severities`, receiver.severities ?? ALERT_SEVERITIES),
      sendResolved: receiver.sendResolved ?? true,
    };
    switch (receiver.type) {
      case 'slack':
        return { ...receiver, ...common, urlSecret: secretRef(`${at}.urlSecret`, receiver.urlSecret, 'the Slack incoming-webhook URL'), channel: slackChannel(`${at}.channel`, receiver.channel) };
      case 'webhook':
        return {
          ...receiver,
          ...common,
          url: webhookUrl(`${at}.url`, receiver.url),
          bearerTokenSecret: receiver.bearerTokenSecret === undefined ? undefined : secretRef(`${at}.bearerTokenSecret`, receiver.bearerTokenSecret, 'the bearer token'),
        };
      default:
        throw new Error(`${at}.type: ${JSON.stringify((receiver as { type?: unknown }).type)} is not a receiver type. Use "slack" or "webhook".`);
    }
  });
}

const RECEIVER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function receiverName(prop: string, value: string): string {
  if (typeof value !== 'string') throw new Error(`${prop}: required; name the receiver, e.g. "team-slack".`);
  if (value.length > 63 || !RECEIVER_NAME.test(value)) {
    throw new Error(
      `${prop}: ${JSON.stringify(value)} is not a valid receiver name. Use at most 63 lower-case letters, digits and '-', ` +
        `starting and ending with a letter or digit, e.g. "team-slack".`,
    );
  }
  if (value === UNROUTED_RECEIVER) {
    throw new Error(`${prop}: "${UNROUTED_RECEIVER}" is reserved for the root route (alerts no receiver takes). Pick another name.`);
  }
  return value;
}

function severities(prop: string, value: readonly AlertSeverity[]): readonly AlertSeverity[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new Error(`${prop}: list at least one of ${ALERT_SEVERITIES.map((s) => `"${s}"`).join(', ')} (or leave it out for all).`);
  }
  for (const severity of value) {
    if (!(ALERT_SEVERITIES as readonly string[]).includes(severity)) {
      throw new Error(`${prop}: ${JSON.stringify(severity)} is not a severity the rules use. Use ${ALERT_SEVERITIES.map((s) => `"${s}"`).join(' or ')}.`);
    }
  }
  if (new Set(value).size !== value.length) throw new Error(`${prop}: lists a severity twice.`);
  // Rule order, so the generated matcher does not depend on how the prop was written.
  return ALERT_SEVERITIES.filter((s) => value.includes(s));
}

function secretRef(prop: string, value: SecretKeyRef | undefined, holding: string): SecretKeyRef {
  if (value === undefined || value === null || typeof value !== 'object') {
    throw new Error(`${prop}: required; name the Secret you created and its key holding ${holding}, e.g. { name: "alertmanager-slack", key: "url" }.`);
  }
  if (value.name === undefined) throw new Error(`${prop}.name: required; the name of the Secret holding ${holding}.`);
  if (value.key === undefined) throw new Error(`${prop}.key: required; the key of Secret "${value.name}" holding ${holding}.`);
  return { name: validateSecretName(`${prop}.name`, value.name), key: validateSecretKey(`${prop}.key`, value.key) };
}

function slackChannel(prop: string, value: string | undefined): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0 || /\s/.test(value))) {
    throw new Error(`${prop}: ${JSON.stringify(value)} is not a Slack channel. Use e.g. "#alerts" or "@someone", or leave it out.`);
  }
  return value;
}

function webhookUrl(prop: string, value: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`${prop}: ${JSON.stringify(value)} is not an absolute URL; pass e.g. "https://alerts.example/hook".`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${prop}: "${value}" must use http or https, not ${parsed.protocol}`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new Error(
      `${prop}: "${parsed.protocol}//…@${parsed.host}" carries a user name or password, and the URL is written into dist/. ` +
        'Put the credential in a Secret and name it in bearerTokenSecret.',
    );
  }
  return value;
}

/**
 * The alertmanager subchart values we set, valid for both profiles' subcharts (0.24.1 with
 * Alertmanager v0.25.0, 1.42.0 with v0.34.0): the receivers keep to what v0.25.0 reads.
 */
type AlertmanagerValues = NonNullable<PrometheusValues['alertmanager']> & NonNullable<CurrentPrometheusValues['alertmanager']>;
type AlertmanagerConfig = NonNullable<AlertmanagerValues['config']>;

function secretFile(ref: SecretKeyRef): string {
  return `${ALERTMANAGER_SECRETS_DIR}/${ref.name}/${ref.key}`;
}

function severityMatcher(severities: readonly AlertSeverity[]): string {
  return severities.length === 1 ? `severity="${severities[0]}"` : `severity=~"${severities.join('|')}"`;
}

function integration(receiver: ResolvedReceiver): Record<string, unknown> {
  if (receiver.type === 'slack') {
    return {
      slack_configs: [
        {
          api_url_file: secretFile(receiver.urlSecret),
          ...(receiver.channel === undefined ? {} : { channel: receiver.channel }),
          send_resolved: receiver.sendResolved,
          text: SLACK_TEXT,
        },
      ],
    };
  }
  return {
    webhook_configs: [
      {
        url: receiver.url,
        send_resolved: receiver.sendResolved,
        ...(receiver.bearerTokenSecret === undefined
          ? {}
          : { http_config: { authorization: { type: 'Bearer', credentials_file: secretFile(receiver.bearerTokenSecret) } } }),
      },
    ],
  };
}

/** Every Secret key the receivers read, once each, sorted (what the install scripts check). */
export function receiverSecrets(receivers: readonly ResolvedReceiver[]): { readonly secret: SecretKeyRef; readonly receiver: string }[] {
  const refs = receivers.flatMap((r) => {
    const ref = r.type === 'slack' ? r.urlSecret : r.bearerTokenSecret;
    return ref === undefined ? [] : [{ secret: ref, receiver: r.name }];
  });
  const unique = refs.filter((r, i) => refs.findIndex((o) => o.secret.name === r.secret.name && o.secret.key === r.secret.key) === i);
  return unique.sort((a, b) => `${a.secret.name}/${a.secret.key}`.localeCompare(`${b.secret.name}/${b.secret.key}`));
}

/** The subchart values: `config` (written verbatim as alertmanager.yml) and the Secret mounts it reads. */
export function alertmanagerValues(receivers: readonly ResolvedReceiver[]): AlertmanagerValues {
  const config: AlertmanagerConfig = {
    // Helm replaces the chart's receivers list (default-receiver) and merges `route` key by key, so the
    // chart's group_wait / group_interval / repeat_interval still apply.
    receivers: [{ name: UNROUTED_RECEIVER }, ...receivers.map((r) => ({ name: r.name, ...integration(r) }))],
    route: {
      receiver: UNROUTED_RECEIVER,
      group_by: GROUP_BY,
      ...(receivers.length > 0
        ? { routes: receivers.map((r) => ({ receiver: r.name, matchers: [severityMatcher(r.severities)], continue: true })) }
        : {}),
    },
  };
  const secretNames = [...new Set(receiverSecrets(receivers).map((r) => r.secret.name))];
  const extraSecretMounts = secretNames.map((secretName, i) => ({
    name: `alerting-secret-${i}`,
    mountPath: `${ALERTMANAGER_SECRETS_DIR}/${secretName}`,
    subPath: '',
    secretName,
    readOnly: true,
  }));
  return { config, ...(extraSecretMounts.length > 0 ? { extraSecretMounts } : {}) };
}

/** True when a receiver of the (merged) config has at least one integration (`<kind>_configs`). */
function notifiesSomeone(config: AlertmanagerConfig | undefined): boolean {
  return (config?.receivers ?? []).some((receiver) =>
    Object.entries(receiver).some(([key, value]) => key.endsWith('_configs') && Array.isArray(value) && value.length > 0),
  );
}

/**
 * What synth prints about alerting, from the final values (after charts-values/ overrides, so a
 * receiver configured there counts) and the receivers the props route to.
 */
export function alertingWarnings(
  values: PrometheusValues | CurrentPrometheusValues,
  receivers: readonly ResolvedReceiver[],
  alerts: readonly { readonly alert: string; readonly severity: AlertSeverity }[],
  /** The release's override file, named in the hint. @default 'charts-values/prometheus.yaml' */
  overridesFile = 'charts-values/prometheus.yaml',
): string[] {
  if (values.alertmanager?.enabled === false) {
    return ['alerting: Alertmanager is switched off (alertmanager.enabled: false), so firing alerts reach no one.'];
  }
  if (!notifiesSomeone(values.alertmanager?.config)) {
    return [
      'alerting: Alertmanager has no receiver, so firing alerts reach no one. Add one with the stack prop ' +
        '`alerting: { receivers: [...] }` (Slack or webhook; README > Deploy > "Alerts: add a receiver") or under ' +
        `\`alertmanager.config\` in ${overridesFile}, then run npm run synth again.`,
    ];
  }
  if (receivers.length === 0) return [];
  return ALERT_SEVERITIES.filter((severity) => !receivers.some((r) => r.severities.includes(severity)))
    .map((severity) => {
      const names = alerts.filter((a) => a.severity === severity).map((a) => a.alert);
      return names.length === 0
        ? ''
        : `alerting: no receiver takes severity="${severity}", so ${names.join(', ')} reach no one. ` +
            `Add "${severity}" to a receiver's severities (alerting.receivers[].severities).`;
    })
    .filter((line) => line !== '');
}
