/**
 * Assembles a CKM server: key-encryption key, storage (migrated), the server's identity keys
 * (created on first start, stored encrypted), its signed identity document, the service and the
 * HTTP app. Used by the CLI (server/main.ts) and by tests that run a server in-process.
 * @module
 */
import type { Hono } from 'hono';
import pino, { type Logger } from 'pino';
import { decodeWire, encodeWire } from '../ckm/codec';
import { CkmError } from '../ckm/errors';
import {
  generatePartyKeys,
  type PartyKeys,
  partyKeysFromSecrets,
  type ServerIdentityDocument,
  signIdentityDocument,
} from '../ckm/identity';
import { CkmServerService } from '../ckm/server/service';
import { createApp } from './app';
import { loadKek, openStorage } from './storage';

export const SERVER_VERSION = '0.1.0';

export type ServerLimits = {
  readonly maxBodyBytes: number;
  readonly sessionTtlSeconds: number;
  readonly maxSessionsPerWallet: number;
  readonly requestsPerMinute: number;
  readonly clockSkewMs: number;
};

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 1024 * 1024,
  sessionTtlSeconds: 120,
  maxSessionsPerWallet: 64,
  requestsPerMinute: 6000,
  clockSkewMs: 5 * 60_000,
};

export type StartOptions = {
  readonly name: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly kekFile?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly logLevel?: string;
  readonly limits?: Partial<ServerLimits>;
  /** A pino destination; default stdout. */
  readonly logDestination?: pino.DestinationStream;
  /**
   * The wallet logic's clock (recovery waiting periods, session expiry), for tests that wait out
   * a waiting period without waiting; request timestamps are still checked against `Date.now`.
   */
  readonly serviceNow?: () => number;
};

export type RunningServer = {
  readonly app: Hono;
  readonly logger: Logger;
  readonly storageKind: 'pglite' | 'postgres';
  readonly identity: ServerIdentityDocument;
  /** Stop opening sessions (SIGTERM); steps of running sessions are still served. */
  drain(): void;
  /** Sessions opened by this process that have neither finished, failed nor expired. */
  liveSessions(): number;
  close(): Promise<void>;
};

const KEYS_WIRE = 'ckm.server.keys';

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const logger = pino(
    {
      level: options.logLevel ?? 'info',
      base: { service: 'ckm-server', name: options.name },
      // Belt and braces: no field by these names is ever logged.
      redact: { paths: ['kek', 'share', 'secret', '*.secret', 'state'], remove: true },
    },
    options.logDestination,
  );
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const kek = await loadKek({
    ...(options.kekFile ? { file: options.kekFile } : {}),
    env: options.env ?? process.env,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
  });
  const storage = options.databaseUrl
    ? await openStorage({ databaseUrl: options.databaseUrl, kek })
    : await openStorage({ dataDir: options.dataDir as string, kek });
  kek.fill(0);
  let keys: PartyKeys;
  try {
    keys = decodeServerKeys(await storage.serverKeys(() => encodeServerKeys(generatePartyKeys())));
  } catch (error) {
    await storage.close();
    throw error;
  }
  const identity: ServerIdentityDocument = {
    protocol: 'ckm/1',
    name: options.name,
    identity: keys.identity,
    limits: {
      maxBodyBytes: limits.maxBodyBytes,
      sessionTtlSeconds: limits.sessionTtlSeconds,
      maxSessionsPerWallet: limits.maxSessionsPerWallet,
      requestsPerMinute: limits.requestsPerMinute,
    },
    policies: ['payload-digest', 'chain-id-check', 'device-signed-requests', 'policy-firewall'],
  };
  const service = new CkmServerService({
    store: storage,
    keys,
    sessionTtlSeconds: limits.sessionTtlSeconds,
    maxSessionsPerWallet: limits.maxSessionsPerWallet,
    ...(options.serviceNow ? { now: options.serviceNow } : {}),
  });
  let draining = false;
  const app = createApp(
    { name: options.name, version: SERVER_VERSION },
    {
      service,
      store: storage,
      document: signIdentityDocument(keys, identity),
      limits,
      draining: () => draining,
      logger,
    },
  );
  const sweep = setInterval(() => {
    storage.deleteExpiredSessions(Date.now()).catch((error: unknown) => {
      logger.warn({ err: String(error) }, 'expired-session sweep failed');
    });
  }, 60_000);
  sweep.unref();
  return {
    app,
    logger,
    storageKind: storage.kind,
    identity,
    liveSessions: () => service.liveSessions(),
    drain: () => {
      draining = true;
    },
    close: async () => {
      clearInterval(sweep);
      await storage.close();
    },
  };
}

function encodeServerKeys(keys: PartyKeys): Uint8Array {
  return encodeWire(KEYS_WIRE, {
    signingSecret: keys.signingSecret,
    agreementSecret: keys.agreementSecret,
  });
}

function decodeServerKeys(bytes: Uint8Array): PartyKeys {
  const value = decodeWire(bytes, KEYS_WIRE, 4096) as Record<string, unknown>;
  const { signingSecret, agreementSecret } = value ?? {};
  if (!(signingSecret instanceof Uint8Array) || !(agreementSecret instanceof Uint8Array))
    throw new CkmError('Storage', 'the stored server keys are corrupt');
  return partyKeysFromSecrets(signingSecret, agreementSecret);
}
