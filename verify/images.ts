/**
 * Every container image a set of Kubernetes objects would pull, and what is wrong with each:
 * a repository known to be gone (lib/shared/retired-image-repositories.ts), no tag, or `latest`.
 */
import { parse } from 'yaml';
import { normaliseImage, retiredRepositoryOf } from '../lib/shared/retired-image-repositories';
import type { KubeObject } from './helm';

export interface ImageReference {
  /** "minio Deployment minio initContainer volume-permissions". */
  readonly where: string;
  readonly image: string;
}

interface PodSpecImages {
  readonly containers?: readonly { name: string; image?: string }[];
  readonly initContainers?: readonly { name: string; image?: string }[];
  readonly ephemeralContainers?: readonly { name: string; image?: string }[];
}

function podSpecOf(object: KubeObject): PodSpecImages | undefined {
  const spec = object.spec as
    | (PodSpecImages & { template?: { spec?: PodSpecImages }; jobTemplate?: { spec?: { template?: { spec?: PodSpecImages } } } })
    | undefined;
  switch (object.kind) {
    case 'Pod':
      return spec;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template?.spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return spec?.template?.spec;
    default:
      return undefined;
  }
}

/** Keys under which configuration files name an image (a string, or a {repository, tag} map). */
const IMAGE_KEY = /^(image|.*Image)$/;

function imagesInConfig(text: string, where: string): ImageReference[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return [];
  }
  const found: ImageReference[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}/${i}`));
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (IMAGE_KEY.test(key) && typeof child === 'string') found.push({ where: `${where} ${path}/${key}`, image: child });
        else walk(child, `${path}/${key}`);
      }
    }
  };
  walk(doc, '');
  return found;
}

/**
 * The images of every container, init container and ephemeral container of every pod-carrying
 * object (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs), and image
 * strings inside ConfigMap files. `label` prefixes each location.
 */
export function imageReferences(objects: readonly KubeObject[], label: string): ImageReference[] {
  const found: ImageReference[] = [];
  for (const o of objects) {
    const at = `${label} ${o.kind} ${o.metadata.name}`;
    const spec = podSpecOf(o);
    if (spec) {
      for (const [field, containers] of [
        ['container', spec.containers],
        ['initContainer', spec.initContainers],
        ['ephemeralContainer', spec.ephemeralContainers],
      ] as const) {
        for (const c of containers ?? []) found.push({ where: `${at} ${field} ${c.name}`, image: c.image ?? '' });
      }
    }
    if (o.kind === 'ConfigMap') {
      for (const [key, text] of Object.entries((o as { data?: Record<string, string> | null }).data ?? {})) found.push(...imagesInConfig(text, `${at} ${key}`));
    }
  }
  return found;
}

/** The tag of an image reference, or undefined (a digest-only reference has none but is pinned). */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.split('@')[0];
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf('/') + 1);
  const colon = lastPart.indexOf(':');
  return colon < 0 ? undefined : lastPart.slice(colon + 1);
}

/** What is wrong with each image (empty when every one pulls a pinned tag from a live repository). */
export function imageProblems(references: readonly ImageReference[]): string[] {
  const problems: string[] = [];
  for (const { where, image } of references) {
    const prefix = `${where}: ${image || '(no image)'}`;
    if (!image) {
      problems.push(`${prefix}: no image at all.`);
      continue;
    }
    const retired = retiredRepositoryOf(image);
    if (retired) {
      const instead = retired.replacement ? `; pull ${normaliseImage(image).replace(retired.prefix, retired.replacement)} instead` : '';
      problems.push(`${prefix}: ${retired.prefix} is gone since ${retired.since} (${retired.reason})${instead}.`);
    }
    const pinnedByDigest = image.includes('@sha256:');
    const tag = imageTag(image);
    if (tag === undefined && !pinnedByDigest) problems.push(`${prefix}: no tag (the runtime pulls "latest", whatever that is on the day).`);
    if (tag === 'latest') problems.push(`${prefix}: the tag "latest" changes under the same name; pin a version.`);
  }
  return problems;
}
