/**
 * Keys the pinned charts' templates read but whose values.yaml only shows them commented out
 * (so inference from the defaults cannot see them). Each entry is a sample value whose type is
 * what the template expects; it is merged into the defaults before the types are inferred.
 * Keyed like PROFILE_CHARTS in lib/shared/versions.ts (profile, then component). Add a key here
 * only after reading the template.
 */
import type { StackProfile } from '../lib/profiles';

export const CHART_VALUE_EXTRAS: Record<StackProfile, Record<string, unknown>> = {
  reference: {
    grafana: {
      // templates/service.yaml: `nodePort: {{ .Values.service.nodePort }}` when type is NodePort.
      service: { nodePort: 30000 },
    },
    tempo: {
      // templates/configmap-tempo.yaml renders .Values.tempo.storage verbatim; values.yaml documents
      // the s3 block only in comments (Tempo's storage.trace.s3 config).
      tempo: {
        storage: {
          trace: {
            s3: { bucket: '', endpoint: '', access_key: '', secret_key: '', insecure: false, forcepathstyle: false },
          },
        },
      },
    },
    prometheus: {
      alertmanager: {
        // alertmanager 0.24.1 templates/statefulset.yaml reads each item's name, mountPath, subPath,
        // readOnly, secretName and optional; values.yaml shows them only in a comment.
        extraSecretMounts: [{ name: '', mountPath: '', subPath: '', secretName: '', readOnly: true, optional: false }],
        // templates/configmap.yaml writes `config` verbatim as alertmanager.yml (toYaml), so its keys are
        // Alertmanager's; the defaults show a route without grouping or child routes.
        config: { route: { group_by: [''], routes: [{}] } },
      },
    },
    minio: {
      // values.yaml documents provisioning.buckets items only in comments.
      provisioning: { buckets: [{ name: '', region: '', versioning: false, withLock: false }] },
    },
  },
};

/**
 * Subcharts whose values we set, by profile and parent (keyed like PROFILE_CHARTS): values key -> subchart version.
 * The version is the one packaged in the pinned parent archive (its `charts/<name>/Chart.yaml`);
 * its defaults (`<subchart>-<version>/values.yaml` beside the parent's) are typed under that key,
 * with the parent's own values for the key on top, which is the precedence Helm gives them.
 */
export const CHART_SUBCHARTS: Record<StackProfile, Record<string, Record<string, string>>> = {
  reference: {
    // prometheus 19.6.1 packages alertmanager 0.24.1 (Alertmanager v0.25.0).
    prometheus: { alertmanager: '0.24.1' },
  },
};
