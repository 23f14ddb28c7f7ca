/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temporary folder, start on a free
 * loopback port, hand out one fresh database per test, stop and delete everything on `stop()`.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
 * unprivileged `postgres` user (created by Debian's `postgresql` package) through `runuser`.
 * Missing binaries are a failure, never a skip: CI installs `postgresql` (see `.ci/run`).
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TestPostgres = {
  /** URL of the `postgres` database (superuser, trust authentication on 127.0.0.1). */
  readonly url: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
};

const POSTGRES_ROOTS = ['/usr/lib/postgresql'];

/** The newest installed PostgreSQL's `bin` folder, or `PG_BIN` when set. */
function findBinDir(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  for (const root of POSTGRES_ROOTS) {
    if (!existsSync(root)) continue;
    const versions = readdirSync(root)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(root, version, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  throw new Error(
    'PostgreSQL binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin: ' +
      'install the `postgresql` package (apt-get install -y postgresql) or set PG_BIN.',
  );
}

/** uid and gid of the account the server runs as: ourselves, or `postgres` when we are root. */
function serverAccount(): { uid: number; gid: number; wrap: (argv: string[]) => string[] } {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? 0, wrap: (argv) => argv };
  const id = (flag: string) => {
    const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(
        'Running as root but there is no `postgres` user to run PostgreSQL as: ' +
          'install the `postgresql` package (apt-get install -y postgresql).',
      );
    return Number.parseInt(result.stdout, 10);
  };
  return {
    uid: id('-u'),
    gid: id('-g'),
    wrap: (argv) => ['runuser', '-u', 'postgres', '--', ...argv],
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(argv: string[]): void {
  const [command, ...args] = argv as [string, ...string[]];
  execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a PostgreSQL server on a free 127.0.0.1 port. Call `stop()` in `afterAll`. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = findBinDir();
  const account = serverAccount();
  const root = mkdtempSync(join(tmpdir(), 'ckm-pg-'));
  chownSync(root, account.uid, account.gid);
  const data = join(root, 'data');
  const log = join(root, 'server.log');
  const ctl = (...args: string[]) => run(account.wrap([join(bin, 'pg_ctl'), ...args]));

  const initdb = [join(bin, 'initdb'), '--pgdata', data, '--username', 'postgres'];
  try {
    run(
      account.wrap([
        ...initdb,
        '--auth',
        'trust',
        '--encoding',
        'UTF8',
        '--locale',
        'C',
        '--no-sync',
      ]),
    );
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(error as Error).message}`, { cause: error });
  }

  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    // The socket folder is ours: the default (/var/run/postgresql) may not exist or be writable.
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${root} -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
    try {
      ctl('start', '--pgdata', data, '--log', log, '--wait', '--timeout', '30', '-o', options);
      break;
    } catch (error) {
      // Another process took the port between freePort() and start: try another one.
      if (attempt >= 2) {
        const serverLog = existsSync(log) ? readFileSync(log, 'utf8') : '';
        rmSync(root, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start:\n${serverLog}`, { cause: error });
      }
    }
  }

  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try {
      ctl('stop', '--pgdata', data, '--mode', 'immediate', '--wait');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
  // A crashed test run must not leave a server behind.
  process.once('exit', stopNow);

  const base = `postgres://postgres@127.0.0.1:${port}`;
  let databases = 0;
  return {
    url: `${base}/postgres`,
    async createDatabase() {
      const name = `ckm_test_${process.pid}_${++databases}`;
      run([
        join(bin, 'psql'),
        '--quiet',
        '--no-psqlrc',
        '-d',
        `${base}/postgres`,
        '-c',
        `CREATE DATABASE ${name}`,
      ]);
      return `${base}/${name}`;
    },
    async stop() {
      process.removeListener('exit', stopNow);
      stopNow();
    },
  };
}
