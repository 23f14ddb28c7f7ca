/**
 * Signing (DKLs23 Protocol 3.6, tss/sign; research/tecdsa.md §2.6, §2.9) under one malicious
 * signer: every field of sign1 (commitment, OT-extension message), sign2 (RVOLE message,
 * decommitment, pk_i, Γ^u, Γ^v, ψ) and sign3 ((u_i, w_i)) is tampered with, in a 2-of-3 key with
 * signers {1, 2} (each way, on a derived path) and in a 3-of-3 key (a broadcast with two
 * receivers, equivocation). Honest signers end with the pinned TssError — `ban` exactly for the
 * OT-extension, RVOLE μ and Γ checks — or with a signature that verifies under the derived key.
 *
 * Checks that cannot name a culprit, by design: ψ, u and w are only checked through the final
 * signature (`InvalidSignature`), and Σ pk_m = pk_derived and R ≠ identity are sums over all
 * signers (`PublicShareSumMismatch`, `DegenerateNonce`).
 */
import { beforeAll, describe, it } from 'vitest';
import type { Point } from '../../../tss/curve';
import type { KeyShare } from '../../../tss/keyshare';
import {
  badPointPrefix,
  type Case,
  cancelSum,
  deleteField,
  dropMessage,
  duplicateMessage,
  type Envelope,
  type Expected,
  expectedSigningKey,
  expectOutcomes,
  extend,
  fails,
  fieldCase,
  flipBit,
  identityPoint,
  messageCase,
  negatePoint,
  notAnObject,
  otherSession,
  preparedCase,
  type Recording,
  record,
  replaceWith,
  replay,
  replayMessage,
  scalarN,
  scalarNPlus1,
  signatureVerifier,
  signCheaters,
  signProtocol,
  truncate,
  wrongType,
  zeroScalar,
} from '../support/adversary';
import { seededRng } from '../support/rng';
import { rngsFor, runDkg } from '../support/simulate';

const f = fieldCase;
/** The last scalar of ã (ξ·(ℓ+ρ) = 2048 of them) and the second of η. */
const LAST_A_TILDE = 2047 * 32;

/** Every field of every signing message; the same for every honest recipient. */
function signMessageCases(): Case[] {
  return [
    // sign1 (round 2): the sign id first (WrongSession, never a ban: TOB-SILA-8), the shape, then
    // the OT extension as sender — its consistency check bans. The commitment is only opened in
    // round 3.
    f('sign1', ['sigid'], flipBit(), fails('WrongSession')),
    f('sign1', ['sigid'], truncate, fails('WrongLength')),
    f('sign1', ['sigid'], extend, fails('WrongLength')),
    f('sign1', ['sigid'], otherSession, fails('WrongSession')),
    f('sign1', ['sigid'], deleteField, fails('MalformedMessage')),
    f('sign1', ['commitment'], flipBit(), fails('CommitmentMismatch')),
    f('sign1', ['commitment'], truncate, fails('WrongLength')),
    f('sign1', ['commitment'], extend, fails('WrongLength')),
    f('sign1', ['commitment'], otherSession, fails('CommitmentMismatch')),
    f('sign1', ['commitment'], wrongType, fails('MalformedMessage')),
    f('sign1', ['ote'], deleteField, fails('MalformedMessage')),
    f('sign1', ['ote'], wrongType, fails('MalformedMessage')),
    f('sign1', ['ote'], replaceWith([], 'replaced by a list'), fails('MalformedMessage')),
    // Another session's extension: χ = H(sid, u) and the PRG are bound to this sid, so it fails
    // the check — a ban, as for any failed check (research/tecdsa.md §2.9).
    f('sign1', ['ote'], otherSession, fails('OtConsistencyCheckFailed')),
    f('sign1', ['ote', 'u'], flipBit(), fails('OtConsistencyCheckFailed')),
    f('sign1', ['ote', 'u'], flipBit(-1, 7), fails('OtConsistencyCheckFailed')),
    f('sign1', ['ote', 'u'], truncate, fails('WrongLength')),
    f('sign1', ['ote', 'u'], extend, fails('WrongLength')),
    f('sign1', ['ote', 'u'], otherSession, fails('OtConsistencyCheckFailed')),
    f('sign1', ['ote', 'u'], deleteField, fails('MalformedMessage')),
    f('sign1', ['ote', 'xTilde'], flipBit(), fails('OtConsistencyCheckFailed')),
    f('sign1', ['ote', 'xTilde'], truncate, fails('WrongLength')),
    f('sign1', ['ote', 'xTilde'], extend, fails('WrongLength')),
    f('sign1', ['ote', 'xTilde'], otherSession, fails('OtConsistencyCheckFailed')),
    f('sign1', ['ote', 'tTilde'], flipBit(-1), fails('OtConsistencyCheckFailed')),
    f('sign1', ['ote', 'tTilde'], truncate, fails('WrongLength')),
    f('sign1', ['ote', 'tTilde'], otherSession, fails('OtConsistencyCheckFailed')),
    f('sign1', ['ote', 'tTilde'], wrongType, fails('MalformedMessage')),
    f('sign1', ['to'], replaceWith(9, 'set to 9'), fails('MalformedMessage')),
    // `from` is the claimed sender: a forged one is blamed as such (the transport authenticates).
    f('sign1', ['from'], replaceWith(9, 'set to 9 (no such party)'), fails('UnknownParty', 9)),
    messageCase('sign1', dropMessage, fails('MissingMessage')),
    messageCase('sign1', duplicateMessage, fails('DuplicateParty')),
    messageCase('sign1', replayMessage, fails('WrongSession')),
    messageCase('sign1', notAnObject, fails('MalformedMessage', 'none')),

    // sign2 (round 3): sign id, shape, the decommitment of R_j (before R_j is decoded), the
    // encodings of pk_j, Γ^u, Γ^v, ψ — all recoverable — then RVOLE μ, Γ^u, Γ^v (ban), then the
    // sums over all signers.
    f('sign2', ['sigid'], flipBit(), fails('WrongSession')),
    f('sign2', ['sigid'], truncate, fails('WrongLength')),
    f('sign2', ['sigid'], otherSession, fails('WrongSession')),
    f('sign2', ['vole'], deleteField, fails('MalformedMessage')),
    f('sign2', ['vole'], wrongType, fails('MalformedMessage')),
    f('sign2', ['vole'], replaceWith([], 'replaced by a list'), fails('MalformedMessage')),
    f('sign2', ['vole'], otherSession, fails('VoleConsistencyCheckFailed')),
    // A low bit of a scalar keeps it canonical: μ decides.
    f('sign2', ['vole', 'aTilde'], flipBit(31), fails('VoleConsistencyCheckFailed')),
    f('sign2', ['vole', 'aTilde'], flipBit(-1), fails('VoleConsistencyCheckFailed')),
    f('sign2', ['vole', 'aTilde'], scalarN(0), fails('InvalidScalar')),
    f('sign2', ['vole', 'aTilde'], scalarNPlus1(LAST_A_TILDE), fails('InvalidScalar')),
    // ã may hold zeros (its entries are uniform in Z_q): only μ can refuse it.
    f('sign2', ['vole', 'aTilde'], zeroScalar(0), fails('VoleConsistencyCheckFailed')),
    f('sign2', ['vole', 'aTilde'], truncate, fails('WrongLength')),
    f('sign2', ['vole', 'aTilde'], extend, fails('WrongLength')),
    f('sign2', ['vole', 'aTilde'], otherSession, fails('VoleConsistencyCheckFailed')),
    f('sign2', ['vole', 'aTilde'], deleteField, fails('MalformedMessage')),
    f('sign2', ['vole', 'eta'], flipBit(31), fails('VoleConsistencyCheckFailed')),
    f('sign2', ['vole', 'eta'], scalarN(32), fails('InvalidScalar')),
    f('sign2', ['vole', 'eta'], truncate, fails('WrongLength')),
    f('sign2', ['vole', 'eta'], otherSession, fails('VoleConsistencyCheckFailed')),
    f('sign2', ['vole', 'mu'], flipBit(), fails('VoleConsistencyCheckFailed')),
    f('sign2', ['vole', 'mu'], truncate, fails('WrongLength')),
    f('sign2', ['vole', 'mu'], extend, fails('WrongLength')),
    f('sign2', ['vole', 'mu'], otherSession, fails('VoleConsistencyCheckFailed')),
    f('sign2', ['vole', 'mu'], wrongType, fails('MalformedMessage')),
    // R_j is opened against its commitment before it is decoded: any change is a mismatch.
    f('sign2', ['nonceCommitment'], negatePoint, fails('CommitmentMismatch')),
    f('sign2', ['nonceCommitment'], identityPoint, fails('CommitmentMismatch')),
    f('sign2', ['nonceCommitment'], badPointPrefix, fails('CommitmentMismatch')),
    f('sign2', ['nonceCommitment'], truncate, fails('WrongLength')),
    f('sign2', ['nonceCommitment'], otherSession, fails('CommitmentMismatch')),
    f('sign2', ['salt'], flipBit(), fails('CommitmentMismatch')),
    f('sign2', ['salt'], truncate, fails('WrongLength')),
    f('sign2', ['salt'], otherSession, fails('CommitmentMismatch')),
    // A valid but wrong pk_j fails χ·pk_j = d^v·G + Γ^v, which depends on our χ: a ban, before the
    // public sum check could have named no one.
    f('sign2', ['publicShare'], negatePoint, fails('GammaVCheckFailed')),
    f('sign2', ['publicShare'], otherSession, fails('GammaVCheckFailed')),
    f('sign2', ['publicShare'], badPointPrefix, fails('InvalidPoint')),
    f('sign2', ['publicShare'], identityPoint, fails('InvalidPoint')),
    f('sign2', ['publicShare'], truncate, fails('WrongLength')),
    f('sign2', ['gammaU'], negatePoint, fails('GammaUCheckFailed')),
    f('sign2', ['gammaU'], otherSession, fails('GammaUCheckFailed')),
    f('sign2', ['gammaU'], badPointPrefix, fails('InvalidPoint')),
    f('sign2', ['gammaU'], identityPoint, fails('InvalidPoint')),
    f('sign2', ['gammaU'], extend, fails('WrongLength')),
    f('sign2', ['gammaV'], negatePoint, fails('GammaVCheckFailed')),
    f('sign2', ['gammaV'], otherSession, fails('GammaVCheckFailed')),
    f('sign2', ['gammaV'], badPointPrefix, fails('InvalidPoint')),
    f('sign2', ['gammaV'], identityPoint, fails('InvalidPoint')),
    f('sign2', ['gammaV'], truncate, fails('WrongLength')),
    f('sign2', ['gammaV'], deleteField, fails('MalformedMessage')),
    // ψ is only checked through the final signature (Protocol 3.6 has no per-peer check of it).
    f('sign2', ['psi'], flipBit(-1), fails('InvalidSignature', 'none')),
    f('sign2', ['psi'], zeroScalar(), fails('InvalidSignature', 'none')),
    f('sign2', ['psi'], otherSession, fails('InvalidSignature', 'none')),
    f('sign2', ['psi'], scalarN(), fails('InvalidScalar')),
    f('sign2', ['psi'], scalarNPlus1(), fails('InvalidScalar')),
    f('sign2', ['psi'], truncate, fails('WrongLength')),
    f('sign2', ['to'], replaceWith(9, 'set to 9'), fails('MalformedMessage')),
    f('sign2', ['from'], replaceWith(9, 'set to 9 (no such party)'), fails('UnknownParty', 9)),
    messageCase('sign2', dropMessage, fails('MissingMessage')),
    messageCase('sign2', duplicateMessage, fails('DuplicateParty')),
    messageCase('sign2', replayMessage, fails('WrongSession')),
    messageCase('sign2', notAnObject, fails('MalformedMessage', 'none')),

    // sign3 (finish): sign id, canonical scalars, then only the combined signature can tell.
    f('sign3', ['sigid'], flipBit(), fails('WrongSession')),
    f('sign3', ['sigid'], truncate, fails('WrongLength')),
    f('sign3', ['sigid'], otherSession, fails('WrongSession')),
    f('sign3', ['u'], flipBit(-1), fails('InvalidSignature', 'none')),
    f('sign3', ['u'], zeroScalar(), fails('InvalidSignature', 'none')),
    f('sign3', ['u'], otherSession, fails('InvalidSignature', 'none')),
    // A rushing cheater that waits for the others' u and cancels Σu: refused before inverting.
    f('sign3', ['u'], cancelSum, fails('DegenerateNonce', 'none')),
    f('sign3', ['u'], scalarN(), fails('InvalidScalar')),
    f('sign3', ['u'], scalarNPlus1(), fails('InvalidScalar')),
    f('sign3', ['u'], truncate, fails('WrongLength')),
    f('sign3', ['u'], extend, fails('WrongLength')),
    f('sign3', ['u'], deleteField, fails('MalformedMessage')),
    f('sign3', ['w'], flipBit(-1), fails('InvalidSignature', 'none')),
    f('sign3', ['w'], zeroScalar(), fails('InvalidSignature', 'none')),
    f('sign3', ['w'], otherSession, fails('InvalidSignature', 'none')),
    // Σw = 0 gives s = 0.
    f('sign3', ['w'], cancelSum, fails('InvalidSignature', 'none')),
    f('sign3', ['w'], scalarN(), fails('InvalidScalar')),
    f('sign3', ['w'], truncate, fails('WrongLength')),
    f('sign3', ['w'], wrongType, fails('MalformedMessage')),
    f('sign3', ['from'], replaceWith(9, 'set to 9 (no such party)'), fails('UnknownParty', 9)),
    // A broadcast has no recipient: an added `to` is an unknown field, refused.
    f('sign3', ['to'], replaceWith(9, 'added, set to 9'), fails('MalformedMessage')),
    messageCase('sign3', dropMessage, fails('MissingMessage')),
    messageCase('sign3', duplicateMessage, fails('DuplicateParty')),
    messageCase('sign3', replayMessage, fails('WrongSession')),
    messageCase('sign3', notAnObject, fails('MalformedMessage', 'none')),

    // Cheaters that change what they compute, not what they send.
    preparedCase(signCheaters.wrongKeyInMultiplication, [], fails('GammaVCheckFailed')),
    preparedCase(signCheaters.wrongNonceInMultiplication, [], fails('GammaUCheckFailed')),
    preparedCase(signCheaters.consistentWrongKey, [], fails('PublicShareSumMismatch', 'none')),
    preparedCase(signCheaters.cancellingNonce, [], fails('DegenerateNonce', 'none')),
  ];
}

type Setting = {
  readonly recording: Recording;
  readonly other: readonly Envelope[];
  readonly key: Point;
  readonly digest: Uint8Array;
};

function setting(
  shares: ReadonlyMap<number, KeyShare>,
  signers: number[],
  path: number[],
  seed: string,
): Setting {
  const rng = seededRng(seed);
  const digest = rng(32);
  const recording = record(
    signProtocol(shares, { signers, digest, path, sessionNonce: rng(32) }),
    rngsFor(signers, `${seed}/a`),
  );
  const other = record(
    signProtocol(shares, { signers, digest: rng(32), path, sessionNonce: rng(32) }),
    rngsFor(signers, `${seed}/b`),
  ).transcript;
  const key = expectedSigningKey(shares.get(signers[0] as number) as KeyShare, path);
  return { recording, other, key, digest };
}

function check(get: () => Setting, adversary: number) {
  return (testCase: Case) => {
    const { recording, other, key, digest } = get();
    const outcomes = replay(recording, {
      adversary,
      attacks: testCase.attacks,
      ...(testCase.prepare ? { prepare: testCase.prepare } : {}),
      other,
      seed: `malicious/sign/${adversary}/${testCase.name}`,
    });
    expectOutcomes(outcomes, testCase.expected, adversary, signatureVerifier(key, digest));
  };
}

let twoOfThree: Map<number, KeyShare>;
let threeOfThree: Map<number, KeyShare>;
let pair: Setting;
let trio: Setting;

beforeAll(() => {
  twoOfThree = runDkg(
    { parties: [1, 2, 3], threshold: 2 },
    rngsFor([1, 2, 3], 'malicious/sign/2of3'),
  );
  threeOfThree = runDkg(
    { parties: [1, 2, 3], threshold: 3 },
    rngsFor([1, 2, 3], 'malicious/sign/3of3'),
  );
  pair = setting(twoOfThree, [1, 2], [0, 7], 'malicious/sign/pair');
  trio = setting(threeOfThree, [1, 2, 3], [], 'malicious/sign/trio');
}, 120_000);

describe('signing, 2-of-3 key, signers {1, 2} on m/0/7: party 2 cheats', () => {
  it('control: an untouched replay signs', () => {
    const outcomes = replay(pair.recording, {
      adversary: 2,
      prepare: { name: 'nothing', step: 0, apply: () => {} },
      seed: 'control',
      memo: false,
    });
    expectOutcomes(outcomes, 'ok', 2, signatureVerifier(pair.key, pair.digest));
  });
  it.each(signMessageCases())(
    '$name',
    check(() => pair, 2),
    20_000,
  );
  // Party 3 holds a share of the key but is not a signer: a forged `from: 3` blames it.
  it.each([
    f('sign1', ['from'], replaceWith(3, 'set to 3 (a non-signer)'), fails('UnknownParty', 3)),
  ])(
    '$name',
    check(() => pair, 2),
  );
});

describe('signing, 2-of-3 key, signers {1, 2} on m/0/7: party 1 cheats', () => {
  it.each(signMessageCases())(
    '$name',
    check(() => pair, 1),
    20_000,
  );
});

describe('signing, 3-of-3 key: party 2 cheats (two receivers)', () => {
  it.each(signMessageCases())(
    '$name',
    check(() => trio, 2),
    20_000,
  );

  const byParty = (entries: Record<number, Expected>) => ({ byParty: entries }) as Expected;
  it.each([
    // Equivocated (u, w): only the deceived signer's combination fails; the other signs.
    f('sign3', ['u'], flipBit(-1), byParty({ 1: fails('InvalidSignature', 'none'), 3: 'ok' }), {
      victims: [1],
    }),
    f('sign3', ['w'], otherSession, byParty({ 1: 'ok', 3: fails('InvalidSignature', 'none') }), {
      victims: [3],
    }),
    f('sign3', ['sigid'], flipBit(), byParty({ 1: 'ok', 3: fails('WrongSession', 2) }), {
      victims: [3],
    }),
    // A direct message to one signer only: that signer bans, the other misses its sign3.
    f(
      'sign2',
      ['gammaU'],
      negatePoint,
      byParty({ 1: fails('GammaUCheckFailed', 2), 3: fails('MissingMessage', 1) }),
      { victims: [1] },
    ),
    f(
      'sign1',
      ['ote', 'u'],
      flipBit(),
      byParty({ 1: fails('MissingMessage', 3), 3: fails('OtConsistencyCheckFailed', 2) }),
      { victims: [3] },
    ),
    // A forged sender naming the other honest signer: one sees it twice, the other as itself.
    f(
      'sign2',
      ['from'],
      replaceWith(3, 'set to 3 (an honest signer)'),
      byParty({ 1: fails('DuplicateParty', 3), 3: fails('UnknownParty', 'none') }),
    ),
  ])(
    '$name',
    check(() => trio, 2),
    20_000,
  );
});
