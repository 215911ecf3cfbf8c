import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { RETIRED_IMAGE_REPOSITORIES, normaliseImage } from '../../lib/shared/retired-image-repositories';
import { helmTemplate, resolveChartArchive, resolveHelm } from '../../verify/helm';
import { imageProblems, imageReferences, ImageReference } from '../../verify/images';
import { run } from '../../verify/inputs';
import { release, renderStack, RenderedStack, RENDER_TIMEOUT_MS, REPO_DIST } from './rendered-stack';

/**
 * Images the charts hard-code where no value reaches them, each with why it is tolerated. The
 * test below also fails when one is no longer needed, so the list cannot rot.
 */
const TOLERATED: readonly (ImageReference & { readonly why: string })[] = [
  {
    where: 'prometheus Pod prometheus-alertmanager-test-connection container wget',
    image: 'busybox',
    why:
      'alertmanager 0.24.1 (a dependency of prometheus 19.6.1) hard-codes it in templates/tests/test-connection.yaml, ' +
      'a `helm.sh/hook: test-success` Pod that only `helm test` runs, never an install; no value sets it.',
  },
];

function everyImage(stack: RenderedStack): ImageReference[] {
  return [...stack.releases.flatMap((r) => imageReferences(r.objects, r.name)), ...imageReferences(stack.manifests, 'observability.k8s.yaml')];
}

describe('every image the reference install pulls', () => {
  let stack: RenderedStack;
  beforeAll(async () => {
    stack = await renderStack(REPO_DIST);
  }, RENDER_TIMEOUT_MS);

  test('comes from a live repository with a pinned tag (every release and dist/observability.k8s.yaml)', () => {
    const images = everyImage(stack);
    // Not vacuous: every release and our manifests contribute, init containers included.
    expect(new Set(images.map((i) => i.where.split(' ')[0]))).toEqual(
      new Set([...stack.releases.map((r) => r.name), 'observability.k8s.yaml']),
    );
    expect(images.some((i) => i.where.includes(' initContainer '))).toBe(true);
    const tolerated = (i: ImageReference) => TOLERATED.some((t) => t.where === i.where && t.image === i.image);
    expect(imageProblems(images.filter((i) => !tolerated(i)))).toEqual([]);
    // Each tolerated image is still there and still a problem.
    for (const t of TOLERATED) {
      expect(images).toContainEqual({ where: t.where, image: t.image });
      expect(imageProblems([t])).not.toEqual([]);
    }
  });

  test('MinIO: server, provisioning job and (when enabled) volume permissions from bitnamilegacy, at the chart\'s own tags', async () => {
    const minio = imageReferences(release(stack, 'minio').objects, 'minio');
    expect(minio.map((i) => i.image)).toEqual(Array(minio.length).fill('docker.io/bitnamilegacy/minio:2023.2.22-debian-11-r0'));
    expect(minio.map((i) => i.where)).toEqual(
      expect.arrayContaining(['minio Job minio-provisioning initContainer wait-for-available-minio', 'minio Job minio-provisioning container minio']),
    );
    // The chart's defaults, read from the archive by the real helm: only the repository changes.
    const helm = (await resolveHelm()).path;
    const minioRelease = release(stack, 'minio');
    const archive = (await resolveChartArchive(minioRelease.chart, helm)).path;
    const defaults = parse(run(helm, ['show', 'values', archive]));
    const ours = parse(stack.valuesFiles.minio);
    for (const key of ['image', 'clientImage'] as const) {
      expect(ours[key]).toEqual({ registry: 'docker.io', repository: defaults[key].repository.replace(/^bitnami\//, 'bitnamilegacy/'), tag: defaults[key].tag });
    }
    const shell = defaults.volumePermissions.image;
    expect(ours.volumePermissions.image).toEqual({ registry: 'docker.io', repository: shell.repository.replace(/^bitnami\//, 'bitnamilegacy/'), tag: shell.tag });
    // Enabling volume permissions (e.g. in charts-values/minio.yaml) adds an init container that
    // still pulls from the legacy repository: rendered with one more values file.
    const dir = mkdtempSync(path.join(tmpdir(), 'minio-values-'));
    try {
      const extra = path.join(dir, 'volume-permissions.yaml');
      writeFileSync(extra, 'volumePermissions:\n  enabled: true\n');
      const objects = helmTemplate({ ...minioRelease, valuesFiles: [...minioRelease.valuesFiles, extra] }, { helm, archive });
      const init = imageReferences(objects, 'minio').filter((i) => i.where.includes(' initContainer volume-permissions'));
      expect(init).toEqual([{ where: 'minio Deployment minio initContainer volume-permissions', image: 'docker.io/bitnamilegacy/bitnami-shell:11-debian-11-r87' }]);
      expect(imageProblems(imageReferences(objects, 'minio'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, RENDER_TIMEOUT_MS);

  test('the check fails on a planted docker.io/bitnami image, naming where, why and the replacement', () => {
    const deployment = release(stack, 'minio').objects.find((o) => o.kind === 'Deployment')!;
    const planted = JSON.parse(JSON.stringify(deployment));
    planted.spec.template.spec.containers[0].image = 'docker.io/bitnami/minio:2023.2.22-debian-11-r0';
    expect(imageProblems(imageReferences([planted], 'minio'))).toEqual([
      'minio Deployment minio container minio: docker.io/bitnami/minio:2023.2.22-debian-11-r0: docker.io/bitnami/ is gone since 2025-09-29 ' +
        `(${RETIRED_IMAGE_REPOSITORIES[0].reason}); pull docker.io/bitnamilegacy/minio:2023.2.22-debian-11-r0 instead.`,
    ]);
    // The same repository written without its registry, as Bitnami's charts also do.
    planted.spec.template.spec.containers[0].image = 'bitnami/os-shell:11-debian-11-r90';
    expect(imageProblems(imageReferences([planted], 'minio'))).toEqual([expect.stringContaining('docker.io/bitnami/ is gone since 2025-09-29')]);
  });

  test('the check fails on an image without a tag or tagged latest, in every kind of container', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        initContainers: [{ name: 'init', image: 'busybox' }],
        containers: [{ name: 'app', image: 'registry.example:5000/team/app:latest' }, { name: 'pinned', image: 'quay.io/x/y@sha256:' + 'a'.repeat(64) }],
        ephemeralContainers: [{ name: 'debug', image: 'nicolaka/netshoot' }],
      },
    };
    const cronJob = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', image: 'alpine:latest' }] } } } } } };
    expect(imageProblems(imageReferences([pod, cronJob], 'planted'))).toEqual([
      'planted Pod p container app: registry.example:5000/team/app:latest: the tag "latest" changes under the same name; pin a version.',
      'planted Pod p initContainer init: busybox: no tag (the runtime pulls "latest", whatever that is on the day).',
      'planted Pod p ephemeralContainer debug: nicolaka/netshoot: no tag (the runtime pulls "latest", whatever that is on the day).',
      'planted CronJob c container job: alpine:latest: the tag "latest" changes under the same name; pin a version.',
    ]);
  });

  test('image strings inside configuration files are checked too', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { 'jobs.yaml': 'runner:\n  image: docker.io/bitnami/kubectl:1.25.4\n' } };
    expect(imageProblems(imageReferences([configMap], 'planted'))).toEqual([expect.stringMatching(/^planted ConfigMap cfg jobs.yaml \/runner\/image: docker.io\/bitnami\/kubectl:1.25.4: docker.io\/bitnami\/ is gone/)]);
  });

  test('image names are compared in the form the runtime resolves', () => {
    expect(normaliseImage('busybox')).toBe('docker.io/library/busybox');
    expect(normaliseImage('bitnami/minio:1')).toBe('docker.io/bitnami/minio:1');
    expect(normaliseImage('localhost:5000/x:1')).toBe('localhost:5000/x:1');
    expect(normaliseImage('quay.io/prometheus/prometheus:v2.41.0')).toBe('quay.io/prometheus/prometheus:v2.41.0');
    for (const r of RETIRED_IMAGE_REPOSITORIES) {
      expect(r.since).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(r.reason.length).toBeGreaterThan(20);
    }
  });
});
