/**
 * The one error type of `tss/`: a code, a kind, and the party to blame (research/tecdsa.md §2.9,
 * after 0xCarbon's `Abort { index, kind, reason }` and FROST's culprits).
 *
 * - `recoverable`: network-shaped or malformed input caught before any secret-dependent check;
 *   retrying with the same counterparty is safe.
 * - `ban`: an OT-extension, RVOLE or Γ check failed. The check's outcome leaks information
 *   about our secrets, so the pair's OT state must never be used again until a refresh with
 *   fresh base OTs (selective-abort defence).
 *
 * Messages name the field, never a value; peers must not learn which internal check failed.
 * @module
 */

export type TssErrorCode =
  // Shape and routing (recoverable)
  | 'InvalidParameters'
  | 'PhaseOutOfOrder'
  | 'MalformedMessage'
  | 'WrongLength'
  | 'InvalidScalar'
  | 'InvalidPoint'
  | 'UnknownParty'
  | 'DuplicateParty'
  | 'MissingMessage'
  | 'WrongSession'
  | 'UnsupportedVersion'
  // Protocol checks that are safe to retry (recoverable)
  | 'CommitmentMismatch'
  | 'InvalidProof'
  | 'FeldmanCheckFailed'
  | 'EchoMismatch'
  | 'PublicKeyMismatch'
  | 'ChainCodeMismatch'
  | 'PublicShareSumMismatch'
  | 'DegenerateNonce'
  | 'DerivationTweakOutOfRange'
  | 'InvalidSignature'
  | 'OtStateBanned'
  // Checks whose outcome depends on our secrets: ban the counterparty
  | 'OtConsistencyCheckFailed'
  | 'VoleConsistencyCheckFailed'
  | 'GammaUCheckFailed'
  | 'GammaVCheckFailed';

export type TssErrorKind = 'recoverable' | 'ban';

/** Every code classified; a new code fails to compile until it is added here. */
export function kindOf(code: TssErrorCode): TssErrorKind {
  switch (code) {
    case 'OtConsistencyCheckFailed':
    case 'VoleConsistencyCheckFailed':
    case 'GammaUCheckFailed':
    case 'GammaVCheckFailed':
      return 'ban';
    case 'InvalidParameters':
    case 'PhaseOutOfOrder':
    case 'MalformedMessage':
    case 'WrongLength':
    case 'InvalidScalar':
    case 'InvalidPoint':
    case 'UnknownParty':
    case 'DuplicateParty':
    case 'MissingMessage':
    case 'WrongSession':
    case 'UnsupportedVersion':
    case 'CommitmentMismatch':
    case 'InvalidProof':
    case 'FeldmanCheckFailed':
    case 'EchoMismatch':
    case 'PublicKeyMismatch':
    case 'ChainCodeMismatch':
    case 'PublicShareSumMismatch':
    case 'DegenerateNonce':
    case 'DerivationTweakOutOfRange':
    case 'InvalidSignature':
    case 'OtStateBanned':
      return 'recoverable';
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export class TssError extends Error {
  override name = 'TssError';
  readonly code: TssErrorCode;
  readonly kind: TssErrorKind;
  /** Index of the party to blame, if one can be named. */
  readonly culprit: number | undefined;
  /** The field or check, for logs and tests (never a secret value). */
  readonly shortMessage: string;

  constructor(code: TssErrorCode, shortMessage: string, culprit?: number) {
    super(
      culprit === undefined
        ? `${code}: ${shortMessage}`
        : `${code} (party ${culprit}): ${shortMessage}`,
    );
    this.code = code;
    this.kind = kindOf(code);
    this.culprit = culprit;
    this.shortMessage = shortMessage;
  }
}

export function isTssError(error: unknown): error is TssError {
  return error instanceof TssError;
}
