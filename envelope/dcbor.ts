/**
 * Deterministic CBOR (dCBOR), the byte layer under every envelope.
 *
 * A thin door onto `@blockchaincommons/dcbor` 1.0.0-beta.1 (bc-dcbor-ts, byte-identical to the Rust
 * reference `dcbor` 0.25). The rest of `envelope/` imports CBOR only from here, so the library can
 * be swapped for our own codec without touching the envelope code.
 * Spec: draft-mcnally-deterministic-cbor-12 §2 and `../shared/research/bc-specs.md` §1. Where the
 * draft and the Rust reference disagree (65-bit negative integers, draft-12 Table 4) we follow the
 * reference, as the library does.
 * @module
 */
import {
  bigintToCbor,
  biguintToCbor,
  type Cbor,
  CborDate,
  CborError,
  type CborErrorCode,
  type CborInput,
  CborMap,
  CborSet,
  cbor,
  decodeCbor,
  encodeCbor,
  taggedValue,
} from '@blockchaincommons/dcbor';
import { DcborDecodeError, DcborEncodeError, NestingTooDeepError } from './errors';

export type { Cbor, CborErrorCode, CborInput };
export { CborMap };

/** Major-type tags as the library reports them (RFC 8949 §3.1). */
export const MAJOR = {
  unsigned: 0,
  negative: 1,
  bytes: 2,
  text: 3,
  array: 4,
  map: 5,
  tagged: 6,
  simple: 7,
} as const;

/**
 * Build a dCBOR value from a JS value. Numbers are reduced (draft-12 §2.3: integral floats become
 * integers, NaN/±∞ canonical), text is NFC-normalized, maps are sorted by encoded key.
 * @example toCbor(42n) // 0x182a
 */
export function toCbor(value: CborInput): Cbor {
  return guard(() => cbor(value), DcborEncodeError);
}

/**
 * Encode a value to its one dCBOR byte string.
 * @example bytesToHex(encodeDcbor('Hello')) // '6548656c6c6f'
 */
export function encodeDcbor(value: CborInput): Uint8Array {
  return guard(() => encodeCbor(value), DcborEncodeError);
}

/**
 * Strict decode: exactly one well-formed dCBOR item, every rule of draft-12 §2.1 checked
 * (shortest heads, sorted unique map keys, NFC text, canonical floats, no trailing bytes).
 * @throws {DcborDecodeError} with the upstream error `code` (`Underrun`, `MisorderedMapKey`, …)
 * @example decodeDcbor(hexToBytes('a201010102')) // throws DcborDecodeError code=DuplicateMapKey
 */
export function decodeDcbor(bytes: Uint8Array): Cbor {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('"bytes" expected Uint8Array');
  if (nestingDepth(bytes) > MAX_DEPTH) throw new NestingTooDeepError(MAX_DEPTH);
  return guard(() => decodeCbor(bytes), DcborDecodeError);
}

/**
 * Deepest nesting we decode. The library decodes recursively with no limit, and a few thousand
 * nested arrays or tags (two bytes each) exhaust the JS stack with an untyped RangeError.
 */
export const MAX_DEPTH = 256;

/**
 * How deep the first item nests (arrays, maps, tags), found by an iterative walk over the heads
 * (RFC 8949 §3). Stops early past `MAX_DEPTH` or at anything malformed, which the library then
 * reports with its own error code.
 */
function nestingDepth(bytes: Uint8Array): number {
  const open: number[] = []; // items still expected in each open container
  let pos = 0;
  let max = 0;
  while (pos < bytes.length) {
    const head = bytes[pos++] as number;
    const major = head >> 5;
    const ai = head & 0x1f;
    let arg = ai;
    if (ai >= 24) {
      if (ai > 27) return max; // reserved or indefinite: malformed in dCBOR
      const n = 1 << (ai - 24); // 1, 2, 4 or 8 argument bytes
      if (pos + n > bytes.length) return max;
      arg = 0;
      for (let i = 0; i < n; i++) arg = arg * 256 + (bytes[pos++] as number);
    }
    if ((major === 4 || major === 5 || major === 6) && (major === 6 || arg > 0)) {
      open.push(major === 5 ? arg * 2 : major === 6 ? 1 : arg);
      max = Math.max(max, open.length);
      if (max > MAX_DEPTH) return max;
      continue;
    }
    if (major === 2 || major === 3) pos += arg;
    // one item finished: close every container it completes
    while (open.length > 0) {
      const top = (open[open.length - 1] as number) - 1;
      if (top > 0) {
        open[open.length - 1] = top;
        break;
      }
      open.pop();
    }
    if (open.length === 0) return max;
  }
  return max;
}

/** `#6.tag(content)`; the tag is encoded with the shortest head (draft-12 §2.1). */
export function tagged(tag: number | bigint, content: CborInput): Cbor {
  return guard(() => taggedValue(tag, content), DcborEncodeError);
}

/** A map from entries in any order; stored in canonical (encoded-key) order. */
export function dcborMap(entries: Iterable<readonly [CborInput, CborInput]>): CborMap {
  const map = new CborMap();
  guard(() => {
    for (const [k, v] of entries) map.set(k, v);
  }, DcborEncodeError);
  return map;
}

/** A set (tag-less array, sorted by encoding, duplicates dropped), as bc-dcbor's `CborSet`. */
export function dcborSet(items: readonly CborInput[]): Cbor {
  return guard(() => cbor(CborSet.from(items)), DcborEncodeError);
}

/** A date, `#6.1(epoch seconds)` (BCR-2023-008), from seconds. */
export function dcborDate(seconds: number): Cbor {
  return guard(() => cbor(CborDate.fromEpochSeconds(seconds)), DcborEncodeError);
}

/** A date from an RFC 3339 string (or a bare `YYYY-MM-DD`). */
export function dcborDateFromString(text: string): Cbor {
  return guard(() => cbor(CborDate.fromString(text)), DcborEncodeError);
}

/** An unsigned bignum, `#6.2(bytes)` (RFC 8949 §3.4.3). */
export function dcborBiguint(value: bigint): Cbor {
  return guard(() => biguintToCbor(value), DcborEncodeError);
}

/** A signed bignum, `#6.2` or `#6.3` by sign (RFC 8949 §3.4.3). */
export function dcborBignum(value: bigint): Cbor {
  return guard(() => bigintToCbor(value), DcborEncodeError);
}

/** The integer value of an unsigned or negative item, as a bigint (negatives: −1 − n). */
export function cborInteger(item: Cbor): bigint | undefined {
  if (item.type === MAJOR.unsigned) return BigInt(item.value);
  if (item.type === MAJOR.negative) return -1n - BigInt(item.value);
  return undefined;
}

function guard<T>(
  fn: () => T,
  Wrap: new (code: CborErrorCode, message: string, cause: unknown) => Error,
): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CborError) throw new Wrap(e.code, e.message, e);
    throw e;
  }
}
