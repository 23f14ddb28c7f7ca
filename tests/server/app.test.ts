import { parseEther } from 'viem';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parsePolicyView } from '../../ckm/api';
import { type CkmWallet, createWallet } from '../../ckm/client/wallet';
import { decodeWire, encodeWire } from '../../ckm/codec';
import { generatePartyKeys, type PartyKeys } from '../../ckm/identity';
import { DEFAULT_POLICY, policyToWire } from '../../ckm/policy/index';
import { signRequest } from '../../ckm/request-auth';
import { createApp } from '../../server/app';
import { tx } from '../ckm/policy/fixtures';
import { type InProcessCluster, startCluster } from '../ckm/support/in-process';

const app = createApp({ name: 'server-a', version: '0.1.0' });

describe('CKM server HTTP', () => {
  it('GET /health answers ok with the server’s name and version', async () => {
    const response = await app.request('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      service: 'ckm-server',
      name: 'server-a',
      version: '0.1.0',
    });
  });

  it('answers CORS preflight so the extension can call it', async () => {
    const response = await app.request('/health', {
      method: 'OPTIONS',
      headers: {
        origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
        'access-control-request-method': 'GET',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,OPTIONS');
    expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual([
      'content-type',
      'accept',
      'ckm-wallet',
      'ckm-timestamp',
      'ckm-nonce',
      'ckm-signature',
    ]);
  });

  it('every answer carries the CORS headers, errors included', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const crashing = createApp({ name: 'x', version: '0' });
    crashing.get('/crash', () => {
      throw new Error('boom');
    });
    for (const [target, path, status] of [
      [app, '/health', 200],
      [app, '/nope', 404],
      [crashing, '/crash', 500],
    ] as const) {
      const response = await target.request(path, { headers: { origin: 'chrome-extension://x' } });
      expect(response.status).toBe(status);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-expose-headers')).toBe('retry-after');
    }
  });

  it('unknown paths get a JSON 404', async () => {
    const response = await app.request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found', message: 'No such endpoint.' });
  });

  it('an internal failure is a JSON 500 without its details', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const crashing = createApp({ name: 'x', version: '0' });
    crashing.get('/crash', () => {
      throw new Error('disk path /secret');
    });
    const response = await crashing.request('/crash');
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret');
  });
});

describe('CKM server HTTP: the policy routes (docs/server-api.md §4.7)', {
  timeout: 300_000,
}, () => {
  let cluster: InProcessCluster;
  let wallet: CkmWallet;
  let other: CkmWallet;
  let walletId: string;
  const recoveryKeys = generatePartyKeys();
  const limited = {
    ...DEFAULT_POLICY,
    dailyLimits: [{ chainId: 31337, asset: 'native' as const, amount: parseEther('1').toString() }],
  };

  beforeAll(async () => {
    cluster = await startCluster(2);
    const servers = cluster.servers.map((s) => ({ url: s.url }));
    wallet = await createWallet({
      servers,
      threshold: 2,
      transport: cluster.transport,
      recoveryKey: recoveryKeys.identity.signingKey,
    });
    other = await createWallet({ servers, threshold: 2, transport: cluster.transport });
    walletId = wallet.state.config.walletId;
    await wallet.setPolicy(limited);
  }, 240_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  /** A request to the first server, signed by `keys` for `signedFor` unless `unsigned`. */
  async function send(args: {
    method: 'GET' | 'PUT' | 'POST';
    path: string;
    type?: string;
    body?: unknown;
    keys?: PartyKeys;
    signedFor?: string;
    unsigned?: boolean;
  }) {
    const body = args.type === undefined ? undefined : encodeWire(args.type, args.body);
    const headers = args.unsigned
      ? {}
      : signRequest({
          keys: args.keys ?? wallet.state.deviceKeys,
          walletId: args.signedFor ?? walletId,
          method: args.method,
          path: args.path,
          body: body ?? new Uint8Array(0),
        });
    const response = await cluster.transport.send({
      method: args.method,
      url: cluster.servers[0]?.url + args.path,
      headers: { ...headers, ...(body ? { 'content-type': 'application/cbor' } : {}) },
      ...(body ? { body } : {}),
    });
    const decoded =
      response.status === 200
        ? decodeWire(response.body, 'ckm.policy.view', 1 << 20)
        : (decodeWire(response.body, 'ckm.error', 1 << 16) as Record<string, unknown>);
    return { status: response.status, body: decoded as Record<string, unknown> };
  }

  const policyPath = () => `/v1/wallets/${walletId}/policy`;

  it('GET /policy answers the view; PUT sets rules and answers the new view', async () => {
    const got = await send({ method: 'GET', path: policyPath() });
    expect(got.status).toBe(200);
    expect(parsePolicyView(got.body).effective).toEqual(limited);
    const tighter = {
      ...limited,
      dailyLimits: [{ chainId: 31337, asset: 'native' as const, amount: '5' }],
    };
    const put = await send({
      method: 'PUT',
      path: policyPath(),
      type: 'ckm.policy.set',
      body: { policy: policyToWire(tighter) },
    });
    expect(put.status).toBe(200);
    expect(parsePolicyView(put.body).effective).toEqual(tighter);
    // Put back (a loosening: pending), then cancelled.
    await send({
      method: 'PUT',
      path: policyPath(),
      type: 'ckm.policy.set',
      body: { policy: policyToWire(limited) },
    });
    const cancel = await send({
      method: 'POST',
      path: `${policyPath()}/cancel`,
      type: 'ckm.policy.cancel',
      body: {},
    });
    expect(cancel.status).toBe(200);
    expect(parsePolicyView(cancel.body).pending).toBeUndefined();
  });

  it('only the wallet’s device: unsigned, the recovery credential and another wallet’s device get 401', async () => {
    for (const request of [
      { unsigned: true },
      { keys: recoveryKeys },
      { keys: other.state.deviceKeys },
      { keys: other.state.deviceKeys, signedFor: other.state.config.walletId },
    ]) {
      for (const [method, path, type] of [
        ['GET', policyPath(), undefined],
        ['PUT', policyPath(), 'ckm.policy.set'],
        ['POST', `${policyPath()}/cancel`, 'ckm.policy.cancel'],
        [
          'POST',
          `/v1/wallets/${walletId}/holds/${'ab'.repeat(32)}/cancel`,
          'ckm.policy.hold.cancel',
        ],
      ] as const) {
        const body = type === 'ckm.policy.set' ? { policy: policyToWire(DEFAULT_POLICY) } : {};
        const answer = await send({
          method,
          path,
          ...(type ? { type, body } : {}),
          ...request,
        });
        expect(answer.status, `${method} ${path} ${JSON.stringify(Object.keys(request))}`).toBe(
          401,
        );
        expect(answer.body.code).toBe('Unauthorized');
      }
    }
    // Nothing changed.
    const view = parsePolicyView((await send({ method: 'GET', path: policyPath() })).body);
    expect(view.effective.dailyLimits[0]?.amount).toBe('5');
  });

  it('malformed bodies get typed errors naming the field; bad or unknown hold ids are 404', async () => {
    const put = (body: unknown) =>
      send({ method: 'PUT', path: policyPath(), type: 'ckm.policy.set', body });
    const wire = policyToWire(DEFAULT_POLICY);
    for (const [body, code, field] of [
      [{}, 'MalformedMessage', 'policy.set.policy'],
      [{ policy: wire, extra: 1 }, 'MalformedMessage', 'policy.set.extra'],
      [
        { policy: { ...wire, dailyLimits: [{ chainId: 1, asset: 'native', amount: '01' }] } },
        'InvalidParameters',
        'policy.dailyLimits[0].amount',
      ],
      [{ policy: { ...wire, delaySeconds: 0 } }, 'InvalidParameters', 'policy.delaySeconds'],
      [{ policy: { ...wire, allowlist: ['0x12'] } }, 'InvalidParameters', 'policy.allowlist[0]'],
      ['policy', 'MalformedMessage', 'policy.set'],
    ] as const) {
      const answer = await put(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.code).toBe(code);
      expect(answer.body.message).toContain(`"${field}`);
    }
    const cancel = await send({
      method: 'POST',
      path: `${policyPath()}/cancel`,
      type: 'ckm.policy.cancel',
      body: { now: 1 },
    });
    expect(cancel.status).toBe(400);
    expect(cancel.body.message).toContain('policy.cancel.now');
    for (const holdId of ['AB'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(32)]) {
      const answer = await send({
        method: 'POST',
        path: `/v1/wallets/${walletId}/holds/${holdId}/cancel`,
        type: 'ckm.policy.hold.cancel',
        body: {},
      });
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('NotFound');
    }
  });

  it('a refusal is 403 PolicyRefused with the rule as data in the error body', async () => {
    const payload = tx({ chainId: 31337, value: parseEther('2'), nonce: 0 });
    const error = await wallet.sign({ payload, servers: [2] }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('PolicyRefused');
    // The same through raw HTTP: the body carries `policy`.
    const path = `/v1/wallets/${walletId}/sessions`;
    const answer = await send({
      method: 'POST',
      path,
      type: 'ckm.session.open',
      body: {
        sessionId: 'cd'.repeat(16),
        kind: 'sign',
        version: wallet.state.version,
        signers: [1, 2],
        path: [],
        payload,
        clientNonce: new Uint8Array(32),
      },
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({
      code: 'PolicyRefused',
      policy: {
        rule: 'dailyLimit',
        asset: { chainId: 31337, asset: 'native' },
        limit: '5',
        spent: '0',
        requested: parseEther('2').toString(),
      },
    });
    expect(answer.body.message).toMatch(/limit/i);
  });
});
