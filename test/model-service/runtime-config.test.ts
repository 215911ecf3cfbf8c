import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../model-service/src/config';
import { findManifest, synthToFiles } from '../helpers/synth';

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
    expect(config.modelPath).toBe('/app/models/model.json');
    // The drain delay lets the endpoints controller stop routing before the listener closes.
    expect(config.shutdownDrainDelayMs).toBeGreaterThan(0);
    expect(config.shutdownDrainDelayMs + config.shutdownTimeoutMs).toBeLessThanOrEqual(
      deployment.spec.template.spec.terminationGracePeriodSeconds * 1000,
    );
  });
});
