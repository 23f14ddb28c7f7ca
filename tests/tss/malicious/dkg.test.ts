/**
 * DKG (DKLT23 Protocol 9.1 as in tss/dkg, research/tecdsa.md §2.2) under one malicious party:
 * every field of every DKG message (dkg1, dkg2, dkg2.direct, dkg3, dkg3.direct) is tampered with
 * by a 2-of-3 party; both honest parties must end with the pinned TssError and culprit, or with the
 * right key. Plus what is specific to three parties: forged senders, copied contributions and
 * equivocated broadcasts. The harness is tests/tss/support/adversary.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Point } from '../../../tss/curve';
import type { DkgConfig } from '../../../tss/dkg/types';
import type { KeyShare } from '../../../tss/keyshare';
import {
  type Case,
  checkDkgCase,
  copyOf,
  dkgMessageCases,
  dkgProtocol,
  type Envelope,
  expectOutcomes,
  fails,
  fieldCase,
  flipBit,
  keyShareVerifier,
  negatePoint,
  otherSession,
  type Recording,
  record,
  replaceWith,
  replay,
} from '../support/adversary';
import { rngsFor } from '../support/simulate';

const PARTIES = [1, 2, 3];
const config = (self: number): DkgConfig => ({
  parties: PARTIES,
  threshold: 2,
  self,
  mode: { kind: 'fresh' },
  context: new Uint8Array([1, 2, 3]),
});

let recording: Recording;
let other: readonly Envelope[];
let publicKey: Point;
let chainCode: Uint8Array;

beforeAll(() => {
  recording = record(dkgProtocol(PARTIES, config), rngsFor(PARTIES, 'malicious/dkg/a'));
  other = record(dkgProtocol(PARTIES, config), rngsFor(PARTIES, 'malicious/dkg/b')).transcript;
  const outcome = recording.outcomes.get(1);
  if (outcome?.status !== 'ok') throw new Error('honest DKG failed');
  ({ publicKey, chainCode } = outcome.value as KeyShare);
}, 120_000);

const check = (adversary: number) => (testCase: Case) =>
  checkDkgCase(recording, testCase, {
    adversary,
    other,
    publicKey,
    chainCode,
    seed: `malicious/dkg/${adversary}`,
  });

describe('DKG 2-of-3: party 2 tampers with every field of every message', () => {
  it('control: an untouched replay (cloned states, fresh randomness) gives the recorded key', () => {
    for (const [step, memo] of [
      [2, false],
      [0, true],
    ] as const) {
      const outcomes = replay(recording, {
        adversary: 2,
        prepare: { name: 'nothing', step, apply: () => {} },
        seed: `control/${step}`,
        memo,
      });
      expectOutcomes(outcomes, 'ok', 2, keyShareVerifier(publicKey, chainCode));
    }
  }, 60_000);

  it.each(dkgMessageCases({ refresh: false }))('$name', check(2), 30_000);
});

describe('DKG 2-of-3: sender forgery, copied values, equivocation (party 2 cheats)', () => {
  const cases: Case[] = [
    // `from` is read from the body: tss/ blames the claimed sender; binding it to the
    // authenticated channel is the transport's job (research/tecdsa.md §2.0 "Transport").
    fieldCase(
      'dkg1',
      ['from'],
      replaceWith(9, 'set to 9 (no such party)'),
      fails('UnknownParty', 9),
    ),
    fieldCase(
      'dkg1',
      ['from'],
      replaceWith('2', "set to the string '2'"),
      fails('UnknownParty', 'none'),
    ),
    fieldCase('dkg1', ['from'], replaceWith(3, 'set to 3 (an honest peer)'), {
      byParty: { 1: fails('DuplicateParty', 3), 3: fails('UnknownParty', 'none') },
    }),
    fieldCase('dkg2.direct', ['from'], replaceWith(1, 'set to 1 (an honest peer)'), {
      byParty: { 1: fails('UnknownParty', 'none'), 3: fails('DuplicateParty', 1) },
    }),
    fieldCase(
      'dkg3',
      ['from'],
      replaceWith(9, 'set to 9 (no such party)'),
      fails('UnknownParty', 9),
    ),
    // Copying party 1's session contribution: party 1 sees its own value copied and names the
    // copier; party 3 cannot tell the copier from the copied and names nobody.
    fieldCase('dkg1', ['sessionContribution'], copyOf(1), {
      byParty: { 1: fails('WrongSession', 2), 3: fails('WrongSession', 'none') },
    }),
    // Equivocation: an echo mismatch says that two views differ, not who made them differ; the
    // honest parties end with a recoverable EchoMismatch naming the first peer whose echo differs.
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
      'dkg1',
      ['commitment'],
      flipBit(),
      {
        byParty: { 1: fails('EchoMismatch', 3), 3: fails('EchoMismatch', 1) },
      },
      { victims: [3] },
    ),
    // A dkg2 equivocation: the victim aborts in round 3; the other honest party then misses the
    // victim's dkg3.
    fieldCase(
      'dkg2',
      ['echo'],
      flipBit(),
      {
        byParty: { 1: fails('EchoMismatch', 2), 3: fails('MissingMessage', 1) },
      },
      { victims: [1] },
    ),
    fieldCase(
      'dkg2',
      ['proofs', 0],
      otherSession,
      {
        byParty: { 1: fails('MissingMessage', 3), 3: fails('InvalidProof', 2) },
      },
      { victims: [3] },
    ),
    // A dkg3 equivocation: the deceived party aborts, the other ends with the right key.
    fieldCase(
      'dkg3',
      ['transcript'],
      flipBit(),
      {
        byParty: { 1: fails('EchoMismatch', 2), 3: 'ok' },
      },
      { victims: [1] },
    ),
    fieldCase(
      'dkg3',
      ['publicShare'],
      negatePoint,
      {
        byParty: { 1: 'ok', 3: fails('PublicKeyMismatch', 2) },
      },
      { victims: [3] },
    ),
  ];
  it.each(cases)('$name', check(2), 30_000);
});

describe('DKG 2-of-3: the first and the last party tamper too (one flip per message)', () => {
  const flips = dkgMessageCases({ refresh: false }).filter((c) => c.name.includes('flipped'));
  it('has a flip for every message type', () => {
    const stages = new Set(flips.map((c) => c.attacks[0]?.stage));
    expect([...stages].sort()).toEqual(['dkg1', 'dkg2', 'dkg2.direct', 'dkg3']);
  });
  it.each(flips)('party 1: $name', check(1), 30_000);
  it.each(flips)('party 3: $name', check(3), 30_000);
});
