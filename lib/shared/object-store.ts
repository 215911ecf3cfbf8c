import type { HelmRelease } from '../helm/helm-release';

/** An env var filled from a Secret key (what the S3 clients' pods get). */
export interface SecretEnvVar {
  readonly name: string;
  readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

/**
 * The S3 store Loki and Tempo write to: MinIO in the reference profile, SeaweedFS in the current
 * one. Clients take the endpoint without a scheme, path-style and plain HTTP (in-cluster only),
 * and read the credentials from env vars expanded into their config (`-config.expand-env`), so
 * no credential is in a values file or a ConfigMap.
 */
export interface ObjectStore extends HelmRelease {
  /** `host:port` of the S3 API inside the cluster. */
  readonly s3Endpoint: string;
  /** Names of the env vars `credentialsEnv()` sets: the clients' configs reference them as `${NAME}`. */
  readonly credentialsEnvNames: { readonly accessKey: string; readonly secretKey: string };
  /** Env vars exposing the S3 credentials from the store's Secret. */
  credentialsEnv(): SecretEnvVar[];
  /** Declares a bucket the store's chart creates at install; returns its name. */
  addBucket(name: string): string;
}

/** S3 bucket naming rules: 3-63 lower-case letters, digits, '.' or '-'. */
export function validateBucketName(store: string, name: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
    throw new Error(`${store} bucket "${name}": use 3-63 lower-case letters, digits, '.' or '-' (S3 bucket naming rules).`);
  }
  return name;
}
