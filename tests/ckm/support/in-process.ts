/**
 * CKM servers in this process, each on its own temporary PGlite database, reached through a
 * Transport that hands requests to the server's Hono app (no sockets). For fast protocol tests;
 * tests/integration runs the same servers as real processes over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpRequest, Transport } from '../../../ckm/client/transport';
import { CkmError } from '../../../ckm/errors';
import { type RunningServer, type ServerLimits, startServer } from '../../../server/start';
import { openStorage } from '../../../server/storage';

export type InProcessServer = {
  readonly url: string;
  readonly name: string;
  readonly dataDir: string;
  running: RunningServer;
  /** Requests fail as if the server were down. */
  down: boolean;
};

export type InProcessCluster = {
  readonly servers: InProcessServer[];
  readonly transport: Transport;
  /** Optional hook to change a request on its way (tests of a hostile relay or network). */
  intercept?: (request: HttpRequest) => HttpRequest | undefined;
  restart(index: number): Promise<void>;
  /**
   * Server `index`'s active share of `walletId` as stored (decrypted), read from its database
   * while the server is stopped; the server is started again afterwards.
   */
  readActiveShare(index: number, walletId: string): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
};

const KEK = 'ab'.repeat(32);

export async function startCluster(
  count: number,
  limits: Partial<ServerLimits> = {},
  /** The servers' wallet-logic clock (e.g. to wait out a recovery's waiting period at once). */
  serviceNow?: () => number,
): Promise<InProcessCluster> {
  const servers: InProcessServer[] = [];
  for (let k = 0; k < count; k++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'ckm-server-'));
    const name = `server-${String.fromCharCode(97 + k)}`;
    const running = await start(name, dataDir, limits, serviceNow);
    servers.push({ url: `http://server-${k}.test`, name, dataDir, running, down: false });
  }
  const cluster: InProcessCluster = {
    servers,
    transport: {
      async send(request) {
        const changed = cluster.intercept ? cluster.intercept(request) : request;
        if (!changed) throw new CkmError('ServerUnavailable', 'dropped by the test network');
        const server = servers.find((s) => changed.url.startsWith(s.url));
        if (!server || server.down)
          throw new CkmError('ServerUnavailable', `${changed.url} is down`);
        if (changed.signal?.aborted) throw new CkmError('Cancelled', 'cancelled');
        const response = await server.running.app.request(changed.url.slice(server.url.length), {
          method: changed.method,
          headers: changed.headers,
          ...(changed.body ? { body: changed.body as Uint8Array<ArrayBuffer> } : {}),
        });
        const headers: Record<string, string> = {};
        response.headers.forEach((value, key) => {
          headers[key] = value;
        });
        return {
          status: response.status,
          headers,
          body: new Uint8Array(await response.arrayBuffer()),
        };
      },
    },
    async restart(index) {
      const server = servers[index] as InProcessServer;
      await server.running.close();
      server.running = await start(server.name, server.dataDir, limits, serviceNow);
    },
    async readActiveShare(index, walletId) {
      const server = servers[index] as InProcessServer;
      await server.running.close();
      const storage = await openStorage({
        dataDir: server.dataDir,
        kek: Uint8Array.from(Buffer.from(KEK, 'hex')),
      });
      try {
        return (await storage.getActiveKey(walletId))?.share;
      } finally {
        await storage.close();
        server.running = await start(server.name, server.dataDir, limits, serviceNow);
      }
    },
    async close() {
      for (const server of servers) {
        await server.running.close();
        rmSync(server.dataDir, { recursive: true, force: true });
      }
    },
  };
  return cluster;
}

function start(
  name: string,
  dataDir: string,
  limits: Partial<ServerLimits>,
  serviceNow?: () => number,
) {
  return startServer({
    name,
    dataDir,
    env: { CKM_KEK: KEK },
    logLevel: process.env.CKM_TEST_LOG ?? 'silent',
    limits,
    ...(serviceNow ? { serviceNow } : {}),
  });
}
