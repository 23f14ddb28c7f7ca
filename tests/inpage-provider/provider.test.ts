/**
 * EIP-1193 provider (inpage-provider/provider.ts) against a fake relay: connection and state,
 * events, reconnection after a lost background, MetaMask's legacy surface.
 */
import { describe, expect, it, vi } from 'vitest';
import { EXTENSION_GONE_MESSAGE } from '../../content/page-channel';
import { ProviderRpcError } from '../../inpage-provider/errors';
import { CkmProvider, type JsonRpcResponse } from '../../inpage-provider/provider';
import { type FakeWallet, fakeWallet, RpcFailure, STATE } from './fake-wallet';

const ACCOUNT = STATE.accounts[0] as string;
const OTHER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

/** A provider on a fake wallet, with every event it emits recorded in order. */
function setup(wallet: FakeWallet = fakeWallet(), options: { isMetaMask?: boolean } = {}) {
  const provider = new CkmProvider({
    channel: wallet.channel,
    retryDelaysMs: [5, 10],
    stateTimeoutMs: 200,
    ...options,
  });
  const events: [string, unknown][] = [];
  for (const name of [
    'connect',
    'disconnect',
    'accountsChanged',
    'chainChanged',
    'networkChanged',
    'message',
    'data',
    'notification',
  ])
    provider.on(name, (data: unknown) => events.push([name, data]));
  const connected = () => vi.waitFor(() => expect(provider.isConnected()).toBe(true));
  return { provider, wallet, events, connected };
}

const names = (events: [string, unknown][]) => events.map(([name]) => name);

describe('EIP-1193 provider: start-up', () => {
  it('asks metamask_getProviderState, sets the legacy properties, then emits connect', async () => {
    const { provider, wallet, events, connected } = setup();
    expect(provider.isConnected()).toBe(false);
    expect(provider.chainId).toBeNull();
    expect(provider.networkVersion).toBeNull();
    expect(provider.selectedAddress).toBeNull();
    await connected();
    expect(wallet.methods()).toEqual(['metamask_getProviderState']);
    expect(provider.chainId).toBe('0x7a69');
    expect(provider.networkVersion).toBe('31337');
    expect(provider.selectedAddress).toBe(ACCOUNT);
    // The initial state is not a change: only connect is emitted.
    expect(events).toEqual([['connect', { chainId: '0x7a69' }]]);
    expect(await provider._metamask.isUnlocked()).toBe(true);
  });

  it('falls back to eth_chainId, net_version and eth_accounts when the background lacks the method', async () => {
    const wallet = fakeWallet({ eth_chainId: () => '0x1', eth_accounts: () => [] });
    wallet.handlers.delete('metamask_getProviderState');
    const { provider, events, connected } = setup(wallet);
    await connected();
    expect(wallet.methods()).toEqual([
      'metamask_getProviderState',
      'eth_chainId',
      'net_version',
      'eth_accounts',
    ]);
    expect(provider.chainId).toBe('0x1');
    expect(provider.networkVersion).toBe('1'); // derived: net_version was refused
    expect(provider.selectedAddress).toBeNull();
    expect(events).toEqual([['connect', { chainId: '0x1' }]]);
  });

  it('retries a failed or malformed state until the wallet answers, then connects once', async () => {
    let calls = 0;
    const wallet = fakeWallet({
      metamask_getProviderState: () => {
        calls += 1;
        if (calls === 1) return new RpcFailure({ code: -32603, message: 'Internal error' });
        if (calls === 2) return { chainId: 'mainnet', accounts: [] };
        return STATE;
      },
    });
    const { provider, events, connected } = setup(wallet);
    await connected();
    expect(calls).toBe(3);
    expect(provider.chainId).toBe('0x7a69');
    expect(names(events)).toEqual(['connect']);
  });

  it('retries a state request that is never answered (bounded wait), then connects', async () => {
    const wallet = fakeWallet();
    wallet.hold = true;
    const { provider, connected } = setup(wallet);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(provider.isConnected()).toBe(false);
    wallet.hold = false;
    await connected();
    expect(wallet.methods().length).toBeGreaterThanOrEqual(2);
  });
});

describe('EIP-1193 provider: request', () => {
  it('resolves with the result and rejects with a ProviderRpcError carrying code and message', async () => {
    const { provider, connected } = setup(
      fakeWallet({
        eth_chainId: () => '0x7a69',
        personal_sign: () => new RpcFailure({ code: 4001, message: 'User rejected the request.' }),
      }),
    );
    await connected();
    expect(await provider.request({ method: 'eth_chainId' })).toBe('0x7a69');
    const error = await provider
      .request({ method: 'personal_sign', params: ['0x', ACCOUNT] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderRpcError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 4001, message: 'User rejected the request.' });
  });

  it('rejects malformed arguments with -32600 without posting them', async () => {
    const { provider, wallet, connected } = setup();
    await connected();
    const before = wallet.sent.length;
    for (const bad of [
      undefined,
      null,
      'eth_chainId',
      ['x'],
      { method: '' },
      { method: 'x', params: 5 },
    ])
      await expect(provider.request(bad as never)).rejects.toMatchObject({ code: -32600 });
    expect(wallet.sent.length).toBe(before);
  });

  it('works unbound, as dApps pass it around', async () => {
    const { provider, connected } = setup(fakeWallet({ eth_chainId: () => '0x7a69' }));
    await connected();
    const { request, isConnected } = provider;
    expect(await request({ method: 'eth_chainId' })).toBe('0x7a69');
    expect(isConnected()).toBe(true);
  });

  it('takes an eth_requestAccounts answer as the new account list (accountsChanged)', async () => {
    const wallet = fakeWallet({ eth_requestAccounts: () => [OTHER] });
    wallet.handlers.set('metamask_getProviderState', () => ({ ...STATE, accounts: [] }));
    const { provider, events, connected } = setup(wallet);
    await connected();
    expect(provider.selectedAddress).toBeNull();
    expect(await provider.enable()).toEqual([OTHER]);
    expect(provider.selectedAddress).toBe(OTHER);
    expect(events.at(-1)).toEqual(['accountsChanged', [OTHER]]);
  });
});

describe('EIP-1193 provider: events from the wallet', () => {
  it('accountsChanged and chainChanged update the properties, once per real change', async () => {
    const { provider, wallet, events, connected } = setup();
    await connected();
    wallet.event('accountsChanged', [OTHER, ACCOUNT]);
    wallet.event('accountsChanged', [OTHER, ACCOUNT]);
    wallet.event('chainChanged', '0x1');
    wallet.event('chainChanged', '0x1');
    wallet.event('chainChanged', { chainId: '0xaa36a7', networkVersion: '11155111' });
    wallet.event('accountsChanged', []);
    await vi.waitFor(() => expect(events.length).toBe(7));
    expect(events.slice(1)).toEqual([
      ['accountsChanged', [OTHER, ACCOUNT]],
      ['chainChanged', '0x1'],
      ['networkChanged', '1'],
      ['chainChanged', '0xaa36a7'],
      ['networkChanged', '11155111'],
      ['accountsChanged', []],
    ]);
    expect(provider.chainId).toBe('0xaa36a7');
    expect(provider.networkVersion).toBe('11155111');
    expect(provider.selectedAddress).toBeNull();
  });

  it('ignores malformed account and chain events', async () => {
    const { provider, wallet, events, connected } = setup();
    await connected();
    wallet.event('accountsChanged', 'x');
    wallet.event('accountsChanged', [1]);
    wallet.event('chainChanged', 1);
    wallet.event('chainChanged', '0xzz');
    wallet.event('chainChanged', { chainId: '1' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(names(events)).toEqual(['connect']);
    expect(provider.chainId).toBe('0x7a69');
  });

  it('passes subscription messages on, and in MetaMask’s legacy data and notification shapes', async () => {
    const { wallet, events, connected } = setup();
    await connected();
    const message = {
      type: 'eth_subscription',
      data: { subscription: '0xab', result: { number: '0x1' } },
    };
    wallet.event('message', message);
    await vi.waitFor(() => expect(events.length).toBe(4));
    expect(events.slice(1)).toEqual([
      ['message', message],
      ['data', { jsonrpc: '2.0', method: 'eth_subscription', params: message.data }],
      ['notification', { number: '0x1' }],
    ]);
  });
});

describe('EIP-1193 provider: losing the background', () => {
  it('emits disconnect (4900), then reconnects by itself: state again, then connect', async () => {
    const { provider, wallet, events, connected } = setup();
    await connected();
    wallet.handlers.set('metamask_getProviderState', () => ({
      ...STATE,
      chainId: '0x1',
      networkVersion: '1',
    }));
    const connectedDuringDisconnect: boolean[] = [];
    provider.on('disconnect', () => connectedDuringDisconnect.push(provider.isConnected()));
    wallet.disconnect();
    await vi.waitFor(() => expect(names(events)).toContain('disconnect'));
    expect(connectedDuringDisconnect).toEqual([false]);
    const [, error] = events.find(([name]) => name === 'disconnect') ?? [];
    expect(error).toBeInstanceOf(ProviderRpcError);
    expect(error).toMatchObject({ code: 4900 });
    await connected();
    // Changes made while disconnected are emitted as such; then connect.
    expect(events).toEqual([
      ['connect', { chainId: '0x7a69' }],
      ['disconnect', error],
      ['chainChanged', '0x1'],
      ['networkChanged', '1'],
      ['connect', { chainId: '0x1' }],
    ]);
    expect(wallet.methods()).toEqual(['metamask_getProviderState', 'metamask_getProviderState']);
  });

  it('emits disconnect only once for losses in a row, and keeps retrying until it connects', async () => {
    const { wallet, events, connected } = setup();
    await connected();
    wallet.hold = true;
    wallet.disconnect();
    wallet.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 30));
    wallet.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 30));
    wallet.hold = false;
    await connected();
    expect(names(events)).toEqual(['connect', 'disconnect', 'connect']);
  });

  it('for good: rejects pending and later requests with "reload the page" and stops retrying', async () => {
    const { provider, wallet, events, connected } = setup();
    await connected();
    wallet.hold = true;
    const pending = provider.request({ method: 'eth_chainId' });
    wallet.disconnect(true);
    await expect(pending).rejects.toMatchObject({ code: 4900, message: EXTENSION_GONE_MESSAGE });
    await expect(provider.request({ method: 'eth_chainId' })).rejects.toMatchObject({
      code: 4900,
      message: EXTENSION_GONE_MESSAGE,
    });
    const sent = wallet.sent.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(wallet.sent.length).toBe(sent);
    expect(names(events)).toEqual(['connect', 'disconnect']);
    expect(events[1]?.[1]).toMatchObject({ code: 4900, message: EXTENSION_GONE_MESSAGE });
    expect(provider.isConnected()).toBe(false);
    expect(provider.chainId).toBeNull();
    expect(provider.selectedAddress).toBeNull();
    expect(provider._state.isPermanentlyDisconnected).toBe(true);
    expect(await provider._metamask.isUnlocked()).toBe(false);
  });
});

describe('EIP-1193 provider: MetaMask legacy surface', () => {
  const legacyWallet = () =>
    fakeWallet({
      eth_chainId: () => '0x7a69',
      eth_requestAccounts: () => [ACCOUNT],
      eth_blockNumber: () => '0x10',
      eth_uninstallFilter: () => true,
      eth_sign: () => new RpcFailure({ code: 4200, message: 'no', data: { why: 'unsafe' } }),
    });

  it('isMetaMask follows the option (default true); isCkmWallet always', () => {
    expect(setup().provider.isMetaMask).toBe(true);
    expect(setup(fakeWallet(), { isMetaMask: false }).provider.isMetaMask).toBe(false);
    expect(setup().provider.isCkmWallet).toBe(true);
  });

  it('send(method, params) resolves with the whole JSON-RPC response', async () => {
    const { provider, connected } = setup(legacyWallet());
    await connected();
    expect(await provider.send('eth_chainId')).toEqual({ jsonrpc: '2.0', result: '0x7a69' });
    expect(await provider.send('eth_chainId', [])).toEqual({ jsonrpc: '2.0', result: '0x7a69' });
    await expect(provider.send('eth_sign', [])).rejects.toMatchObject({ code: 4200 });
  });

  it('send(payload, callback) and sendAsync(payload, callback) answer with response objects', async () => {
    const { provider, connected } = setup(legacyWallet());
    await connected();
    const call = (
      fn: (p: never, cb: (e: Error | null, r?: unknown) => void) => void,
      payload: unknown,
    ) =>
      new Promise<[Error | null, unknown]>((resolve) =>
        fn(payload as never, (error, response) => resolve([error, response])),
      );
    expect(
      await call(provider.sendAsync, { id: 7, jsonrpc: '2.0', method: 'eth_chainId' }),
    ).toEqual([null, { id: 7, jsonrpc: '2.0', result: '0x7a69' }]);
    expect(
      await call(provider.send as never, {
        id: 'a',
        jsonrpc: '2.0',
        method: 'eth_blockNumber',
        params: [],
      }),
    ).toEqual([null, { id: 'a', jsonrpc: '2.0', result: '0x10' }]);
    const [error, response] = await call(provider.sendAsync, {
      id: 8,
      jsonrpc: '2.0',
      method: 'eth_sign',
    });
    expect(error).toBeInstanceOf(ProviderRpcError);
    expect(error).toMatchObject({ code: 4200, message: 'no' });
    expect(response).toEqual({
      id: 8,
      jsonrpc: '2.0',
      error: { code: 4200, message: 'no', data: { why: 'unsafe' } },
    });
  });

  it('sendAsync(batch, callback) answers every payload in order with error null', async () => {
    const { provider, connected } = setup(legacyWallet());
    await connected();
    const [error, responses] = await new Promise<[Error | null, unknown]>((resolve) =>
      provider.sendAsync(
        [
          { id: 1, jsonrpc: '2.0', method: 'eth_chainId' },
          { id: 2, jsonrpc: '2.0', method: 'eth_sign' },
          { id: 3, jsonrpc: '2.0', method: 'eth_blockNumber' },
        ],
        (e, r) => resolve([e, r]),
      ),
    );
    expect(error).toBeNull();
    expect(responses).toEqual([
      { id: 1, jsonrpc: '2.0', result: '0x7a69' },
      { id: 2, jsonrpc: '2.0', error: { code: 4200, message: 'no', data: { why: 'unsafe' } } },
      { id: 3, jsonrpc: '2.0', result: '0x10' },
    ]);
    expect(
      await provider._metamask.requestBatch([{ id: 4, jsonrpc: '2.0', method: 'eth_chainId' }]),
    ).toEqual([{ id: 4, jsonrpc: '2.0', result: '0x7a69' }] satisfies JsonRpcResponse[]);
  });

  it('send(payload) answers the four synchronous methods from local state, and throws for others', async () => {
    const wallet = legacyWallet();
    const { provider, connected } = setup(wallet);
    await connected();
    expect(provider.send({ id: 1, jsonrpc: '2.0', method: 'eth_accounts' })).toEqual({
      id: 1,
      jsonrpc: '2.0',
      result: [ACCOUNT],
    });
    expect(provider.send({ id: 2, jsonrpc: '2.0', method: 'eth_coinbase' })).toEqual({
      id: 2,
      jsonrpc: '2.0',
      result: ACCOUNT,
    });
    expect(provider.send({ id: 3, jsonrpc: '2.0', method: 'net_version' })).toEqual({
      id: 3,
      jsonrpc: '2.0',
      result: '31337',
    });
    expect(
      provider.send({ id: 4, jsonrpc: '2.0', method: 'eth_uninstallFilter', params: ['0x1'] }),
    ).toEqual({ id: 4, jsonrpc: '2.0', result: true });
    expect(wallet.methods().at(-1)).toBe('eth_uninstallFilter');
    expect(() => provider.send({ id: 5, jsonrpc: '2.0', method: 'eth_chainId' })).toThrow(
      'CKM Wallet does not support synchronous methods like eth_chainId without a callback parameter.',
    );
    expect(() => (provider.send as (p: unknown) => unknown)(undefined)).toThrow(/synchronous/);
  });

  it('sendAsync without a callback is a TypeError', () => {
    const { provider } = setup();
    expect(() => provider.sendAsync({ method: 'eth_chainId' }, undefined as never)).toThrow(
      TypeError,
    );
  });

  it('_metamask.isUnlocked asks the wallet afresh', async () => {
    const { provider, wallet, connected } = setup();
    await connected();
    wallet.handlers.set('metamask_getProviderState', () => ({
      ...STATE,
      isUnlocked: false,
      accounts: [],
    }));
    expect(await provider._metamask.isUnlocked()).toBe(false);
  });

  it('_state reports the same facts as the properties', async () => {
    const { provider, connected } = setup();
    await connected();
    expect(provider._state).toEqual({
      accounts: [ACCOUNT],
      isConnected: true,
      isUnlocked: true,
      initialized: true,
      isPermanentlyDisconnected: false,
    });
  });
});
