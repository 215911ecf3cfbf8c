import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { PROFILES, profileDir } from '../lib/profiles';
import { manifests, SynthResult, synthToFiles } from './helpers/synth';
import { kubernetesSchemaProblems, SERVED_BY_KUBERNETES_1_27 } from './helpers/kubernetes-schema';

/** Every Kubernetes object in the committed dist/<profile>/ folders (what users `kubectl apply`). */
function committedManifests(): { where: string; object: unknown }[] {
  return PROFILES.flatMap((profile) => {
    const dir = profileDir(profile);
    return fs
      .readdirSync(dir)
      .filter((file) => file.endsWith('.k8s.yaml'))
      .flatMap((file) =>
        parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((doc, i) => ({
          where: `dist/${profile}/${file}#${i}`,
          object: doc.toJS(),
        })),
      );
  });
}

/** A minimal Pod around a container fragment. (The fragments our Helm values hand to the charts are
 * validated where they land, in the rendered objects: test/render/schema.test.ts.) */
function podWith(container: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'values-fragment' },
    spec: { containers: [{ name: 'c', image: 'busybox', ...container }] },
  };
}

describe('Kubernetes 1.27 schema validation', () => {
  let result: SynthResult;
  beforeAll(() => {
    result = synthToFiles({ profile: 'reference' });
  });

  test('the served-kind list really is Kubernetes 1.27 (sanity check of the source)', () => {
    expect(SERVED_BY_KUBERNETES_1_27.has('apps/v1 Deployment')).toBe(true);
    expect(SERVED_BY_KUBERNETES_1_27.has('flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema')).toBe(true); // new in 1.26
    expect(SERVED_BY_KUBERNETES_1_27.has('policy/v1beta1 PodDisruptionBudget')).toBe(false); // removed in 1.25
    expect(SERVED_BY_KUBERNETES_1_27.has('storage.k8s.io/v1beta1 CSIStorageCapacity')).toBe(false); // removed in 1.27
  });

  test('every synthesized manifest is valid', () => {
    const all = manifests(result);
    expect(all.length).toBeGreaterThan(5);
    expect(all.flatMap((m) => kubernetesSchemaProblems(m))).toEqual([]);
  });

  test('every manifest committed in dist/ is valid (every profile)', () => {
    const committed = committedManifests();
    expect(committed.length).toBeGreaterThan(10);
    expect(new Set(committed.map((c) => c.where.split('/')[1]))).toEqual(new Set(PROFILES));
    expect(committed.flatMap(({ where, object }) => kubernetesSchemaProblems(object).map((p) => `${where}: ${p}`))).toEqual([]);
  });

  test('a deliberately broken manifest is rejected, naming the bad field', () => {
    const deployment = manifests(result).find((m) => m.kind === 'Deployment');
    const broken = JSON.parse(JSON.stringify(deployment));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand and ten';
    const problems = kubernetesSchemaProblems(broken);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('containers/0/ports/0/containerPort must be integer');
  });

  test('a misspelt field is rejected, as a 1.27 API server with strict field validation does', () => {
    const deployment = manifests(result).find((m) => m.kind === 'Deployment');
    const broken = JSON.parse(JSON.stringify(deployment));
    broken.spec.replcas = 2;
    broken.spec.template.spec.containers[0].securityContext.readOnlyRootFS = true;
    expect(kubernetesSchemaProblems(broken).sort()).toEqual([
      expect.stringContaining('data/spec/replcas is not a field'),
      expect.stringContaining('data/spec/template/spec/containers/0/securityContext/readOnlyRootFS is not a field'),
    ]);
  });

  test('an unknown kind fails instead of being skipped', () => {
    expect(kubernetesSchemaProblems({ apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } })).toEqual([
      expect.stringContaining('unknown kind'),
    ]);
    expect(kubernetesSchemaProblems({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } })).toEqual([
      expect.stringContaining('unknown kind'),
    ]);
  });

  test('an API version Kubernetes 1.27 no longer serves is rejected', () => {
    const pdb = manifests(result).find((m) => m.kind === 'PodDisruptionBudget');
    expect(kubernetesSchemaProblems({ ...pdb, apiVersion: 'policy/v1beta1' })).toEqual([
      expect.stringContaining('Kubernetes 1.27 serves no PodDisruptionBudget in policy/v1beta1'),
    ]);
  });

  test('a field added after 1.27 is rejected (sidecar restartPolicy on a container, 1.28)', () => {
    expect(kubernetesSchemaProblems(podWith({ restartPolicy: 'Always' }))).toEqual([
      expect.stringContaining('containers/0/restartPolicy is not a field'),
    ]);
  });
});
