/**
 * The contract between the model service and the synthesizer is stated once
 * (model-service/src/contract/): change the port and the route names there, and every consumer
 * follows — the service registers the new routes, and the Deployment, Service, NetworkPolicy,
 * probes, scrape annotations, alert rules and dashboard use them — with no trace of the old ones.
 */
jest.mock('model-service/contract', () => {
  const actual = jest.requireActual('model-service/contract');
  return {
    ...actual,
    ROUTES: { ...actual.ROUTES, predict: '/v2/classify', health: '/livez', ready: '/ready-now', metrics: '/telemetry' },
    CONFIG_KEYS: { ...actual.CONFIG_KEYS, port: { ...actual.CONFIG_KEYS.port, default: 4321 } },
  };
});

import { CONFIG_KEYS, ROUTES } from 'model-service/contract';
import { loadConfig } from '../model-service/src/config';
import { buildTestApp } from '../model-service/test/support/app';
import { manifests, synthToFiles } from './helpers/synth';

describe('one contract, every consumer following it', () => {
  const original = jest.requireActual<typeof import('model-service/contract')>('model-service/contract');

  test('the mock is what both packages see', () => {
    expect(ROUTES.predict).toBe('/v2/classify');
    expect(CONFIG_KEYS.port.default).toBe(4321);
    expect(original.ROUTES.predict).toBe('/predict');
  });

  test('the service registers the routes and the port default from the contract', async () => {
    const t = await buildTestApp();
    try {
      const predict = await t.app.inject({ method: 'POST', url: '/v2/classify', payload: 'the engine needs oil', headers: { 'content-type': 'text/plain' } });
      expect(predict.statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/ready-now' })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/telemetry' })).statusCode).toBe(200);
      for (const url of [original.ROUTES.health, original.ROUTES.ready, original.ROUTES.metrics]) {
        expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(404);
      }
      expect((await t.app.inject({ method: 'POST', url: original.ROUTES.predict, payload: 'x' })).statusCode).toBe(404);
    } finally {
      await t.app.close();
    }
    expect(loadConfig({ argv: [], env: {} }).port).toBe(4321);
  });

  test('manifests, rules and dashboard follow, and the old names are gone', () => {
    const result = synthToFiles({ profile: 'reference' });
    const deployment = manifests(result).find((m) => m.kind === 'Deployment' && m.metadata.name === 'model-service') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    expect(container.ports[0].containerPort).toBe(4321);
    expect(pod.metadata.annotations).toMatchObject({ 'prometheus.io/port': '4321', 'prometheus.io/path': '/telemetry' });
    expect([container.startupProbe.httpGet.path, container.readinessProbe.httpGet.path, container.livenessProbe.httpGet.path]).toEqual(['/livez', '/ready-now', '/livez']);
    const service = manifests(result).find((m) => m.kind === 'Service' && m.metadata.name === 'model-service') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(service.spec.ports[0].port).toBe(4321);
    const policy = manifests(result).find((m) => m.kind === 'NetworkPolicy') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(policy.spec.ingress[0].ports[0].port).toBe(4321);

    expect(result.files['helm/values/prometheus.yaml']).toContain('route="/v2/classify"');
    expect(result.files['observability.k8s.yaml']).toContain('Error budget burn rate (POST /v2/classify)');
    // No stale copy anywhere in the output: the old port and route names appear nowhere.
    for (const [file, text] of Object.entries(result.files)) {
      for (const stale of [String(original.CONFIG_KEYS.port.default), original.ROUTES.predict, original.ROUTES.health, original.ROUTES.ready, `path: ${original.ROUTES.metrics}`]) {
        expect({ file, stale, found: text.includes(stale) }).toEqual({ file, stale, found: false });
      }
    }
  });
});
