import { providerErrors } from '@metamask/rpc-errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { routeRequest } from '../../../background/rpc/router';
import type { MethodTable, Services } from '../../../background/rpc/types';
import { createNetworksService } from '../../../background/services/networks';

const services: Services = { networks: createNetworksService() };
const context = { origin: 'http://127.0.0.1:9011' };

afterEach(() => vi.restoreAllMocks());

describe('RPC router', () => {
  it('answers eth_chainId with the current chain in hex', async () => {
    expect(await routeRequest({ method: 'eth_chainId' }, context, services)).toEqual({
      ok: true,
      result: '0x7a69',
    });
    const mainnet = createNetworksService({
      chainId: 1,
      name: 'Ethereum',
      rpcUrl: 'http://127.0.0.1:1',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    });
    expect(await routeRequest({ method: 'eth_chainId' }, context, { networks: mainnet })).toEqual({
      ok: true,
      result: '0x1',
    });
  });

  it('rejects an unknown method with EIP-1193 4200, naming the method', async () => {
    expect(await routeRequest({ method: 'eth_unknownThing' }, context, services)).toEqual({
      ok: false,
      error: {
        code: 4200,
        message: 'The method "eth_unknownThing" is not supported by CKM Wallet.',
      },
    });
  });

  it('does not treat inherited object keys as methods', async () => {
    for (const method of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const outcome = await routeRequest({ method }, context, services);
      expect(outcome).toMatchObject({ ok: false, error: { code: 4200 } });
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
