/**
 * Two real CKM server processes (PGlite) over loopback HTTP, driven by the client API: the
 * issue's first scenario. DKG 2-of-3; sign with A; A killed → the same call signs with B;
 * both restarted → the old shares still sign.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTransport } from '../../ckm/client/transport';
import { type CkmWallet, createWallet } from '../../ckm/client/wallet';
import { recovered, transfer } from './support/checks';
import { type ServerProcess, serverProcess } from './support/server-process';

describe('two CKM server processes', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let wallet: CkmWallet;

  beforeAll(async () => {
    [a, b] = await Promise.all([serverProcess('server-a'), serverProcess('server-b')]);
    await Promise.all([a.start(), b.start()]);
  });

  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });

  it('creates a 2-of-3 wallet over HTTP', async () => {
    wallet = await createWallet({
      servers: [{ url: a.url }, { url: b.url }],
      threshold: 2,
      transport: fetchTransport({ timeoutMs: 20_000 }),
    });
    expect(wallet.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it('signs with A; with A killed, the same call signs with B', async () => {
    const first = await wallet.sign({ payload: transfer(0) });
    expect(first.server).toBe(2);
    expect(await recovered(first.signature, first.digest)).toBe(wallet.address);
    await a.kill();
    const second = await wallet.sign({ payload: transfer(1) });
    expect(second.server).toBe(3);
    expect(await recovered(second.signature, second.digest)).toBe(wallet.address);
  });

  it('after both servers restart, the old shares still sign with each', async () => {
    await b.kill();
    await Promise.all([a.start(), b.start()]);
    const withA = await wallet.sign({ payload: transfer(2) });
    expect(withA.server).toBe(2);
    const withB = await wallet.sign({ payload: transfer(3), servers: [3] });
    expect(withB.server).toBe(3);
    for (const result of [withA, withB])
      expect(await recovered(result.signature, result.digest)).toBe(wallet.address);
  });

  it('answers health, identity and metrics', async () => {
    const health = await fetch(`${a.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', name: 'server-a' });
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toContain('# TYPE ckm_http_requests_total counter');
    const identity = await fetch(`${a.url}/.well-known/ckm`);
    expect(identity.headers.get('content-type')).toBe('application/cbor');
  });
});
