/**
 * The SSKR permit (bc-specs §2.9, §3; bc-envelope-rust 0.43 `src/extension/sskr.rs`; BCR-2020-011),
 * on `@blockchaincommons/sskr` 1.0.0-beta.1.
 *
 * The subject is encrypted with a content key; the key is split with SSKR (Shamir over GF(256),
 * groups of members); each share envelope is the encrypted envelope plus one assertion
 * `'sskrShare': #6.40309(h'share')`. Joining collects the shares, recovers the key, and decrypts.
 * @module
 */
import type { RandomNumberGenerator } from '@blockchaincommons/rand';
import {
  combineShares,
  GroupSpec,
  generateShares,
  parseShare,
  Secret,
  Spec,
  SskrError,
  shareBytes,
} from '@blockchaincommons/sskr';
import { MAJOR, tagged } from './dcbor';
import { digestHex } from './digest';
import { decryptSubject, type EncryptOptions, encryptSubject } from './encrypt';
import { Envelope } from './envelope';
import {
  InvalidShareError,
  MixedSharesError,
  NotEnoughSharesError,
  NotObscuredError,
} from './errors';
import { SSKR_SHARE } from './knownValues';

/** `#6.40309`, SSKR share (bc-tags; legacy 309 is not accepted). */
export const TAG_SSKR_SHARE = 40309;

/** `groupThreshold` of the groups must each meet their own `threshold` of `count` members. */
export type SskrSpec = {
  readonly groupThreshold: number;
  readonly groups: readonly { readonly threshold: number; readonly count: number }[];
};

export type SskrSplitOptions = EncryptOptions & {
  /**
   * TESTS ONLY: a deterministic generator (e.g. `SeededRng` from `@blockchaincommons/rand`) for
   * the share identifier and the Shamir polynomials. Production code uses Web Crypto.
   */
  testRng?: RandomNumberGenerator;
};

function toSpec(spec: SskrSpec): Spec {
  try {
    return Spec.from({
      groupThreshold: spec.groupThreshold,
      groups: spec.groups.map((g) =>
        GroupSpec.from({ memberThreshold: g.threshold, memberCount: g.count }),
      ),
    });
  } catch (e) {
    if (SskrError.isSskrError(e))
      throw new RangeError(`"spec" is invalid (${e.code})`, { cause: e });
    throw e;
  }
}

/**
 * Add SSKR shares of `contentKey` to an envelope whose subject is already encrypted with it
 * (the reference's `sskr_split`): one envelope per share, grouped as the spec.
 * @throws {NotObscuredError} if the subject is not encrypted.
 */
export function sskrAddShares(
  encrypted: Envelope,
  spec: SskrSpec,
  contentKey: Uint8Array,
  opts: SskrSplitOptions = {},
): Envelope[][] {
  if (!encrypted.isSubjectEncrypted()) {
    throw new NotObscuredError('encrypted', encrypted.subject().case.type);
  }
  const s = toSpec(spec);
  const secret = Secret.from(contentKey);
  const groups = generateShares(s, secret, { rng: opts.testRng });
  return groups.map((members) =>
    members.map((share) =>
      encrypted.addAssertion(
        Envelope.knownValue(SSKR_SHARE),
        Envelope.leaf(tagged(TAG_SSKR_SHARE, shareBytes(share))),
      ),
    ),
  );
}

/**
 * Wrap `envelope`, encrypt it with `contentKey` (32 bytes, fresh per split) and split the key:
 * every share envelope reads `ENCRYPTED [ 'sskrShare': SSKRShare ]`.
 * @example sskrSplit(seed, { groupThreshold: 1, groups: [{ threshold: 2, count: 3 }] }, key)
 */
export function sskrSplit(
  envelope: Envelope,
  spec: SskrSpec,
  contentKey: Uint8Array,
  opts: SskrSplitOptions = {},
): Envelope[][] {
  toSpec(spec); // validate before encrypting
  return sskrAddShares(encryptSubject(envelope.wrap(), contentKey, opts), spec, contentKey, opts);
}

/** The one `'sskrShare'` object of a share envelope, as bytes. */
function shareOf(envelope: Envelope, index: number): Uint8Array {
  const found: Uint8Array[] = [];
  for (const a of envelope.assertions()) {
    if (a.asPredicate()?.asKnownValue() !== SSKR_SHARE) continue;
    const leaf = a.asObject()?.asLeaf();
    if (
      leaf?.type !== MAJOR.tagged ||
      BigInt(leaf.tag) !== BigInt(TAG_SSKR_SHARE) ||
      leaf.value.type !== MAJOR.bytes
    ) {
      throw new InvalidShareError(`share ${index}: 'sskrShare' is not #6.40309(bytes)`);
    }
    found.push(leaf.value.value);
  }
  if (found.length !== 1) {
    throw new InvalidShareError(
      `share ${index}: ${found.length} 'sskrShare' assertions, expected 1`,
    );
  }
  return found[0] as Uint8Array;
}

/**
 * Recover the content key from share envelopes and decrypt their subject (the reference's
 * `sskr_join`): returns the decrypted subject only, without the share assertions.
 * @throws {NotEnoughSharesError | MixedSharesError | InvalidShareError | DecryptionError}
 */
export function sskrJoinSubject(shares: readonly Envelope[]): Envelope {
  const [first] = shares;
  if (first === undefined) throw new NotEnoughSharesError('SharesEmpty');
  const subjectDigest = first.subject().digestHex;
  const unique = new Map<string, Uint8Array>();
  for (const [i, env] of shares.entries()) {
    if (!(env instanceof Envelope)) throw new TypeError('"shares" expected Envelope[]');
    if (!env.isSubjectEncrypted()) {
      throw new InvalidShareError(`share ${i}: the subject is not encrypted`);
    }
    if (env.subject().digestHex !== subjectDigest) {
      throw new MixedSharesError(`share ${i} encrypts another envelope`);
    }
    const bytes = shareOf(env, i);
    unique.set(digestHex(bytes), bytes); // the same share given twice counts once
  }
  const parsed = [...unique.values()].map((bytes, i) => {
    try {
      return parseShare(bytes);
    } catch (e) {
      throw new InvalidShareError(`share ${i} does not parse`, e);
    }
  });
  const id = parsed[0]?.identifier;
  if (parsed.some((p) => p.identifier !== id)) {
    throw new MixedSharesError('the shares carry different identifiers');
  }
  let key: Uint8Array;
  try {
    key = combineShares(parsed).bytes;
  } catch (e) {
    if (!SskrError.isSskrError(e)) throw e;
    switch (e.code) {
      case 'NotEnoughGroups':
      case 'MemberThresholdInvalid':
      case 'SharesEmpty':
        throw new NotEnoughSharesError(e.code, e);
      case 'ShareSetInvalid':
      case 'DuplicateMemberIndex':
        throw new MixedSharesError(e.code, e);
      default:
        throw new InvalidShareError(`the shares do not combine (${e.code})`, e);
    }
  }
  try {
    return decryptSubject(first, key).subject();
  } finally {
    key.fill(0);
  }
}

/**
 * Undo `sskrSplit`: recover the key, decrypt, unwrap.
 * @throws {NotEnoughSharesError | MixedSharesError | InvalidShareError | DecryptionError}
 */
export function sskrJoin(shares: readonly Envelope[]): Envelope {
  return sskrJoinSubject(shares).unwrap();
}
