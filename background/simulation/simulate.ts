/**
 * The balance-change preview of a transaction (issue #8): what the signing account would send
 * and receive, from the chain, before the user approves.
 *
 * Strategy: `eth_simulateV1` first (one call, native transfers as logs); when the node does not
 * offer it or refuses it, `debug_traceCall` with the call tracer; when neither works the preview
 * is `unavailable` with the reason, so that the prompt says "could not simulate" instead of
 * showing nothing. A node that answers garbage, an RPC that is down, or the time budget running
 * out (`timeoutMs`, 4 s by default, for the whole preview) end in `unavailable` too, without
 * trying the other method: it would meet the same node.
 *
 * `simulateBalanceChanges` never throws: a preview is advice, and preparing the transaction must
 * not fail because of it.
 * @module
 */
import type { Address, Hex } from 'viem';
import type { SimulationPreview, TransactionInsight } from '../decode/types';
import { simulationReverted } from '../decode/warnings';
import { netChanges, toBalanceChange } from './balance-changes';
import { SimulationError } from './errors';
import { simulateV1 } from './simulate-v1';
import { readTokenMetadata, type TokenMetadataCache } from './token-metadata';
import { traceCall } from './trace-call';
import type { Rpc, SimulatedCall, StrategyResult } from './types';

export const DEFAULT_SIMULATION_TIMEOUT_MS = 4000;

/** The reason a prompt gives when the chain offers neither method. */
export const CANNOT_SIMULATE =
  'This network cannot simulate transactions (it has neither eth_simulateV1 nor debug_traceCall).';

export type SimulateBalanceChangesParameters = {
  /** One JSON-RPC request to the chain: `(method, params) => networks.request(chainId, …)`. */
  readonly rpc: Rpc;
  readonly chainId: number;
  /** The signing account: only its changes are shown. */
  readonly from: Address;
  readonly tx: {
    readonly to?: Address;
    readonly value: bigint;
    readonly data: Hex;
    readonly gas?: bigint;
  };
  /** Budget for the whole preview, token names included. */
  readonly timeoutMs?: number;
  /** The chain's native currency symbol ("ETH", "POL"). */
  readonly nativeSymbol?: string;
  /** Where token names are remembered (tests pass their own). */
  readonly metadataCache?: TokenMetadataCache;
};

/** An RPC that gives up at `deadline`, failing with `TimedOut`. */
function withDeadline(rpc: Rpc, deadline: number, timeoutMs: number): Rpc {
  return (method, params) => {
    const left = deadline - Date.now();
    const late = () =>
      new SimulationError(
        'TimedOut',
        `The network did not answer the simulation within ${timeoutMs / 1000} s.`,
      );
    if (left <= 0) return Promise.reject(late());
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      rpc(method, params),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(late()), left);
      }),
    ]).finally(() => clearTimeout(timer));
  };
}

/** `eth_simulateV1`, then `debug_traceCall` when the first is missing or refused. */
async function runStrategies(
  rpc: Rpc,
  call: SimulatedCall,
): Promise<{ method: 'eth_simulateV1' | 'debug_traceCall'; result: StrategyResult }> {
  let first: SimulationError;
  try {
    return { method: 'eth_simulateV1', result: await simulateV1(rpc, call) };
  } catch (error) {
    if (!(error instanceof SimulationError)) throw error;
    if (error.code !== 'MethodMissing' && error.code !== 'NodeRefused') throw error;
    first = error;
  }
  try {
    return { method: 'debug_traceCall', result: await traceCall(rpc, call) };
  } catch (error) {
    if (!(error instanceof SimulationError) || error.code !== 'MethodMissing') throw error;
    // The trace is missing: the first method's own refusal says more, when it had one.
    throw first.code === 'MethodMissing'
      ? new SimulationError('MethodMissing', CANNOT_SIMULATE)
      : first;
  }
}

/**
 * The signing account's balance changes if `tx` were mined now, or why they are not known.
 * @example
 * await simulateBalanceChanges({ rpc, chainId: 1, from, tx: { to, value: 10n ** 18n, data: '0x' } })
 * // → { status: 'ok', method: 'eth_simulateV1',
 * //     changes: [{ standard: 'native', symbol: 'ETH', amount: '-1000000000000000000', display: '−1 ETH', … }] }
 */
export async function simulateBalanceChanges(
  params: SimulateBalanceChangesParameters,
): Promise<SimulationPreview> {
  const timeoutMs = params.timeoutMs ?? DEFAULT_SIMULATION_TIMEOUT_MS;
  const rpc = withDeadline(params.rpc, Date.now() + timeoutMs, timeoutMs);
  try {
    const call: SimulatedCall = { from: params.from, ...params.tx };
    const { method, result } = await runStrategies(rpc, call);
    if (result.status === 'reverted') return { status: 'reverted', method, reason: result.reason };
    const nets = netChanges(result.movements, params.from);
    const metadata = await readTokenMetadata({
      rpc,
      chainId: params.chainId,
      tokens: nets.flatMap((c) => (c.token ? [{ address: c.token, standard: c.standard }] : [])),
      ...(params.metadataCache ? { cache: params.metadataCache } : {}),
    });
    const nativeSymbol = params.nativeSymbol ?? 'ETH';
    return {
      status: 'ok',
      method,
      changes: nets.map((c) =>
        toBalanceChange(c, (c.token && metadata.get(c.token)) || {}, nativeSymbol),
      ),
    };
  } catch (error) {
    return {
      status: 'unavailable',
      reason:
        error instanceof SimulationError
          ? error.message
          : 'The simulation failed unexpectedly; check the transaction yourself.',
    };
  }
}

/** The insight with its preview, and the `simulation-reverted` warning when it would fail. */
export function withPreview(
  insight: TransactionInsight,
  preview: SimulationPreview,
): TransactionInsight {
  return {
    ...insight,
    ...(preview.status === 'reverted'
      ? { warnings: [...insight.warnings, simulationReverted(preview.reason)] }
      : {}),
    preview,
  };
}
