/**
 * Compressed envelopes (bc-specs §2.11; bc-envelope-rust 0.43 `src/extension/compress.rs`,
 * bc-components `compressed.rs`): `#6.40003([crc32, size, data, #6.40001(digest)])`.
 *
 * The bytes compressed are the element's tagged dCBOR `#6.200(content)`, with raw DEFLATE
 * (RFC 1951) exactly as the Rust reference writes it: `deflateRawMiniz` (`./deflate`) reproduces
 * miniz_oxide's `compress_to_vec(data, 6)`, the call bc-components makes, byte for byte. When that
 * is not shorter, the bytes are stored as they are and `data.length === size` says so (as
 * bc-components' `compressed_size < decompressed_size`). The CRC-32 (IEEE) covers the
 * uncompressed bytes. The digest is the element's, so compressing changes no digest;
 * decompressing re-checks size, CRC and digest. Any valid raw DEFLATE inflates (`fflate`).
 * @module
 */
import { inflateSync } from 'fflate';
import { decodeEnvelope } from './decode';
import { deflateRawMiniz } from './deflate';
import { compareDigests, digestHex } from './digest';
import { Envelope } from './envelope';
import { DecompressionError, DigestMismatchError, NotObscuredError } from './errors';
import { crc32 } from './ur';

/** The largest uncompressed size we inflate (a guard against decompression bombs). */
export const MAX_DECOMPRESSED_SIZE = 16 * 1024 * 1024;

/** Compress one whole element (the obscure action of `elideRemoving(…, 'compress')`). */
export function compressElement(element: Envelope): Envelope {
  const c = element.case.type;
  if (c === 'compressed') return element;
  if (c === 'elided' || c === 'encrypted') {
    throw new NotObscuredError('compressed', `${c} and cannot be compressed`);
  }
  const bytes = element.toBytes();
  const deflated = deflateRawMiniz(bytes);
  return Envelope.compressed({
    checksum: crc32(bytes),
    size: bytes.length,
    data: deflated.length < bytes.length ? deflated : bytes,
    digest: element.digest,
  });
}

/**
 * Decompress one compressed element; checks size, CRC-32 and digest.
 * @throws {DecompressionError | DigestMismatchError | NotObscuredError | DecodeEnvelopeErrorType}
 */
export function decompressElement(element: Envelope): Envelope {
  const c = element.case;
  if (c.type !== 'compressed') throw new NotObscuredError('compressed', c.type);
  const { size, data, checksum, digest } = c.compressed;
  if (size > MAX_DECOMPRESSED_SIZE) {
    throw new DecompressionError(`declared size ${size} exceeds ${MAX_DECOMPRESSED_SIZE}`);
  }
  let bytes: Uint8Array;
  if (data.length === size) bytes = data;
  else {
    try {
      // Inflate into a buffer one byte longer than declared, so an overlong stream shows.
      const out = new Uint8Array(size + 1);
      bytes = inflateSync(data, { out });
    } catch (e) {
      throw new DecompressionError('not a valid raw DEFLATE stream', e);
    }
  }
  if (bytes.length !== size) {
    throw new DecompressionError(`inflated to ${bytes.length} bytes, declared ${size}`);
  }
  if (crc32(bytes) >>> 0 !== checksum) throw new DecompressionError('CRC-32 mismatch');
  const inner = decodeEnvelope(bytes);
  if (compareDigests(inner.digest, digest) !== 0) {
    throw new DigestMismatchError(digestHex(digest), inner.digestHex);
  }
  return inner;
}

/**
 * Compress the whole envelope into one element with the same digest.
 * @example format(compress(alice)) // 'COMPRESSED'
 */
export function compress(envelope: Envelope): Envelope {
  return compressElement(envelope);
}

/**
 * Undo `compress`.
 * @throws {DecompressionError | DigestMismatchError | NotObscuredError | DecodeEnvelopeErrorType}
 */
export function decompress(envelope: Envelope): Envelope {
  return decompressElement(envelope);
}

/** Compress only the subject; a node's assertions stay as they are. */
export function compressSubject(envelope: Envelope): Envelope {
  const subject = compressElement(envelope.subject());
  return envelope.case.type === 'node'
    ? Envelope.nodeUnchecked(subject, envelope.case.assertions)
    : subject;
}

/**
 * Undo `compressSubject`.
 * @throws {DecompressionError | DigestMismatchError | NotObscuredError | DecodeEnvelopeErrorType}
 */
export function decompressSubject(envelope: Envelope): Envelope {
  const subject = decompressElement(envelope.subject());
  if (envelope.case.type !== 'node') return subject;
  const result = Envelope.node(subject, envelope.case.assertions);
  if (!result.isEquivalentTo(envelope)) {
    throw new DigestMismatchError(envelope.digestHex, result.digestHex);
  }
  return result;
}
