/**
 * The popup's network requests (`ui-api.ts`): list, select, add, edit and remove networks.
 * Merged into the popup's handler table by `ui-handlers.ts`.
 *
 * A new RPC URL (added, or edited) is asked `eth_chainId` before it is stored, and refused when it
 * serves another chain or does not answer: a typo in a URL must not silently send the user's
 * transactions to the wrong chain. Renaming alone does not contact the RPC.
 *
 * Failures are `WalletError`s: `InvalidInput` (a field, a chain id that is taken, a built-in that
 * cannot be removed, an RPC serving another chain), `NotFound` (no such network) and `ChainError`
 * (the RPC did not answer), each with the service's sentence.
 * @module
 */
import { WalletError } from '../errors';
import type { Services } from '../rpc/types';
import {
  assertChainId,
  checkNetworkInput,
  checkText,
  checkUrl,
  MAX_NAME_LENGTH,
  type Network,
  NetworkError,
  RpcChainIdMismatchError,
  RpcUnreachableError,
  UnknownNetworkError,
} from '../services/networks';
import type { NetworkView, UiReplies, UiRequest } from '../ui-api';

type NetworkRequestType =
  | 'listNetworks'
  | 'selectNetwork'
  | 'addNetwork'
  | 'updateNetwork'
  | 'removeNetwork';

export type NetworksUiHandlers = {
  readonly [K in NetworkRequestType]: (
    request: Extract<UiRequest, { type: K }>,
    services: Services,
  ) => Promise<UiReplies[K]>;
};

/** A network as the popup shows it. */
export function toNetworkView(network: Network): NetworkView {
  return {
    chainId: network.chainId,
    name: network.name,
    symbol: network.nativeCurrency.symbol,
    rpcUrl: network.rpcUrl,
    ...(network.blockExplorerUrl ? { blockExplorerUrl: network.blockExplorerUrl } : {}),
    builtIn: network.builtIn === true,
  };
}

/** A networks-service error in the popup's vocabulary; anything else is left as it is. */
function toWalletError(error: unknown): unknown {
  if (!(error instanceof NetworkError)) return error;
  if (error instanceof UnknownNetworkError) return new WalletError('NotFound', error.message);
  if (error instanceof RpcUnreachableError) return new WalletError('ChainError', error.message);
  return new WalletError('InvalidInput', error.message);
}

async function mapped<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toWalletError(error);
  }
}

/** Refuses an RPC URL that does not serve `chainId`. */
async function assertServes(services: Services, rpcUrl: string, chainId: number): Promise<void> {
  const served = await services.networks.probeChainId(rpcUrl);
  if (served !== chainId) throw new RpcChainIdMismatchError(chainId, served);
}

export const networksUiHandlers: NetworksUiHandlers = {
  listNetworks: (_request, { networks }) =>
    mapped(async () => {
      await networks.ready;
      return networks.list().map(toNetworkView);
    }),

  selectNetwork: (request, { networks }) =>
    mapped(async () => {
      await networks.select(request.chainId);
      return {};
    }),

  addNetwork: (request, services) =>
    mapped(async () => {
      const { networks } = services;
      await networks.ready;
      // Every field first, so a bad one is reported before any URL is fetched.
      const network = checkNetworkInput({
        chainId: request.chainId,
        name: request.name,
        rpcUrl: request.rpcUrl,
        symbol: request.symbol,
        ...(request.blockExplorerUrl === undefined
          ? {}
          : { blockExplorerUrl: request.blockExplorerUrl }),
      });
      const existing = networks.get(network.chainId);
      if (existing)
        throw new WalletError(
          'InvalidInput',
          `Chain id ${network.chainId} is already configured as "${existing.name}".`,
        );
      await assertServes(services, network.rpcUrl, network.chainId);
      return toNetworkView(
        await networks.add({
          chainId: network.chainId,
          name: network.name,
          rpcUrl: network.rpcUrl,
          symbol: network.nativeCurrency.symbol,
          ...(network.blockExplorerUrl === undefined
            ? {}
            : { blockExplorerUrl: network.blockExplorerUrl }),
        }),
      );
    }),

  updateNetwork: (request, services) =>
    mapped(async () => {
      const { networks } = services;
      await networks.ready;
      assertChainId(request.chainId);
      const rpcUrl = checkUrl(request.rpcUrl, 'rpcUrl');
      const name =
        request.name === undefined ? undefined : checkText(request.name, 'name', MAX_NAME_LENGTH);
      const current = networks.get(request.chainId);
      if (!current) throw new UnknownNetworkError(request.chainId);
      if (rpcUrl !== current.rpcUrl) await assertServes(services, rpcUrl, request.chainId);
      return toNetworkView(
        await networks.update(request.chainId, { rpcUrl, ...(name === undefined ? {} : { name }) }),
      );
    }),

  removeNetwork: (request, { networks }) =>
    mapped(async () => {
      await networks.remove(request.chainId);
      return {};
    }),
};
