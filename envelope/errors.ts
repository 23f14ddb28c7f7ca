/**
 * The errors of `envelope/`, one class per failure, viem-style: a fixed plain-English
 * `shortMessage`, structured fields, the `cause` kept, and a literal `name` to narrow on.
 * Messages name the field and the rule, never secret content.
 * @module
 */
import type { CborErrorCode } from '@blockchaincommons/dcbor';

/** Base of every envelope error. `message` = shortMessage plus an optional details line. */
export abstract class EnvelopeError extends Error {
  abstract override readonly name: string;
  readonly shortMessage: string;
  readonly details: string | undefined;

  constructor(shortMessage: string, opts: { details?: string; cause?: unknown } = {}) {
    super(opts.details ? `${shortMessage}\n\nDetails: ${opts.details}` : shortMessage, {
      cause: opts.cause,
    });
    this.shortMessage = shortMessage;
    this.details = opts.details;
  }
}

/** Bytes that are not one well-formed dCBOR item (draft-mcnally-deterministic-cbor-12 §2). */
export class DcborDecodeError extends EnvelopeError {
  override readonly name = 'DcborDecodeError';
  /** The bc-dcbor / Rust `dcbor` error code: `Underrun`, `NonCanonicalNumeric`, `MisorderedMapKey`, … */
  readonly code: CborErrorCode;
  constructor(code: CborErrorCode, details: string, cause?: unknown) {
    super(`Not deterministic CBOR (${code}).`, { details, cause });
    this.code = code;
  }
}

/** Input nested deeper than we decode (a guard against stack exhaustion, not a dCBOR rule). */
export class NestingTooDeepError extends EnvelopeError {
  override readonly name = 'NestingTooDeepError';
  readonly limit: number;
  constructor(limit: number) {
    super('CBOR nests too deeply.', {
      details: `more than ${limit} levels of arrays, maps or tags`,
    });
    this.limit = limit;
  }
}

/** A value that cannot be expressed in dCBOR (unsupported JS type, bad date, …). */
export class DcborEncodeError extends EnvelopeError {
  override readonly name = 'DcborEncodeError';
  readonly code: CborErrorCode;
  constructor(code: CborErrorCode, details: string, cause?: unknown) {
    super(`Value cannot be encoded as deterministic CBOR (${code}).`, { details, cause });
    this.code = code;
  }
}

/** Well-formed dCBOR that is not an envelope of a case this code knows (bc-specs §2.1). */
export class InvalidEnvelopeError extends EnvelopeError {
  override readonly name = 'InvalidEnvelopeError';
  constructor(details: string) {
    super('Not a valid Gordian Envelope.', { details });
  }
}

/** Node assertions not in ascending digest order (draft-mcnally-envelope: "MUST be sorted"). */
export class UnorderedAssertionsError extends EnvelopeError {
  override readonly name = 'UnorderedAssertionsError';
  readonly index: number;
  constructor(index: number) {
    super('Node assertions are not in ascending digest order.', {
      details: `assertion ${index} sorts before assertion ${index - 1}`,
    });
    this.index = index;
  }
}

/** Two node assertions with the same digest (draft-mcnally-envelope: "MUST NOT repeat"). */
export class DuplicateAssertionError extends EnvelopeError {
  override readonly name = 'DuplicateAssertionError';
  readonly index: number;
  constructor(index: number) {
    super('Node has a duplicate assertion.', {
      details: `assertion ${index} has the same digest as assertion ${index - 1}`,
    });
    this.index = index;
  }
}

/** A digest that should match does not (an unelided part, a declared digest). */
export class DigestMismatchError extends EnvelopeError {
  override readonly name = 'DigestMismatchError';
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super('Envelope digest does not match.', { details: `expected ${expected}, got ${actual}` });
    this.expected = expected;
    this.actual = actual;
  }
}

/** Encoding and decoding gave different bytes: the input was not in canonical envelope form. */
export class NonCanonicalEnvelopeError extends EnvelopeError {
  override readonly name = 'NonCanonicalEnvelopeError';
  constructor() {
    super('Envelope bytes are not in canonical form.');
  }
}

/** A `ur:` string that is malformed (BCR-2020-005). */
export class InvalidUrError extends EnvelopeError {
  override readonly name = 'InvalidUrError';
  constructor(details: string) {
    super('Not a valid UR.', { details });
  }
}

/** A UR of another type than the one expected (`ur:digest/…` where `ur:envelope/…` was wanted). */
export class UrTypeError extends EnvelopeError {
  override readonly name = 'UrTypeError';
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(`Expected a "ur:${expected}", got "ur:${actual}".`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** Bytewords that do not decode: unknown word, too short, or a bad CRC-32 (BCR-2020-012). */
export class BytewordsError extends EnvelopeError {
  override readonly name = 'BytewordsError';
  constructor(details: string) {
    super('Invalid Bytewords.', { details });
  }
}

/**
 * ChaCha20-Poly1305 refused the message: the key is wrong, or the ciphertext, nonce, tag or AAD
 * (the digest) was changed. Never distinguishable, by design (RFC 8439 §2.8).
 */
export class DecryptionError extends EnvelopeError {
  override readonly name = 'DecryptionError';
  constructor(cause?: unknown) {
    super('Decryption failed: wrong key, or the encrypted envelope was altered.', { cause });
  }
}

/** `decrypt…` on an envelope whose subject is not encrypted (or `decompress…`, not compressed). */
export class NotObscuredError extends EnvelopeError {
  override readonly name = 'NotObscuredError';
  readonly expected: 'encrypted' | 'compressed';
  constructor(expected: 'encrypted' | 'compressed', actual: string) {
    super(`The subject is not ${expected}.`, { details: `subject is ${actual}` });
    this.expected = expected;
  }
}

/** Compressed data that does not inflate, or inflates to the wrong size or CRC-32. */
export class DecompressionError extends EnvelopeError {
  override readonly name = 'DecompressionError';
  constructor(details: string, cause?: unknown) {
    super('Compressed envelope does not decompress.', { details, cause });
  }
}

/** The miniz_oxide port (`deflate.ts`) broke one of its own invariants: a bug, never bad input. */
export class CompressionError extends EnvelopeError {
  override readonly name = 'CompressionError';
  constructor(details: string) {
    super('Compression failed (internal error).', { details });
  }
}

/** Fewer SSKR shares than the split's thresholds need (group or member). */
export class NotEnoughSharesError extends EnvelopeError {
  override readonly name = 'NotEnoughSharesError';
  /** The `@blockchaincommons/sskr` code: `NotEnoughGroups`, `MemberThresholdInvalid`, `SharesEmpty`. */
  readonly code: string;
  constructor(code: string, cause?: unknown) {
    super('Not enough SSKR shares to recover the key.', { details: code, cause });
    this.code = code;
  }
}

/** SSKR share envelopes that do not belong to one split of one envelope. */
export class MixedSharesError extends EnvelopeError {
  override readonly name = 'MixedSharesError';
  constructor(details: string, cause?: unknown) {
    super('SSKR shares come from different splits.', { details, cause });
  }
}

/** A share envelope without a valid `'sskrShare'` assertion, or a share that does not parse. */
export class InvalidShareError extends EnvelopeError {
  override readonly name = 'InvalidShareError';
  constructor(details: string, cause?: unknown) {
    super('Not a valid SSKR share envelope.', { details, cause });
  }
}

/** What decoding bytes into an envelope can throw. */
export type DecodeEnvelopeErrorType =
  | DcborDecodeError
  | NestingTooDeepError
  | InvalidEnvelopeError
  | UnorderedAssertionsError
  | DuplicateAssertionError
  | NonCanonicalEnvelopeError;

/** No `'hasSecret'` (or `'hasRecipient'`) assertion to open the envelope with. */
export class NoPermitError extends EnvelopeError {
  override readonly name = 'NoPermitError';
  readonly permit: 'hasSecret' | 'hasRecipient';
  constructor(permit: 'hasSecret' | 'hasRecipient') {
    super(`The envelope has no '${permit}' permit.`);
    this.permit = permit;
  }
}

/**
 * A permit object that is not a well-formed `EncryptedKey` (#6.40027) or `SealedMessage`
 * (#6.40019), names a KDF we do not run, or asks for KDF work above our limits.
 */
export class InvalidPermitError extends EnvelopeError {
  override readonly name = 'InvalidPermitError';
  constructor(details: string, cause?: unknown) {
    super('Not a valid permit.', { details, cause });
  }
}

/**
 * No `'hasSecret'` permit opens with this password. Raised before the content is touched, so it
 * never comes with partial plaintext; a content that then fails to decrypt is a
 * `DecryptionError` (the envelope was altered), not this.
 */
export class WrongPasswordError extends EnvelopeError {
  override readonly name = 'WrongPasswordError';
  /** How many `'hasSecret'` permits were tried. */
  readonly tried: number;
  constructor(tried: number) {
    super('Wrong password: no password permit opens with it.', {
      details: `${tried} 'hasSecret' permit(s) tried`,
    });
    this.tried = tried;
  }
}

/** No `'hasRecipient'` sealed message opens with this private key. */
export class NotRecipientError extends EnvelopeError {
  override readonly name = 'NotRecipientError';
  readonly tried: number;
  constructor(tried: number) {
    super('This key is not a recipient of the envelope.', {
      details: `${tried} 'hasRecipient' permit(s) tried`,
    });
    this.tried = tried;
  }
}

/** No `'signed'` assertion verifies against the subject with the given key (or any at all). */
export class SignatureVerificationError extends EnvelopeError {
  override readonly name = 'SignatureVerificationError';
  constructor(details: string) {
    super('Signature verification failed.', { details });
  }
}

/** A scanned UR part that does not decode: bad Bytewords or CRC-32, bad fountain CBOR or header. */
export class CorruptUrPartError extends EnvelopeError {
  override readonly name = 'CorruptUrPartError';
  constructor(details: string, cause?: unknown) {
    super('This QR code part could not be read correctly. Scan it again.', { details, cause });
  }
}

/** A well-formed UR part from another message than the parts received before it. */
export class ForeignUrPartError extends EnvelopeError {
  override readonly name = 'ForeignUrPartError';
  constructor(cause?: unknown) {
    super('This QR code belongs to a different message than the codes scanned before it.', {
      cause,
    });
  }
}

/** UR parts that end before the message is complete. */
export class IncompleteUrError extends EnvelopeError {
  override readonly name = 'IncompleteUrError';
  /** Fraction of fragments recovered, 0…1. */
  readonly progress: number;
  constructor(progress: number) {
    super('Not enough QR code parts to rebuild the message.', {
      details: `${Math.round(progress * 100)}% of the fragments recovered`,
    });
    this.progress = progress;
  }
}

/* ---- vault.ts: the errors a popup shows (each keeps the low-level error as `cause`) ---------- */

/** The password does not open the sealed key share. */
export class VaultPasswordError extends EnvelopeError {
  override readonly name = 'VaultPasswordError';
  constructor(cause?: unknown) {
    super('That password is not correct.', { cause });
  }
}

/** Bytes that are not an intact sealed CKM key share (damaged, truncated, or another file). */
export class VaultCorruptError extends EnvelopeError {
  override readonly name = 'VaultCorruptError';
  constructor(details: string, cause?: unknown) {
    super('This backup is damaged or is not a CKM Wallet key share.', { details, cause });
  }
}

/** Backup shares that come from different splits (another backup, or another split of it). */
export class VaultShareMismatchError extends EnvelopeError {
  override readonly name = 'VaultShareMismatchError';
  constructor(details: string, cause?: unknown) {
    super('These backup shares do not belong to the same backup.', { details, cause });
  }
}

/** Too few backup shares to rebuild the backup. */
export class VaultNotEnoughSharesError extends EnvelopeError {
  override readonly name = 'VaultNotEnoughSharesError';
  constructor(details: string, cause?: unknown) {
    super('Not enough backup shares yet: add more shares to recover the backup.', {
      details,
      cause,
    });
  }
}
