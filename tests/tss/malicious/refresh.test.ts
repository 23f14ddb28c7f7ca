/**
 * Refresh (research/tecdsa.md §2.8: a re-share onto the same parties, `refreshConfig`, run by the
 * DKG rounds in `reshare` mode) of a 2-of-3 key under one malicious party: the whole DKG message
 * table, replaying the key's own DKG as "another session", plus the survivor checks that only a
 * re-share has — F_{j,0} = λ_j·X_j and the carried chain code — reached by cheaters that commit
 * to what they open. Honest parties must never end with a changed public key or chain code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { add, type Point } from '../../../tss/curve';
import type { KeyShare } from '../../../tss/keyshare';
import { refreshConfig } from '../../../tss/refresh/config';
import {
  type Case,
  checkDkgCase,
  dkgCommitTo,
  dkgMessageCases,
  dkgProtocol,
  dkgRound1With,
  type Envelope,
  expectOutcomes,
  fails,
  fieldAttack,
  fieldCase,
  flipBit,
  keyShareVerifier,
  negatePoint,
  preparedCase,
  type Recording,
  record,
  replay,
  run,
  signatureVerifier,
  signProtocol,
} from '../support/adversary';
import { rngsFor } from '../support/simulate';

const PARTIES = [1, 2, 3];
const CONTEXT = new Uint8Array([7, 7, 7]);

let keyDkg: readonly Envelope[];
let oldShares: Map<number, KeyShare>;
let recording: Recording;
let publicKey: Point;
let chainCode: Uint8Array;

beforeAll(() => {
  const dkg = record(
    dkgProtocol(PARTIES, (self) => ({
      parties: PARTIES,
      threshold: 2,
      self,
      mode: { kind: 'fresh' },
      context: new Uint8Array([1, 2, 3]),
    })),
    rngsFor(PARTIES, 'malicious/refresh/key'),
  );
  keyDkg = dkg.transcript;
  oldShares = new Map(
    [...dkg.outcomes].map(([p, o]) => [p, (o as { value: KeyShare }).value] as const),
  );
  ({ publicKey, chainCode } = oldShares.get(1) as KeyShare);
  recording = record(
    dkgProtocol(PARTIES, (self) => refreshConfig(oldShares.get(self) as KeyShare, CONTEXT)),
    rngsFor(PARTIES, 'malicious/refresh/a'),
  );
}, 120_000);

const check = (adversary: number) => (testCase: Case) =>
  checkDkgCase(recording, testCase, {
    adversary,
    other: keyDkg,
    publicKey,
    chainCode,
    seed: `malicious/refresh/${adversary}`,
  });

describe('refresh of a 2-of-3 key: the honest run', () => {
  it('keeps the key and chain code, renews every share, and the new shares sign', () => {
    const shares = new Map<number, KeyShare>();
    for (const [p, o] of recording.outcomes) shares.set(p, (o as { value: KeyShare }).value);
    for (const [p, share] of shares) {
      keyShareVerifier(publicKey, chainCode)(p, share);
      expect(share.secretShare).not.toBe((oldShares.get(p) as KeyShare).secretShare);
    }
    const digest = new Uint8Array(32).fill(0x42);
    const signing = run(signProtocol(shares, { signers: [1, 3], digest }), rngsFor([1, 3], 'rs'));
    expectOutcomes(signing, 'ok', undefined, signatureVerifier(publicKey, digest));
  });
});

/**
 * Every field of every message, and every whole-message attack. Where the code path does not
 * depend on the mode — dkg1 (only its effect on the echo), the base OTs — one mutation per field
 * is enough here (tests/tss/malicious/dkg.test.ts runs them all); dkg2 and dkg3, where a re-share
 * differs, run in full.
 */
function refreshCases(): Case[] {
  const seen = new Set<string>();
  return dkgMessageCases({ refresh: true }).filter((c) => {
    const stage = c.attacks[0]?.stage;
    if (c.field === undefined || stage === 'dkg2' || stage === 'dkg3') return true;
    if (seen.has(c.field)) return false;
    seen.add(c.field);
    return true;
  });
}

describe('refresh of a 2-of-3 key: party 2 tampers with every field of every message', () => {
  it.each(refreshCases())('$name', check(2), 30_000);
});

describe('refresh of a 2-of-3 key: survivor cheaters (party 2)', () => {
  const mode = (config: ReturnType<typeof refreshConfig>) => {
    if (config.mode.kind !== 'reshare') throw new Error('not a re-share');
    return config.mode;
  };
  const cases: Case[] = [
    // Starts from λ_2·(s_2 + 1): its proofs are valid, its opening is consistent; only the
    // survivor check F_{2,0} = λ_2·X_2 sees that the constant terms would not add up to the key.
    preparedCase(
      dkgRound1With('brings s_2 + 1 as its old share', (config) => ({
        ...config,
        mode: { ...mode(config), oldSecretShare: add(mode(config).oldSecretShare as bigint, 1n) },
      })),
      [],
      fails('PublicKeyMismatch'),
    ),
    // Commits to and opens another chain-code contribution: the carried chain code is checked.
    preparedCase(
      dkgCommitTo(['chainCodeContribution'], flipBit()),
      [fieldAttack('dkg2', ['chainCodeContribution'], flipBit())],
      fails('ChainCodeMismatch'),
    ),
    // Commits to −F_{2,0}: its discrete log is unknown to the cheater, so the proof fails first.
    preparedCase(
      dkgCommitTo(['polynomialCommitment', 0], negatePoint),
      [fieldAttack('dkg2', ['polynomialCommitment', 0], negatePoint)],
      fails('InvalidProof'),
    ),
    // Runs the refresh under another context: another session id, so another echo.
    preparedCase(
      dkgRound1With('runs under another context', (config) => ({
        ...config,
        context: new Uint8Array([9]),
      })),
      [],
      fails('EchoMismatch'),
    ),
    // Runs a fresh DKG instead of a re-share: the mode is in the session id.
    preparedCase(
      dkgRound1With('runs a fresh DKG instead', (config) => ({
        ...config,
        mode: { kind: 'fresh' },
      })),
      [],
      fails('EchoMismatch'),
    ),
  ];
  it.each(cases)('$name', check(2), 30_000);

  // Equivocated broadcasts in a refresh end as in a DKG: recoverable, and whoever completes has
  // the old key.
  it.each([
    fieldCase(
      'dkg1',
      ['sessionContribution'],
      flipBit(),
      {
        byParty: { 1: fails('EchoMismatch', 2), 3: fails('EchoMismatch', 1) },
      },
      { victims: [1] },
    ),
    fieldCase(
      'dkg3',
      ['chainCode'],
      flipBit(),
      {
        byParty: { 1: 'ok', 3: fails('ChainCodeMismatch', 2) },
      },
      { victims: [3] },
    ),
  ])('$name', check(2), 30_000);

  it('an untouched replay (cloned states) keeps the key', () => {
    const outcomes = replay(recording, {
      adversary: 2,
      prepare: { name: 'nothing', step: 2, apply: () => {} },
      seed: 'control',
      memo: false,
    });
    expectOutcomes(outcomes, 'ok', 2, keyShareVerifier(publicKey, chainCode));
  }, 30_000);
});
