/**
 * The one error type of `ckm/` (after viem's `BaseError`): a machine-readable `code`, a
 * `shortMessage` a person can read, and, when a party is to blame, its index as `culprit`.
 * Errors from `tss/` keep their own type (`TssError`) and are wrapped only at the session
 * boundary, so a ban decision is never lost.
 *
 * Messages name the field or the step, never a secret value.
 * @module
 */

export type CkmErrorCode =
  // Wire and shape
  | 'MalformedMessage'
  | 'TooLarge'
  | 'UnsupportedVersion'
  // Channels (party to party)
  | 'BadSignature'
  | 'DecryptionFailed'
  | 'WrongSession'
  | 'WrongSender'
  | 'WrongRecipient'
  | 'Replayed'
  | 'MissingMessage'
  // Identities
  | 'IdentityChanged'
  | 'InvalidIdentity'
  // Device requests (server side)
  | 'Unauthorized'
  | 'ClockSkew'
  | 'RateLimited'
  // Sign payloads
  | 'InvalidPayload'
  | 'BareHashRefused'
  | 'ChainIdMismatch'
  | 'PolicyRefused'
  // Sessions and servers
  | 'NotFound'
  | 'Conflict'
  | 'SessionExpired'
  | 'Timeout'
  | 'Cancelled'
  | 'ServerUnavailable'
  | 'ServerError'
  | 'ProtocolAborted'
  | 'InvalidParameters'
  | 'Storage'
  // Recovery's waiting period (docs/ckm.md §5)
  | 'RecoveryPending'
  | 'RecoveryNotStarted'
  | 'RecoveryCancelled';

export class CkmError extends Error {
  override readonly name = 'CkmError';
  readonly code: CkmErrorCode;
  /** One sentence for people: what failed, without secrets. */
  readonly shortMessage: string;
  /** The party index to blame, when one is known. */
  readonly culprit: number | undefined;

  constructor(
    code: CkmErrorCode,
    shortMessage: string,
    options: { culprit?: number; cause?: unknown } = {},
  ) {
    const culpritText = options.culprit === undefined ? '' : ` (party ${options.culprit})`;
    super(
      `${code}: ${shortMessage}${culpritText}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.shortMessage = shortMessage;
    this.culprit = options.culprit;
  }
}

export function isCkmError(value: unknown, code?: CkmErrorCode): value is CkmError {
  return value instanceof CkmError && (code === undefined || value.code === code);
}
