import { k8s } from 'cdk8s-plus-27';

/**
 * Resource and security presets for the workloads we own, passed explicitly rather than left to
 * library defaults (cdk8s-plus would add its own), so the manifests say exactly what runs.
 */

/**
 * The classifier holds a TF-IDF vocabulary and a weight matrix in memory and answers in well
 * under a millisecond, so memory, not CPU, bounds it.
 */
export const MODEL_SERVICE_MEMORY_LIMIT_MIB = 512;

/**
 * One CPU requested, as much as the limit: the pod's measured capacity (lib/capacity/measurements.ts)
 * is what one Node process serves on one core, and the autoscaler's CPU target is a share of the
 * request, so the request must be the core the measurement had.
 */
export const MODEL_SERVICE_CPU_REQUEST_CORES = 1;

export const MODEL_SERVICE_RESOURCES: k8s.ResourceRequirements = {
  requests: { cpu: k8s.Quantity.fromString(String(MODEL_SERVICE_CPU_REQUEST_CORES)), memory: k8s.Quantity.fromString('256Mi') },
  limits: { cpu: k8s.Quantity.fromString(String(MODEL_SERVICE_CPU_REQUEST_CORES)), memory: k8s.Quantity.fromString(`${MODEL_SERVICE_MEMORY_LIMIT_MIB}Mi`) },
};

/**
 * UID/GID of the `nonroot` user of the distroless Node.js image that `model-service/Dockerfile`
 * builds on (`USER 65532:65532`); stating the same id here keeps file ownership in the image and
 * the pod's identity in agreement.
 */
const MODEL_SERVICE_USER_ID = 65532;

/** Restricted Pod Security Standard, field by field. */
export function modelServiceSecurity(): { pod: k8s.PodSecurityContext; container: k8s.SecurityContext } {
  return {
    pod: {
      runAsNonRoot: true,
      runAsUser: MODEL_SERVICE_USER_ID,
      runAsGroup: MODEL_SERVICE_USER_ID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    container: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}
