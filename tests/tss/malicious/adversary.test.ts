/**
 * The malicious-party harness itself (tests/tss/support/adversary.ts): each mutation does exactly
 * what its name says and never touches its input, attacks reach only the adversary's messages to
 * the chosen victims, and a table row that changes nothing or never fires fails loudly.
 */
import { bytesToNumberBE } from '@noble/curves/utils.js';
import { describe, expect, it } from 'vitest';
import { G, mulG, N, Point, pointToBytes } from '../../../tss/curve';
import {
  adversary,
  appendEntry,
  badPointPrefix,
  copyOf,
  DELETE,
  deepClone,
  deleteField,
  dropEntry,
  dropMessage,
  duplicateMessage,
  type Envelope,
  each,
  extend,
  fieldAttack,
  flipBit,
  formatPath,
  getAt,
  identityPoint,
  type MutationContext,
  negatePoint,
  notAnObject,
  onField,
  otherSession,
  type Protocol,
  record,
  reorder,
  replay,
  replayMessage,
  scalarN,
  scalarNPlus1,
  setAt,
  truncate,
  wrongType,
  zeroScalar,
} from '../support/adversary';
import { seededRng } from '../support/rng';

const none: MutationContext = { other: undefined, peers: new Map() };
const bytes = (...values: number[]) => Uint8Array.from(values);

describe('field paths', () => {
  const message = { a: { b: [bytes(1), bytes(2)], c: 1 }, d: bytes(3) };

  it('formats and reads a path', () => {
    expect(formatPath(['baseOt', 'r0', 5])).toBe('baseOt.r0[5]');
    expect(formatPath(['proofs', 1, 'response'])).toBe('proofs[1].response');
    expect(getAt(message, ['a', 'b', 1])).toEqual(bytes(2));
    expect(getAt(message, ['x', 'y'])).toBeUndefined();
  });

  it('writes copy-on-write, deletes object fields and list entries', () => {
    const snapshot = deepClone(message);
    const changed = setAt(message, ['a', 'b', 0], () => bytes(9)) as typeof message;
    expect(changed.a.b[0]).toEqual(bytes(9));
    expect(changed.d).toBe(message.d);
    expect(message).toEqual(snapshot);
    expect(setAt(message, ['a', 'c'], () => DELETE)).toEqual({
      a: { b: message.a.b },
      d: bytes(3),
    });
    expect((setAt(message, ['a', 'b', 0], () => DELETE) as typeof message).a.b).toEqual([bytes(2)]);
    expect(() => setAt(message, ['d', 'x'], () => 1)).toThrow(/harness/);
  });

  it('deep-copies bytes, lists, maps and plain objects, and shares points', () => {
    const state = { m: new Map([[1, { s: bytes(1, 2) }]]), p: G, list: [bytes(3)] };
    const copy = deepClone(state);
    expect(copy).toEqual(state);
    expect(copy.m.get(1)?.s).not.toBe(state.m.get(1)?.s);
    expect(copy.list[0]).not.toBe(state.list[0]);
    expect(copy.p).toBe(G);
  });
});

describe('mutations', () => {
  const value = bytes(0x02, 0x10, 0xff);

  it('flip exactly one bit, from the start or the end', () => {
    expect(flipBit().apply(value, none)).toEqual(bytes(0x03, 0x10, 0xff));
    expect(flipBit(-1, 7).apply(value, none)).toEqual(bytes(0x02, 0x10, 0x7f));
    expect(value).toEqual(bytes(0x02, 0x10, 0xff));
  });

  it('truncate and extend by one byte', () => {
    expect(truncate.apply(value, none)).toEqual(bytes(0x02, 0x10));
    expect(extend.apply(value, none)).toEqual(bytes(0x02, 0x10, 0xff, 0));
  });

  it('point mutations: identity, the negation (valid), a prefix nothing decodes', () => {
    const P = mulG(12345n);
    const encoded = pointToBytes(P);
    expect(identityPoint.apply(encoded, none)).toEqual(new Uint8Array(33));
    expect(Point.fromBytes(negatePoint.apply(encoded, none) as Uint8Array).equals(P.negate())).toBe(
      true,
    );
    expect(() => Point.fromBytes(badPointPrefix.apply(encoded, none) as Uint8Array)).toThrow();
    expect(() => negatePoint.apply(bytes(4, 1), none)).toThrow(/harness/);
  });

  it('scalar mutations: n, n+1, zero, whole or at an offset of a packed field', () => {
    expect(bytesToNumberBE(scalarN().apply(undefined, none) as Uint8Array)).toBe(N);
    expect(bytesToNumberBE(scalarNPlus1().apply(undefined, none) as Uint8Array)).toBe(N + 1n);
    expect(zeroScalar().apply(undefined, none)).toEqual(new Uint8Array(32));
    const packed = new Uint8Array(96).fill(7);
    const changed = scalarN(32).apply(packed, none) as Uint8Array;
    expect(changed.subarray(0, 32)).toEqual(packed.subarray(0, 32));
    expect(bytesToNumberBE(changed.subarray(32, 64))).toBe(N);
    expect(changed.subarray(64)).toEqual(packed.subarray(64));
  });

  it('list mutations: reorder, drop, append, each', () => {
    const list = [bytes(1), bytes(2), bytes(3)];
    expect(reorder.apply(list, none)).toEqual([bytes(2), bytes(1), bytes(3)]);
    expect(dropEntry.apply(list, none)).toEqual([bytes(1), bytes(2)]);
    expect(appendEntry.apply(list, none)).toEqual([...list, bytes(1)]);
    expect(each(flipBit()).apply(list, none)).toEqual([bytes(0), bytes(3), bytes(2)]);
    expect(list).toEqual([bytes(1), bytes(2), bytes(3)]);
  });

  it('replacements: another session, another party, delete, wrong type', () => {
    expect(otherSession.apply(bytes(1), { other: bytes(2), peers: new Map() })).toEqual(bytes(2));
    expect(() => otherSession.apply(bytes(1), none)).toThrow(/harness/);
    expect(
      copyOf(3).apply(bytes(1), { other: undefined, peers: new Map([[3, bytes(5)]]) }),
    ).toEqual(bytes(5));
    expect(deleteField.apply(bytes(1), none)).toBe(DELETE);
    expect(wrongType.apply(bytes(1), none)).toBe('not bytes');
  });

  it('a field mutation that changes nothing is refused', () => {
    const context = {
      stage: 'dkg1' as const,
      from: 2,
      to: 1,
      other: { x: bytes(1) },
      session: new Map(),
    };
    expect(() => onField(['x'], otherSession).apply({ x: bytes(1) }, context)).toThrow(
      /changed nothing/,
    );
    expect(onField(['x'], otherSession).apply({ x: bytes(2) }, context)).toEqual([{ x: bytes(1) }]);
  });
});

describe('attacks and the network', () => {
  const envelope = (from: number, to?: number): Envelope => ({
    stage: 'dkg1',
    from,
    to,
    body: { from, v: bytes(from) },
  });

  it('only the adversary’s messages to its victims are changed; message mutations', () => {
    const { intercept, applied } = adversary(2, [fieldAttack('dkg1', ['v'], flipBit(), [3])]);
    expect(intercept(envelope(1), 3, [])).toEqual([{ from: 1, v: bytes(1) }]);
    expect(intercept(envelope(2), 1, [])).toEqual([{ from: 2, v: bytes(2) }]);
    expect(intercept(envelope(2), 3, [])).toEqual([{ from: 2, v: bytes(3) }]);
    expect(applied()).toEqual([1]);
    const other = [envelope(2)].map((e) => ({ ...e, body: 'old' }));
    const all = (m: Parameters<typeof adversary>[1][number]['mutation']) =>
      adversary(2, [{ stage: 'dkg1', mutation: m }], other).intercept(envelope(2), 1, []);
    expect(all(dropMessage)).toEqual([]);
    expect(all(duplicateMessage)).toHaveLength(2);
    expect(all(replayMessage)).toEqual(['old']);
    expect(all(notAnObject)).toEqual([null]);
  });

  // A toy two-step protocol: each party broadcasts its index, then sums what it received.
  const toy: Protocol = {
    parties: [1, 2, 3],
    producedBy: { dkg1: 0 },
    steps: [
      (p) => ({ state: p, out: [{ stage: 'dkg1', from: p, to: undefined, body: p }] }),
      (p, state, inbox) => {
        const got = inbox('dkg1');
        if (got.length !== 2) throw new Error(`party ${p} got ${got.length}`);
        return { result: (state as number) + (got as number[]).reduce((a, b) => a + b, 0) };
      },
    ],
  };

  it('records, replays from a snapshot, and refuses attacks that never apply', () => {
    const rngs = new Map([1, 2, 3].map((p) => [p, seededRng(`toy/${p}`)]));
    const recording = record(toy, rngs);
    expect([...recording.outcomes.values()]).toEqual(
      [1, 2, 3].map(() => ({ status: 'ok', value: 6 })),
    );
    const doubled = {
      stage: 'dkg1' as const,
      mutation: { name: 'doubled', apply: (m: unknown) => [(m as number) * 2] },
      victims: [3],
    };
    const outcomes = replay(recording, { adversary: 2, attacks: [doubled], seed: 'toy' });
    expect(outcomes.get(1)).toEqual({ status: 'ok', value: 6 });
    expect(outcomes.get(3)).toEqual({ status: 'ok', value: 8 });
    expect(() =>
      replay(recording, { adversary: 2, attacks: [{ ...doubled, victims: [2] }], seed: 'toy' }),
    ).toThrow(/never applied/);
    const dropped = replay(recording, {
      adversary: 2,
      attacks: [{ stage: 'dkg1', mutation: dropMessage }],
      seed: 'toy',
    });
    expect(dropped.get(1)?.status).toBe('failed');
    // Nothing honest needed the adversary's last step: it is skipped.
    expect(dropped.get(2)).toEqual({ status: 'skipped' });
  });
});
