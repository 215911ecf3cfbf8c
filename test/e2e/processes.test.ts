import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
});
