/**
 * Real CKM server processes for integration tests: `node --import tsx server/main.ts` on a free
 * loopback port, PGlite in a temporary folder (or a PostgreSQL URL). `kill()` is SIGKILL (kill -9):
 * no shutdown code runs; `start()` again reuses the same data, port and key-encryption key.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const KEK = 'cd'.repeat(32);

export type ServerProcess = {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  start(): Promise<void>;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
  /** Stops and removes the data folder. */
  dispose(): Promise<void>;
  readonly output: () => string;
};

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ host: '127.0.0.1', port: 0 }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

export async function serverProcess(
  name: string,
  options: { databaseUrl?: string; port?: number; args?: readonly string[] } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), `ckm-${name}-`));
  let child: ChildProcess | undefined;
  let log = '';
  const exited = () =>
    new Promise<void>((done) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
    });
  const handle: ServerProcess = {
    name,
    port,
    dataDir,
    url: `http://127.0.0.1:${port}`,
    output: () => log,
    async start() {
      // A second process on the same data would fail, and the first one would run on untracked.
      if (child && child.exitCode === null && child.signalCode === null)
        throw new Error(`${name} is already running (pid ${child.pid})`);
      const args = ['--import', 'tsx', 'server/main.ts', '--port', String(port), '--name', name];
      if (options.databaseUrl) args.push('--database-url', options.databaseUrl);
      else args.push('--data', dataDir);
      args.push(...(options.args ?? []));
      child = spawn(process.execPath, args, {
        cwd: ROOT,
        env: { ...process.env, CKM_KEK: KEK },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const started = child;
      // An exit nobody asked for (a crash) is then visible in output().
      started.once('exit', (code, signal) => {
        log += `[${name} exited: code ${code}, signal ${signal}]\n`;
      });
      // Only this start's output counts: `log` already says "listening" from the previous one.
      let thisStart = '';
      await new Promise<void>((ready, fail) => {
        const timer = setTimeout(() => fail(new Error(`${name} did not start:\n${log}`)), 60_000);
        const onData = (chunk: Buffer) => {
          log += chunk.toString();
          thisStart += chunk.toString();
          if (thisStart.includes(`listening on http://127.0.0.1:${port}`)) {
            clearTimeout(timer);
            ready();
          }
        };
        started.stdout?.on('data', onData);
        started.stderr?.on('data', onData);
        started.once('exit', (code) => {
          clearTimeout(timer);
          fail(new Error(`${name} exited with ${code} while starting:\n${log}`));
        });
      });
    },
    async kill() {
      child?.kill('SIGKILL');
      await exited();
    },
    async stop() {
      child?.kill('SIGTERM');
      await exited();
    },
    async dispose() {
      await handle.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
