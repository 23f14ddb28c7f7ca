import { JsonRpcError } from '@metamask/rpc-errors';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  BUILT_IN_NETWORKS,
  BuiltInNetworkError,
  createNetworksService,
  InvalidNetworkFieldError,
  MAX_CHAIN_ID,
  NETWORKS_STORAGE_KEY,
  NetworkExistsError,
  type NetworkInput,
  RpcUnreachableError,
  UnknownNetworkError,
} from '../../../background/services/networks';
import {
  type Anvil,
  deadUrl,
  networkAt,
  recordingEvents,
  type ScriptedServer,
  startAnvil,
  startScriptedServer,
} from '../support/chain-node';

const DAPP = 'https://dapp.example';
const OTHER = 'https://other.example';

let anvil: Anvil;
let scripted: ScriptedServer;

beforeAll(async () => {
  anvil = await startAnvil(31337);
  scripted = await startScriptedServer(() => ({ body: { result: '0x1' } }));
});
afterAll(async () => {
  await anvil?.stop();
  await scripted?.close();
});
beforeEach(() => {
  fakeBrowser.reset();
  scripted.calls.length = 0;
});

const custom: NetworkInput = {
  chainId: 1337,
  name: 'Dev 1337',
  rpcUrl: 'http://127.0.0.1:8546',
  symbol: 'DEV',
};

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<JsonRpcError<never>> {
  try {
    await promise;
  } catch (error) {
    return error as JsonRpcError<never>;
  }
  throw new Error('expected a rejection');
}

async function service(events = recordingEvents(), options = {}) {
  const networks = createNetworksService(events, options);
  await networks.ready;
  return networks;
}

describe('networks: built-ins', () => {
  it('ships Ethereum, Sepolia, Base, OP Mainnet, Arbitrum One, Polygon and Localhost 8545 (selected)', async () => {
    const networks = await service();
    expect(networks.list().map((n) => [n.chainId, n.name, n.nativeCurrency.symbol])).toEqual([
      [1, 'Ethereum', 'ETH'],
      [11155111, 'Sepolia', 'SepoliaETH'],
      [8453, 'Base', 'ETH'],
      [10, 'OP Mainnet', 'ETH'],
      [42161, 'Arbitrum One', 'ETH'],
      [137, 'Polygon', 'POL'],
      [31337, 'Localhost 8545', 'ETH'],
    ]);
    expect(networks.selected().chainId).toBe(31337);
    expect(networks.selected().rpcUrl).toBe('http://127.0.0.1:8545');
    for (const network of networks.list()) {
      expect(network.builtIn).toBe(true);
      expect(new URL(network.rpcUrl).protocol).toMatch(/^https?:$/);
    }
  });

  it('refuses to remove a built-in, but lets its RPC URL and name be edited (and kept)', async () => {
    const networks = await service();
    await expect(networks.remove(1)).rejects.toThrow(BuiltInNetworkError);
    const edited = await networks.update(1, { rpcUrl: 'https://rpc.example/eth', name: 'Mainnet' });
    expect(edited).toMatchObject({
      chainId: 1,
      rpcUrl: 'https://rpc.example/eth',
      name: 'Mainnet',
      builtIn: true,
    });
    const reloaded = await service();
    expect(reloaded.get(1)).toMatchObject({ rpcUrl: 'https://rpc.example/eth', name: 'Mainnet' });
    // Only the edit is stored, not a copy of the built-in.
    const stored = (await fakeBrowser.storage.local.get(NETWORKS_STORAGE_KEY))[
      NETWORKS_STORAGE_KEY
    ];
    expect((stored as { overrides: unknown }).overrides).toEqual({
      1: { rpcUrl: 'https://rpc.example/eth', name: 'Mainnet' },
    });
  });
});

describe('networks: custom networks and storage', () => {
  it('adds, updates and removes a custom network, persisted across restarts', async () => {
    const networks = await service();
    const added = await networks.add({ ...custom, blockExplorerUrl: 'https://explorer.example' });
    expect(added).toEqual({
      chainId: 1337,
      name: 'Dev 1337',
      rpcUrl: 'http://127.0.0.1:8546',
      nativeCurrency: { name: 'DEV', symbol: 'DEV', decimals: 18 },
      blockExplorerUrl: 'https://explorer.example',
    });
    await networks.update(1337, { rpcUrl: 'http://127.0.0.1:8547' });
    await networks.select(1337);

    const reloaded = await service();
    expect(reloaded.get(1337)?.rpcUrl).toBe('http://127.0.0.1:8547');
    expect(reloaded.selected().chainId).toBe(1337);

    await reloaded.remove(1337);
    expect(reloaded.get(1337)).toBeUndefined();
    expect(reloaded.selected().chainId).toBe(31337);
    expect((await service()).get(1337)).toBeUndefined();
  });

  it('drops invalid stored entries one by one and keeps the valid ones', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await fakeBrowser.storage.local.set({
      [NETWORKS_STORAGE_KEY]: {
        version: 1,
        selected: 999,
        custom: [
          {
            chainId: 1337,
            name: 'Good',
            rpcUrl: 'http://127.0.0.1:8546',
            nativeCurrency: { name: 'D', symbol: 'D', decimals: 18 },
          },
          {
            chainId: 1338,
            name: 'Bad URL',
            rpcUrl: 'javascript:alert(1)',
            nativeCurrency: { name: 'D', symbol: 'D', decimals: 18 },
          },
          {
            chainId: 1,
            name: 'Shadows a built-in',
            rpcUrl: 'https://evil.example',
            nativeCurrency: { name: 'E', symbol: 'E', decimals: 18 },
          },
          'not an object',
        ],
        overrides: {
          1: { rpcUrl: 'ftp://x' },
          10: { rpcUrl: 'https://op.example' },
          5: { rpcUrl: 'https://x.example' },
        },
        origins: { [DAPP]: 1337, [OTHER]: 4242 },
      },
    });
    const networks = await service();
    expect(networks.list().map((n) => n.chainId)).toEqual([
      1, 11155111, 8453, 10, 42161, 137, 31337, 1337,
    ]);
    expect(networks.get(1)?.rpcUrl).toBe(BUILT_IN_NETWORKS[0]?.rpcUrl);
    expect(networks.get(10)?.rpcUrl).toBe('https://op.example');
    expect(networks.selected().chainId).toBe(31337);
    expect(networks.chainOf(DAPP).chainId).toBe(1337);
    expect(networks.chainOf(OTHER).chainId).toBe(31337);
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
  });

  it('starts from the defaults when the stored format is unknown', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await fakeBrowser.storage.local.set({ [NETWORKS_STORAGE_KEY]: { version: 2, selected: 1 } });
    expect((await service()).selected().chainId).toBe(31337);
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
  });
});

describe('networks: validation (each field has its error)', () => {
  const cases: [string, Partial<Record<keyof NetworkInput, unknown>>, RegExp][] = [
    ['chain id 0', { chainId: 0 }, /"chainId" expected an integer from 1 to/],
    ['negative chain id', { chainId: -5 }, /"chainId" expected an integer from 1/],
    ['fractional chain id', { chainId: 1.5 }, /"chainId" expected an integer, got 1.5/],
    [
      'chain id as text',
      { chainId: '1337' },
      /"chainId" expected an integer, got a value of type string/,
    ],
    [
      'chain id above the EIP-155 bound',
      { chainId: MAX_CHAIN_ID + 1 },
      /"chainId" expected an integer from 1 to 4503599627370476/,
    ],
    ['unsafe chain id', { chainId: 2 ** 60 }, /"chainId" expected an integer/],
    ['empty name', { name: '   ' }, /"name" expected 1 to 64 characters, got 0 characters/],
    ['long name', { name: 'x'.repeat(65) }, /"name" expected 1 to 64 characters, got 65/],
    [
      'name with a control character',
      { name: 'a\u0007b' },
      /"name" expected text without control characters/,
    ],
    ['name that is not text', { name: 7 }, /"name" expected a string/],
    [
      'ftp RPC URL',
      { rpcUrl: 'ftp://127.0.0.1/' },
      /"rpcUrl" expected an http\(s\) URL, got "ftp:"/,
    ],
    [
      'javascript: RPC URL',
      { rpcUrl: 'javascript:alert(1)' },
      /"rpcUrl" expected an http\(s\) URL/,
    ],
    ['relative RPC URL', { rpcUrl: '/rpc' }, /"rpcUrl" expected an absolute http\(s\) URL/],
    [
      'very long RPC URL',
      { rpcUrl: `https://a.example/${'x'.repeat(2100)}` },
      /"rpcUrl" expected a URL of 1 to 2048/,
    ],
    ['empty symbol', { symbol: '' }, /"symbol" expected 1 to 12 characters/],
    ['long symbol', { symbol: 'ABCDEFGHIJKLM' }, /"symbol" expected 1 to 12 characters/],
    ['symbol with a space', { symbol: 'A B' }, /"symbol" expected a symbol without spaces/],
    [
      'explorer that is not http(s)',
      { blockExplorerUrl: 'data:text/html,x' },
      /"blockExplorerUrl" expected an http\(s\) URL/,
    ],
  ];
  for (const [what, patch, message] of cases)
    it(`add refuses a ${what}`, async () => {
      const networks = await service();
      const attempt = networks.add({ ...custom, ...patch } as NetworkInput);
      await expect(attempt).rejects.toThrow(InvalidNetworkFieldError);
      await expect(attempt).rejects.toThrow(message);
      expect(networks.get(1337)).toBeUndefined();
    });

  // Hostile values, as noble's getTypeTests: every one is refused with a field error, none throws
  // anything else and none is stored.
  const hostile: unknown[] = [
    undefined,
    null,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    1e308,
    true,
    {},
    [],
    ['https://a.example'],
    { toString: () => 'https://a.example' },
    new String('https://a.example'),
    Symbol('x'),
    10n,
  ];
  for (const field of ['chainId', 'name', 'rpcUrl', 'symbol'] as const)
    it(`add refuses hostile values for ${field}`, async () => {
      const networks = await service();
      for (const value of hostile) {
        if (field === 'chainId' && value === undefined) continue; // covered below
        await expect(networks.add({ ...custom, [field]: value } as NetworkInput)).rejects.toThrow(
          InvalidNetworkFieldError,
        );
      }
      await expect(
        networks.add({ ...custom, chainId: undefined } as unknown as NetworkInput),
      ).rejects.toThrow(InvalidNetworkFieldError);
      expect(networks.list()).toHaveLength(BUILT_IN_NETWORKS.length);
    });

  it('add refuses a chain id that is already configured', async () => {
    const networks = await service();
    await expect(networks.add({ ...custom, chainId: 1 })).rejects.toThrow(NetworkExistsError);
    await expect(networks.add({ ...custom, chainId: 1 })).rejects.toThrow(
      'Chain id 1 is already configured as "Ethereum".',
    );
  });

  it('update, select, switchOrigin and remove refuse unknown chains; update refuses a bad URL', async () => {
    const networks = await service();
    await expect(networks.update(999, { rpcUrl: 'https://x.example' })).rejects.toThrow(
      UnknownNetworkError,
    );
    await expect(networks.select(999)).rejects.toThrow(
      'No network with chain id 999 is configured.',
    );
    await expect(networks.switchOrigin(DAPP, 999)).rejects.toThrow(UnknownNetworkError);
    await expect(networks.remove(999)).rejects.toThrow(UnknownNetworkError);
    await expect(networks.select(0)).rejects.toThrow(InvalidNetworkFieldError);
    await expect(networks.update(1, { rpcUrl: 'ws://127.0.0.1:8545' })).rejects.toThrow(
      '"rpcUrl" expected an http(s) URL, got "ws:"',
    );
    await expect(networks.update(1, { name: '' })).rejects.toThrow(InvalidNetworkFieldError);
    await expect(networks.switchOrigin('', 1)).rejects.toThrow(
      '"origin" expected a non-empty origin',
    );
    expect(networks.get(1)?.rpcUrl).toBe(BUILT_IN_NETWORKS[0]?.rpcUrl);
  });
});

describe('networks: the chain of each origin', () => {
  it('an origin follows the selected network until it switches; switching emits chainChanged to it only', async () => {
    const events = recordingEvents([DAPP, OTHER]);
    const networks = await service(events);
    expect(networks.chainOf(DAPP).chainId).toBe(31337);

    await networks.switchOrigin(DAPP, 1);
    expect(networks.chainOf(DAPP).chainId).toBe(1);
    expect(networks.chainOf(OTHER).chainId).toBe(31337);
    expect(events.log).toEqual([{ to: { origin: DAPP }, event: 'chainChanged', data: '0x1' }]);

    // Already there: no event.
    await networks.switchOrigin(DAPP, 1);
    expect(events.log).toHaveLength(1);
    expect((await service()).chainOf(DAPP).chainId).toBe(1);
  });

  it('select moves the popup and the origins that follow it, not the ones that chose a chain', async () => {
    const events = recordingEvents([DAPP, OTHER]);
    const networks = await service(events);
    await networks.switchOrigin(DAPP, 1);
    events.log.length = 0;

    await networks.select(8453);
    expect(networks.selected().chainId).toBe(8453);
    expect(networks.chainOf(OTHER).chainId).toBe(8453);
    expect(networks.chainOf(DAPP).chainId).toBe(1);
    expect(events.log).toEqual([{ to: { origin: OTHER }, event: 'chainChanged', data: '0x2105' }]);
  });

  it('removing a network moves its origins (and the popup) back, with chainChanged', async () => {
    const events = recordingEvents([DAPP, OTHER]);
    const networks = await service(events);
    await networks.add(custom);
    await networks.select(1337);
    await networks.switchOrigin(DAPP, 1337);
    events.log.length = 0;

    await networks.remove(1337);
    expect(networks.selected().chainId).toBe(31337);
    expect(networks.chainOf(DAPP).chainId).toBe(31337);
    expect(events.log).toEqual([
      { to: { origin: DAPP }, event: 'chainChanged', data: '0x7a69' },
      { to: { origin: OTHER }, event: 'chainChanged', data: '0x7a69' },
    ]);
  });

  it('forgetOrigin puts an origin back on the selected network', async () => {
    const events = recordingEvents([DAPP]);
    const networks = await service(events);
    await networks.switchOrigin(DAPP, 10);
    await networks.forgetOrigin(DAPP);
    expect(networks.chainOf(DAPP).chainId).toBe(31337);
    expect(events.log.at(-1)).toEqual({
      to: { origin: DAPP },
      event: 'chainChanged',
      data: '0x7a69',
    });
  });

  it('tells onChange listeners after each stored change', async () => {
    const networks = await service();
    const changed = vi.fn();
    networks.onChange(changed);
    await networks.select(1);
    await networks.add(custom);
    await expect(networks.remove(1)).rejects.toThrow();
    expect(changed).toHaveBeenCalledTimes(2);
  });
});

describe('networks: request (viem HTTP transport)', () => {
  it('forwards to the chain RPC (anvil) and returns its result', async () => {
    const networks = await service(recordingEvents(), { builtIns: [networkAt(31337, anvil.url)] });
    expect(await networks.request(31337, 'eth_chainId')).toBe('0x7a69');
    expect(
      await networks.request(31337, 'eth_getBalance', [
        '0x0000000000000000000000000000000000000000',
        'latest',
      ]),
    ).toMatch(/^0x/);
  });

  it("keeps a node's JSON-RPC error: code, message and data (anvil)", async () => {
    const networks = await service(recordingEvents(), { builtIns: [networkAt(31337, anvil.url)] });
    const error = await rejection(networks.request(31337, 'eth_getBalance', ['not an address']));
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error.code).toBe(-32602);
    expect(error.message).toMatch(/invalid|Failed to deserialize/i);
  });

  it("keeps a node's error data, also on a non-2xx HTTP status", async () => {
    const networks = await service(recordingEvents(), {
      builtIns: [networkAt(5, scripted.url, 'Scripted')],
    });
    scripted.setReply(() => ({
      body: { error: { code: 3, message: 'execution reverted', data: '0x08c379a0' } },
    }));
    await expect(networks.request(5, 'eth_call', [{}])).rejects.toMatchObject({
      code: 3,
      message: 'execution reverted',
      data: '0x08c379a0',
    });
    scripted.setReply(() => ({
      status: 429,
      body: { error: { code: -32005, message: 'rate limited' } },
    }));
    await expect(networks.request(5, 'eth_blockNumber')).rejects.toMatchObject({
      code: -32005,
      message: 'rate limited',
    });
  });

  it('a chain that cannot be reached is 4901 naming the chain, never its URL', async () => {
    const url = await deadUrl();
    const networks = await service(recordingEvents(), { builtIns: [networkAt(7, url, 'Gone')] });
    const error = await rejection(networks.request(7, 'eth_blockNumber'));
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error.code).toBe(4901);
    expect(error.message).toBe('The RPC of Gone (chain id 7) cannot be reached.');
    expect(JSON.stringify(error.serialize())).not.toContain(url);
  });

  it('a silent RPC times out as 4901', async () => {
    const networks = await service(recordingEvents(), {
      builtIns: [networkAt(5, scripted.url, 'Scripted')],
      rpcTimeoutMs: 200,
    });
    scripted.setReply(() => ({ hang: true }));
    await expect(networks.request(5, 'eth_blockNumber')).rejects.toMatchObject({
      code: 4901,
      message: 'The RPC of Scripted (chain id 5) did not answer in time.',
    });
  });

  it('an HTTP error page, a non-JSON-RPC body or a missing result is 4901', async () => {
    const networks = await service(recordingEvents(), {
      builtIns: [networkAt(5, scripted.url, 'Scripted')],
    });
    scripted.setReply(() => ({ raw: 'Bad Gateway', status: 502 }));
    await expect(networks.request(5, 'eth_blockNumber')).rejects.toMatchObject({
      code: 4901,
      message: 'The RPC of Scripted (chain id 5) answered HTTP 502.',
    });
    scripted.setReply(() => ({ raw: '[1,2]', status: 200, contentType: 'application/json' }));
    await expect(networks.request(5, 'eth_blockNumber')).rejects.toMatchObject({
      code: 4901,
      message: 'The RPC of Scripted (chain id 5) did not answer with a JSON-RPC response.',
    });
    scripted.setReply(() => ({ body: {} }));
    await expect(networks.request(5, 'eth_blockNumber')).rejects.toMatchObject({
      code: 4901,
      message: 'The RPC of Scripted (chain id 5) answered without a result.',
    });
  });

  it('a chain the wallet does not know is 4901', async () => {
    const networks = await service();
    await expect(networks.request(424242, 'eth_blockNumber')).rejects.toMatchObject({ code: 4901 });
  });
});

describe('networks: probeChainId', () => {
  it("reads an RPC URL's chain id", async () => {
    const networks = await service();
    expect(await networks.probeChainId(anvil.url)).toBe(31337);
  });

  it('refuses a bad URL, a dead RPC, an error and an answer that is not a chain id', async () => {
    const networks = await service(recordingEvents(), { rpcTimeoutMs: 500 });
    await expect(networks.probeChainId('file:///etc/passwd')).rejects.toThrow(
      InvalidNetworkFieldError,
    );
    await expect(networks.probeChainId(await deadUrl())).rejects.toThrow(
      'The RPC URL did not answer eth_chainId: it cannot be reached',
    );
    scripted.setReply(() => ({ body: { error: { code: -32601, message: 'no such method' } } }));
    await expect(networks.probeChainId(scripted.url)).rejects.toThrow(
      'The RPC URL did not answer eth_chainId: it answered error -32601 (no such method)',
    );
    for (const result of ['1337', '0x', 42, '0x0', '0xzz']) {
      scripted.setReply(() => ({ body: { result } }));
      await expect(networks.probeChainId(scripted.url)).rejects.toThrow(RpcUnreachableError);
    }
  });
});
