/**
 * Container image repositories known to be gone: the pinned charts still name them, so every
 * image they run from there must be overridden. A test (test/render/images.test.ts) walks every
 * image reference of every rendered release and of our own manifests and fails on any of them.
 */

export interface RetiredImageRepository {
  /** Registry and repository namespace, normalised (`docker.io/bitnami/`); matches every image under it. */
  readonly prefix: string;
  /** When pulls of its versioned tags stopped working (ISO date). */
  readonly since: string;
  /** Why, in one line. */
  readonly reason: string;
  /** Where the same tags can still be pulled, if anywhere. */
  readonly replacement?: string;
}

export const RETIRED_IMAGE_REPOSITORIES: readonly RetiredImageRepository[] = [
  {
    prefix: 'docker.io/bitnami/',
    since: '2025-09-29',
    reason:
      'Bitnami moved every versioned tag to docker.io/bitnamilegacy (from 2025-08-28, catalogue removed 2025-09-29); ' +
      'the old charts still name docker.io/bitnami. The legacy copies get no updates or security fixes.',
    replacement: 'docker.io/bitnamilegacy/',
  },
];

/**
 * The fully qualified form of an image reference, as a container runtime resolves it:
 * no registry means Docker Hub, and a one-part Docker Hub name lives under `library/`.
 */
export function normaliseImage(image: string): string {
  const firstSlash = image.indexOf('/');
  const first = firstSlash < 0 ? '' : image.slice(0, firstSlash);
  // A first path part is a registry host only if it looks like one (a dot, a port or localhost).
  const hasRegistry = firstSlash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const withRegistry = hasRegistry ? image : `docker.io/${image}`;
  return /^docker\.io\/[^/]+$/.test(withRegistry.replace(/[:@].*$/, '')) ? withRegistry.replace(/^docker\.io\//, 'docker.io/library/') : withRegistry;
}

/** The retired repository an image reference pulls from, if any. */
export function retiredRepositoryOf(image: string): RetiredImageRepository | undefined {
  const normalised = normaliseImage(image);
  return RETIRED_IMAGE_REPOSITORIES.find((r) => normalised.startsWith(r.prefix));
}
