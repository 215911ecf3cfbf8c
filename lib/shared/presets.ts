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

export const MODEL_SERVICE_RESOURCES: k8s.ResourceRequirements = {
  requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('256Mi') },
  limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString(`${MODEL_SERVICE_MEMORY_LIMIT_MIB}Mi`) },
};

/** UID/GID of the `node` user in the official Node.js images. */
const NODE_USER_ID = 1000;

/** Restricted Pod Security Standard, field by field. */
export function modelServiceSecurity(): { pod: k8s.PodSecurityContext; container: k8s.SecurityContext } {
  return {
    pod: {
      runAsNonRoot: true,
      runAsUser: NODE_USER_ID,
      runAsGroup: NODE_USER_ID,
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
