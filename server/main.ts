/**
 * The CKM server command line (`ckm-server`, or `npm run server --`). See `--help`.
 * Stops on SIGINT or SIGTERM: no new sessions, running requests finish (up to a grace period).
 * @module
 */
import { Server as HttpServer } from 'node:http';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { CkmError } from '../ckm/errors';
import { DataDirInUseError, lockDataDir } from './data-dir';
import { startServer } from './start';

const HELP = `ckm-server — a CKM co-signing server (DKLs23 threshold ECDSA)

Usage:
  ckm-server --port 7101 --data .ckm/server-a [options]

Options:
  --port N              TCP port (required)
  --host ADDR           address to listen on (default 127.0.0.1)
  --data DIR            data folder: embedded database (PGlite) and the development key file
  --database-url URL    use PostgreSQL instead of the embedded database (several instances may share it)
  --kek-file FILE       the key-encryption key (32 bytes, hex or raw; mode 0600). Or set CKM_KEK (64 hex).
                        Without either, a development key is created in <data>/kek.
  --name NAME           the name shown to users (default ckm-server-<port>)
  --log-level LEVEL     fatal|error|warn|info|debug (default info)
  --max-sessions-per-wallet N
                        open sessions one wallet may have at once (default 64)
  --requests-per-minute N
                        requests one wallet may make per minute (default 6000; 4x per client address)
  --help                this text
`;

function fail(message: string): never {
  process.stderr.write(`ckm-server: ${message}\n`);
  process.exit(1);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      data: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      'kek-file': { type: 'string' },
      name: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      'max-sessions-per-wallet': { type: 'string' },
      'requests-per-minute': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (error) {
  fail(`${(error as Error).message}\n\n${HELP}`);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const host = String(values.host);
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535)
  fail('--port expected an integer in 1..65535');
const dataDir = (values.data ?? values['data-dir']) as string | undefined;
const databaseUrl = values['database-url'] as string | undefined;
if (!dataDir && !databaseUrl)
  fail('--data DIR (embedded database) or --database-url URL (PostgreSQL) is required');
const name = (values.name as string | undefined) ?? `ckm-server-${port}`;
const KEEP_ALIVE_MS = 65_000;

/**
 * An integer option in 1..max, or undefined when not given. The bounds are those the server's
 * identity document can state (ckm/identity.ts), so a value accepted here always starts.
 */
function positiveInteger(option: string, max: number): number | undefined {
  const raw = values[option];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d{1,9}$/.test(String(raw)) || value < 1 || value > max)
    fail(`--${option} expected an integer in 1..${max}`);
  return value;
}
const maxSessionsPerWallet = positiveInteger('max-sessions-per-wallet', 1_000);
const requestsPerMinute = positiveInteger('requests-per-minute', 1_000_000);

let lock: ReturnType<typeof lockDataDir> | undefined;
if (dataDir && !databaseUrl) {
  try {
    lock = lockDataDir(dataDir);
  } catch (error) {
    fail(error instanceof DataDirInUseError ? error.message : `cannot use ${dataDir}: ${error}`);
  }
}

let running: Awaited<ReturnType<typeof startServer>>;
try {
  running = await startServer({
    name,
    ...(dataDir ? { dataDir } : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(values['kek-file'] ? { kekFile: values['kek-file'] as string } : {}),
    logLevel: String(values['log-level']),
    limits: {
      ...(maxSessionsPerWallet === undefined ? {} : { maxSessionsPerWallet }),
      ...(requestsPerMinute === undefined ? {} : { requestsPerMinute }),
    },
  });
} catch (error) {
  lock?.release();
  fail(error instanceof CkmError ? error.shortMessage : (error as Error).message);
}

const server = serve({ fetch: running.app.fetch, hostname: host, port }, (address) => {
  running.logger.info(
    { name, host, port: address.port, storage: running.storageKind },
    'listening',
  );
  // The stack runner waits for this line.
  process.stdout.write(`ckm-server ${name} listening on http://${host}:${address.port}\n`);
});
// Node closes an idle keep-alive connection after 5 s; a client whose event loop is busy (the
// extension computing a protocol step for seconds) can send its next request on a connection the
// server is closing, and gets "other side closed". Idle connections are kept for a minute instead
// (clients such as undici honour the Keep-Alive hint and let go a second earlier); a step or a
// session is never that far apart. Headers must still arrive in time after the idle period.
if (server instanceof HttpServer) {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 5_000;
}
server.on('error', (error: NodeJS.ErrnoException) => {
  lock?.release();
  fail(
    error.code === 'EADDRINUSE'
      ? `port ${port} on ${host} is already in use`
      : `cannot listen on ${host}:${port}: ${error.message}`,
  );
});

let stopping = false;
/** How long running sessions may take to finish after SIGTERM before the server exits anyway. */
const GRACE_MS = 15_000;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  running.logger.info({ signal }, 'stopping: no new sessions, finishing running ones');
  running.drain();
  let exiting = false;
  const exit = async () => {
    if (exiting) return;
    exiting = true;
    await running.close();
    lock?.release();
    process.exit(0);
  };
  // Keep listening while sessions opened here are still running (their next steps may come on
  // new connections); new sessions are refused with 503 meanwhile. Then close and exit.
  const poll = setInterval(() => {
    if (running.liveSessions() > 0) return;
    clearInterval(poll);
    running.logger.info({}, 'no session running: closing');
    server.close(() => void exit());
    // Idle keep-alive connections would hold close() open.
    (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  }, 100);
  setTimeout(() => void exit(), GRACE_MS).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
