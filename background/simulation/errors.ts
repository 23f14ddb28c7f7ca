/**
 * Why a simulation could not produce a preview. These never leave `simulateBalanceChanges`: it
 * turns each into an `unavailable` preview whose `reason` is the error's message, so a failed
 * simulation never fails the approval prompt. The `code` decides the fallback (only a missing or
 * refusing method moves on to the next strategy).
 * @module
 */

export type SimulationErrorCode =
  /** The node does not offer the method (-32601, "not supported", "method not found", …). */
  | 'MethodMissing'
  /** The node answered the method with an error of its own (not a revert). */
  | 'NodeRefused'
  /** The node's answer does not have the shape the method's spec gives. */
  | 'MalformedAnswer'
  /** The RPC could not be reached. */
  | 'Unreachable'
  /** The RPC did not answer within the preview's time budget. */
  | 'TimedOut';

/** A simulation strategy failed; `message` is a sentence for the prompt (no URL, no secret). */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
  constructor(
    readonly code: SimulationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The answer of `method` has no valid `field`: field, expectation, never the node's bytes. */
export function malformed(method: string, field: string, expectation: string): SimulationError {
  return new SimulationError(
    'MalformedAnswer',
    `The network's answer to ${method} is not valid ("${field}" expected ${expectation}).`,
  );
}

/** EIP-1193 4901: `networks.request`'s error when the chain's RPC cannot be reached. */
const CHAIN_DISCONNECTED = 4901;
/** EIP-1474 "method not found". */
const METHOD_NOT_FOUND = -32601;
/** How nodes and providers word a method they do not offer (geth, Erigon, Alchemy, Infura, …). */
const MISSING_METHOD_TEXT =
  /method not found|not supported|unsupported method|does not exist|is not available|not implemented|method not allowed|unknown method/i;

/**
 * What an RPC failure of `method` means for the preview: a missing method, the RPC down, or the
 * node's own refusal (its message kept, cleaned and capped by the caller's `clean`).
 */
export function rpcFailure(
  error: unknown,
  method: string,
  clean: (text: string) => string,
): SimulationError {
  if (error instanceof SimulationError) return error;
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  const text = typeof message === 'string' ? message : '';
  if (code === CHAIN_DISCONNECTED)
    // networks.request words this one for people and never puts the RPC URL in it.
    return new SimulationError('Unreachable', clean(text) || 'The network cannot be reached.');
  if (code === METHOD_NOT_FOUND || MISSING_METHOD_TEXT.test(text))
    return new SimulationError('MethodMissing', `The network does not offer ${method}.`);
  const said = clean(text);
  return new SimulationError(
    'NodeRefused',
    `The network could not run ${method}${said ? `: ${said}` : ''}.`,
  );
}
