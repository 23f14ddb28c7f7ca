/**
 * Selective abort (ToB "Don't overextend your Oblivious Transfer", TOB-SILA-12; research/tecdsa.md
 * §4.1 item 1, §2.9): whether the OT-extension sender aborts reveals a bit of its long-term Δ, so
 * a failed check must burn the pair's OT state. Here, in a 2-of-3 key:
 *
 * - a receiver that flips one column of u in sign round 1 is banned by the sender
 *   (`OtConsistencyCheckFailed`, kind `ban`, culprit the receiver);
 * - the consistent cheater of the attack (it recomputes χ, x̃, t̃ from the tampered u) makes the
 *   check fail exactly when Δ_i = 1 — the leak the ban exists for;
 * - after `banPeer`, a new session with that peer is refused at `signRound1` (`OtStateBanned`),
 *   also after the share is stored and read back, while the third party still signs with us;
 * - recoverable aborts do not ban, and a refresh with fresh base OTs lifts the ban.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Point } from '../../../tss/curve';
import { TssError } from '../../../tss/errors';
import { banPeer, type KeyShare, type PairState } from '../../../tss/keyshare';
import { COLUMN_BYTES } from '../../../tss/params';
import { refreshConfig } from '../../../tss/refresh/config';
import { multiplicationSid, signRound1 } from '../../../tss/sign/round1';
import { signRound2 } from '../../../tss/sign/round2';
import type { SignRequest } from '../../../tss/sign/types';
import { decodeKeyShare, encodeKeyShare } from '../../../tss/wire';
import {
  type Attack,
  adversary,
  dkgProtocol,
  expectOutcomes,
  fails,
  fieldAttack,
  flipBit,
  keyShareVerifier,
  negatePoint,
  type PartyOutcome,
  run,
  signatureVerifier,
  signProtocol,
} from '../support/adversary';
import { naiveOte } from '../support/ot';
import { seededRng } from '../support/rng';
import { rngsFor, runDkg } from '../support/simulate';

const PARTIES = [1, 2, 3];
const HONEST = 1;
const CHEATER = 2;
const THIRD = 3;

let shares: Map<number, KeyShare>;
let publicKey: Point;

beforeAll(() => {
  shares = runDkg({ parties: PARTIES, threshold: 2 }, rngsFor(PARTIES, 'malicious/selective'));
  publicKey = (shares.get(HONEST) as KeyShare).publicKey;
}, 120_000);

const share = (p: number) => shares.get(p) as KeyShare;
const pairOf = (p: number, q: number) => share(p).pairs.get(q) as PairState;

/** One signing session; `attack` is run by CHEATER. */
function sign(
  keyShares: ReadonlyMap<number, KeyShare>,
  signers: number[],
  seed: string,
  attacks: readonly Attack[] = [],
): { outcomes: Map<number, PartyOutcome>; digest: Uint8Array } {
  const digest = seededRng(`${seed}/digest`)(32);
  const { intercept } = adversary(CHEATER, attacks);
  const outcomes = run(signProtocol(keyShares, { signers, digest }), rngsFor(signers, seed), {
    adversary: CHEATER,
    intercept,
  });
  return { outcomes, digest };
}

/** The caller's policy (research/tecdsa.md §2.9): a `ban` burns the pair's OT state. */
function afterAbort(keyShare: KeyShare, error: unknown): KeyShare {
  if (!(error instanceof TssError)) throw new Error('an untyped error escaped');
  return error.kind === 'ban' && error.culprit !== undefined
    ? banPeer(keyShare, error.culprit)
    : keyShare;
}

function errorOf(outcome: PartyOutcome | undefined): TssError {
  if (outcome?.status !== 'failed' || !(outcome.error instanceof TssError))
    throw new Error(`expected a TssError, got ${outcome?.status}`);
  return outcome.error;
}

const request = (signers: number[]): SignRequest => ({
  signers,
  path: [],
  digest: new Uint8Array(32).fill(0x5a),
  sessionNonce: new Uint8Array(32).fill(0xa5),
});

describe('selective abort on the OT extension (2-of-3, party 2 cheats towards party 1)', () => {
  // Column i of u sits at bytes 80i … 80i+79 (tss/ot/extension.ts, pinned layout).
  it.each([0, 63, 127])(
    'a receiver that flips one bit of column %i of u is banned by the sender',
    (column) => {
      const { outcomes } = sign(shares, [HONEST, CHEATER], `flip-${column}`, [
        fieldAttack('sign1', ['ote', 'u'], flipBit(column * COLUMN_BYTES + 3, 5)),
      ]);
      expectOutcomes(outcomes, fails('OtConsistencyCheckFailed'), CHEATER, () => {
        throw new Error('no signature may come out');
      });
      const error = errorOf(outcomes.get(HONEST));
      expect({ kind: error.kind, culprit: error.culprit }).toEqual({
        kind: 'ban',
        culprit: CHEATER,
      });
    },
  );

  it('a consistent cheater (χ, x̃, t̃ recomputed from the tampered u) learns Δ_i from the abort', () => {
    const delta = pairOf(HONEST, CHEATER).oteSender.delta;
    const ones = delta.indexOf(1);
    const zeros = delta.indexOf(0);
    expect(ones >= 0 && zeros >= 0).toBe(true);
    for (const column of [ones, zeros]) {
      const req = request([HONEST, CHEATER]);
      const honest = signRound1(share(HONEST), req, seededRng(`consistent/${column}/1`));
      const cheater = signRound1(share(CHEATER), req, seededRng(`consistent/${column}/2`));
      const bob = cheater.state.bob.get(HONEST);
      const message = cheater.direct.find((d) => d.to === HONEST);
      if (!bob || !message) throw new Error('no RVOLE instance towards the honest party');
      const cheat = naiveOte(
        {
          sender: pairOf(HONEST, CHEATER).oteSender,
          receiver: pairOf(CHEATER, HONEST).oteReceiver,
        },
        multiplicationSid(honest.state.sigid, HONEST, CHEATER),
        bob.state.beta,
        new Uint8Array(16),
        { column, bit: 7 },
      );
      const attempt = () =>
        signRound2(honest.state, [{ ...message, ote: cheat.message }], seededRng('r2'));
      if (delta[column] === 1) {
        expect(cheat.checkPassed).toBe(false);
        expect(attempt).toThrowError(
          expect.objectContaining({
            code: 'OtConsistencyCheckFailed',
            kind: 'ban',
            culprit: CHEATER,
          }),
        );
      } else {
        // Δ_i = 0: the sender never reads u^i, so the check passes and the signature would be
        // fine — the difference between the two runs is exactly Δ_i.
        expect(cheat.checkPassed).toBe(true);
        expect(attempt).not.toThrow();
      }
    }
  }, 60_000);
});

describe('the ban policy after a failed check', () => {
  // Every ban-kind check, and a recoverable one for contrast; party 1 applies `afterAbort`.
  const aborts: [string, Attack, 'ban' | 'recoverable'][] = [
    ['OT-extension check (u flipped)', fieldAttack('sign1', ['ote', 'u'], flipBit(100)), 'ban'],
    ['RVOLE μ check (μ flipped)', fieldAttack('sign2', ['vole', 'mu'], flipBit()), 'ban'],
    ['Γ^u check (Γ^u negated)', fieldAttack('sign2', ['gammaU'], negatePoint), 'ban'],
    ['Γ^v check (Γ^v negated)', fieldAttack('sign2', ['gammaV'], negatePoint), 'ban'],
    ['sign id check (recoverable)', fieldAttack('sign1', ['sigid'], flipBit()), 'recoverable'],
  ];

  it.each(aborts)('%s', (label, attack, kind) => {
    const { outcomes } = sign(shares, [HONEST, CHEATER], `policy/${label}`, [attack]);
    const error = errorOf(outcomes.get(HONEST));
    expect({ kind: error.kind, culprit: error.culprit }).toEqual({ kind, culprit: CHEATER });
    const after = afterAbort(share(HONEST), error);
    if (kind === 'ban') {
      // A new session with the banned peer is refused before any message is produced.
      expect(() => signRound1(after, request([HONEST, CHEATER]), seededRng('again'))).toThrowError(
        expect.objectContaining({ code: 'OtStateBanned', kind: 'recoverable', culprit: CHEATER }),
      );
    } else {
      expect(after).toBe(share(HONEST));
      const again = sign(
        new Map([...shares, [HONEST, after]]),
        [HONEST, CHEATER],
        `retry/${label}`,
      );
      expectOutcomes(again.outcomes, 'ok', CHEATER, signatureVerifier(publicKey, again.digest));
    }
  });

  it('the ban is stored with the share and refused after reading it back', () => {
    const banned = banPeer(share(HONEST), CHEATER);
    expect(share(HONEST).pairs.get(CHEATER)?.banned).toBe(false);
    expect(banned.pairs.get(THIRD)?.banned).toBe(false);
    const restored = decodeKeyShare(encodeKeyShare(banned));
    expect(restored.pairs.get(CHEATER)?.banned).toBe(true);
    expect(() => signRound1(restored, request([CHEATER, HONEST]), seededRng('x'))).toThrowError(
      expect.objectContaining({ code: 'OtStateBanned', culprit: CHEATER }),
    );
    // The banned peer's own share is untouched: it is our state that is burned, not the key.
    expect(() =>
      signRound1(share(CHEATER), request([CHEATER, HONEST]), seededRng('y')),
    ).not.toThrow();
  });

  it('the honest party still signs with the third party (2-of-3 availability)', () => {
    const banned = banPeer(share(HONEST), CHEATER);
    const { outcomes, digest } = sign(
      new Map([...shares, [HONEST, banned]]),
      [HONEST, THIRD],
      'with-third',
    );
    expectOutcomes(outcomes, 'ok', undefined, signatureVerifier(publicKey, digest));
  });

  it('a refresh with fresh base OTs lifts the ban and keeps the key', () => {
    const before = new Map([...shares, [HONEST, banPeer(share(HONEST), CHEATER)]]);
    const refreshed = run(
      dkgProtocol(PARTIES, (p) => refreshConfig(before.get(p) as KeyShare, new Uint8Array([4]))),
      rngsFor(PARTIES, 'lift'),
    );
    const { chainCode } = share(HONEST);
    expectOutcomes(refreshed, 'ok', undefined, keyShareVerifier(publicKey, chainCode));
    const next = new Map<number, KeyShare>();
    for (const [p, o] of refreshed) next.set(p, (o as { value: KeyShare }).value);
    expect(next.get(HONEST)?.pairs.get(CHEATER)?.banned).toBe(false);
    const { outcomes, digest } = sign(next, [HONEST, CHEATER], 'after-refresh');
    expectOutcomes(outcomes, 'ok', undefined, signatureVerifier(publicKey, digest));
  }, 60_000);
});
