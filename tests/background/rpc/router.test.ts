import { providerErrors } from '@metamask/rpc-errors';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createServices } from '../../../background/index';
import { routeRequest } from '../../../background/rpc/router';
import type { MethodTable, Services } from '../../../background/rpc/types';
import { memoryVaultStore } from '../../../background/services/vault-store';

const context = { origin: 'http://127.0.0.1:9011' };
const noWindow = { open: async () => {}, close: async () => {}, onClosed: () => {} };
let services: Services;

beforeEach(() => {
  fakeBrowser.reset();
  // The chain is unreachable (nothing listens on port 1): forwarded methods fail with 4901.
  services = createServices({
    store: memoryVaultStore(),
    opener: noWindow,
    networks: {
      builtIns: [
        {
          chainId: 31337,
          name: 'Localhost',
          rpcUrl: 'http://127.0.0.1:1',
          nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        },
      ],
      defaultChainId: 31337,
    },
  });
});
afterEach(() => vi.restoreAllMocks());

describe('RPC router', () => {
  it("answers eth_chainId with the origin's chain in hex", async () => {
    expect(await routeRequest({ method: 'eth_chainId' }, context, services)).toEqual({
      ok: true,
      result: '0x7a69',
    });
    const mainnet = createServices({
      store: memoryVaultStore(),
      opener: noWindow,
      networks: {
        builtIns: [
          {
            chainId: 1,
            name: 'Ethereum',
            rpcUrl: 'http://127.0.0.1:1',
            nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
          },
        ],
        defaultChainId: 1,
      },
    });
    await mainnet.networks.ready;
    expect(await routeRequest({ method: 'eth_chainId' }, context, mainnet)).toEqual({
      ok: true,
      result: '0x1',
    });
  });

  it('refuses account-bound methods from an origin that is not connected (4100)', async () => {
    const outcome = await routeRequest(
      { method: 'eth_sendTransaction', params: [{}] },
      context,
      services,
    );
    expect(outcome).toMatchObject({ ok: false, error: { code: 4100 } });
  });

  it('rejects an unknown wallet method with EIP-1193 4200, naming the method', async () => {
    expect(await routeRequest({ method: 'wallet_unknownThing' }, context, services)).toEqual({
      ok: false,
      error: {
        code: 4200,
        message: 'The method "wallet_unknownThing" is not supported by CKM Wallet.',
      },
    });
  });

  it('does not treat inherited object keys as methods', async () => {
    // Not in the table, so they are the chain's business (forwarded, and here the chain is down).
    for (const method of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const outcome = await routeRequest({ method }, context, services);
      // `__proto__` is not even a method name (4200); the others go to the dead chain (4901).
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect([4200, 4901]).toContain(outcome.error.code);
    }
  });

  it('passes a deliberate RPC error through with its code and data', async () => {
    const methods: MethodTable = {
      test_reject: {
        policy: 'public',
        handle: () => {
          throw providerErrors.userRejectedRequest({ data: { why: 'test' } });
        },
      },
    };
    expect(await routeRequest({ method: 'test_reject' }, context, services, methods)).toEqual({
      ok: false,
      error: { code: 4001, message: 'User rejected the request.', data: { why: 'test' } },
    });
  });

  it('turns any other failure into -32603 without leaking its message to the page', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const methods: MethodTable = {
      test_crash: {
        policy: 'public',
        handle: async () => {
          throw new Error('secret internal detail');
        },
      },
    };
    const outcome = await routeRequest({ method: 'test_crash' }, context, services, methods);
    expect(outcome).toEqual({
      ok: false,
      error: { code: -32603, message: 'Internal JSON-RPC error.' },
    });
    expect(JSON.stringify(outcome)).not.toContain('secret');
    expect(logged).toHaveBeenCalledOnce();
  });
});
