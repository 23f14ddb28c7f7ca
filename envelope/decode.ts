/**
 * Strict envelope decoding (bc-specs §2.3, our choice; the reference is lenient).
 *
 * On top of the dCBOR rules (every byte checked by `decodeDcbor`), this rejects:
 * - a top level other than `#6.200` and any item that is not an envelope case (§2.1);
 * - an elided element that is not exactly 32 bytes, an assertion map without exactly one entry;
 * - a node with no assertion, a node whose subject is a node, an assertion element that is not
 *   an assertion or obscured;
 * - node assertions out of ascending digest order or repeated (draft-mcnally-envelope: assertions
 *   "MUST be sorted" and "MUST NOT" repeat) — the reference re-sorts and deduplicates instead;
 * - legacy leaves `#6.24` (the reference still accepts them; we never wrote them);
 * - encrypted (40002) other than `[bytes, bytes .size 12, bytes .size 16, bytes]` whose AAD is
 *   exactly `dcbor(#6.40001(bytes .size 32))` (the reference also accepts 3 elements, no AAD, but
 *   an envelope then has no digest);
 * - compressed (40003) other than `[u32, uint, bytes, #6.40001(bytes .size 32)]` with the data no
 *   longer than the size (the reference also accepts no digest).
 * Re-encoding the result must give the input bytes back.
 * @module
 */
import { type Cbor, cborInteger, decodeDcbor, MAJOR } from './dcbor';
import { assertDigest, compareDigests, DIGEST_LENGTH, digestHex } from './digest';
import {
  AUTH_LENGTH,
  digestAad,
  Envelope,
  majorName,
  NONCE_LENGTH,
  TAG_COMPRESSED,
  TAG_DIGEST,
  TAG_ENCRYPTED,
  TAG_ENVELOPE,
  TAG_LEAF,
} from './envelope';
import {
  DigestMismatchError,
  DuplicateAssertionError,
  InvalidEnvelopeError,
  NonCanonicalEnvelopeError,
  UnorderedAssertionsError,
} from './errors';

export type DecodeEnvelopeOptions = {
  /** The root digest the caller expects (e.g. stored beside the envelope, or signed). */
  expectedDigest?: Uint8Array;
};

/**
 * Decode `#6.200(envelope-content)` from dCBOR bytes; with `expectedDigest`, also check the root
 * digest (elided parts count as their digests, so an elided copy still matches).
 * @throws {DecodeEnvelopeErrorType | DigestMismatchError}
 * @example decodeEnvelope(hexToBytes('d8c8d8c96648656c6c6f2e')) // "Hello."
 */
export function decodeEnvelope(bytes: Uint8Array, opts: DecodeEnvelopeOptions = {}): Envelope {
  if (opts.expectedDigest !== undefined) assertDigest(opts.expectedDigest, 'expectedDigest');
  const envelope = envelopeFromTaggedCbor(decodeDcbor(bytes));
  const again = envelope.toBytes();
  if (again.length !== bytes.length || compareDigests(again, bytes) !== 0) {
    throw new NonCanonicalEnvelopeError();
  }
  if (
    opts.expectedDigest !== undefined &&
    compareDigests(envelope.digest, opts.expectedDigest) !== 0
  ) {
    throw new DigestMismatchError(digestHex(opts.expectedDigest), envelope.digestHex);
  }
  return envelope;
}

/** An envelope from `#6.200(content)`. */
export function envelopeFromTaggedCbor(item: Cbor): Envelope {
  if (item.type !== MAJOR.tagged || BigInt(item.tag) !== BigInt(TAG_ENVELOPE)) {
    throw new InvalidEnvelopeError(`expected tag 200 (envelope), got ${majorName(item)}`);
  }
  return envelopeFromUntaggedCbor(item.value);
}

/** An envelope from its untagged content (the form inside a node, or after `ur:envelope/`). */
export function envelopeFromUntaggedCbor(item: Cbor): Envelope {
  switch (item.type) {
    case MAJOR.tagged: {
      const tag = BigInt(item.tag);
      if (tag === BigInt(TAG_LEAF)) return Envelope.leaf(item.value); // leaf = #6.201(any)
      if (tag === BigInt(TAG_ENVELOPE)) return Envelope.wrap(envelopeFromUntaggedCbor(item.value));
      if (tag === BigInt(TAG_ENCRYPTED)) return encryptedFromCbor(item.value);
      if (tag === BigInt(TAG_COMPRESSED)) return compressedFromCbor(item.value);
      throw new InvalidEnvelopeError(`tag ${tag} is not an envelope case`);
    }
    case MAJOR.bytes: {
      // elided = bytes .size 32
      if (item.value.length !== DIGEST_LENGTH) {
        throw new InvalidEnvelopeError(`elided digest must be 32 bytes, got ${item.value.length}`);
      }
      return Envelope.elided(item.value);
    }
    case MAJOR.unsigned: // known-value = uint
      return Envelope.knownValue(cborInteger(item) as bigint);
    case MAJOR.map: {
      // assertion = { predicate => object }, exactly one entry
      if (item.value.size !== 1) {
        throw new InvalidEnvelopeError(`an assertion map needs 1 entry, got ${item.value.size}`);
      }
      const [entry] = item.value.entriesArray;
      if (entry === undefined) throw new InvalidEnvelopeError('empty assertion map');
      return Envelope.assertion(
        envelopeFromUntaggedCbor(entry.key),
        envelopeFromUntaggedCbor(entry.value),
      );
    }
    case MAJOR.array:
      return nodeFromArray(item.value);
    default:
      throw new InvalidEnvelopeError(`${majorName(item)} is not an envelope case`);
  }
}

function bytesField(item: Cbor | undefined, what: string, length?: number): Uint8Array {
  if (item?.type !== MAJOR.bytes) throw new InvalidEnvelopeError(`${what} must be a byte string`);
  if (length !== undefined && item.value.length !== length) {
    throw new InvalidEnvelopeError(`${what} must be ${length} bytes, got ${item.value.length}`);
  }
  return item.value;
}

function uintField(item: Cbor | undefined, what: string, max: bigint): number {
  if (item?.type !== MAJOR.unsigned) throw new InvalidEnvelopeError(`${what} must be a uint`);
  const n = cborInteger(item) as bigint;
  if (n > max) throw new InvalidEnvelopeError(`${what} is out of range`);
  return Number(n);
}

/** encrypted = #6.40002([ciphertext, nonce, auth, aad]), aad = dcbor(#6.40001(digest)). */
function encryptedFromCbor(item: Cbor): Envelope {
  if (item.type !== MAJOR.array || item.value.length !== 4) {
    throw new InvalidEnvelopeError('an encrypted message must be an array of 4 elements');
  }
  const [ct, nonce, auth, aad] = item.value;
  const ciphertext = bytesField(ct, 'ciphertext');
  const n = bytesField(nonce, 'nonce', NONCE_LENGTH);
  const a = bytesField(auth, 'auth', AUTH_LENGTH);
  const aadBytes = bytesField(aad, 'aad');
  // The AAD must be exactly the dCBOR of a tagged 32-byte digest, `d99c41 5820 ‖ digest` (§2.6).
  const digest = aadBytes.subarray(aadBytes.length - DIGEST_LENGTH);
  const expected = digestAad(digest);
  if (aadBytes.length !== expected.length || compareDigests(aadBytes, expected) !== 0) {
    throw new InvalidEnvelopeError('the aad of an encrypted envelope must be #6.40001(digest)');
  }
  return Envelope.encrypted({ ciphertext, nonce: n, auth: a, digest });
}

/** compressed = #6.40003([crc32, size, data, #6.40001(digest)]). */
function compressedFromCbor(item: Cbor): Envelope {
  if (item.type !== MAJOR.array || item.value.length !== 4) {
    throw new InvalidEnvelopeError('a compressed envelope must be an array of 4 elements');
  }
  const [crc, size, data, digest] = item.value;
  const checksum = uintField(crc, 'checksum', 0xffffffffn);
  const n = uintField(size, 'size', BigInt(Number.MAX_SAFE_INTEGER));
  const bytes = bytesField(data, 'compressed data');
  if (
    digest?.type !== MAJOR.tagged ||
    BigInt(digest.tag) !== BigInt(TAG_DIGEST) ||
    digest.value.type !== MAJOR.bytes ||
    digest.value.value.length !== DIGEST_LENGTH
  ) {
    throw new InvalidEnvelopeError('a compressed envelope must carry #6.40001(digest)');
  }
  if (bytes.length > n) {
    throw new InvalidEnvelopeError('compressed data is longer than its uncompressed size');
  }
  return Envelope.compressed({ checksum, size: n, data: bytes, digest: digest.value.value });
}

/** node = [subject, + assertion-element], ascending digest order, no repeats. */
function nodeFromArray(items: readonly Cbor[]): Envelope {
  const [first, ...rest] = items;
  if (first === undefined || rest.length === 0) {
    throw new InvalidEnvelopeError('a node needs a subject and at least one assertion');
  }
  const subject = envelopeFromUntaggedCbor(first);
  if (subject.case.type === 'node') {
    throw new InvalidEnvelopeError('a node subject must not itself be a node');
  }
  const assertions = rest.map(envelopeFromUntaggedCbor);
  let previous: Envelope | undefined;
  for (const [i, a] of assertions.entries()) {
    if (!a.isAssertionElement()) {
      throw new InvalidEnvelopeError(`node element ${i + 1} is not an assertion`);
    }
    if (previous !== undefined) {
      const order = compareDigests(previous.digest, a.digest);
      if (order === 0) throw new DuplicateAssertionError(i);
      if (order > 0) throw new UnorderedAssertionsError(i);
    }
    previous = a;
  }
  return Envelope.nodeUnchecked(subject, assertions);
}
