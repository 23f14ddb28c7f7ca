/**
 * Salt (bc-specs §2.11; bc-envelope-rust `salt.rs`, bc-components `Salt`): a `'salt': Salt`
 * assertion, `Salt` = `#6.40018(bytes)`, whose random bytes change the envelope's digest so that a
 * low-entropy value (or an elided one) cannot be guessed by hashing candidates.
 *
 * `addSalt` sizes the salt to the envelope as the reference does: a length drawn uniformly from
 * `[max(8, ⌈5% n⌉), max(min + 8, ⌈25% n⌉)]`, n = the envelope's tagged CBOR length. Bytes come from
 * Web Crypto; tests pass a seeded generator (`SeededRng` of `@blockchaincommons/rand`, the
 * reference's fake RNG: one 64-bit draw per byte), which reproduces the reference vectors.
 * @module
 */
import { type RandomNumberGenerator, randomBytes, secureRng } from '@blockchaincommons/rand';
import { nextInClosedRangeU64 } from '@blockchaincommons/rand/samplers';
import { tagged } from './dcbor';
import { Envelope } from './envelope';
import { SALT } from './knownValues';
import { TAG_SALT } from './secret';

/** The shortest salt bc-components accepts. */
export const MIN_SALT_LENGTH = 8;

export type SaltOptions = {
  /** TESTS ONLY: a deterministic generator (`SeededRng`); Web Crypto by default. */
  testRng?: RandomNumberGenerator;
};

function checkLength(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < MIN_SALT_LENGTH || n > 1 << 20) {
    throw new RangeError(`"${name}" expected an integer in [${MIN_SALT_LENGTH}, 1048576]`);
  }
}

/** `#6.40018(bytes)` as an envelope leaf. */
function saltLeaf(bytes: Uint8Array): Envelope {
  return Envelope.leaf(tagged(TAG_SALT, bytes));
}

/** Add `'salt': Salt` with the given salt bytes (the reference's `add_salt_instance`). */
export function addSaltInstance(envelope: Envelope, salt: Uint8Array): Envelope {
  if (!(salt instanceof Uint8Array)) throw new TypeError('"salt" expected Uint8Array');
  checkLength(salt.length, 'salt.length');
  return envelope.addAssertion(Envelope.knownValue(SALT), saltLeaf(salt));
}

/** Add a salt of exactly `length` bytes (≥ 8; the reference's `add_salt_with_len`). */
export function addSaltWithLength(
  envelope: Envelope,
  length: number,
  opts: SaltOptions = {},
): Envelope {
  checkLength(length, 'length');
  return addSaltInstance(envelope, randomBytes(length, { rng: opts.testRng ?? secureRng() }));
}

/** Add a salt whose length is drawn uniformly from `[min, max]` (`add_salt_in_range`). */
export function addSaltInRange(
  envelope: Envelope,
  min: number,
  max: number,
  opts: SaltOptions = {},
): Envelope {
  checkLength(min, 'min');
  checkLength(max, 'max');
  if (max < min) throw new RangeError('"max" must be ≥ "min"');
  const rng = opts.testRng ?? secureRng();
  const length = Number(nextInClosedRangeU64(rng, BigInt(min), BigInt(max)));
  return addSaltInstance(envelope, randomBytes(length, { rng }));
}

/** Add a salt sized to the envelope (the reference's `add_salt`). */
export function addSalt(envelope: Envelope, opts: SaltOptions = {}): Envelope {
  const n = envelope.toBytes().length;
  const min = Math.max(MIN_SALT_LENGTH, Math.ceil(n * 0.05));
  const max = Math.max(min + 8, Math.ceil(n * 0.25));
  return addSaltInRange(envelope, min, max, opts);
}
