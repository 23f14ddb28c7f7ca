import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { WalletError } from '../../../background/errors';
import type { Services } from '../../../background/rpc/types';
import { createNetworksService, type NetworksService } from '../../../background/services/networks';
import { networksUiHandlers as ui } from '../../../background/ui/networks';
import {
  type Anvil,
  deadUrl,
  networkAt,
  recordingEvents,
  type ScriptedServer,
  startAnvil,
  startScriptedServer,
} from '../support/chain-node';

let anvil: Anvil;
let scripted: ScriptedServer;
let networks: NetworksService;
let services: Services;

beforeAll(async () => {
  anvil = await startAnvil(1338);
  scripted = await startScriptedServer(() => ({ body: { result: '0x1' } }));
});
afterAll(async () => {
  await anvil?.stop();
  await scripted?.close();
});
beforeEach(async () => {
  fakeBrowser.reset();
  scripted.calls.length = 0;
  networks = createNetworksService(recordingEvents(), {
    builtIns: [
      networkAt(1, scripted.url, 'Ethereum'),
      networkAt(31337, 'http://127.0.0.1:8545', 'Localhost 8545'),
    ],
    defaultChainId: 31337,
    rpcTimeoutMs: 2000,
  });
  services = { networks } as unknown as Services;
});

const add = (patch: Record<string, unknown> = {}) =>
  ui.addNetwork(
    {
      type: 'addNetwork',
      chainId: 1338,
      name: 'Dev 1338',
      rpcUrl: anvil.url,
      symbol: 'ETH',
      ...patch,
    },
    services,
  );

async function walletError(promise: Promise<unknown>): Promise<WalletError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WalletError);
    return error as WalletError;
  }
  throw new Error('expected a WalletError');
}

describe('popup network requests', () => {
  it('lists networks as views', async () => {
    expect(await ui.listNetworks({ type: 'listNetworks' }, services)).toEqual([
      { chainId: 1, name: 'Ethereum', symbol: 'ETH', rpcUrl: scripted.url, builtIn: true },
      {
        chainId: 31337,
        name: 'Localhost 8545',
        symbol: 'ETH',
        rpcUrl: 'http://127.0.0.1:8545',
        builtIn: true,
      },
    ]);
  });

  it('adds a network whose RPC serves its chain id, then selects and removes it', async () => {
    expect(await add({ blockExplorerUrl: 'https://explorer.example' })).toEqual({
      chainId: 1338,
      name: 'Dev 1338',
      symbol: 'ETH',
      rpcUrl: anvil.url,
      blockExplorerUrl: 'https://explorer.example',
      builtIn: false,
    });
    await ui.selectNetwork({ type: 'selectNetwork', chainId: 1338 }, services);
    expect(networks.selected().chainId).toBe(1338);
    await ui.removeNetwork({ type: 'removeNetwork', chainId: 1338 }, services);
    expect(networks.get(1338)).toBeUndefined();
  });

  it('refuses an RPC that serves another chain (InvalidInput)', async () => {
    const error = await walletError(add({ chainId: 1339 }));
    expect(error.code).toBe('InvalidInput');
    expect(error.message).toBe('The RPC URL serves chain id 1338, not chain id 1339.');
    expect(networks.get(1339)).toBeUndefined();
  });

  it('refuses an RPC that does not answer (ChainError)', async () => {
    const error = await walletError(add({ rpcUrl: await deadUrl() }));
    expect(error.code).toBe('ChainError');
    expect(error.message).toMatch(/^The RPC URL did not answer eth_chainId/);
  });

  it('checks every field before contacting any RPC (InvalidInput)', async () => {
    for (const patch of [
      { chainId: 0 },
      { name: '' },
      { symbol: 'WAY TOO LONG SYMBOL' },
      { rpcUrl: 'ftp://127.0.0.1' },
      { blockExplorerUrl: 'javascript:alert(1)' },
      { chainId: 1, rpcUrl: scripted.url },
    ]) {
      const error = await walletError(add(patch));
      expect(error.code).toBe('InvalidInput');
    }
    expect(scripted.calls).toEqual([]);
  });

  it('update probes a new RPC URL and refuses a mismatch; a rename alone does not probe', async () => {
    const mismatch = await walletError(
      ui.updateNetwork({ type: 'updateNetwork', chainId: 1, rpcUrl: anvil.url }, services),
    );
    expect(mismatch).toMatchObject({
      code: 'InvalidInput',
      message: 'The RPC URL serves chain id 1338, not chain id 1.',
    });

    const renamed = await ui.updateNetwork(
      { type: 'updateNetwork', chainId: 1, rpcUrl: scripted.url, name: 'Mainnet' },
      services,
    );
    expect(renamed).toMatchObject({ name: 'Mainnet', rpcUrl: scripted.url });
    expect(scripted.calls).toEqual([]);

    const moved = await ui.updateNetwork(
      { type: 'updateNetwork', chainId: 1, rpcUrl: `${scripted.url}/v2` },
      services,
    );
    expect(moved.rpcUrl).toBe(`${scripted.url}/v2`);
    expect(scripted.calls).toEqual(['eth_chainId']);
  });

  it('answers NotFound for unknown networks and InvalidInput for built-ins and bad ids', async () => {
    expect(
      (
        await walletError(
          ui.updateNetwork({ type: 'updateNetwork', chainId: 77, rpcUrl: anvil.url }, services),
        )
      ).code,
    ).toBe('NotFound');
    expect(
      (await walletError(ui.selectNetwork({ type: 'selectNetwork', chainId: 77 }, services))).code,
    ).toBe('NotFound');
    expect(
      (await walletError(ui.removeNetwork({ type: 'removeNetwork', chainId: 77 }, services))).code,
    ).toBe('NotFound');
    const builtIn = await walletError(
      ui.removeNetwork({ type: 'removeNetwork', chainId: 1 }, services),
    );
    expect(builtIn).toMatchObject({
      code: 'InvalidInput',
      message: '"Ethereum" is built in and cannot be removed; its RPC URL can be edited.',
    });
    expect(
      (await walletError(ui.selectNetwork({ type: 'selectNetwork', chainId: -1 }, services))).code,
    ).toBe('InvalidInput');
    expect(
      (
        await walletError(
          ui.updateNetwork({ type: 'updateNetwork', chainId: 1, rpcUrl: 'nope' }, services),
        )
      ).code,
    ).toBe('InvalidInput');
  });
});
