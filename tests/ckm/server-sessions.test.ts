/**
 * The server keeps the session states it wrote (ckm/server/service.ts) and skips reading them
 * back while the database still holds that write. Two service instances on one store, each
 * behind its own HTTP app, show that the database stays the authority: a state written by the
 * other instance is always read from it, a kept state that went stale is never used, and a kept
 * state is used at most once even when a step is asked for twice at the same time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRequest, Transport } from '../../ckm/client/transport';
import { type CkmWallet, createWallet } from '../../ckm/client/wallet';
import { generatePartyKeys, type PartyKeys, signIdentityDocument } from '../../ckm/identity';
import { signRequest } from '../../ckm/request-auth';
import { CkmServerService } from '../../ckm/server/service';
import { createApp } from '../../server/app';
import { DEFAULT_LIMITS } from '../../server/start';
import { openStorage, type Storage } from '../../server/storage';
import { transfer } from '../integration/support/checks';

/** One session read: which instance, which step, and whether the state came with it. */
type Read = { readonly instance: number; readonly withState: boolean };

describe('session states kept by the instance that wrote them', { timeout: 120_000 }, () => {
  const URL_BASE = 'http://server.test';
  let dataDir: string;
  let storage: Storage;
  let wallet: CkmWallet;
  let deviceKeys: PartyKeys;
  const reads: Read[] = [];
  /** Which instance (0 or 1) answers a request; default the first. */
  let route: (request: HttpRequest) => number = () => 0;
  let apps: ReturnType<typeof createApp>[];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ckm-sessions-'));
    storage = await openStorage({ dataDir, kek: new Uint8Array(32).fill(0xab) });
    const keys = generatePartyKeys();
    const document = signIdentityDocument(keys, {
      protocol: 'ckm/1',
      name: 'server',
      identity: keys.identity,
      limits: {
        maxBodyBytes: DEFAULT_LIMITS.maxBodyBytes,
        sessionTtlSeconds: DEFAULT_LIMITS.sessionTtlSeconds,
        maxSessionsPerWallet: DEFAULT_LIMITS.maxSessionsPerWallet,
        requestsPerMinute: DEFAULT_LIMITS.requestsPerMinute,
      },
      policies: [],
    });
    // Two instances on one database, as behind a load balancer; each records its session reads.
    apps = [0, 1].map((instance) => {
      const store: Storage = Object.create(storage);
      store.getSession = async (sessionId, knownRevision) => {
        const record = await storage.getSession(sessionId, knownRevision);
        reads.push({ instance, withState: record?.state !== undefined });
        return record;
      };
      const service = new CkmServerService({
        store,
        keys,
        sessionTtlSeconds: DEFAULT_LIMITS.sessionTtlSeconds,
        maxSessionsPerWallet: DEFAULT_LIMITS.maxSessionsPerWallet,
      });
      return createApp(
        { name: 'server', version: '0' },
        { service, store, document, limits: DEFAULT_LIMITS },
      );
    });
    const transport: Transport = {
      async send(request) {
        const app = apps[route(request)] as (typeof apps)[number];
        const response = await app.request(request.url.slice(URL_BASE.length), {
          method: request.method,
          headers: request.headers,
          ...(request.body ? { body: request.body as Uint8Array<ArrayBuffer> } : {}),
        });
        return {
          status: response.status,
          headers: {},
          body: new Uint8Array(await response.arrayBuffer()),
        };
      },
    };
    wallet = await createWallet({ servers: [{ url: URL_BASE }], threshold: 2, transport });
    deviceKeys = wallet.state.deviceKeys;
  }, 120_000);

  afterAll(async () => {
    await storage?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function signRouted(nonce: number, by: (request: HttpRequest) => number) {
    reads.length = 0;
    route = by;
    try {
      return await wallet.sign({ payload: transfer(nonce) });
    } finally {
      route = () => 0;
    }
  }

  const stepOf = (request: HttpRequest) => Number(/\/steps\/(\d)$/.exec(request.url)?.[1] ?? 1);

  it('one instance: steps 2..4 find their own write and do not read the state back', async () => {
    await signRouted(1, () => 0);
    expect(reads).toEqual([
      { instance: 0, withState: false },
      { instance: 0, withState: false },
      { instance: 0, withState: false },
    ]);
  });

  it('alternating instances: every step reads the state the other instance wrote', async () => {
    await signRouted(2, (request) => stepOf(request) % 2);
    expect(reads).toEqual([
      { instance: 0, withState: true },
      { instance: 1, withState: true },
      { instance: 0, withState: true },
    ]);
  });

  it('a kept state the other instance has moved past is not used', async () => {
    // Instance 0 opens (keeps step 1), instance 1 runs step 2, instance 0 runs steps 3 and 4:
    // at step 3 instance 0 still keeps step 1's state, which the database no longer holds.
    await signRouted(3, (request) => (stepOf(request) === 2 ? 1 : 0));
    expect(reads).toEqual([
      { instance: 1, withState: true },
      { instance: 0, withState: true },
      { instance: 0, withState: false },
    ]);
  });

  it('a step asked for twice at once is answered the same, and the session goes on', async () => {
    const original = apps[0] as (typeof apps)[number];
    let doubled = 0;
    const twice = Object.create(original) as typeof original;
    twice.request = (async (path: string, init: RequestInit) => {
      if (!String(path).endsWith('/steps/2')) return original.request(path, init);
      const body = new Uint8Array(init.body as Uint8Array);
      const again = { ...init, headers: resign(path, init, body) };
      const [first, second] = await Promise.all([
        original.request(path, init),
        original.request(path, again),
      ]);
      const [a, b] = [await first.arrayBuffer(), await second.arrayBuffer()];
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
      doubled++;
      return new Response(a, { status: 200, headers: first.headers });
    }) as typeof original.request;
    apps[0] = twice;
    try {
      await signRouted(4, () => 0);
    } finally {
      apps[0] = original;
    }
    expect(doubled).toBe(1);
  });

  /** The headers of `init` signed again by the device (a fresh nonce, so no replay refusal). */
  function resign(path: string, init: RequestInit, body: Uint8Array): Record<string, string> {
    const headers = init.headers as Record<string, string>;
    return {
      ...headers,
      ...signRequest({
        keys: deviceKeys,
        walletId: headers['ckm-wallet'] as string,
        method: 'POST',
        path,
        body,
      }),
    };
  }
});
