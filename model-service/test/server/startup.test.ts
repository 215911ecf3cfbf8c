/** Bad start-up input fails fast with a message naming the fix, not a stack trace. */
import { createServer, type Server } from 'node:net';
import { SERVE_USAGE } from '../../src/config';
import { tinyModel } from '../support/model';
import { runServiceCommand, startModelService } from '../support/service';

describe('service start-up', () => {
  it('refuses a missing model file, naming the train command', async () => {
    await expect(startModelService({ modelPath: '/nonexistent/model.json' }))
      .rejects.toThrow(/exited with 2[\s\S]*model file not found: \/nonexistent\/model.json[\s\S]*npm run train/);
  }, 60_000);

  it('refuses an invalid setting, naming the variable', async () => {
    const model = await tinyModel();
    await expect(startModelService({ modelPath: model.modelPath, env: { BODY_LIMIT_BYTES: 'lots' } }))
      .rejects.toThrow(/exited with 2[\s\S]*BODY_LIMIT_BYTES: "lots" is not a number/);
  }, 60_000);

  it('refuses a port in use with one line naming --port and PORT, exit 2', async () => {
    const model = await tinyModel();
    const taken: Server = createServer();
    await new Promise<void>((resolveListen) => taken.listen(0, '127.0.0.1', resolveListen));
    const port = (taken.address() as { port: number }).port;
    try {
      const run = await runServiceCommand(['--model', model.modelPath, '--port', String(port), '--host', '127.0.0.1']);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`model-service: port ${port} on 127.0.0.1 is already in use by another process: stop that process, `
        + 'or choose another port with --port <n> or PORT=<n> (0 = any free port)\n');
    } finally {
      taken.close();
    }
  }, 60_000);

  it('refuses a host that is not an address of this machine, exit 2', async () => {
    const model = await tinyModel();
    const run = await runServiceCommand(['--model', model.modelPath, '--port', '0', '--host', '192.0.2.1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('model-service: cannot listen on 192.0.2.1: not an address of this machine; set --host or HOST '
      + '(0.0.0.0 for every interface, 127.0.0.1 for loopback only)\n');
  }, 60_000);

  it('prints its usage for --help and exits 0 without loading a model', async () => {
    const run = await runServiceCommand(['--model', '/nonexistent/model.json', '--help']);
    expect(run).toEqual({ code: 0, stdout: `${SERVE_USAGE}\n`, stderr: '' });
    expect(SERVE_USAGE).toMatch(/^ {2}--port <n> {2,}TCP port to listen on \(0 = any free port\)\. \(PORT; default 3010\)$/m);
  }, 60_000);

  it('refuses an unsupported OTLP protocol with one line naming the variable, exit 2', async () => {
    const run = await runServiceCommand(['--model', '/nonexistent/model.json'], { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('model-service: cannot start tracing: invalid environment variable OTEL_EXPORTER_OTLP_PROTOCOL: '
      + '"grpc" is not supported; use one of http/protobuf, http/json\n');
  }, 60_000);
});
