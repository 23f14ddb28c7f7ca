/**
 * Child processes of the dev stack. Each runs in its own process group so that stopping it also
 * stops anything it started (Chromium's helpers, for one); output is prefixed with its name.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export type ServiceProcess = {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited, with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the group, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
};

export type SpawnServiceOptions = {
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Print the child's output lines prefixed with `[name]` (default true). */
  echo?: boolean;
};

function pipeLines(child: ChildProcess, name: string): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function spawnService(options: SpawnServiceOptions): ServiceProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: [
      'ignore',
      options.echo === false ? 'ignore' : 'pipe',
      options.echo === false ? 'ignore' : 'pipe',
    ],
  });
  if (child.pid === undefined)
    throw new Error(`could not start ${options.name} (${options.command})`);
  const pid = child.pid;
  if (options.echo !== false) pipeLines(child, options.name);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    pid,
    exited,
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
        // The leader is gone; make sure nothing it started outlives it.
        killGroup(pid, 'SIGKILL');
      })();
      return stopping;
    },
  };
}
