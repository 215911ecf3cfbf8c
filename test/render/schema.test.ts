import * as fs from 'fs';
import * as path from 'path';
import { DIST_DIR, PROFILES, profileDir } from '../../lib/profiles';
import { kubernetesSchemaProblems, SERVED_BY_KUBERNETES_1_27 } from '../helpers/kubernetes-schema';
import { synthToFiles } from '../helpers/synth';
import { renderStack, RenderedStack, RENDER_TIMEOUT_MS, REPO_DIST } from './rendered-stack';

/**
 * Kinds defined by a CustomResourceDefinition, which no Kubernetes schema describes, by
 * `apiVersion kind`, with why they are rendered. The reference profile renders none (Loki's
 * ServiceMonitor, PrometheusRule and Grafana Agent objects are switched off in lib/loki/loki.ts,
 * because this stack installs neither operator); a profile that does must list them here.
 */
const SKIPPED_CUSTOM_KINDS: Readonly<Record<string, string>> = {};

function listFiles(dir: string, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('every object every release renders, against the Kubernetes 1.27 schema', () => {
  let stack: RenderedStack;
  beforeAll(async () => {
    stack = await renderStack(REPO_DIST);
  }, RENDER_TIMEOUT_MS);

  test('the committed dist/ is what npm run synth writes now, one folder per profile (the render tests read it)', () => {
    expect(fs.readdirSync(DIST_DIR).sort()).toEqual([...PROFILES].sort());
    for (const profile of PROFILES) {
      const fresh = synthToFiles({ profile }).files;
      const dir = profileDir(profile);
      const committed = Object.fromEntries(listFiles(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
      expect(Object.keys(committed)).toEqual(Object.keys(fresh));
      for (const [file, content] of Object.entries(fresh)) {
        expect({ profile, file, fresh: committed[file] === content }).toEqual({ profile, file, fresh: true });
      }
    }
  });

  test('each is valid, with no unknown field; hooks and test Pods included', () => {
    const rendered = stack.releases.flatMap((r) => r.objects.map((object) => ({ release: r.name, object })));
    expect(rendered.length).toBeGreaterThan(50);
    expect(new Set(rendered.map((r) => r.release))).toEqual(new Set(['minio', 'loki', 'promtail', 'tempo', 'prometheus', 'grafana']));
    const checked = rendered.filter(({ object }) => !(`${object.apiVersion} ${object.kind}` in SKIPPED_CUSTOM_KINDS));
    expect(checked.flatMap(({ release, object }) => kubernetesSchemaProblems(object).map((p) => `${release}: ${p}`))).toEqual([]);
  });

  test('every kind is one Kubernetes 1.27 serves, or a listed custom kind', () => {
    const kinds = new Set(stack.releases.flatMap((r) => r.objects.map((o) => `${o.apiVersion} ${o.kind}`)));
    expect([...kinds].filter((k) => !SERVED_BY_KUBERNETES_1_27.has(k) && !(k in SKIPPED_CUSTOM_KINDS))).toEqual([]);
  });

  test('a broken rendered object is reported with its release and field', () => {
    const statefulSet = stack.releases.find((r) => r.name === 'loki')!.objects.find((o) => o.kind === 'StatefulSet')!;
    const broken = JSON.parse(JSON.stringify(statefulSet));
    broken.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key = 42;
    expect(kubernetesSchemaProblems(broken)).toEqual([expect.stringMatching(/^apps\/v1 StatefulSet loki-(read|write): .*env\/0\/valueFrom\/secretKeyRef\/key must be string/)]);
  });
});
