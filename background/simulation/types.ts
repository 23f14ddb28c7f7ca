/**
 * What the simulation strategies share: the call to simulate, the RPC they ask, and what each
 * returns before the account's changes are netted and named.
 * @module
 */
import type { Address, Hex } from 'viem';
import type { Movement } from './balance-changes';

/** `rpc(method, params)`: one JSON-RPC request to the chain (the wallet's `networks.request`). */
export type Rpc = (method: string, params: unknown[]) => Promise<unknown>;

/** The transaction to simulate, as the prompt would send it. */
export type SimulatedCall = {
  readonly from: Address;
  /** Absent for a contract creation. */
  readonly to?: Address;
  readonly value: bigint;
  readonly data: Hex;
  readonly gas?: bigint;
};

/** One strategy's result: every transfer the transaction would make, or why it would fail. */
export type StrategyResult =
  | { readonly status: 'ok'; readonly movements: readonly Movement[] }
  | { readonly status: 'reverted'; readonly reason: string };

/** The JSON-RPC call object both methods take. */
export function callObject(call: SimulatedCall): Record<string, Hex> {
  return {
    from: call.from,
    ...(call.to !== undefined ? { to: call.to } : {}),
    value: `0x${call.value.toString(16)}`,
    data: call.data,
    ...(call.gas !== undefined ? { gas: `0x${call.gas.toString(16)}` as Hex } : {}),
  };
}
