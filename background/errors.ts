/**
 * The background's one error type for the popup and the services: a stable `code` the popup can
 * branch on and a sentence for people (`message`). RPC-facing code turns these into EIP-1193
 * errors in the router.
 * @module
 */
import type { PolicyRefusal } from '../ckm/policy/types';

export type WalletErrorCode =
  | 'WrongPassword'
  | 'Locked'
  | 'NotInitialized'
  | 'AlreadyInitialized'
  | 'VaultCorrupt'
  | 'ServerUnavailable'
  | 'IdentityChanged'
  | 'InvalidInput'
  | 'NotFound'
  | 'Busy'
  | 'ChainError'
  /** A recovery is waiting out its period, or was cancelled by the wallet's own device. */
  | 'RecoveryPending'
  | 'RecoveryCancelled'
  /** A capability whose background half is not built yet (the popup says so). */
  | 'NotAvailable'
  /** A server's policy firewall will not co-sign (issue #8); `policy` says which rule. */
  | 'PolicyRefused'
  /** A request from a site on the phishing list, approved without "continue anyway". */
  | 'PhishingSite';

export class WalletError extends Error {
  override readonly name = 'WalletError';
  readonly code: WalletErrorCode;
  /** `PolicyRefused`: the refusal's details, for the popup. */
  readonly policy: PolicyRefusal | undefined;
  constructor(
    code: WalletErrorCode,
    message: string,
    options: { cause?: unknown; policy?: PolicyRefusal } = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.code = code;
    this.policy = options.policy;
  }
}

export function isWalletError(error: unknown, code?: WalletErrorCode): error is WalletError {
  return error instanceof WalletError && (code === undefined || error.code === code);
}
