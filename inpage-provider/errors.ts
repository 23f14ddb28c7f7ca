/**
 * The error a dApp sees: EIP-1193 `ProviderRpcError`, an `Error` with a numeric `code` and
 * optional `data`. Codes come from EIP-1193 (4001, 4100, 4200, 4900, 4901) and EIP-1474.
 * @module
 */
import type { WireRpcError } from '../content/page-channel';

export class ProviderRpcError extends Error {
  override name = 'ProviderRpcError';
  readonly code: number;
  readonly data?: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    if (data !== undefined) this.data = data;
  }

  /** The JSON-RPC `error` member for this error (legacy `send`/`sendAsync` responses). */
  toJSON(): WireRpcError {
    const { code, message, data } = this;
    return data === undefined ? { code, message } : { code, message, data };
  }

  static fromWire(error: WireRpcError): ProviderRpcError {
    const code = Number.isInteger(error.code) ? error.code : -32603;
    const message = typeof error.message === 'string' ? error.message : 'Internal error';
    return new ProviderRpcError(code, message, error.data);
  }
}
