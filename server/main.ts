/**
 * The CKM server command line:
 *   node --import tsx server/main.ts --port 7101 --data-dir .ckm/server-a [--host 127.0.0.1] [--name server-a]
 * Stops cleanly on SIGINT or SIGTERM.
 * @module
 */
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApp } from './app';
import { DataDirInUseError, lockDataDir } from './data-dir';

const VERSION = '0.1.0';

function fail(message: string): never {
  console.error(`ckm-server: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    name: { type: 'string' },
  },
  strict: true,
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535)
  fail('--port expected an integer in 1..65535');
const dataDir = values['data-dir'];
if (!dataDir) fail('--data-dir is required (a folder that holds this server’s state)');
const name = values.name ?? `ckm-server-${port}`;

let lock: ReturnType<typeof lockDataDir>;
try {
  lock = lockDataDir(dataDir);
} catch (error) {
  fail(error instanceof DataDirInUseError ? error.message : `cannot use ${dataDir}: ${error}`);
}

const server = serve(
  { fetch: createApp({ name, version: VERSION }).fetch, hostname: values.host, port },
  (address) => console.log(`ckm-server ${name} listening on http://${values.host}:${address.port}`),
);
server.on('error', (error: NodeJS.ErrnoException) => {
  lock.release();
  fail(
    error.code === 'EADDRINUSE'
      ? `port ${port} on ${values.host} is already in use`
      : `cannot listen on ${values.host}:${port}: ${error.message}`,
  );
});

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`ckm-server ${name}: ${signal}, stopping`);
  server.close(() => {
    lock.release();
    process.exit(0);
  });
  // Keep-alive connections would hold close() open; do not wait for them forever.
  setTimeout(() => {
    lock.release();
    process.exit(0);
  }, 2000).unref();
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
