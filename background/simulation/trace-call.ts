/**
 * Simulation with `debug_traceCall` and geth's built-in `callTracer` with `withLog: true`, for
 * nodes without `eth_simulateV1`. The call tree gives native value per frame, and each frame
 * its own logs.
 *
 * Walking the tree: a frame with `error` reverted, so its value and logs, and everything below
 * it, did not happen. Value moves in CALL, CREATE, CREATE2 and SELFDESTRUCT frames; DELEGATECALL
 * and STATICCALL move none, and CALLCODE runs another's code with the value staying in the
 * caller (geth's tracer still prints the value, so it is skipped on purpose).
 * @see https://geth.ethereum.org/docs/developers/evm-tracing/built-in-tracers#call-tracer
 * @module
 */
import type { Hex } from 'viem';
import type { Movement } from './balance-changes';
import { movementsOfLog } from './balance-changes';
import { malformed, rpcFailure } from './errors';
import { cleanText, revertReason } from './revert-reason';
import {
  assertRecord,
  MAX_ITEMS,
  readAddress,
  readArray,
  readBytes,
  readLog,
  readQuantity,
} from './rpc-answer';
import { callObject, type Rpc, type SimulatedCall, type StrategyResult } from './types';

const METHOD = 'debug_traceCall';
/** The EVM's call depth limit, plus the top frame. */
const MAX_DEPTH = 1025;
const VALUE_FRAMES: ReadonlySet<string> = new Set(['CALL', 'CREATE', 'CREATE2', 'SELFDESTRUCT']);
const FRAME_TYPES: ReadonlySet<string> = new Set([
  ...VALUE_FRAMES,
  'DELEGATECALL',
  'STATICCALL',
  'CALLCODE',
]);

/**
 * Simulates `call` on the latest block by tracing it.
 * @throws SimulationError (MethodMissing when the node lacks the method; see `rpcFailure`).
 */
export async function traceCall(rpc: Rpc, call: SimulatedCall): Promise<StrategyResult> {
  let answer: unknown;
  try {
    answer = await rpc(METHOD, [
      callObject(call),
      'latest',
      { tracer: 'callTracer', tracerConfig: { withLog: true } },
    ]);
  } catch (error) {
    throw rpcFailure(error, METHOD, cleanText);
  }
  return readTraceAnswer(answer);
}

/** The top frame's outcome and, when it succeeded, every transfer of the successful frames. */
export function readTraceAnswer(answer: unknown): StrategyResult {
  assertRecord(answer, METHOD, 'result');
  if (answer.error !== undefined) {
    if (typeof answer.error !== 'string') throw malformed(METHOD, 'result.error', 'a string');
    if (typeof answer.revertReason === 'string' && cleanText(answer.revertReason))
      return { status: 'reverted', reason: cleanText(answer.revertReason) };
    const output: Hex =
      answer.output === undefined ? '0x' : readBytes(answer.output, METHOD, 'result.output');
    if (output !== '0x') return { status: 'reverted', reason: revertReason(output) };
    const said = cleanText(answer.error);
    return {
      status: 'reverted',
      reason: said ? `The transaction would fail: ${said}.` : revertReason('0x'),
    };
  }
  const movements: Movement[] = [];
  const budget = { frames: 0 };
  walk(answer, 'result', 0, movements, budget);
  return { status: 'ok', movements };
}

function walk(
  frame: Record<string, unknown>,
  field: string,
  depth: number,
  movements: Movement[],
  budget: { frames: number },
): void {
  if (depth > MAX_DEPTH || ++budget.frames > MAX_ITEMS)
    throw malformed(METHOD, field, `at most ${MAX_ITEMS} frames, ${MAX_DEPTH} deep`);
  const type = frame.type;
  if (typeof type !== 'string' || !FRAME_TYPES.has(type))
    throw malformed(METHOD, `${field}.type`, 'a call frame type');
  // A reverted frame undid its value, its logs and all its subcalls.
  if (frame.error !== undefined) return;
  const value =
    frame.value === undefined || frame.value === null
      ? 0n
      : readQuantity(frame.value, METHOD, `${field}.value`);
  if (value > 0n && VALUE_FRAMES.has(type))
    movements.push({
      standard: 'native',
      from: readAddress(frame.from, METHOD, `${field}.from`),
      to: readAddress(frame.to, METHOD, `${field}.to`),
      amount: value,
    });
  if (frame.logs !== undefined)
    readArray(frame.logs, METHOD, `${field}.logs`).forEach((log, i) => {
      movements.push(...movementsOfLog(readLog(log, METHOD, `${field}.logs[${i}]`)));
    });
  if (frame.calls !== undefined)
    readArray(frame.calls, METHOD, `${field}.calls`).forEach((child, i) => {
      assertRecord(child, METHOD, `${field}.calls[${i}]`);
      walk(child, `${field}.calls[${i}]`, depth + 1, movements, budget);
    });
}
