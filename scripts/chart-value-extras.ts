/**
 * Keys the pinned charts' templates read but whose values.yaml only shows them commented out
 * (so inference from the defaults cannot see them). Each entry is a sample value whose type is
 * what the template expects; it is merged into the defaults before the types are inferred.
 * Keyed like PROFILE_CHARTS in lib/shared/versions.ts (profile, then component). Add a key here
 * only after reading the template.
 */
import type { StackProfile } from '../lib/profiles';

export const CHART_VALUE_EXTRAS: Record<StackProfile, Record<string, unknown>> = {
  current: {
    loki: {
      loki: {
        // templates/_helpers.tpl (loki.commonStorageConfig, loki.rulerStorageConfig) read the bucket names;
        // values.yaml shows them only in a comment.
        storage: { bucketNames: { chunks: '', ruler: '' } },
        // config.yaml renders limits_config verbatim (tpl of toYaml), so its keys are Loki 3's limits.
        limits_config: { allow_structured_metadata: true, retention_period: '' },
      },
    },
    tempo: {
      // templates/configmap-tempo.yaml renders .Values.tempo.storage verbatim: Tempo's storage.trace.s3 config.
      tempo: {
        storage: {
          trace: {
            s3: { bucket: '', endpoint: '', access_key: '', secret_key: '', insecure: false, forcepathstyle: false },
          },
        },
      },
    },
    seaweedfs: {
      // templates/shared/post-install-bucket-hook.yaml reads allInOne.s3.createBuckets items, and
      // templates/s3/s3-secret.yaml + _helpers.tpl (seaweedfs.s3.credentialEnv) read s3.credentials;
      // values.yaml documents both only in comments.
      allInOne: { s3: { createBuckets: [{ name: '', anonymousRead: false, ttl: '', objectLock: false, versioning: '' }] } },
      s3: {
        credentials: {
          admin: { accessKey: '', secretKey: '', existingSecret: '', accessKeyKey: '', secretKeyKey: '' },
          read: { accessKey: '', secretKey: '', existingSecret: '', accessKeyKey: '', secretKeyKey: '' },
        },
      },
    },
    grafana: {
      // templates/service.yaml: `nodePort: {{ .Values.service.nodePort }}` when type is NodePort.
      service: { nodePort: 30000 },
    },
    prometheus: {
      alertmanager: {
        // alertmanager 1.42.0 templates/statefulset.yaml reads each item's name, mountPath, subPath,
        // readOnly, secretName and optional; values.yaml shows them only in a comment.
        extraSecretMounts: [{ name: '', mountPath: '', subPath: '', secretName: '', readOnly: true, optional: false }],
        // templates/configmap.yaml writes `config` verbatim as alertmanager.yml.
        config: { route: { group_by: [''], routes: [{}] } },
      },
    },
  },
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
  current: {
    // prometheus 29.27.0 packages alertmanager 1.42.0.
    prometheus: { alertmanager: '1.42.0' },
  },
  reference: {
    // prometheus 19.6.1 packages alertmanager 0.24.1 (Alertmanager v0.25.0).
    prometheus: { alertmanager: '0.24.1' },
  },
};
