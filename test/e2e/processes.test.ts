import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ProcessRegistry } from './support/processes';

/** Running (a killed orphan may stay a zombie until its new parent reaps it: that counts as ended). */
function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

describe('ProcessRegistry', () => {
  test('stopAll ends each process with everything it started, even one that ignores SIGTERM, and runs the adopted cleanups', async () => {
    const registry = new ProcessRegistry();
    // A shell that starts a background child, prints its pid, ignores SIGTERM and waits.
    const shell = registry.start('shell', 'sh', ['-c', 'trap "" TERM; sleep 300 & echo $!; wait']);
    const grandchild = await new Promise<number>((resolve) => shell.child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    const adopted = spawn('sleep', ['300']);
    let cleanedUp = false;
    registry.adopt(adopted, async () => {
      adopted.kill();
      cleanedUp = true;
    });
    expect(alive(grandchild)).toBe(true);

    await registry.stopAll(500);

    expect(shell.child.exitCode !== null || shell.child.signalCode !== null).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(grandchild)).toBe(false);
    expect(cleanedUp).toBe(true);
  });

  test('restart starts a SIGKILLed process again with the same command, arguments, environment and log file (appended), and refuses a running one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'registry-restart-'));
    const registry = new ProcessRegistry();
    try {
      const logFile = path.join(dir, 'out.log');
      const first = registry.start('echoer', 'sh', ['-c', 'echo "run $RUN_MARK $1"; sleep 300', 'sh', 'arg-1'], { env: { ...process.env, RUN_MARK: 'env-1' }, logFile });
      await new Promise((resolve) => first.child.stdout!.once('data', resolve));
      expect(() => registry.restart(first)).toThrow(/echoer is still running: kill it before restarting it/);

      ProcessRegistry.kill(first);
      expect(await first.exited).toBe('SIGKILL');
      const second = registry.restart(first);
      await new Promise((resolve) => second.child.stdout!.once('data', resolve));

      expect(second.child.pid).not.toBe(first.child.pid);
      expect(second.output()).toContain('run env-1 arg-1');
      await registry.stopAll(500);
      expect(readFileSync(logFile, 'utf8')).toBe('run env-1 arg-1\nrun env-1 arg-1\n');
    } finally {
      await registry.stopAll(500);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
