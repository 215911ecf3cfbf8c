import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { MODEL_SERVICE_POD } from '../capacity/measurements';
import { MODEL_SERVICE_CPU_REQUEST_CORES } from '../shared/presets';

/** Autoscaling of the model service's Deployment by CPU (a `HorizontalPodAutoscaler`, autoscaling/v2). */
export interface ModelServiceAutoscalingProps {
  /**
   * Fewest pods. Two keep a pod serving while the PodDisruptionBudget (maxUnavailable 1) lets a
   * node drain evict the other.
   * @default 2
   */
  readonly minReplicas?: number;
  /** Most pods. @default 10 */
  readonly maxReplicas?: number;
  /**
   * Average CPU use of the pods, in per cent of their CPU request, above which the autoscaler adds pods.
   * @default - DEFAULT_CPU_UTILIZATION_PERCENT, derived from the measured capacity of one pod
   */
  readonly cpuUtilizationPercent?: number;
}

/**
 * The autoscaler adds pods when the load reaches this share of what one pod serves at the latency
 * bound: the rest absorbs growth during the 15 s between the autoscaler's evaluations and the
 * seconds a new pod takes to become ready.
 */
export const SCALE_OUT_AT_CAPACITY_SHARE = 0.7;

/** CPU a pod uses at its measured capacity, in cores (about 1: one Node process saturates its core). */
export const POD_CORES_AT_CAPACITY = (MODEL_SERVICE_POD.requestsPerSecond * MODEL_SERVICE_POD.cpuMicrosecondsPerRequest) / 1e6;

/**
 * The default CPU target: the CPU a pod uses at SCALE_OUT_AT_CAPACITY_SHARE of its measured
 * capacity, in per cent of its CPU request.
 */
export const DEFAULT_CPU_UTILIZATION_PERCENT = Math.round((SCALE_OUT_AT_CAPACITY_SHARE * POD_CORES_AT_CAPACITY * 100) / MODEL_SERVICE_CPU_REQUEST_CORES);

/** Requests per second one pod takes at a CPU target (the rate at which the autoscaler adds a pod). */
export function requestsPerSecondAtTarget(cpuUtilizationPercent: number): number {
  const coresAtTarget = (cpuUtilizationPercent / 100) * MODEL_SERVICE_CPU_REQUEST_CORES;
  return (coresAtTarget * 1e6) / MODEL_SERVICE_POD.cpuMicrosecondsPerRequest;
}

export interface ResolvedAutoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilizationPercent: number;
}

/** Defaults applied and checked; `prop` prefixes each message (e.g. `model-service.autoscaling`). */
export function resolveAutoscaling(prop: string, props: ModelServiceAutoscalingProps): ResolvedAutoscaling {
  const minReplicas = props.minReplicas ?? 2;
  const maxReplicas = props.maxReplicas ?? Math.max(10, minReplicas);
  const cpuUtilizationPercent = props.cpuUtilizationPercent ?? DEFAULT_CPU_UTILIZATION_PERCENT;
  if (!Number.isInteger(minReplicas) || minReplicas < 1) {
    throw new Error(`${prop}.minReplicas: ${minReplicas} must be a whole number of at least 1.`);
  }
  if (!Number.isInteger(maxReplicas) || maxReplicas < minReplicas) {
    throw new Error(`${prop}.maxReplicas: ${maxReplicas} must be a whole number of at least minReplicas (${minReplicas}).`);
  }
  // Above 100 % the target exceeds the request; the limit is the request here, so the pods could never reach it.
  if (!Number.isInteger(cpuUtilizationPercent) || cpuUtilizationPercent < 1 || cpuUtilizationPercent > 100) {
    throw new Error(`${prop}.cpuUtilizationPercent: ${cpuUtilizationPercent} must be a whole per cent from 1 to 100 of the pod's CPU request `
      + `(the default, ${DEFAULT_CPU_UTILIZATION_PERCENT}, comes from the measured capacity of one pod: docs/scaling.md).`);
  }
  return { minReplicas, maxReplicas, cpuUtilizationPercent };
}

/** The HorizontalPodAutoscaler that owns the Deployment's replica count. */
export function modelServiceAutoscaler(
  scope: Construct, metadata: k8s.ObjectMeta, deployment: k8s.KubeDeployment, settings: ResolvedAutoscaling,
): k8s.KubeHorizontalPodAutoscalerV2 {
  return new k8s.KubeHorizontalPodAutoscalerV2(scope, 'autoscaler', {
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: deployment.apiVersion, kind: deployment.kind, name: deployment.name },
      minReplicas: settings.minReplicas,
      maxReplicas: settings.maxReplicas,
      metrics: [{
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: settings.cpuUtilizationPercent } },
      }],
    },
  });
}
