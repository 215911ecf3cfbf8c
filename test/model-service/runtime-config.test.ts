import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../model-service/src/config';
import { findManifest, synthToFiles } from '../helpers/synth';

/** The ENV of the model service image's final stage, read from model-service/Dockerfile. */
function imageEnv(): Record<string, string> {
  const dockerfile = fs.readFileSync(path.resolve(__dirname, '..', '..', 'model-service', 'Dockerfile'), 'utf8');
  const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const match of runtimeStage.replace(/\\\n/g, ' ').matchAll(/^ENV\s+(.+)$/gm)) {
    for (const pair of match[1].trim().split(/\s+/)) {
      const [key, ...value] = pair.split('=');
      env[key] = value.join('=');
    }
  }
  return env;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('the model service ConfigMap against the service\'s real config loader', () => {
  test('config.json is accepted as mounted (CONFIG_FILE) and resolves to port 3010', () => {
    const result = synthToFiles();
    const configMap = findManifest(result, 'ConfigMap', 'model-service-config') as any;
    const deployment = findManifest(result, 'Deployment', 'model-service') as any;
    const env = deployment.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    const mountedAt = env.find((e) => e.name === 'CONFIG_FILE')!.value!;

    // Reproduce the mount: the ConfigMap key becomes a file under the mount path.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'configmap-'));
    const file = path.join(dir, path.basename(mountedAt));
    fs.writeFileSync(file, configMap.data[path.basename(mountedAt)]);

    const config = loadConfig({ env: { CONFIG_FILE: file }, argv: [] });
    expect(config.port).toBe(3010);
    expect(config.host).toBe('0.0.0.0');
    expect(config.modelPath).toBe('/models/model.json');
    // The drain delay lets the endpoints controller stop routing before the listener closes.
    expect(config.shutdownDrainDelayMs).toBeGreaterThan(0);
    expect(config.shutdownDrainDelayMs + config.shutdownTimeoutMs).toBeLessThanOrEqual(
      deployment.spec.template.spec.terminationGracePeriodSeconds * 1000,
    );

    // In the pod, the image's ENV and the Deployment's env come on top (env beats the file):
    // the settings must still be the ones config.json states.
    const image = imageEnv();
    expect(image.MODEL_PATH).toBeDefined(); // the parse found the image's ENV
    const podEnv: Record<string, string> = { ...image };
    for (const e of env) if (e.value !== undefined && !e.value.includes('$(')) podEnv[e.name] = e.value;
    podEnv.CONFIG_FILE = file; // the mount, reproduced above
    const inPod = loadConfig({ env: podEnv, argv: [] });
    const stated = JSON.parse(configMap.data[path.basename(mountedAt)]);
    expect({ modelPath: inPod.modelPath, port: inPod.port, host: inPod.host }).toEqual({
      modelPath: stated.modelPath,
      port: stated.port,
      host: stated.host,
    });
    // ...and the model file is where the image puts it.
    expect(inPod.modelPath).toBe(image.MODEL_PATH);
  });
});
