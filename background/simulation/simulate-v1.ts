/**
 * Simulation with `eth_simulateV1` (execution-apis, "eth_simulateV1"; geth ≥ 1.14.9, reth,
 * anvil): one block with one call, `traceTransfers: true` so that native value shows up as
 * `Transfer` logs from 0xEeee…EEeE, and `validation: false` so that the simulation does not
 * need a fee or nonce the prompt may still change.
 * @see https://github.com/ethereum/execution-apis/blob/main/src/eth/execute.yaml
 * @module
 */
import type { Hex } from 'viem';
import { movementsOfLog } from './balance-changes';
import { malformed, rpcFailure } from './errors';
import { cleanText, revertReason } from './revert-reason';
import { assertRecord, isRecord, readArray, readBytes, readLog } from './rpc-answer';
import { callObject, type Rpc, type SimulatedCall, type StrategyResult } from './types';

const METHOD = 'eth_simulateV1';

/**
 * Simulates `call` on the latest block with `eth_simulateV1`.
 * @throws SimulationError (MethodMissing when the node lacks the method; see `rpcFailure`).
 */
export async function simulateV1(rpc: Rpc, call: SimulatedCall): Promise<StrategyResult> {
  let answer: unknown;
  try {
    answer = await rpc(METHOD, [
      {
        blockStateCalls: [{ calls: [callObject(call)] }],
        traceTransfers: true,
        validation: false,
      },
      'latest',
    ]);
  } catch (error) {
    throw rpcFailure(error, METHOD, cleanText);
  }
  return readSimulateAnswer(answer);
}

/** The one call's result from the answer's one block, checked field by field. */
export function readSimulateAnswer(answer: unknown): StrategyResult {
  const blocks = readArray(answer, METHOD, 'result');
  if (blocks.length !== 1) throw malformed(METHOD, 'result', 'one block');
  const block = blocks[0];
  assertRecord(block, METHOD, 'result[0]');
  const calls = readArray(block.calls, METHOD, 'result[0].calls');
  if (calls.length !== 1) throw malformed(METHOD, 'result[0].calls', 'one call');
  const result = calls[0];
  assertRecord(result, METHOD, 'calls[0]');
  const returnData: Hex =
    result.returnData === undefined ? '0x' : readBytes(result.returnData, METHOD, 'returnData');
  if (result.status === '0x0') {
    if (returnData !== '0x') return { status: 'reverted', reason: revertReason(returnData) };
    const message = isRecord(result.error) ? result.error.message : undefined;
    const said = typeof message === 'string' ? cleanText(message) : '';
    return {
      status: 'reverted',
      reason: said ? `The transaction would fail: ${said}.` : revertReason('0x'),
    };
  }
  if (result.status !== '0x1') throw malformed(METHOD, 'calls[0].status', '"0x1" or "0x0"');
  const logs = readArray(result.logs, METHOD, 'calls[0].logs');
  return {
    status: 'ok',
    movements: logs.flatMap((log, i) => movementsOfLog(readLog(log, METHOD, `logs[${i}]`))),
  };
}
