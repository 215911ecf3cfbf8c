/**
 * Every process the end-to-end test starts, in one registry, so that all of them end when the
 * test ends, also when it fails: each backend runs in its own process group (killed as a group,
 * so nothing it forked survives), and a last-resort `exit` handler kills whatever is left if
 * Jest's afterAll never runs.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, WriteStream } from 'node:fs';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The last 20 KB of its stdout and stderr, for error messages. */
  output(): string;
  /** Resolves with the exit code (or signal name) once it has exited. */
  readonly exited: Promise<number | string>;
  /** How it was started, so that `ProcessRegistry.restart` can start it again the same way. */
  readonly spawned: { readonly command: string; readonly args: readonly string[]; readonly options: StartOptions };
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Everything the process prints also goes to this file. */
  readonly logFile?: string;
}

export class ProcessRegistry {
  private readonly processes: ManagedProcess[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly adopted: ChildProcess[] = [];
  private readonly onExit = () => this.killAllNow();

  constructor() {
    process.on('exit', this.onExit);
  }

  start(name: string, command: string, args: readonly string[], options: StartOptions = {}): ManagedProcess {
    // detached: its own process group, so `kill(-pid)` reaches anything it starts.
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    // Appended: a restarted process (`restart`) keeps what it printed before in the same file.
    const log: WriteStream | undefined = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    const collect = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-20_000);
      log?.write(chunk);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<number | string>((resolve) => {
      child.once('error', (error) => {
        tail += `\n${error.message}`;
        resolve(-1);
      });
      // 'close', not 'exit': it comes after the last output, so the error message is in output().
      // Resolved once the log file holds everything it printed (a restart appends to the same file).
      child.once('close', (code, signal) => {
        if (log) log.end(() => resolve(code ?? signal ?? -1));
        else resolve(code ?? signal ?? -1);
      });
    });
    const managed: ManagedProcess = { name, child, output: () => tail, exited, spawned: { command, args, options } };
    this.processes.push(managed);
    return managed;
  }

  /** Starts an exited process again with the same command, arguments, environment and log file (the fault tests). */
  restart(previous: ManagedProcess): ManagedProcess {
    if (previous.child.exitCode === null && previous.child.signalCode === null) throw new Error(`${previous.name} is still running: kill it before restarting it`);
    const index = this.processes.indexOf(previous);
    if (index !== -1) this.processes.splice(index, 1);
    return this.start(previous.name, previous.spawned.command, previous.spawned.args, previous.spawned.options);
  }

  /** SIGKILL to the process's group (nothing it forked survives), as an OOM kill or a lost node does. */
  static kill(p: ManagedProcess): void {
    signalGroup(p.child, 'SIGKILL');
  }

  /**
   * Runs `cleanup` in stopAll, for a process started by another helper (the model service); the
   * last-resort exit handler kills `child` directly.
   */
  adopt(child: ChildProcess, cleanup: () => Promise<void>): void {
    this.adopted.push(child);
    this.cleanups.push(cleanup);
  }

  /** Runs `cleanup` in stopAll, after the processes are gone (a listener standing in for a Service). */
  onStop(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
  }

  /** SIGTERM to every group, SIGKILL after `graceMs`, then the other cleanups; waits for all. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const running = this.processes.splice(0).filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    await Promise.all(running.map(async (p) => {
      signalGroup(p.child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(p.child, 'SIGKILL'), graceMs);
      await p.exited;
      clearTimeout(timer);
      // Anything the process forked and left behind in its group.
      signalGroup(p.child, 'SIGKILL');
    }));
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup();
    process.off('exit', this.onExit);
  }

  private killAllNow(): void {
    for (const p of this.processes) signalGroup(p.child, 'SIGKILL');
    for (const child of this.adopted) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
