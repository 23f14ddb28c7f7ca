/** Door checks of DKG round 2 on round-1 broadcasts: who gets blamed, and for what. */
import { describe, expect, it } from 'vitest';
import { dkgRound1 } from '../../../tss/dkg/round1';
import { dkgRound2 } from '../../../tss/dkg/round2';
import type { Dkg1Broadcast, DkgConfig } from '../../../tss/dkg/types';
import { tssErrorOf } from '../support/errors';
import { seededRng } from '../support/rng';

const config = (self: number): DkgConfig => ({
  parties: [1, 2, 3],
  threshold: 2,
  self,
  mode: { kind: 'fresh' },
  context: new Uint8Array([1]),
});

function round1() {
  return new Map([1, 2, 3].map((p) => [p, dkgRound1(config(p), seededRng(`parse/${p}`))]));
}

const inboxOf = (
  r1: ReturnType<typeof round1>,
  self: number,
  change?: (b: Dkg1Broadcast) => unknown,
) =>
  [...r1.entries()]
    .filter(([p]) => p !== self)
    .map(([, x]) => (change ? change(x.broadcast) : x.broadcast));

describe('DKG round 2 rejects on round-1 broadcasts', () => {
  it('a copied session contribution: a victim blames the copier, a bystander blames nobody', () => {
    const r1 = round1();
    const copied = (r1.get(3) as { broadcast: Dkg1Broadcast }).broadcast.sessionContribution;
    const fromTwo = (b: Dkg1Broadcast) =>
      b.from === 2 ? { ...b, sessionContribution: copied } : b;
    const victim = tssErrorOf(() =>
      dkgRound2(r1.get(3)?.state as never, inboxOf(r1, 3, fromTwo), seededRng('x')),
    );
    expect(victim).toMatchObject({ code: 'WrongSession', culprit: 2, kind: 'recoverable' });
    const bystander = tssErrorOf(() =>
      dkgRound2(r1.get(1)?.state as never, inboxOf(r1, 1, fromTwo), seededRng('y')),
    );
    expect(bystander).toMatchObject({ code: 'WrongSession', culprit: undefined });
  });

  it('names as culprit only a well-formed party index that is not ours', () => {
    for (const [from, culprit] of [
      [Number.NaN, undefined],
      [0, undefined],
      [17, undefined],
      [2.5, undefined],
      [1e9, undefined],
      [1, undefined],
      [9, 9],
    ] as const) {
      const r1 = round1();
      const inbox = inboxOf(r1, 1, (b) => (b.from === 2 ? { ...b, from } : b));
      expect(
        tssErrorOf(() => dkgRound2(r1.get(1)?.state as never, inbox, seededRng('z'))),
        String(from),
      ).toMatchObject({
        code: 'UnknownParty',
        culprit,
      });
    }
  });

  it('refuses an unknown field, naming the sender', () => {
    const r1 = round1();
    const inbox = inboxOf(r1, 1, (b) => (b.from === 3 ? { ...b, extra: 1 } : b));
    expect(
      tssErrorOf(() => dkgRound2(r1.get(1)?.state as never, inbox, seededRng('w'))),
    ).toMatchObject({
      code: 'MalformedMessage',
      culprit: 3,
    });
  });
});
