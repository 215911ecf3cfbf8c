import { MODEL_SERVICE_POD } from '../../lib/capacity/measurements';
import {
  DEFAULT_CPU_UTILIZATION_PERCENT, POD_CORES_AT_CAPACITY, SCALE_OUT_AT_CAPACITY_SHARE, requestsPerSecondAtTarget,
} from '../../lib/model-service/autoscaling';
import { ObservabilityStackProps } from '../../lib/observability-stack';
import { kubernetes133SchemaProblems, kubernetesSchemaProblems } from '../helpers/kubernetes-schema';
import { Manifest, manifests, synthToFiles } from '../helpers/synth';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ours = (props: ObservabilityStackProps = {}) => {
  const all = manifests(synthToFiles(props)).filter((m: Manifest) => m.metadata.labels?.['app.kubernetes.io/name'] === 'model-service');
  return (kind: string): any => all.find((m) => m.kind === kind);
};

describe('the model service autoscaler', () => {
  let byKind: ReturnType<typeof ours>;
  beforeAll(() => {
    byKind = ours();
  });

  test('GIVEN the defaults THEN an autoscaling/v2 HPA owns the Deployment\'s count: 2 to 10 pods at the derived CPU target', () => {
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata).toMatchObject({ name: 'model-service', namespace: 'technical-observability-for-ml' });
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'model-service' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION_PERCENT } } }],
    });
    // A pinned count would be re-applied over the autoscaler's at every `kubectl apply`.
    expect(byKind('Deployment').spec.replicas).toBeUndefined();
  });

  test('the default target is SCALE_OUT_AT_CAPACITY_SHARE of the CPU one pod used at its measured capacity, on a request of that one CPU', () => {
    const container = byKind('Deployment').spec.template.spec.containers[0];
    expect(container.resources.requests.cpu).toBe('1');
    expect(container.resources.limits.cpu).toBe('1');
    expect(MODEL_SERVICE_POD.p99Ms).toBeLessThanOrEqual(MODEL_SERVICE_POD.p99LimitMs);
    expect(POD_CORES_AT_CAPACITY).toBeCloseTo((MODEL_SERVICE_POD.requestsPerSecond * MODEL_SERVICE_POD.cpuMicrosecondsPerRequest) / 1e6, 9);
    expect(DEFAULT_CPU_UTILIZATION_PERCENT).toBe(Math.round(SCALE_OUT_AT_CAPACITY_SHARE * POD_CORES_AT_CAPACITY * 100));
    // At the target a pod takes about the scale-out share of its measured rate.
    expect(requestsPerSecondAtTarget(DEFAULT_CPU_UTILIZATION_PERCENT) / MODEL_SERVICE_POD.requestsPerSecond).toBeCloseTo(SCALE_OUT_AT_CAPACITY_SHARE, 1);
  });

  test('the PodDisruptionBudget lets one pod go whatever count the autoscaler picks, and selects the same pods', () => {
    const pdb = byKind('PodDisruptionBudget');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: byKind('Deployment').spec.selector.matchLabels } });
    expect(pdb.spec.minAvailable).toBeUndefined();
    expect(byKind('HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThan(pdb.spec.maxUnavailable);
  });

  test('the HPA passes the Kubernetes 1.27 and 1.33 schema checks, which refuse a broken one', () => {
    const hpa = byKind('HorizontalPodAutoscaler');
    expect(kubernetesSchemaProblems(hpa)).toEqual([]);
    expect(kubernetes133SchemaProblems(hpa)).toEqual([]);
    const broken = { ...hpa, spec: { ...hpa.spec, maxReplicas: 'ten' } };
    expect(kubernetesSchemaProblems(broken)).toEqual([expect.stringContaining('maxReplicas must be integer')]);
    expect(kubernetes133SchemaProblems(broken)).toEqual([expect.stringContaining('maxReplicas must be integer')]);
  });

  test('typed props set the bounds and the target', () => {
    const hpa = ours({ modelService: { autoscaling: { minReplicas: 3, maxReplicas: 30, cpuUtilizationPercent: 50 } } })('HorizontalPodAutoscaler');
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 30 });
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(50);
    // A minimum above the default maximum raises the maximum with it.
    expect(ours({ modelService: { autoscaling: { minReplicas: 12 } } })('HorizontalPodAutoscaler').spec).toMatchObject({ minReplicas: 12, maxReplicas: 12 });
  });

  test('autoscaling: false renders no HPA and pins replicas (2 unless given)', () => {
    const fixed = ours({ modelService: { autoscaling: false } });
    expect(fixed('HorizontalPodAutoscaler')).toBeUndefined();
    expect(fixed('Deployment').spec.replicas).toBe(2);
    expect(ours({ modelService: { autoscaling: false, replicas: 4 } })('Deployment').spec.replicas).toBe(4);
  });

  test.each([
    [{ replicas: 3 }, 'model-service.replicas: a fixed count (3) conflicts with the autoscaler, which owns the count: set model-service.autoscaling.minReplicas/maxReplicas, or autoscaling: false to pin replicas.'],
    [{ autoscaling: { minReplicas: 0 } }, 'model-service.autoscaling.minReplicas: 0 must be a whole number of at least 1.'],
    [{ autoscaling: { minReplicas: 4, maxReplicas: 3 } }, 'model-service.autoscaling.maxReplicas: 3 must be a whole number of at least minReplicas (4).'],
    [{ autoscaling: { cpuUtilizationPercent: 150 } }, 'model-service.autoscaling.cpuUtilizationPercent: 150 must be a whole per cent from 1 to 100'],
    [{ autoscaling: { cpuUtilizationPercent: 0.5 } }, 'model-service.autoscaling.cpuUtilizationPercent: 0.5 must be a whole per cent from 1 to 100'],
  ])('refuses %j with a message naming the prop', (modelService, message) => {
    expect(() => synthToFiles({ modelService })).toThrow(message);
  });
});
