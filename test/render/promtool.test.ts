import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { findObject, KubeObject } from '../../verify/helm';
import { Promtool, promtool, resolvePromtool } from '../prometheus/promtool';
import { PROFILES, profileDir } from '../../lib/profiles';
import { configFile, release, renderStack, RenderedStack, RENDER_TIMEOUT_MS } from './rendered-stack';

// `promtool check config` on the prometheus.yml the real chart renders from our values, with the
// rule files of the same ConfigMap beside it, for each profile, by the promtool of that profile's
// Prometheus (test/prometheus/promtool.ts): 3.14.0 for the current profile, so the file and the
// rules are read with Prometheus 3's semantics; a 2.x (Debian's 2.42) for the reference's 2.41.
// Three things in that file only exist inside the running pod, and each is handled openly:
//
//  1. rule_files name /etc/config/<key>: the Deployment mounts the server ConfigMap there (checked
//     below), so the keys are written to a temp dir and the paths rewritten to it.
//  2. bearer_token_file / ca_file name the service-account token and CA the kubelet mounts at
//     /var/run/secrets/kubernetes.io/serviceaccount (checked below: the pod keeps the automatic
//     mount). They are pointed at placeholder files. promtool does not read the CA (an empty
//     file passes); the Prometheus 3.14 server does, and refuses a config whose CA file is empty
//     or missing, which the kubelet's mount never is.
//  3. kubernetes_sd_configs needs no cluster to be checked, but Debian builds Prometheus without
//     Kubernetes discovery ("field kubernetes_sd_configs not found"). With such a promtool (found
//     out by probing it), each block is checked here against the fields and roles Prometheus 2.41
//     accepts and then replaced by a static target, so that everything else (intervals, relabel
//     rules, rule files, TLS and auth settings, alerting) still goes through promtool. The 3.14.0
//     build knows Kubernetes discovery: on the current profile only 1 and 2 apply.

const POD_CONFIG_DIR = '/etc/config';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Fields of Prometheus 2.41's kubernetes_sd_config (discovery/kubernetes and its HTTP client config). */
const KUBERNETES_SD_FIELDS = new Set([
  'role', 'api_server', 'kubeconfig_file', 'namespaces', 'selectors', 'attach_metadata',
  'basic_auth', 'authorization', 'oauth2', 'bearer_token', 'bearer_token_file', 'tls_config', 'proxy_url',
  'no_proxy', 'proxy_from_environment', 'proxy_connect_header', 'follow_redirects', 'enable_http2',
]);
const KUBERNETES_SD_ROLES = new Set(['endpoints', 'endpointslice', 'service', 'pod', 'node', 'ingress']);

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-render-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether this promtool knows kubernetes_sd_configs (Debian's does not). */
function promtoolHasKubernetesSd(tool: Promtool): boolean {
  return withTempDir((dir) => {
    fs.writeFileSync(path.join(dir, 'probe.yml'), stringify({ scrape_configs: [{ job_name: 'probe', kubernetes_sd_configs: [{ role: 'pod' }] }] }));
    const result = promtool(tool, ['check', 'config', '--syntax-only', 'probe.yml'], dir);
    if (result.status === 0) return true;
    if (result.output.includes('field kubernetes_sd_configs not found')) return false;
    throw new Error(`promtool failed on a minimal config: ${result.output}`);
  });
}

interface Rewritten {
  readonly config: Record<string, unknown>;
  /** `where: problem` for kubernetes_sd_configs blocks Prometheus would refuse. */
  readonly sdProblems: string[];
  readonly sdBlocks: number;
}

/** Applies the rewrites described at the top of the file to a parsed prometheus.yml. */
function rewriteForPromtool(original: Record<string, unknown>, dir: string, swapKubernetesSd: boolean): Rewritten {
  const config = JSON.parse(JSON.stringify(original)) as Record<string, unknown>;
  const sdProblems: string[] = [];
  let sdBlocks = 0;
  config.rule_files = (config.rule_files as string[]).map((file) => {
    if (!file.startsWith(`${POD_CONFIG_DIR}/`)) throw new Error(`rule file ${file} is not in ${POD_CONFIG_DIR}, where the ConfigMap is mounted`);
    return path.join(dir, 'config', file.slice(POD_CONFIG_DIR.length + 1));
  });
  const walk = (value: unknown, where: string): void => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${where}/${i}`));
    if (value === null || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    for (const [key, child] of Object.entries(node)) {
      if ((key === 'bearer_token_file' || key === 'ca_file') && typeof child === 'string' && child.startsWith(`${SERVICE_ACCOUNT_DIR}/`)) {
        node[key] = path.join(dir, 'serviceaccount', path.basename(child));
      }
    }
    if (Array.isArray(node.kubernetes_sd_configs)) {
      for (const [i, sd] of (node.kubernetes_sd_configs as Record<string, unknown>[]).entries()) {
        sdBlocks += 1;
        const unknown = Object.keys(sd).filter((k) => !KUBERNETES_SD_FIELDS.has(k));
        if (unknown.length > 0) sdProblems.push(`${where}/kubernetes_sd_configs/${i}: unknown field(s) ${unknown.join(', ')}`);
        if (!KUBERNETES_SD_ROLES.has(String(sd.role))) sdProblems.push(`${where}/kubernetes_sd_configs/${i}: role "${String(sd.role)}" is not one of ${[...KUBERNETES_SD_ROLES].join(', ')}`);
      }
      if (swapKubernetesSd) {
        delete node.kubernetes_sd_configs;
        node.static_configs = [{ targets: ['kubernetes-sd-placeholder:80'] }];
      }
    }
    for (const [key, child] of Object.entries(node)) walk(child, `${where}/${key}`);
  };
  walk(config, '');
  return { config, sdProblems, sdBlocks };
}

/** Writes the ConfigMap's files and the placeholder token/CA into `dir`, runs promtool on `config`. */
function checkConfig(tool: Promtool, serverConfigMap: KubeObject, config: Record<string, unknown>, dir: string) {
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'serviceaccount'), { recursive: true });
  for (const key of Object.keys((serverConfigMap as unknown as { data: object }).data)) {
    fs.writeFileSync(path.join(dir, 'config', key), configFile(serverConfigMap, key));
  }
  fs.writeFileSync(path.join(dir, 'serviceaccount', 'token'), 'placeholder-service-account-token\n');
  fs.writeFileSync(path.join(dir, 'serviceaccount', 'ca.crt'), '');
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config, { lineWidth: 0 }));
  return promtool(tool, ['check', 'config', 'prometheus.yml'], dir);
}

describe.each(PROFILES)('promtool check config on the rendered Prometheus configuration (%s profile)', (profile) => {
  let stack: RenderedStack;
  let serverConfigMap: KubeObject;
  let prometheusYml: Record<string, unknown>;
  let tool: Promtool;
  let hasKubernetesSd: boolean;
  beforeAll(async () => {
    tool = await resolvePromtool(profile);
    stack = await renderStack(profileDir(profile));
    serverConfigMap = findObject(release(stack, 'prometheus').objects, 'ConfigMap', 'prometheus-server');
    prometheusYml = parse(configFile(serverConfigMap, 'prometheus.yml'));
    hasKubernetesSd = promtoolHasKubernetesSd(tool);
  }, RENDER_TIMEOUT_MS);

  test('the pod sees what the rewrites assume: the ConfigMap at /etc/config and a service-account token', () => {
    const deployment = findObject(release(stack, 'prometheus').objects, 'Deployment', 'prometheus-server') as unknown as {
      spec: { template: { spec: {
        automountServiceAccountToken?: boolean;
        serviceAccountName: string;
        volumes: { name: string; configMap?: { name: string } }[];
        containers: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
      } } };
    };
    const pod = deployment.spec.template.spec;
    const volume = pod.volumes.find((v) => v.configMap?.name === 'prometheus-server')!;
    const server = pod.containers.find((c) => c.name === 'prometheus-server')!;
    expect(server.volumeMounts).toContainEqual({ name: volume.name, mountPath: POD_CONFIG_DIR });
    expect(pod.automountServiceAccountToken).not.toBe(false);
    const account = findObject(release(stack, 'prometheus').objects, 'ServiceAccount', pod.serviceAccountName) as { automountServiceAccountToken?: boolean };
    expect(account.automountServiceAccountToken).not.toBe(false);
    expect(prometheusYml.rule_files).toEqual([
      '/etc/config/recording_rules.yml', '/etc/config/alerting_rules.yml', '/etc/config/rules', '/etc/config/alerts',
    ]);
  });

  test('passes, rule files included', () => {
    const rewritten = withTempDir((dir) => {
      const r = rewriteForPromtool(prometheusYml, dir, !hasKubernetesSd);
      return { ...r, result: checkConfig(tool, serverConfigMap, r.config, dir) };
    });
    // promtool 3.14.0 checks the discovery blocks itself; Debian's 2.42 cannot.
    if (profile === 'current') expect(hasKubernetesSd).toBe(true);
    // Every discovery block (ten scrape jobs and the Alertmanager lookup) is well-formed.
    expect(rewritten.sdBlocks).toBe(11);
    expect(rewritten.sdProblems).toEqual([]);
    expect(rewritten.result.output).toMatch(/SUCCESS: \d+ rule files? found/);
    expect(rewritten.result.output).toMatch(/recording_rules\.yml\s+SUCCESS: [1-9]\d* rules found/);
    expect(rewritten.result.output).toMatch(/alerting_rules\.yml\s+SUCCESS: [1-9]\d* rules found/);
    expect(rewritten.result.output).not.toContain('FAILED');
    expect(rewritten.result.status).toBe(0);
  });

  test('fails on a broken copy: a scrape timeout longer than the interval', () => {
    const broken = JSON.parse(JSON.stringify(prometheusYml));
    broken.scrape_configs.find((j: { job_name: string }) => j.job_name === 'kubernetes-pods-every-2s').scrape_timeout = '5s';
    const result = withTempDir((dir) => checkConfig(tool, serverConfigMap, rewriteForPromtool(broken, dir, !hasKubernetesSd).config, dir));
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('scrape timeout greater than scrape interval for scrape config with job name "kubernetes-pods-every-2s"');
  });

  test('fails on a discovery block Prometheus would refuse (an unknown role or field)', () => {
    const broken = JSON.parse(JSON.stringify(prometheusYml));
    const index = broken.scrape_configs.findIndex((j: { job_name: string }) => j.job_name === 'kubernetes-pods-every-2s');
    broken.scrape_configs[index].kubernetes_sd_configs = [{ role: 'pods', namespace: 'x' }];
    const { sdProblems, result } = withTempDir((dir) => {
      const r = rewriteForPromtool(broken, dir, !hasKubernetesSd);
      return { ...r, result: checkConfig(tool, serverConfigMap, r.config, dir) };
    });
    // A promtool with Kubernetes discovery refuses the block itself.
    if (hasKubernetesSd) expect(result).toMatchObject({ status: 1, output: expect.stringContaining('unknown Kubernetes SD role "pods"') });
    expect(sdProblems).toEqual([
      `/scrape_configs/${index}/kubernetes_sd_configs/0: unknown field(s) namespace`,
      `/scrape_configs/${index}/kubernetes_sd_configs/0: role "pods" is not one of endpoints, endpointslice, service, pod, node, ingress`,
    ]);
  });
});
