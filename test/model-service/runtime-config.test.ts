import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONFIG_KEYS } from 'model-service/contract';
import { loadConfig } from '../../model-service/src/config';
import { DEFAULT_MODEL_PATH, packageRoot } from '../../model-service/src/paths';
import { findManifest, synthToFiles } from '../helpers/synth';

/** The final (runtime) stage of model-service/Dockerfile: its WORKDIR, ENV and COPY lines. */
function runtimeStage(): { workdir: string; env: Record<string, string>; copies: { from: string; to: string }[] } {
  const dockerfile = fs.readFileSync(path.resolve(__dirname, '..', '..', 'model-service', 'Dockerfile'), 'utf8');
  const stage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM ')).replace(/\\\n/g, ' ');
  const env: Record<string, string> = {};
  for (const match of stage.matchAll(/^ENV\s+(.+)$/gm)) {
    for (const pair of match[1].trim().split(/\s+/)) {
      const [key, ...value] = pair.split('=');
      env[key] = value.join('=');
    }
  }
  const workdir = /^WORKDIR\s+(\S+)$/m.exec(stage)?.[1];
  if (workdir === undefined) throw new Error('model-service/Dockerfile: no WORKDIR in the runtime stage');
  const copies = [...stage.matchAll(/^COPY\s+(?:--\S+\s+)*(\S+)\s+(\S+)$/gm)].map((m) => ({ from: m[1], to: path.posix.resolve(workdir, m[2]) }));
  return { workdir, env, copies };
}

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('the model service ConfigMap against the service\'s real config loader', () => {
  test('config.json is accepted as mounted (CONFIG_FILE), and nothing in the image or the env overrides it', () => {
    const result = synthToFiles({ profile: 'reference' });
    const configMap = findManifest(result, 'ConfigMap', 'model-service-config') as any;
    const deployment = findManifest(result, 'Deployment', 'model-service') as any;
    const container = deployment.spec.template.spec.containers[0];
    const env = container.env as { name: string; value?: string }[];
    const mountedAt = env.find((e) => e.name === 'CONFIG_FILE')!.value!;

    // Reproduce the mount: the ConfigMap key becomes a file under the mount path.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'configmap-'));
    const file = path.join(dir, path.basename(mountedAt));
    fs.writeFileSync(file, configMap.data[path.basename(mountedAt)]);

    // The pod's environment: the image's ENV, then the Deployment's literal env values.
    const image = runtimeStage();
    const podEnv: Record<string, string> = { ...image.env };
    for (const e of env) if (e.value !== undefined && !e.value.includes('$(')) podEnv[e.name] = e.value;
    podEnv.CONFIG_FILE = file; // the mount, reproduced above
    const inPod = loadConfig({ env: podEnv, argv: [] });

    // Neither the image nor the Deployment sets a setting by environment: config.json is the one place.
    const settingVariables: readonly string[] = Object.values(CONFIG_KEYS).map((def) => def.env);
    expect(Object.keys(image.env).filter((name) => settingVariables.includes(name))).toEqual([]);
    expect(env.map((e) => e.name).filter((name) => settingVariables.includes(name))).toEqual([]);

    // The service listens where the Deployment, the Service and the scrape annotation expect it.
    expect(inPod.port).toBe(container.ports[0].containerPort);
    expect(String(inPod.port)).toBe(deployment.spec.template.metadata.annotations['prometheus.io/port']);
    expect(inPod.host).toBe('0.0.0.0');
    // The drain delay lets the endpoints controller stop routing before the listener closes.
    expect(inPod.shutdownDrainDelayMs).toBeGreaterThan(0);
    expect(inPod.shutdownDrainDelayMs + inPod.shutdownTimeoutMs).toBeLessThanOrEqual(
      deployment.spec.template.spec.terminationGracePeriodSeconds * 1000,
    );

    // The model file is where the service looks by default once inside the image: the image copies
    // the service's package.json into WORKDIR (the package root) and the model to models/model.json beside it.
    expect(JSON.parse(configMap.data[path.basename(mountedAt)])).not.toHaveProperty(CONFIG_KEYS.modelPath.key);
    expect(image.copies.map((c) => c.to)).toEqual(
      expect.arrayContaining([path.posix.join(image.workdir, 'package.json'), path.posix.join(image.workdir, DEFAULT_MODEL_PATH)]),
    );
    expect(path.relative(packageRoot(), inPod.modelPath)).toBe(DEFAULT_MODEL_PATH);
  });
});
