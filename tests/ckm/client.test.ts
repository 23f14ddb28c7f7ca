/**
 * The client API against real CKM servers (the full server stack: HTTP app, service, PGlite) in
 * this process: create a 2-of-3 wallet, sign payloads with failover, survive restarts, refresh,
 * and refuse every attack the issue names.
 */
import { recoverAddress, recoverMessageAddress, serializeSignature } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIRE } from '../../ckm/api';
import { ServerConnection } from '../../ckm/client/connection';
import type { HttpRequest } from '../../ckm/client/transport';
import {
  type CkmWallet,
  createWallet,
  recoverWithServers,
  startRecovery,
} from '../../ckm/client/wallet';
import { decodeWire, encodeWire } from '../../ckm/codec';
import { CkmError } from '../../ckm/errors';
import { generatePartyKeys, type PartyKeys } from '../../ckm/identity';
import { signRequest } from '../../ckm/request-auth';
import { newSessionId } from '../../ckm/session/ids';
import type { ThresholdSignature } from '../../tss/index';
import { type InProcessCluster, startCluster } from './support/in-process';

const transfer = (nonce: number) => ({
  kind: 'transaction' as const,
  chainId: 31337,
  transaction: {
    type: 'eip1559' as const,
    chainId: 31337,
    nonce: `0x${nonce.toString(16)}` as const,
    gas: '0x5208' as const,
    maxFeePerGas: '0x3b9aca00' as const,
    maxPriorityFeePerGas: '0x3b9aca00' as const,
    to: '0x70997970C51812Dc3A010c7D01B50E20D17Dc79C' as const,
    value: '0xde0b6b3a7640000' as const,
  },
});

function hexSignature(sig: ThresholdSignature) {
  return serializeSignature({
    r: `0x${sig.r.toString(16).padStart(64, '0')}`,
    s: `0x${sig.s.toString(16).padStart(64, '0')}`,
    yParity: sig.recovery & 1,
  });
}

async function expectCkmError(promise: Promise<unknown>, code: string): Promise<CkmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(CkmError);
  expect((error as CkmError).code).toBe(code);
  return error as CkmError;
}

describe('ckm client with two CKM servers', { timeout: 120_000 }, () => {
  let cluster: InProcessCluster;
  let wallet: CkmWallet;

  beforeAll(async () => {
    cluster = await startCluster(3);
    wallet = await createWallet({
      servers: cluster.servers.slice(0, 2).map((s) => ({ url: s.url })),
      threshold: 2,
      transport: cluster.transport,
    });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('creates a 2-of-3 key whose servers each committed version 1', async () => {
    expect(wallet.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    for (const server of cluster.servers.slice(0, 2)) {
      const status = await new ServerConnection(server.url, cluster.transport).status(
        wallet.state.deviceKeys,
        wallet.state.config.walletId,
      );
      expect(status.keys).toEqual([{ version: 1, status: 'active' }]);
    }
  });

  it('signs an EIP-1559 transaction with server A; the signature recovers the address', async () => {
    const { signature, digest, server } = await wallet.sign({ payload: transfer(0) });
    expect(server).toBe(2);
    const address = await recoverAddress({
      hash: `0x${Buffer.from(digest).toString('hex')}`,
      signature: hexSignature(signature),
    });
    expect(address).toBe(wallet.address);
  });

  it('signs an EIP-191 message on a derived path', async () => {
    const { signature } = await wallet.sign({
      payload: { kind: 'message', message: '0x68656c6c6f' },
      path: [0, 7],
    });
    const recovered = await recoverMessageAddress({
      message: 'hello',
      signature: hexSignature(signature),
    });
    const { publicKeyToAddress } = await import('../../tss/index');
    expect(recovered).toBe(publicKeyToAddress(signature.publicKey));
    expect(recovered).not.toBe(wallet.address);
  });

  it('fails over to server B when A is down, and back when A returns', async () => {
    (cluster.servers[0] as { down: boolean }).down = true;
    try {
      const { server } = await wallet.sign({ payload: transfer(1) });
      expect(server).toBe(3);
    } finally {
      (cluster.servers[0] as { down: boolean }).down = false;
    }
    expect((await wallet.sign({ payload: transfer(2) })).server).toBe(2);
  });

  it('keeps signing with the old shares after both servers restart', async () => {
    await cluster.restart(0);
    await cluster.restart(1);
    expect((await wallet.sign({ payload: transfer(3) })).server).toBe(2);
    expect((await wallet.sign({ payload: transfer(4), servers: [3] })).server).toBe(3);
  });

  it('refuses a bare hash, at the client and at the server', async () => {
    await expectCkmError(
      wallet.sign({ payload: { kind: 'digest', digest: `0x${'11'.repeat(32)}` } }),
      'BareHashRefused',
    );
    const connection = new ServerConnection(cluster.servers[0]?.url as string, cluster.transport);
    await expectCkmError(
      connection.open(wallet.state.deviceKeys, wallet.state.config.walletId, {
        sessionId: newSessionId(),
        kind: 'sign',
        version: wallet.state.version,
        signers: [1, 2],
        path: [],
        payload: { kind: 'digest', digest: `0x${'11'.repeat(32)}` },
        clientNonce: new Uint8Array(32).fill(1),
      }),
      'BareHashRefused',
    );
  });

  it('refuses a transaction whose chain id differs from the one requested', async () => {
    const payload = transfer(5);
    const connection = new ServerConnection(cluster.servers[0]?.url as string, cluster.transport);
    await expectCkmError(
      connection.open(wallet.state.deviceKeys, wallet.state.config.walletId, {
        sessionId: newSessionId(),
        kind: 'sign',
        version: wallet.state.version,
        signers: [1, 2],
        path: [],
        payload: { ...payload, chainId: 1 },
        clientNonce: new Uint8Array(32).fill(2),
      }),
      'ChainIdMismatch',
    );
  });

  it('refuses a replayed request and a request signed by another device', async () => {
    let captured: Parameters<InProcessCluster['transport']['send']>[0] | undefined;
    cluster.intercept = (request) => {
      if (request.method === 'GET') captured ??= request;
      return request;
    };
    const connection = new ServerConnection(cluster.servers[0]?.url as string, cluster.transport);
    try {
      await connection.status(wallet.state.deviceKeys, wallet.state.config.walletId);
    } finally {
      cluster.intercept = undefined;
    }
    expect(captured).toBeDefined();
    const replay = await cluster.transport.send(captured as NonNullable<typeof captured>);
    expect(replay.status).toBe(401);
    await expectCkmError(
      connection.status(generatePartyKeys(), wallet.state.config.walletId),
      'Unauthorized',
    );
  });

  it('refuses a sign session for a signer set without the device', async () => {
    const connection = new ServerConnection(cluster.servers[0]?.url as string, cluster.transport);
    await expectCkmError(
      connection.open(wallet.state.deviceKeys, wallet.state.config.walletId, {
        sessionId: newSessionId(),
        kind: 'sign',
        version: wallet.state.version,
        signers: [2, 3],
        path: [],
        payload: transfer(6),
        clientNonce: new Uint8Array(32).fill(3),
      }),
      'InvalidParameters',
    );
  });

  it('refresh keeps the address, renews every share, and the old version is gone', async () => {
    const before = wallet.state.share.secretShare;
    const address = wallet.address;
    await wallet.refresh();
    expect(wallet.address).toBe(address);
    expect(wallet.state.version).toBe(2);
    expect(wallet.state.share.secretShare).not.toBe(before);
    for (const server of cluster.servers.slice(0, 2)) {
      const status = await new ServerConnection(server.url, cluster.transport).status(
        wallet.state.deviceKeys,
        wallet.state.config.walletId,
      );
      expect(status.keys).toEqual([{ version: 2, status: 'active' }]);
    }
    const { signature, digest } = await wallet.sign({ payload: transfer(7) });
    const recovered = await recoverAddress({
      hash: `0x${Buffer.from(digest).toString('hex')}`,
      signature: hexSignature(signature),
    });
    expect(recovered).toBe(address);
  });

  it('replaces server B by server C (re-share to a new party index); the address stays', async () => {
    const address = wallet.address;
    const c = cluster.servers[2] as { url: string };
    await wallet.reshare({ replace: 3, url: c.url });
    expect(wallet.address).toBe(address);
    expect(wallet.state.config.parties.map((p) => p.index)).toEqual([1, 2, 4]);
    expect(wallet.state.version).toBe(3);
    for (const server of [2, 4]) {
      const result = await wallet.sign({ payload: transfer(20 + server), servers: [server] });
      expect(result.server).toBe(server);
      expect(
        await recoverAddress({
          hash: `0x${Buffer.from(result.digest).toString('hex')}`,
          signature: hexSignature(result.signature),
        }),
      ).toBe(address);
    }
    for (const url of [cluster.servers[0]?.url, c.url]) {
      const status = await new ServerConnection(url as string, cluster.transport).status(
        wallet.state.deviceKeys,
        wallet.state.config.walletId,
      );
      expect(status.keys).toEqual([{ version: 3, status: 'active' }]);
    }
    // The replaced server is no longer a party: the client will not use it.
    await expectCkmError(wallet.sign({ payload: transfer(30), servers: [3] }), 'ServerUnavailable');
  });

  it('a server-to-server message altered by the relay is refused, and no key is made', async () => {
    const other = await startCluster(2);
    const deviceKeys = generatePartyKeys();
    try {
      other.intercept = (request) => {
        if (
          !request.url.startsWith(`${other.servers[0]?.url}/`) ||
          !request.url.includes('/steps/2')
        )
          return request;
        // The relay (the client itself, compromised) flips one ciphertext bit of server B's
        // message to server A and signs the request as the device would.
        const body = decodeWire(request.body, WIRE.input, 1 << 22) as {
          inbound: { from: number; ct: Uint8Array }[];
        };
        const fromB = body.inbound.find((m) => m.from === 3) as { ct: Uint8Array };
        fromB.ct[0] = (fromB.ct[0] as number) ^ 1;
        return resign(request, deviceKeys, encodeWire(WIRE.input, body));
      };
      const error = await expectCkmError(
        createWallet({
          servers: other.servers.map((s) => ({ url: s.url })),
          threshold: 2,
          transport: other.transport,
          deviceKeys,
        }),
        'BadSignature',
      );
      // A bad signature could be the relay's doing: nobody is blamed, nothing is banned.
      expect(error.culprit).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('a step the client asks for twice (a lost answer) is answered the same, not run twice', async () => {
    const deviceKeys = wallet.state.deviceKeys;
    let repeated = 0;
    const send = cluster.transport.send.bind(cluster.transport);
    cluster.intercept = undefined;
    const original = cluster.transport.send;
    cluster.transport.send = async (request) => {
      if (request.url.includes('/steps/3')) {
        const first = await send(request);
        const again = await send(resign(request, deviceKeys, request.body as Uint8Array));
        expect(again.status).toBe(200);
        expect(Buffer.from(again.body).equals(Buffer.from(first.body))).toBe(true);
        repeated++;
        return again;
      }
      return send(request);
    };
    try {
      await wallet.sign({ payload: transfer(8) });
    } finally {
      cluster.transport.send = original;
    }
    expect(repeated).toBe(1);
  });
});

/** The request signed again by `keys` (a new nonce and timestamp), with `body`. */
function resign(request: HttpRequest, keys: PartyKeys, body: Uint8Array): HttpRequest {
  const url = new URL(request.url);
  const headers = signRequest({
    keys,
    walletId: request.headers['ckm-wallet'] as string,
    method: request.method,
    path: url.pathname + url.search,
    body,
  });
  return { ...request, headers: { ...request.headers, ...headers }, body };
}

describe('recovery with the servers (no backup)', { timeout: 400_000 }, () => {
  let cluster: InProcessCluster;
  const recoveryKeys = generatePartyKeys();

  beforeAll(async () => {
    cluster = await startCluster(3);
  }, 240_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('moves the key to a new device; the old device is shut out; the address stays', async () => {
    const lost = await createWallet({
      servers: cluster.servers.slice(0, 2).map((s) => ({ url: s.url })),
      threshold: 2,
      transport: cluster.transport,
      recoveryKey: recoveryKeys.identity.signingKey,
      recoveryDelaySeconds: 1,
    });
    await lost.sign({ payload: transfer(0) });
    // The credential alone cannot sign anything.
    const connection = new ServerConnection(cluster.servers[0]?.url as string, cluster.transport);
    await expectCkmError(
      connection.open(recoveryKeys, lost.state.config.walletId, {
        sessionId: newSessionId(),
        kind: 'sign',
        version: 1,
        signers: [1, 2],
        path: [],
        payload: transfer(1),
        clientNonce: new Uint8Array(32).fill(4),
      }),
      'Unauthorized',
    );
    const target = {
      walletId: lost.state.config.walletId,
      servers: cluster.servers.slice(0, 2).map((s) => ({ url: s.url })),
      recoveryKeys,
      deviceKeys: generatePartyKeys(),
      transport: cluster.transport,
    };
    // The waiting period (1 s here; tests/ckm/recovery.test.ts covers the veto) starts first.
    await startRecovery(target);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const recovered = await recoverWithServers(target);
    expect(recovered.address).toBe(lost.address);
    expect(recovered.state.config.parties.map((p) => [p.index, p.role])).toEqual([
      [2, 'server'],
      [3, 'server'],
      [4, 'device'],
    ]);
    for (const server of [2, 3]) {
      const result = await recovered.sign({ payload: transfer(10 + server), servers: [server] });
      expect(
        await recoverAddress({
          hash: `0x${Buffer.from(result.digest).toString('hex')}`,
          signature: hexSignature(result.signature),
        }),
      ).toBe(lost.address);
    }
    // The lost device's requests are no longer accepted by any server.
    await expectCkmError(lost.sign({ payload: transfer(20) }), 'ServerUnavailable');
    const old = new ServerConnection(cluster.servers[1]?.url as string, cluster.transport);
    await expectCkmError(
      old.status(lost.state.deviceKeys, lost.state.config.walletId),
      'Unauthorized',
    );
  });

  it('refuses recovery for a wallet made without a recovery credential', async () => {
    const plain = await createWallet({
      servers: cluster.servers.slice(0, 2).map((s) => ({ url: s.url })),
      threshold: 2,
      transport: cluster.transport,
    });
    await expectCkmError(
      recoverWithServers({
        walletId: plain.state.config.walletId,
        servers: cluster.servers.slice(0, 2).map((s) => ({ url: s.url })),
        recoveryKeys,
        deviceKeys: generatePartyKeys(),
        transport: cluster.transport,
      }),
      'Unauthorized',
    );
  });
});
