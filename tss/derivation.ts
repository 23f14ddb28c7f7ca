/**
 * Non-hardened BIP32 derivation (CKDpub) from the threshold root key and its chain code
 * (research/tecdsa.md §2.7; as 0xCarbon `derivation.rs`), and the root's xpub serialization.
 *
 *   I = HMAC-SHA512(Key = c_par, Data = ser_P(K_par) ‖ ser_32(i)),  τ = parse_256(I_L)
 *   K_i = K_par + τ·G,  c_i = I_R                                         (BIP32 "CKDpub")
 *
 * Along a path the public key moves by Σ τ·G, so the secret side follows by adding T = Σ τ mod n
 * to the key: each party adds T to its Shamir share (s_i' = s_i + T), which is sound because
 * Σ_{i∈P} λ_i = 1, hence Σ_{i∈P} λ_i·(s_i + T) = sk + T (research/tecdsa.md §2.7 option (a),
 * 0xCarbon `poly_point + tweak`). Hardened levels need the whole key and are refused.
 *
 * Divergence from the one-oracle rule of research/tecdsa.md §2.0 (every hash through tss/hash.ts):
 * because BIP32 fixes HMAC-SHA512 and Base58Check's double SHA-256 byte for byte; these are
 * external encodings checked against BIP32's vectors, not random oracles of our protocol.
 * @see https://github.com/bitcoin/bips/blob/master/bip-0032.mediawiki
 * @module
 */
import { bytesToNumberBE, concatBytes } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { add, mulG, N, Point, pointToBytes } from './curve';
import { TssError } from './errors';
import { u32 } from './hash';

/** First hardened index, 2^31; every index we derive is below it. */
export const HARDENED_OFFSET = 0x8000_0000;
/** BIP32 stores the depth in one byte. */
export const MAX_DERIVATION_DEPTH = 255;
/** BIP32 mainnet public version bytes, "xpub". */
export const XPUB_VERSION = 0x0488b21e;
const CHAIN_CODE_BYTES = 32;

export interface DerivedKey {
  /** K_path: the derived public key. */
  readonly publicKey: Point;
  /** c_path: the derived chain code. */
  readonly chainCode: Uint8Array;
  /** τ (one step) or Σ τ mod n (a path): what every party adds to its share. */
  readonly tweak: bigint;
}

function assertPublicKey(publicKey: unknown): asserts publicKey is Point {
  if (!(publicKey instanceof Point) || publicKey.is0())
    throw new TssError('InvalidParameters', '"publicKey" expected a non-identity secp256k1 point');
}

function assertChainCode(chainCode: unknown): asserts chainCode is Uint8Array {
  if (!(chainCode instanceof Uint8Array) || chainCode.length !== CHAIN_CODE_BYTES)
    throw new TssError('InvalidParameters', `"chainCode" expected ${CHAIN_CODE_BYTES} bytes`);
}

function assertIndex(index: unknown, field: string): asserts index is number {
  if (
    typeof index !== 'number' ||
    !Number.isInteger(index) ||
    index < 0 ||
    index >= HARDENED_OFFSET
  )
    throw new TssError(
      'InvalidParameters',
      `"${field}" expected a non-hardened index in 0..2^31-1`,
    );
}

function assertPath(path: unknown): asserts path is readonly number[] {
  if (!Array.isArray(path) || path.length > MAX_DERIVATION_DEPTH)
    throw new TssError(
      'InvalidParameters',
      `"path" expected at most ${MAX_DERIVATION_DEPTH} indices`,
    );
  for (const [level, index] of path.entries()) assertIndex(index, `path[${level}]`);
}

/**
 * Parses "m", "m/0", "m/0/7", … into indices. Refuses hardened levels ("'", "h", or ≥ 2^31),
 * empty components, anything but canonical decimals (no sign, no leading zero), and more than
 * 255 levels.
 * Divergence from common BIP32 parsers (for example @scure/bip32, which accepts "m/007"): because
 * the path is bound into the signing session id, one index must have one spelling.
 * @example
 * parsePath('m/0/7'); // [0, 7]
 */
export function parsePath(path: string): number[] {
  if (typeof path !== 'string') throw new TssError('InvalidParameters', '"path" expected a string');
  const [root, ...components] = path.split('/');
  if (root !== 'm') throw new TssError('InvalidParameters', '"path" must start with "m"');
  if (components.length > MAX_DERIVATION_DEPTH)
    throw new TssError('InvalidParameters', `"path" has more than ${MAX_DERIVATION_DEPTH} levels`);
  return components.map((component, level) => {
    if (/^\d+['hH]$/.test(component))
      throw new TssError(
        'InvalidParameters',
        `"path[${level}]" is hardened; only non-hardened derivation is possible`,
      );
    if (!/^(0|[1-9]\d{0,9})$/.test(component))
      throw new TssError('InvalidParameters', `"path[${level}]" expected a decimal index`);
    const index = Number(component);
    assertIndex(index, `path[${level}]`);
    return index;
  });
}

/**
 * One CKDpub step. Throws `DerivationTweakOutOfRange` when I_L ≥ n or the child key is the
 * identity.
 * Divergence from BIP32 (which says "proceed with the next value for i"): because silently
 * signing for index i+1 would move funds to an address the user did not choose; the caller must
 * pick another index explicitly (probability below 2^-127).
 * @example
 * const child = deriveChild(rootPublicKey, rootChainCode, 0);
 */
export function deriveChild(publicKey: Point, chainCode: Uint8Array, index: number): DerivedKey {
  assertPublicKey(publicKey);
  assertChainCode(chainCode);
  assertIndex(index, 'index');
  // BIP32 CKDpub: "I = HMAC-SHA512(Key = c_par, Data = ser_P(K_par) || ser_32(i))".
  const I = hmac(sha512, chainCode, concatBytes(pointToBytes(publicKey), u32(index)));
  const tweak = bytesToNumberBE(I.subarray(0, 32));
  // "In case parse_256(I_L) ≥ n or K_i is the point at infinity, the resulting key is invalid."
  // research/tecdsa.md §2.7: reject τ ≥ n (0xCarbon #73).
  if (tweak >= N)
    throw new TssError('DerivationTweakOutOfRange', `"path" index ${index} gives a tweak ≥ n`);
  // "K_i = point(parse_256(I_L)) + K_par". τ is public (anyone with the xpub computes it).
  const child = publicKey.add(mulG(tweak));
  if (child.is0())
    throw new TssError('DerivationTweakOutOfRange', `"path" index ${index} gives the identity`);
  // "The returned chain code c_i is I_R."
  return { publicKey: child, chainCode: I.slice(32), tweak };
}

/**
 * CKDpub along `path` from the root; `tweak` = Σ τ mod n over the steps, which each party adds
 * to its Shamir share (s_i + Σ τ) so that the threshold key becomes the derived key.
 * @example
 * const { publicKey, tweak } = derivePath(rootPublicKey, rootChainCode, parsePath('m/0/7'));
 */
export function derivePath(
  publicKey: Point,
  chainCode: Uint8Array,
  path: readonly number[],
): DerivedKey {
  assertPublicKey(publicKey);
  assertChainCode(chainCode);
  assertPath(path);
  let node: DerivedKey = { publicKey, chainCode: chainCode.slice(), tweak: 0n };
  for (const index of path) {
    const child = deriveChild(node.publicKey, node.chainCode, index);
    node = { ...child, tweak: add(node.tweak, child.tweak) };
  }
  return node;
}

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/**
 * Base58Check (Bitcoin): data ‖ SHA-256(SHA-256(data))[0..4] in base 58, one '1' per leading
 * zero byte. Implemented here on @noble/hashes because @scure/base is only a transitive
 * dependency of this project; the input is public.
 */
function base58check(data: Uint8Array): string {
  const payload = concatBytes(data, sha256(sha256(data)).subarray(0, 4));
  let value = bytesToNumberBE(payload);
  let out = '';
  while (value > 0n) {
    out = BASE58_ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  for (const byte of payload) {
    if (byte !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/**
 * The root's extended public key, BIP32 "Serialization format": version 0x0488B21E ‖ depth 0 ‖
 * parent fingerprint 0x00000000 ‖ child number 0 ‖ chain code ‖ ser_P(K), Base58Check-encoded.
 * @example
 * encodeXpub(rootPublicKey, rootChainCode); // 'xpub661MyMwAqRbc…'
 */
export function encodeXpub(publicKey: Point, chainCode: Uint8Array): string {
  assertPublicKey(publicKey);
  assertChainCode(chainCode);
  const depth = new Uint8Array([0]);
  const parentFingerprint = u32(0);
  const childNumber = u32(0);
  return base58check(
    concatBytes(
      u32(XPUB_VERSION),
      depth,
      parentFingerprint,
      childNumber,
      chainCode,
      pointToBytes(publicKey),
    ),
  );
}
