/**
 * Keys the pinned charts' templates read but whose values.yaml only shows them commented out
 * (so inference from the defaults cannot see them). Each entry is a sample value whose type is
 * what the template expects; it is merged into the defaults before the types are inferred.
 * Keyed like CHARTS in lib/shared/versions.ts. Add a key here only after reading the template.
 */
export const CHART_VALUE_EXTRAS: Record<string, unknown> = {
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
  minio: {
    // values.yaml documents provisioning.buckets items only in comments.
    provisioning: { buckets: [{ name: '', region: '', versioning: false, withLock: false }] },
  },
};
