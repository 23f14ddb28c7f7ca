/**
 * The malicious-party harness (research/tecdsa.md §4.2 "Our plan" item 2; issue 3 "Tests that must
 * exist"): one party's outgoing messages are changed on their way, field by field, and the honest
 * parties must end with the expected typed error and culprit — never with a wrong signature or a
 * changed key. Cases take the shape of 0xCarbon's per-check negative tests (STYLE.md §5: each
 * names the tampered field and asserts the abort's kind and reason).
 *
 * Four parts:
 *
 * 1. **Field paths and mutations.** A message field is addressed by a path such as
 *    `['ote', 'u']`, `['baseOt', 'r0', 5]` or `['proofs', 1, 'response']`; a {@link Mutation}
 *    (flip a bit, truncate, extend, identity point, non-canonical scalar, another session's value,
 *    reorder or drop list entries, delete, wrong type) replaces the value there, copy-on-write.
 * 2. **Attacks.** An {@link Attack} names a stage and a {@link MessageMutation} (a field mutation,
 *    or drop / duplicate / replay / not-an-object for the whole message), and optionally the
 *    victims it targets: by default every recipient (a consistent cheater); one victim on a
 *    broadcast is an equivocation. {@link adversary} turns attacks into an interceptor.
 * 3. **A network with snapshots.** {@link record} runs a protocol honestly and keeps a deep copy of
 *    every party's state after each step; {@link replay} restarts from the step that produced the
 *    first tampered message, so a DKG case costs only the rounds after the tampering instead of a
 *    whole DKG. Equivalent to re-running the deterministic prefix with the same seeds: the later
 *    rounds draw from fresh seeded RNGs named after the case. Cloning a state gives a fresh object,
 *    so the single-use guard of `tss/state.ts` does not fire on the copy — test-only, on purpose.
 *    Parties that abort send nothing more (the others then see `MissingMessage`); honest parties run
 *    first in each step, and the adversary's own computation is skipped once it can no longer
 *    affect an honest party.
 * 4. **Expectations.** {@link expectOutcomes} checks each honest party's end: a `TssError`
 *    (`instanceof`, never another exception) with the pinned code, culprit and a kind restated
 *    here independently of `kindOf` (ban exactly for the secret-dependent checks), or a result
 *    that passes a verifier (the expected key, a signature that verifies).
 *
 * Cheaters that go beyond message tampering (a party that commits to a bad value in round 1, or
 * multiplies with the wrong share) are {@link Prepare} hooks that change the adversary's state in
 * a snapshot before the replay; they reach the checks that sit behind a commitment.
 */

import { isDeepStrictEqual } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { expect } from 'vitest';
import { add, mulG, N, type Point, pointToBytes, sumScalars } from '../../../tss/curve';
import { derivePath } from '../../../tss/derivation';
import { dkgFinish } from '../../../tss/dkg/finish';
import { dkgRound1, polynomialCommitmentDigest } from '../../../tss/dkg/round1';
import { dkgRound2 } from '../../../tss/dkg/round2';
import { dkgRound3 } from '../../../tss/dkg/round3';
import type { DkgConfig, DkgRound1State } from '../../../tss/dkg/types';
import { TssError, type TssErrorCode, type TssErrorKind } from '../../../tss/errors';
import type { KeyShare } from '../../../tss/keyshare';
import type { Rng } from '../../../tss/rng';
import { signFinish } from '../../../tss/sign/finish';
import { nonceCommitmentDigest, signRound1 } from '../../../tss/sign/round1';
import { signRound2 } from '../../../tss/sign/round2';
import { signRound3 } from '../../../tss/sign/round3';
import type { Sign1Direct, SignRound1State, ThresholdSignature } from '../../../tss/sign/types';
import { seededRng } from './rng';
import type { Stage } from './simulate';

export type { Stage };

// ---------------------------------------------------------------------------------------------
// 1. Field paths and mutations.

/** Keys and list indices from the message root to one field. */
export type FieldPath = readonly (string | number)[];

/** Returned by a mutation to remove the field (or the list entry) altogether. */
export const DELETE: unique symbol = Symbol('delete');

/** `a.b[3].c` for ['a', 'b', 3, 'c']. */
export function formatPath(path: FieldPath): string {
  return path
    .map((key, k) => (typeof key === 'number' ? `[${key}]` : k ? `.${key}` : key))
    .join('');
}

/** The value at `path`, or undefined if any step is missing. */
export function getAt(value: unknown, path: FieldPath): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/**
 * A copy of `value` with the field at `path` replaced by `leaf(old)` (or removed if it returns
 * {@link DELETE}). Only the objects and lists along the path are copied; nothing is mutated.
 */
export function setAt(value: unknown, path: FieldPath, leaf: (old: unknown) => unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return leaf(value);
  if (Array.isArray(value) && typeof key === 'number') {
    const copy = [...value];
    const child = setAt(copy[key], rest, leaf);
    if (child === DELETE) copy.splice(key, 1);
    else copy[key] = child;
    return copy;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    const copy: Record<string | number, unknown> = { ...(value as object) };
    const child = setAt(copy[key], rest, leaf);
    if (child === DELETE) delete copy[key];
    else copy[key] = child;
    return copy;
  }
  throw new Error(`harness: no field "${String(key)}" to descend into`);
}

export type MutationContext = {
  /** The same field in the corresponding message of another session. */
  readonly other: unknown;
  /**
   * The same field in every other party's message of this stage in this session, as the
   * recipient gets it (a rushing adversary sees the round's honest messages before it sends).
   */
  readonly peers: ReadonlyMap<number, unknown>;
};

/** A change of one field's value. `apply` must be deterministic and must not mutate its input. */
export type Mutation = {
  readonly name: string;
  readonly apply: (value: unknown, context: MutationContext) => unknown;
};

function asBytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error(`harness: "${name}" needs bytes`);
  return value;
}

function asList(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`harness: "${name}" needs a list`);
  return value;
}

/** Flips `bit` of byte `byte` (negative: from the end). */
export function flipBit(byte = 0, bit = 0): Mutation {
  return {
    name: `bit ${bit} of byte ${byte} flipped`,
    apply: (value) => {
      const copy = asBytes(value, 'flipBit').slice();
      const index = byte < 0 ? copy.length + byte : byte;
      if (index < 0 || index >= copy.length) throw new Error('harness: flipBit out of range');
      copy[index] = (copy[index] as number) ^ (1 << bit);
      return copy;
    },
  };
}

export const truncate: Mutation = {
  name: 'truncated by one byte',
  apply: (value) => asBytes(value, 'truncate').slice(0, -1),
};

export const extend: Mutation = {
  name: 'extended by one byte',
  apply: (value) => {
    const bytes = asBytes(value, 'extend');
    const copy = new Uint8Array(bytes.length + 1);
    copy.set(bytes);
    return copy;
  },
};

/** 33 zero bytes: what the identity would be if it had a compressed encoding. */
export const identityPoint: Mutation = {
  name: 'the identity (33 zero bytes)',
  apply: () => new Uint8Array(33),
};

/** Flips the SEC1 parity prefix 02 ↔ 03: always a valid point, the negation of the original. */
export const negatePoint: Mutation = {
  name: 'negated (prefix 02↔03, a valid other point)',
  apply: (value) => {
    const copy = asBytes(value, 'negatePoint').slice();
    if (copy[0] !== 2 && copy[0] !== 3) throw new Error('harness: negatePoint needs a point');
    copy[0] ^= 1;
    return copy;
  },
};

/** Prefix 0x05: no SEC1 encoding starts with it, whatever the x-coordinate. */
export const badPointPrefix: Mutation = {
  name: 'prefix 0x05 (not an encoding)',
  apply: (value) => {
    const copy = asBytes(value, 'badPointPrefix').slice();
    copy[0] = 5;
    return copy;
  },
};

/**
 * A 32-byte big-endian scalar `value`; with `offset`, written at that offset of a packed field
 * (ã, η) instead of replacing the whole field.
 */
export function scalarValue(value: bigint, label: string, offset?: number): Mutation {
  return {
    name: offset === undefined ? label : `${label} at byte ${offset}`,
    apply: (old) => {
      const encoded = numberToBytesBE(value, 32);
      if (offset === undefined) return encoded;
      const copy = asBytes(old, 'scalarValue').slice();
      copy.set(encoded, offset);
      return copy;
    },
  };
}

export const scalarN = (offset?: number) => scalarValue(N, 'n (non-canonical)', offset);
export const scalarNPlus1 = (offset?: number) => scalarValue(N + 1n, 'n+1 (non-canonical)', offset);
export const zeroScalar = (offset?: number) => scalarValue(0n, 'zero', offset);

/** The same field of the corresponding message in another session (a replay). */
export const otherSession: Mutation = {
  name: 'value from another session',
  apply: (_value, context) => {
    if (context.other === undefined) throw new Error('harness: no other-session value');
    return context.other;
  },
};

/** The same field of `party`'s message in this session (a copied broadcast value). */
export function copyOf(party: number): Mutation {
  return {
    name: `copy of party ${party}'s value`,
    apply: (_value, context) => {
      if (!context.peers.has(party)) throw new Error(`harness: no value of party ${party}`);
      return context.peers.get(party);
    },
  };
}

/**
 * The scalar −Σ (the same scalar field of every other party), so that the sum over all parties
 * is zero: a rushing adversary cancelling Σu in signing.
 */
export const cancelSum: Mutation = {
  name: 'minus the others’ sum (the total is 0)',
  apply: (_value, context) => {
    let sum = 0n;
    for (const value of context.peers.values()) sum += bytesToNumberBE(asBytes(value, 'cancelSum'));
    return numberToBytesBE((N - (sum % N)) % N, 32);
  },
};

export function replaceWith(value: unknown, name: string): Mutation {
  return { name, apply: () => value };
}

export const reorder: Mutation = {
  name: 'entries 0 and 1 swapped',
  apply: (value) => {
    const copy = [...asList(value, 'reorder')];
    [copy[0], copy[1]] = [copy[1], copy[0]];
    return copy;
  },
};

export const dropEntry: Mutation = {
  name: 'last entry dropped',
  apply: (value) => asList(value, 'dropEntry').slice(0, -1),
};

export const appendEntry: Mutation = {
  name: 'first entry appended again',
  apply: (value) => {
    const list = asList(value, 'appendEntry');
    return [...list, list[0]];
  },
};

export const deleteField: Mutation = { name: 'deleted', apply: () => DELETE };

export const wrongType: Mutation = { name: 'replaced by a string', apply: () => 'not bytes' };

/** `mutation` on every entry of a list (e.g. every base-OT point). */
export function each(mutation: Mutation): Mutation {
  return {
    name: `every entry ${mutation.name}`,
    apply: (value, context) =>
      asList(value, 'each').map((entry) =>
        mutation.apply(entry, { other: undefined, peers: context.peers }),
      ),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Attacks on whole messages, and the interceptor.

/** A message in flight: the network knows the true sender and recipient, whatever the body says. */
export type Envelope = {
  readonly stage: Stage;
  readonly from: number;
  /** undefined for a broadcast (delivered to every other party). */
  readonly to: number | undefined;
  readonly body: unknown;
};

export type MessageContext = {
  readonly stage: Stage;
  readonly from: number;
  readonly to: number;
  /** The message of the other session with the same stage, sender and recipient. */
  readonly other: unknown;
  /** This stage's messages of this session, per sender, as they would reach `to`. */
  readonly session: ReadonlyMap<number, unknown>;
};

/** What the adversary does to one message: the bodies delivered instead (none, one or several). */
export type MessageMutation = {
  readonly name: string;
  readonly apply: (message: unknown, context: MessageContext) => unknown[];
};

/** A field mutation as a message mutation; refuses to be a no-op (keeps the tables honest). */
export function onField(path: FieldPath, mutation: Mutation): MessageMutation {
  return {
    name: `${formatPath(path)} ${mutation.name}`,
    apply: (message, context) => {
      const peers = new Map(
        [...context.session]
          .filter(([p]) => p !== context.from)
          .map(([p, m]) => [p, getAt(m, path)]),
      );
      const changed = setAt(message, path, (old) =>
        mutation.apply(old, { other: getAt(context.other, path), peers }),
      );
      if (isDeepStrictEqual(changed, message))
        throw new Error(`harness: "${formatPath(path)} ${mutation.name}" changed nothing`);
      return [changed];
    },
  };
}

export const dropMessage: MessageMutation = { name: 'message dropped', apply: () => [] };

export const duplicateMessage: MessageMutation = {
  name: 'message delivered twice',
  apply: (message) => [message, message],
};

export const replayMessage: MessageMutation = {
  name: 'whole message from another session',
  apply: (_message, context) => {
    if (context.other === undefined) throw new Error('harness: no other-session message');
    return [context.other];
  },
};

export const notAnObject: MessageMutation = { name: 'message is null', apply: () => [null] };

export type Attack = {
  readonly stage: Stage;
  readonly mutation: MessageMutation;
  /** Recipients to deceive; default all (a consistent cheater). One victim of a broadcast = equivocation. */
  readonly victims?: readonly number[];
};

export function fieldAttack(
  stage: Stage,
  path: FieldPath,
  mutation: Mutation,
  victims?: readonly number[],
): Attack {
  return { stage, mutation: onField(path, mutation), ...(victims ? { victims } : {}) };
}

/** Given a message from the adversary to `to`, the bodies `to` receives. */
export type Intercept = (
  envelope: Envelope,
  to: number,
  sameStep: readonly Envelope[],
) => unknown[];

/** The message of `transcript` with this stage, sender and (for direct messages) recipient. */
export function findMessage(
  transcript: readonly Envelope[],
  stage: Stage,
  from: number,
  to: number,
): unknown {
  return transcript.find(
    (e) => e.stage === stage && e.from === from && (e.to === undefined || e.to === to),
  )?.body;
}

/**
 * The interceptor of party `index` running `attacks`; `other` is the transcript of another session
 * (same parties) for replays. `applied()` counts, per attack, how many messages it changed.
 */
export function adversary(
  index: number,
  attacks: readonly Attack[],
  other: readonly Envelope[] = [],
): { intercept: Intercept; applied: () => number[] } {
  const counts = attacks.map(() => 0);
  const intercept: Intercept = (envelope, to, sameStep) => {
    if (envelope.from !== index) return [envelope.body];
    let bodies: unknown[] = [envelope.body];
    attacks.forEach((attack, k) => {
      if (attack.stage !== envelope.stage) return;
      if (attack.victims && !attack.victims.includes(to)) return;
      const session = new Map<number, unknown>();
      for (const e of sameStep)
        if (e.stage === envelope.stage && (e.to === undefined || e.to === to))
          session.set(e.from, e.body);
      const context: MessageContext = {
        stage: envelope.stage,
        from: index,
        to,
        other: findMessage(other, envelope.stage, index, to),
        session,
      };
      bodies = bodies.flatMap((body) => attack.mutation.apply(body, context));
      counts[k] = (counts[k] as number) + 1;
    });
    return bodies;
  };
  return { intercept, applied: () => [...counts] };
}

// ---------------------------------------------------------------------------------------------
// 3. A network that runs any sequence of rounds, with snapshots.

type Inbox = (stage: Stage) => unknown[];
export type StepOutput =
  | { readonly state: unknown; readonly out: readonly Envelope[] }
  | { readonly result: unknown };
export type Step = (party: number, state: unknown, inbox: Inbox, rng: Rng) => StepOutput;

export type Protocol = {
  readonly parties: readonly number[];
  readonly steps: readonly Step[];
  /** The step whose outgoing messages carry each stage. */
  readonly producedBy: Partial<Record<Stage, number>>;
};

export type PartyOutcome =
  | { readonly status: 'running'; readonly state: unknown }
  | { readonly status: 'ok'; readonly value: unknown }
  | { readonly status: 'failed'; readonly error: unknown; readonly step: number }
  /** The adversary's computation was skipped: nothing honest depended on it any more. */
  | { readonly status: 'skipped' };

export type Snapshot = {
  readonly parties: Map<number, PartyOutcome>;
  /** Messages produced by the step, not yet delivered. */
  pending: Envelope[];
};

export type Recording = {
  readonly protocol: Protocol;
  /** snapshots[k]: after step k (deep copies). */
  readonly snapshots: readonly Snapshot[];
  /** inboxes[k]: what each party received for step k (deep copies). */
  readonly inboxes: readonly ReadonlyMap<number, ReadonlyMap<Stage, unknown[]>>[];
  /** Every message of the honest run. */
  readonly transcript: readonly Envelope[];
  readonly outcomes: ReadonlyMap<number, PartyOutcome>;
};

/** A deep copy of plain objects, lists, maps and byte arrays; points and bigints are shared. */
export function deepClone<T>(value: T): T {
  if (value instanceof Uint8Array) return value.slice() as T;
  if (Array.isArray(value)) return value.map(deepClone) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, deepClone(v)])) as T;
  if (typeof value === 'object' && value !== null) {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = deepClone(v);
      return out as T;
    }
  }
  return value;
}

type RunOptions = {
  readonly adversary?: number;
  readonly intercept?: Intercept;
  readonly onStep?: (
    step: number,
    snapshot: Snapshot,
    inboxes: ReadonlyMap<number, ReadonlyMap<Stage, unknown[]>>,
  ) => void;
  /**
   * A recording to reuse: a party that is not in `touched` and receives exactly what it received
   * in the recording gets the recorded result of the step instead of recomputing it (the step is
   * deterministic given its state, its inbox and its randomness; only the randomness differs).
   */
  readonly memo?: { readonly recording: Recording; readonly touched: Set<number> };
};

function recipients(protocol: Protocol, envelope: Envelope): number[] {
  return envelope.to === undefined
    ? protocol.parties.filter((p) => p !== envelope.from)
    : [envelope.to];
}

function advance(
  protocol: Protocol,
  start: Snapshot,
  fromStep: number,
  rngs: ReadonlyMap<number, Rng>,
  options: RunOptions,
): Map<number, PartyOutcome> {
  const parties = start.parties;
  let pending = start.pending;
  const { adversary: bad, intercept } = options;
  const last = protocol.steps.length - 1;
  for (let k = fromStep + 1; k <= last; k++) {
    const step = protocol.steps[k] as Step;
    const inboxes = new Map<number, Map<Stage, unknown[]>>();
    for (const envelope of pending)
      for (const to of recipients(protocol, envelope)) {
        if (parties.get(to)?.status !== 'running') continue;
        const bodies =
          intercept && envelope.from === bad ? intercept(envelope, to, pending) : [envelope.body];
        const inbox = inboxes.get(to) ?? new Map<Stage, unknown[]>();
        inbox.set(envelope.stage, [...(inbox.get(envelope.stage) ?? []), ...bodies]);
        inboxes.set(to, inbox);
      }
    const honest = protocol.parties.filter((p) => p !== bad);
    const out: Envelope[] = [];
    const memo = options.memo;
    const runParty = (p: number) => {
      const current = parties.get(p);
      if (current?.status !== 'running') return;
      const inbox = inboxes.get(p);
      const recorded = memo?.recording.snapshots[k];
      if (
        memo &&
        recorded &&
        !memo.touched.has(p) &&
        isDeepStrictEqual(inbox ?? new Map(), memo.recording.inboxes[k]?.get(p) ?? new Map())
      ) {
        parties.set(p, deepClone(recorded.parties.get(p) as PartyOutcome));
        out.push(...deepClone(recorded.pending.filter((e) => e.from === p)));
        return;
      }
      memo?.touched.add(p);
      try {
        const result = step(
          p,
          current.state,
          (stage) => inbox?.get(stage) ?? [],
          rngs.get(p) as Rng,
        );
        if ('result' in result) parties.set(p, { status: 'ok', value: result.result });
        else {
          parties.set(p, { status: 'running', state: result.state });
          out.push(...result.out);
        }
      } catch (error) {
        parties.set(p, { status: 'failed', error, step: k });
      }
    };
    for (const p of honest) runParty(p);
    if (bad !== undefined) {
      // The adversary's step matters only while an honest party can still receive its messages,
      // or (last step) when an honest party finished and a follow-up needs the adversary's output.
      const needed = honest.some((p) => parties.get(p)?.status === (k === last ? 'ok' : 'running'));
      if (needed) runParty(bad);
      else if (parties.get(bad)?.status === 'running') parties.set(bad, { status: 'skipped' });
    }
    // Delivered in sender order whatever order the parties ran in (a stable sort keeps each
    // sender's own order), as the honest run delivered them.
    pending = out.sort((x, y) => x.from - y.from);
    options.onStep?.(k, { parties, pending }, inboxes);
  }
  return parties;
}

function initial(protocol: Protocol): Snapshot {
  return {
    parties: new Map(protocol.parties.map((p) => [p, { status: 'running', state: undefined }])),
    pending: [],
  };
}

/** Runs `protocol` with no snapshots (optionally under attack). */
export function run(
  protocol: Protocol,
  rngs: ReadonlyMap<number, Rng>,
  options: RunOptions = {},
): Map<number, PartyOutcome> {
  return advance(protocol, initial(protocol), -1, rngs, options);
}

/** Runs `protocol` honestly, keeping a deep copy of every step and the whole transcript. */
export function record(protocol: Protocol, rngs: ReadonlyMap<number, Rng>): Recording {
  const snapshots: Snapshot[] = [];
  const inboxes: ReadonlyMap<number, ReadonlyMap<Stage, unknown[]>>[] = [];
  const transcript: Envelope[] = [];
  const outcomes = advance(protocol, initial(protocol), -1, rngs, {
    onStep: (_step, snapshot, received) => {
      snapshots.push(deepClone({ parties: snapshot.parties, pending: snapshot.pending }));
      inboxes.push(deepClone(received));
      transcript.push(...deepClone(snapshot.pending));
    },
  });
  for (const [party, outcome] of outcomes)
    if (outcome.status !== 'ok')
      throw new Error(
        `harness: the honest run failed at party ${party}: ${String(describeOutcome(outcome))}`,
      );
  return { protocol, snapshots, inboxes, transcript, outcomes };
}

export type PrepareContext = {
  readonly adversary: number;
  readonly rng: Rng;
  /** The other session's transcript. */
  readonly other: readonly Envelope[];
};

/** A cheater that changes its own state (and the messages of that step) before the replay. */
export type Prepare = {
  readonly name: string;
  /** The snapshot it edits: after this step. */
  readonly step: number;
  readonly apply: (snapshot: Snapshot, context: PrepareContext) => void;
};

export type ReplayOptions = {
  readonly adversary: number;
  readonly attacks?: readonly Attack[];
  readonly prepare?: Prepare;
  /** Another session's transcript, for replayed values. */
  readonly other?: readonly Envelope[];
  /** Names the fresh RNGs of the replayed rounds. */
  readonly seed: string;
  /** Reuse recorded steps whose inputs did not change (default true). */
  readonly memo?: boolean;
};

/**
 * Re-runs `recording` from the step that produced the first tampered message (or the prepared
 * step), with the adversary's attacks; returns every party's outcome. Throws if an attack never
 * found a message to change (a typo in a table must not pass silently).
 */
export function replay(recording: Recording, options: ReplayOptions): Map<number, PartyOutcome> {
  const { protocol } = recording;
  const attacks = options.attacks ?? [];
  const steps = attacks.map((a) => {
    const step = protocol.producedBy[a.stage];
    if (step === undefined) throw new Error(`harness: stage ${a.stage} is not in this protocol`);
    return step;
  });
  if (options.prepare) steps.push(options.prepare.step);
  if (steps.length === 0) throw new Error('harness: nothing to replay');
  const fromStep = Math.min(...steps);
  const start = deepClone(recording.snapshots[fromStep] as Snapshot);
  const other = options.other ?? [];
  const rngs = new Map(protocol.parties.map((p) => [p, seededRng(`${options.seed}/${p}`)]));
  options.prepare?.apply(start, {
    adversary: options.adversary,
    rng: seededRng(`${options.seed}/prepare`),
    other,
  });
  const { intercept, applied } = adversary(options.adversary, attacks, other);
  const touched = new Set<number>(options.prepare ? [options.adversary] : []);
  const outcomes = advance(protocol, start, fromStep, rngs, {
    adversary: options.adversary,
    intercept,
    ...(options.memo === false ? {} : { memo: { recording, touched } }),
  });
  applied().forEach((count, k) => {
    if (count === 0) throw new Error(`harness: attack ${attacks[k]?.mutation.name} never applied`);
  });
  return outcomes;
}

// ---------------------------------------------------------------------------------------------
// The protocols of tss/ as step lists.

const body = (stage: Stage, from: number, message: object): Envelope => ({
  stage,
  from,
  to: 'to' in message && typeof message.to === 'number' ? message.to : undefined,
  body: message,
});

/** DKG or re-share (refresh): `configOf(party)` gives each party's configuration. */
export function dkgProtocol(
  parties: readonly number[],
  configOf: (party: number) => DkgConfig,
): Protocol {
  return {
    parties,
    producedBy: { dkg1: 0, dkg2: 1, 'dkg2.direct': 1, dkg3: 2, 'dkg3.direct': 2 },
    steps: [
      (p, _state, _inbox, rng) => {
        const { state, broadcast } = dkgRound1(configOf(p), rng);
        return { state, out: [body('dkg1', p, broadcast)] };
      },
      (p, state, inbox, rng) => {
        const r = dkgRound2(state as never, inbox('dkg1'), rng);
        return {
          state: r.state,
          out: [body('dkg2', p, r.broadcast), ...r.direct.map((d) => body('dkg2.direct', p, d))],
        };
      },
      (p, state, inbox, rng) => {
        const r = dkgRound3(state as never, inbox('dkg2'), inbox('dkg2.direct'), rng);
        return {
          state: r.state,
          out: [body('dkg3', p, r.broadcast), ...r.direct.map((d) => body('dkg3.direct', p, d))],
        };
      },
      (_p, state, inbox) => ({
        result: dkgFinish(state as never, inbox('dkg3'), inbox('dkg3.direct')),
      }),
    ],
  };
}

export type SignParameters = {
  readonly signers: readonly number[];
  readonly digest: Uint8Array;
  readonly path?: readonly number[];
  readonly sessionNonce?: Uint8Array;
};

/** Signing (DKLs23 Protocol 3.6) among `signers` with their key shares. */
export function signProtocol(
  shares: ReadonlyMap<number, KeyShare>,
  parameters: SignParameters,
): Protocol {
  const request = {
    signers: [...parameters.signers],
    digest: parameters.digest,
    path: [...(parameters.path ?? [])],
    sessionNonce: parameters.sessionNonce ?? new Uint8Array(32).fill(9),
  };
  return {
    parties: parameters.signers,
    producedBy: { sign1: 0, sign2: 1, sign3: 2 },
    steps: [
      (p, _state, _inbox, rng) => {
        const r = signRound1(shares.get(p) as KeyShare, request, rng);
        return { state: r.state, out: r.direct.map((d) => body('sign1', p, d)) };
      },
      (p, state, inbox, rng) => {
        const r = signRound2(state as never, inbox('sign1'), rng);
        return { state: r.state, out: r.direct.map((d) => body('sign2', p, d)) };
      },
      (p, state, inbox) => {
        const r = signRound3(state as never, inbox('sign2'));
        return { state: r.state, out: [body('sign3', p, r.broadcast)] };
      },
      (_p, state, inbox) => ({ result: signFinish(state as never, inbox('sign3')) }),
    ],
  };
}

/** The (derived) public key a signature of `parameters` must verify under. */
export function expectedSigningKey(share: KeyShare, path: readonly number[] = []): Point {
  return derivePath(share.publicKey, share.chainCode, path).publicKey as Point;
}

// ---------------------------------------------------------------------------------------------
// Cheaters beyond message tampering (prepare hooks).

function replaceState(snapshot: Snapshot, party: number, state: unknown): void {
  snapshot.parties.set(party, { status: 'running', state });
}

function replacePending(
  snapshot: Snapshot,
  party: number,
  stage: Stage,
  change: (body: unknown, to: number | undefined) => unknown,
): void {
  snapshot.pending = snapshot.pending.map((e) =>
    e.from === party && e.stage === stage ? { ...e, body: change(e.body, e.to) } : e,
  );
}

function round1StateOf<S>(snapshot: Snapshot, party: number): S {
  const outcome = snapshot.parties.get(party);
  if (outcome?.status !== 'running') throw new Error('harness: no running state to prepare');
  return outcome.state as S;
}

/**
 * DKG: the adversary commits in round 1 to its round-2 opening changed by `mutation` at `path`
 * (a path of the `dkg2` broadcast: `polynomialCommitment`, `chainCodeContribution`, `salt`), so
 * the commitment opens and the checks behind it are reached. Pair it with the same field attack
 * on `dkg2`.
 */
export function dkgCommitTo(path: FieldPath, mutation: Mutation): Prepare {
  return {
    name: `commits in round 1 to dkg2.${formatPath(path)} ${mutation.name}`,
    step: 0,
    apply: (snapshot, { adversary: a, other }) => {
      const state = round1StateOf<DkgRound1State>(snapshot, a);
      const opening = {
        polynomialCommitment: state.polynomialCommitment.map(pointToBytes),
        chainCodeContribution: state.chainCodeContribution,
        salt: state.salt,
      };
      const otherMessage = other.find((e) => e.stage === 'dkg2' && e.from === a)?.body;
      const changed = setAt(opening, path, (old) =>
        mutation.apply(old, { other: getAt(otherMessage, path), peers: new Map() }),
      ) as typeof opening;
      const commitment = polynomialCommitmentDigest(
        state.sessionContribution,
        a,
        changed.polynomialCommitment,
        changed.chainCodeContribution,
        changed.salt,
      );
      const broadcast = { ...state.broadcast, commitment };
      replaceState(snapshot, a, { ...state, broadcast });
      replacePending(snapshot, a, 'dkg1', () => broadcast);
    },
  };
}

/**
 * DKG: the adversary runs round 1 again, honestly, on a configuration changed by `change` (e.g. a
 * re-share survivor that brings the wrong old share); its round-1 broadcast is replaced.
 */
export function dkgRound1With(name: string, change: (config: DkgConfig) => DkgConfig): Prepare {
  return {
    name,
    step: 0,
    apply: (snapshot, { adversary: a, rng }) => {
      const state = round1StateOf<DkgRound1State>(snapshot, a);
      const r = dkgRound1(change(state.config), rng);
      replaceState(snapshot, a, r.state);
      replacePending(snapshot, a, 'dkg1', () => r.broadcast);
    },
  };
}

/** DKG: the adversary keeps its round-1 commitment but opens a changed `chainCodeContribution`. */
export function dkgPatchRound1(
  name: string,
  change: (state: DkgRound1State) => Partial<DkgRound1State>,
): Prepare {
  return {
    name,
    step: 0,
    apply: (snapshot, { adversary: a }) => {
      const state = round1StateOf<DkgRound1State>(snapshot, a);
      replaceState(snapshot, a, { ...state, ...change(state) });
    },
  };
}

/**
 * Signing: the adversary changes its round-1 state (nonce r_i, key share sk_i, their public
 * images) before round 2; with `recommit`, its sign1 commitments are recomputed for the new R_i,
 * so the decommitment still opens. `others` gives the honest parties' round-1 states (an
 * omniscient adversary, to build R = identity).
 */
export function signPatchRound1(
  name: string,
  change: (state: SignRound1State, others: readonly SignRound1State[]) => Partial<SignRound1State>,
  recommit = false,
): Prepare {
  return {
    name,
    step: 0,
    apply: (snapshot, { adversary: a }) => {
      const state = round1StateOf<SignRound1State>(snapshot, a);
      const others = [...snapshot.parties.keys()]
        .filter((p) => p !== a)
        .map((p) => round1StateOf<SignRound1State>(snapshot, p));
      const patched = { ...state, ...change(state, others) } as SignRound1State;
      replaceState(snapshot, a, patched);
      if (!recommit) return;
      const bigR = pointToBytes(patched.nonceCommitment);
      replacePending(snapshot, a, 'sign1', (message, to) => ({
        ...(message as Sign1Direct),
        commitment: nonceCommitmentDigest(
          patched.sigid,
          a,
          to as number,
          bigR,
          patched.salts.get(to as number) as Uint8Array,
        ),
      }));
    },
  };
}

/** Signing cheaters used by the tables. */
export const signCheaters = {
  /** Multiplies with sk_i + 1 in RVOLE but sends the true pk_i: the Γ^v check fails (ban). */
  wrongKeyInMultiplication: signPatchRound1(
    'multiplies with sk_i + 1, sends the true pk_i',
    (s) => ({
      secretKeyShare: add(s.secretKeyShare, 1n),
    }),
  ),
  /** Multiplies with r_i + 1 in RVOLE but opens the committed R_i: the Γ^u check fails (ban). */
  wrongNonceInMultiplication: signPatchRound1(
    'multiplies with r_i + 1, opens the true R_i',
    (s) => ({
      nonce: add(s.nonce, 1n),
    }),
  ),
  /** Uses sk_i + 1 consistently (RVOLE and pk_i): only Σ pk_m = pk_derived can notice. */
  consistentWrongKey: signPatchRound1('uses sk_i + 1 everywhere', (s) => {
    const secretKeyShare = add(s.secretKeyShare, 1n);
    return { secretKeyShare, publicShare: mulG(secretKeyShare) };
  }),
  /** Picks r_i = −Σ_{j≠i} r_j (knowing them), recommitted: R = identity. */
  cancellingNonce: signPatchRound1(
    'picks r_i = −Σ others’ r_j, so R is the identity',
    (_s, others) => {
      const nonce = N - sumScalars(others.map((o) => o.nonce));
      return { nonce, nonceCommitment: mulG(nonce) };
    },
    true,
  ),
} as const;

// ---------------------------------------------------------------------------------------------
// 4. Expectations.

/** The checks whose outcome depends on our secrets (research/tecdsa.md §2.9), restated here. */
export const BAN_CODES: ReadonlySet<TssErrorCode> = new Set<TssErrorCode>([
  'OtConsistencyCheckFailed',
  'VoleConsistencyCheckFailed',
  'GammaUCheckFailed',
  'GammaVCheckFailed',
]);

export const expectedKind = (code: TssErrorCode): TssErrorKind =>
  BAN_CODES.has(code) ? 'ban' : 'recoverable';

/** 'adversary': the tampering party; 'none': the check cannot name anyone; or a party index. */
export type Culprit = 'adversary' | 'none' | number;
export type ExpectedError = { readonly code: TssErrorCode; readonly culprit: Culprit };
export type PartyExpectation = ExpectedError | 'ok';
export type Expected =
  | PartyExpectation
  | { readonly byParty: Readonly<Record<number, PartyExpectation>> };

export const fails = (code: TssErrorCode, culprit: Culprit = 'adversary'): ExpectedError => ({
  code,
  culprit,
});

type Described =
  | 'ok'
  | 'skipped'
  | 'still running'
  | { code: string; kind: string; culprit: number | undefined }
  | string;

function describeOutcome(outcome: PartyOutcome | undefined): Described {
  if (!outcome) return 'absent';
  switch (outcome.status) {
    case 'ok':
      return 'ok';
    case 'skipped':
      return 'skipped';
    case 'running':
      return 'still running';
    case 'failed': {
      const { error } = outcome;
      if (error instanceof TssError)
        return { code: error.code, kind: error.kind, culprit: error.culprit };
      const e = error as { name?: string; message?: string; stack?: string };
      return `untyped ${e?.name}: ${e?.message}\n${e?.stack}`;
    }
  }
}

function wanted(expectation: PartyExpectation, adversaryIndex: number): Described {
  if (expectation === 'ok') return 'ok';
  const { code, culprit } = expectation;
  return {
    code,
    kind: expectedKind(code),
    culprit: culprit === 'adversary' ? adversaryIndex : culprit === 'none' ? undefined : culprit,
  };
}

/**
 * Every honest party ends as expected: a `TssError` with the pinned code, kind and culprit, or a
 * result that `verify` accepts (and `verify` runs on every honest result, expected or not).
 */
export function expectOutcomes(
  outcomes: ReadonlyMap<number, PartyOutcome>,
  expected: Expected,
  adversaryIndex: number | undefined,
  verify: (party: number, value: unknown) => void,
): void {
  const honest = [...outcomes.keys()].filter((p) => p !== adversaryIndex).sort((a, b) => a - b);
  const actual: Record<number, Described> = {};
  const want: Record<number, Described> = {};
  for (const p of honest) {
    const outcome = outcomes.get(p);
    if (outcome?.status === 'ok') verify(p, outcome.value);
    actual[p] = describeOutcome(outcome);
    const e =
      typeof expected === 'object' && 'byParty' in expected ? expected.byParty[p] : expected;
    if (e === undefined) throw new Error(`harness: no expectation for party ${p}`);
    want[p] = wanted(e, adversaryIndex ?? 0);
  }
  expect(actual).toEqual(want);
}

/** A DKG/refresh result: the expected public key and chain code, s_i·G = X_i, and agreement. */
export function keyShareVerifier(
  publicKey: Point,
  chainCode: Uint8Array,
): (party: number, value: unknown) => void {
  let publicShares: ReadonlyMap<number, Point> | undefined;
  return (party, value) => {
    const share = value as KeyShare;
    expect(share.self).toBe(party);
    expect(share.publicKey.equals(publicKey), 'the public key changed').toBe(true);
    expect(bytesToHex(share.chainCode)).toBe(bytesToHex(chainCode));
    expect(mulG(share.secretShare).equals(share.publicShares.get(party) as Point)).toBe(true);
    publicShares ??= share.publicShares;
    for (const [p, X] of publicShares)
      expect(share.publicShares.get(p)?.equals(X), 'public shares disagree').toBe(true);
  };
}

/** A signing result: verifies (noble, low-s) under the expected derived key for `digest`. */
export function signatureVerifier(
  publicKey: Point,
  digest: Uint8Array,
): (party: number, value: unknown) => void {
  return (_party, value) => {
    const signature = value as ThresholdSignature;
    expect(signature.publicKey.equals(publicKey), 'signed under another key').toBe(true);
    const compact = new secp256k1.Signature(signature.r, signature.s).toBytes('compact');
    expect(
      secp256k1.verify(compact, digest, pointToBytes(publicKey), { prehash: false, lowS: true }),
      'the signature does not verify',
    ).toBe(true);
  };
}

// ---------------------------------------------------------------------------------------------
// Cases.

export type Case = {
  readonly name: string;
  /** `stage.path` of a single-field case. */
  readonly field?: string;
  readonly attacks: readonly Attack[];
  readonly prepare?: Prepare;
  readonly expected: Expected;
  /**
   * The key shares of a DKG that completed despite the attack are used for a signature between
   * the first honest party and the adversary, which must end as this says (base OTs have no
   * check of their own: a corrupted base OT is caught by the first OT extension).
   */
  readonly followUp?: (adversaryIndex: number, victim: number) => Expected;
};

export function fieldCase(
  stage: Stage,
  path: FieldPath,
  mutation: Mutation,
  expected: Expected,
  extra: Partial<Pick<Case, 'followUp'>> & { victims?: readonly number[] } = {},
): Case {
  const attack = fieldAttack(stage, path, mutation, extra.victims);
  const target = extra.victims ? ` (to ${extra.victims.join(', ')} only)` : '';
  return {
    name: `${stage}.${attack.mutation.name}${target}`,
    field: `${stage}.${formatPath(path)}`,
    attacks: [attack],
    expected,
    ...(extra.followUp ? { followUp: extra.followUp } : {}),
  };
}

export function messageCase(
  stage: Stage,
  mutation: MessageMutation,
  expected: Expected,
  extra: Partial<Pick<Case, 'followUp'>> = {},
): Case {
  return { name: `${stage}: ${mutation.name}`, attacks: [{ stage, mutation }], expected, ...extra };
}

export function preparedCase(
  prepare: Prepare,
  attacks: readonly Attack[],
  expected: Expected,
): Case {
  const suffix = attacks.length
    ? `, then ${attacks.map((a) => `${a.stage}.${a.mutation.name}`).join(', ')}`
    : '';
  return { name: `cheater ${prepare.name}${suffix}`, attacks, prepare, expected };
}

/**
 * A DKG whose base OTs were corrupted completes; the first signature between the pair aborts.
 * `request`: the adversary tampered its own base-OT request (dkg2.direct): the victim's OTE
 * receiver setup from it is wrong, so the adversary's OTE check fails and the victim only sees
 * its round-2 message missing. `reply`: the adversary tampered its base-OT reply (dkg3.direct):
 * the victim's OTE sender setup is wrong and the victim's own OTE check bans the adversary.
 */
export const corruptedBaseOt = {
  request: (a: number, v: number): Expected => ({
    byParty: { [v]: fails('MissingMessage', a), [a]: fails('OtConsistencyCheckFailed', v) },
  }),
  reply: (a: number, v: number): Expected => ({
    byParty: { [v]: fails('OtConsistencyCheckFailed', a), [a]: fails('MissingMessage', v) },
  }),
} as const;

/**
 * The DKG message table, shared by the fresh DKG and the refresh (a re-share onto the same
 * parties): every field of every DKG message, with the code the honest parties must end with.
 * Expectations are the same for every honest recipient (the adversary changes every copy it
 * sends). `refresh`: the other session is the key's own DKG, whose public key and chain code are
 * the refresh's, so those two replays would change nothing and are left out.
 */
export function dkgMessageCases(options: { readonly refresh: boolean }): Case[] {
  const { refresh } = options;
  const f = fieldCase;
  const cases: Case[] = [
    // dkg1 (checked in round 2 for shape and distinct contributions; its contents only through the
    // echo in round 3, which comes before every other round-3 check: a changed dkg1 is a
    // broadcast disagreement, EchoMismatch, whoever is at fault).
    f('dkg1', ['sessionContribution'], flipBit(), fails('EchoMismatch')),
    f('dkg1', ['sessionContribution'], truncate, fails('WrongLength')),
    f('dkg1', ['sessionContribution'], extend, fails('WrongLength')),
    f('dkg1', ['sessionContribution'], otherSession, fails('EchoMismatch')),
    f('dkg1', ['sessionContribution'], deleteField, fails('MalformedMessage')),
    f('dkg1', ['sessionContribution'], wrongType, fails('MalformedMessage')),
    f('dkg1', ['commitment'], flipBit(), fails('EchoMismatch')),
    f('dkg1', ['commitment'], truncate, fails('WrongLength')),
    f('dkg1', ['commitment'], extend, fails('WrongLength')),
    f('dkg1', ['commitment'], otherSession, fails('EchoMismatch')),
    f('dkg1', ['commitment'], deleteField, fails('MalformedMessage')),
    f('dkg1', ['seedCommitments', 0], flipBit(), fails('EchoMismatch')),
    f('dkg1', ['seedCommitments', 1], flipBit(-1, 7), fails('EchoMismatch')),
    f('dkg1', ['seedCommitments', 0], truncate, fails('WrongLength')),
    f('dkg1', ['seedCommitments', 0], extend, fails('WrongLength')),
    f('dkg1', ['seedCommitments', 0], wrongType, fails('MalformedMessage')),
    f('dkg1', ['seedCommitments'], reorder, fails('EchoMismatch')),
    f('dkg1', ['seedCommitments'], dropEntry, fails('WrongLength')),
    f('dkg1', ['seedCommitments'], appendEntry, fails('WrongLength')),
    f('dkg1', ['seedCommitments'], otherSession, fails('EchoMismatch')),
    f('dkg1', ['seedCommitments'], deleteField, fails('MalformedMessage')),
    messageCase('dkg1', dropMessage, fails('MissingMessage')),
    messageCase('dkg1', duplicateMessage, fails('DuplicateParty')),
    messageCase('dkg1', replayMessage, fails('EchoMismatch')),
    // The body is not an object: no `from` can be read, so no culprit (the transport knows the sender).
    messageCase('dkg1', notAnObject, fails('MalformedMessage', 'none')),

    // dkg2 broadcast (round 3: shape of every message, then the echo, then each peer's opening,
    // points, proofs; the opening is checked before the points are decoded, so a changed point is
    // a CommitmentMismatch — the InvalidPoint check behind it needs a cheater that commits to it).
    f('dkg2', ['polynomialCommitment', 0], negatePoint, fails('CommitmentMismatch')),
    f('dkg2', ['polynomialCommitment', 1], flipBit(-1), fails('CommitmentMismatch')),
    f('dkg2', ['polynomialCommitment', 0], identityPoint, fails('CommitmentMismatch')),
    f('dkg2', ['polynomialCommitment', 0], truncate, fails('WrongLength')),
    f('dkg2', ['polynomialCommitment', 1], extend, fails('WrongLength')),
    f('dkg2', ['polynomialCommitment', 0], otherSession, fails('CommitmentMismatch')),
    f('dkg2', ['polynomialCommitment', 0], wrongType, fails('MalformedMessage')),
    f('dkg2', ['polynomialCommitment'], reorder, fails('CommitmentMismatch')),
    f('dkg2', ['polynomialCommitment'], dropEntry, fails('WrongLength')),
    f('dkg2', ['polynomialCommitment'], appendEntry, fails('WrongLength')),
    f('dkg2', ['polynomialCommitment'], deleteField, fails('MalformedMessage')),
    f('dkg2', ['chainCodeContribution'], flipBit(), fails('CommitmentMismatch')),
    f('dkg2', ['chainCodeContribution'], truncate, fails('WrongLength')),
    f('dkg2', ['chainCodeContribution'], extend, fails('WrongLength')),
    f('dkg2', ['chainCodeContribution'], otherSession, fails('CommitmentMismatch')),
    f('dkg2', ['chainCodeContribution'], deleteField, fails('MalformedMessage')),
    f('dkg2', ['salt'], flipBit(), fails('CommitmentMismatch')),
    f('dkg2', ['salt'], truncate, fails('WrongLength')),
    f('dkg2', ['salt'], extend, fails('WrongLength')),
    f('dkg2', ['salt'], otherSession, fails('CommitmentMismatch')),
    f('dkg2', ['proofs', 0, 'commitment'], negatePoint, fails('InvalidProof')),
    f('dkg2', ['proofs', 0, 'commitment'], badPointPrefix, fails('InvalidPoint')),
    f('dkg2', ['proofs', 0, 'commitment'], identityPoint, fails('InvalidPoint')),
    f('dkg2', ['proofs', 0, 'commitment'], truncate, fails('WrongLength')),
    f('dkg2', ['proofs', 0, 'commitment'], deleteField, fails('MalformedMessage')),
    f('dkg2', ['proofs', 1, 'response'], flipBit(-1), fails('InvalidProof')),
    f('dkg2', ['proofs', 1, 'response'], scalarN(), fails('InvalidScalar')),
    f('dkg2', ['proofs', 1, 'response'], scalarNPlus1(), fails('InvalidScalar')),
    // z = 0 is a valid encoding (an honest prover hits it with probability 1/n): the equation decides.
    f('dkg2', ['proofs', 1, 'response'], zeroScalar(), fails('InvalidProof')),
    f('dkg2', ['proofs', 1, 'response'], extend, fails('WrongLength')),
    f('dkg2', ['proofs', 0], otherSession, fails('InvalidProof')),
    f('dkg2', ['proofs', 0], wrongType, fails('MalformedMessage')),
    // Proof k is bound to (sid, i, k): swapped proofs do not verify.
    f('dkg2', ['proofs'], reorder, fails('InvalidProof')),
    f('dkg2', ['proofs'], dropEntry, fails('WrongLength')),
    f('dkg2', ['proofs'], deleteField, fails('MalformedMessage')),
    f('dkg2', ['echo'], flipBit(), fails('EchoMismatch')),
    f('dkg2', ['echo'], truncate, fails('WrongLength')),
    f('dkg2', ['echo'], otherSession, fails('EchoMismatch')),
    messageCase('dkg2', dropMessage, fails('MissingMessage')),
    messageCase('dkg2', duplicateMessage, fails('DuplicateParty')),
    messageCase('dkg2', replayMessage, fails('EchoMismatch')),
    messageCase('dkg2', notAnObject, fails('MalformedMessage', 'none')),
    // Cheaters that commit in round 1 to what they open, so the checks behind the commitment fire.
    preparedCase(
      dkgCommitTo(['polynomialCommitment', 1], identityPoint),
      [fieldAttack('dkg2', ['polynomialCommitment', 1], identityPoint)],
      fails('InvalidPoint'),
    ),
    preparedCase(
      dkgCommitTo(['polynomialCommitment', 0], badPointPrefix),
      [fieldAttack('dkg2', ['polynomialCommitment', 0], badPointPrefix)],
      fails('InvalidPoint'),
    ),
    // A valid point whose discrete log the cheater does not know: its proof fails.
    preparedCase(
      dkgCommitTo(['polynomialCommitment', 1], negatePoint),
      [fieldAttack('dkg2', ['polynomialCommitment', 1], negatePoint)],
      fails('InvalidProof'),
    ),

    // dkg2.direct (round 3, after every broadcast check: Feldman, then the seed opening, then the
    // base-OT request when answering it).
    f('dkg2.direct', ['share'], flipBit(-1), fails('FeldmanCheckFailed')),
    f('dkg2.direct', ['share'], scalarN(), fails('InvalidScalar')),
    f('dkg2.direct', ['share'], scalarNPlus1(), fails('InvalidScalar')),
    // A zero share is a possible evaluation, so it is decoded; Feldman refuses it.
    f('dkg2.direct', ['share'], zeroScalar(), fails('FeldmanCheckFailed')),
    f('dkg2.direct', ['share'], truncate, fails('WrongLength')),
    f('dkg2.direct', ['share'], extend, fails('WrongLength')),
    f('dkg2.direct', ['share'], otherSession, fails('FeldmanCheckFailed')),
    f('dkg2.direct', ['share'], deleteField, fails('MalformedMessage')),
    f('dkg2.direct', ['seed'], flipBit(), fails('CommitmentMismatch')),
    f('dkg2.direct', ['seed'], truncate, fails('WrongLength')),
    f('dkg2.direct', ['seed'], extend, fails('WrongLength')),
    f('dkg2.direct', ['seed'], otherSession, fails('CommitmentMismatch')),
    f('dkg2.direct', ['seedSalt'], flipBit(), fails('CommitmentMismatch')),
    f('dkg2.direct', ['seedSalt'], truncate, fails('WrongLength')),
    f('dkg2.direct', ['seedSalt'], wrongType, fails('MalformedMessage')),
    f('dkg2.direct', ['baseOt', 'r0', 5], badPointPrefix, fails('InvalidPoint')),
    f('dkg2.direct', ['baseOt', 'r0', 5], identityPoint, fails('InvalidPoint')),
    f('dkg2.direct', ['baseOt', 'r0', 5], truncate, fails('WrongLength')),
    f('dkg2.direct', ['baseOt', 'r0', 5], extend, fails('WrongLength')),
    f('dkg2.direct', ['baseOt', 'r1', 127], badPointPrefix, fails('InvalidPoint')),
    f('dkg2.direct', ['baseOt', 'r1', 0], wrongType, fails('MalformedMessage')),
    f('dkg2.direct', ['baseOt', 'r0'], dropEntry, fails('WrongLength')),
    f('dkg2.direct', ['baseOt', 'r1'], appendEntry, fails('WrongLength')),
    f('dkg2.direct', ['baseOt', 'r1'], deleteField, fails('MalformedMessage')),
    f('dkg2.direct', ['baseOt'], deleteField, fails('MalformedMessage')),
    f('dkg2.direct', ['baseOt'], wrongType, fails('MalformedMessage')),
    // Valid points in the wrong place: MR19 has no check, so the DKG completes with the right key,
    // but the pair's OT correlation is broken and the first signature between them aborts.
    f('dkg2.direct', ['baseOt', 'r0'], each(negatePoint), 'ok', {
      followUp: corruptedBaseOt.request,
    }),
    f('dkg2.direct', ['to'], replaceWith(9, 'set to 9'), fails('MalformedMessage')),
    messageCase('dkg2.direct', dropMessage, fails('MissingMessage')),
    messageCase('dkg2.direct', duplicateMessage, fails('DuplicateParty')),
    messageCase('dkg2.direct', replayMessage, fails('FeldmanCheckFailed')),
    messageCase('dkg2.direct', notAnObject, fails('MalformedMessage', 'none')),

    // dkg3 broadcast (finish: transcript, chain code, public key, public share, proof — all
    // compared as bytes with our own values, so a bad encoding is simply a mismatch).
    f('dkg3', ['transcript'], flipBit(), fails('EchoMismatch')),
    f('dkg3', ['transcript'], truncate, fails('WrongLength')),
    f('dkg3', ['transcript'], otherSession, fails('EchoMismatch')),
    f('dkg3', ['chainCode'], flipBit(), fails('ChainCodeMismatch')),
    f('dkg3', ['chainCode'], extend, fails('WrongLength')),
    f('dkg3', ['publicKey'], negatePoint, fails('PublicKeyMismatch')),
    f('dkg3', ['publicKey'], identityPoint, fails('PublicKeyMismatch')),
    f('dkg3', ['publicKey'], badPointPrefix, fails('PublicKeyMismatch')),
    f('dkg3', ['publicKey'], truncate, fails('WrongLength')),
    f('dkg3', ['publicShare'], negatePoint, fails('PublicKeyMismatch')),
    f('dkg3', ['publicShare'], identityPoint, fails('PublicKeyMismatch')),
    f('dkg3', ['publicShare'], extend, fails('WrongLength')),
    f('dkg3', ['publicShare'], otherSession, fails('PublicKeyMismatch')),
    f('dkg3', ['publicShare'], deleteField, fails('MalformedMessage')),
    f('dkg3', ['proof', 'commitment'], negatePoint, fails('InvalidProof')),
    f('dkg3', ['proof', 'commitment'], badPointPrefix, fails('InvalidPoint')),
    f('dkg3', ['proof', 'commitment'], identityPoint, fails('InvalidPoint')),
    f('dkg3', ['proof', 'commitment'], truncate, fails('WrongLength')),
    f('dkg3', ['proof', 'response'], flipBit(-1), fails('InvalidProof')),
    f('dkg3', ['proof', 'response'], scalarN(), fails('InvalidScalar')),
    f('dkg3', ['proof', 'response'], zeroScalar(), fails('InvalidProof')),
    f('dkg3', ['proof', 'response'], extend, fails('WrongLength')),
    f('dkg3', ['proof'], otherSession, fails('InvalidProof')),
    f('dkg3', ['proof'], deleteField, fails('MalformedMessage')),
    f('dkg3', ['proof'], wrongType, fails('MalformedMessage')),
    messageCase('dkg3', dropMessage, fails('MissingMessage')),
    messageCase('dkg3', duplicateMessage, fails('DuplicateParty')),
    messageCase('dkg3', replayMessage, fails('EchoMismatch')),
    messageCase('dkg3', notAnObject, fails('MalformedMessage', 'none')),

    // dkg3.direct (finish, after every confirmation: the base-OT reply, one point B for the batch).
    f('dkg3.direct', ['baseOt', 'b'], badPointPrefix, fails('InvalidPoint')),
    f('dkg3.direct', ['baseOt', 'b'], identityPoint, fails('InvalidPoint')),
    f('dkg3.direct', ['baseOt', 'b'], truncate, fails('WrongLength')),
    f('dkg3.direct', ['baseOt', 'b'], extend, fails('WrongLength')),
    f('dkg3.direct', ['baseOt', 'b'], wrongType, fails('MalformedMessage')),
    f('dkg3.direct', ['baseOt', 'b'], deleteField, fails('MalformedMessage')),
    f(
      'dkg3.direct',
      ['baseOt', 'b1'],
      replaceWith(new Uint8Array(33), 'an extra field'),
      fails('MalformedMessage'),
    ),
    f('dkg3.direct', ['baseOt'], deleteField, fails('MalformedMessage')),
    f('dkg3.direct', ['baseOt'], wrongType, fails('MalformedMessage')),
    // A valid point that is not b·G: undetectable in the DKG, caught by the victim's first OTE check.
    f('dkg3.direct', ['baseOt', 'b'], negatePoint, 'ok', { followUp: corruptedBaseOt.reply }),
    f('dkg3.direct', ['baseOt'], otherSession, 'ok', { followUp: corruptedBaseOt.reply }),
    f('dkg3.direct', ['to'], replaceWith(9, 'set to 9'), fails('MalformedMessage')),
    messageCase('dkg3.direct', dropMessage, fails('MissingMessage')),
    messageCase('dkg3.direct', duplicateMessage, fails('DuplicateParty')),
    messageCase('dkg3.direct', replayMessage, 'ok', { followUp: corruptedBaseOt.reply }),
    messageCase('dkg3.direct', notAnObject, fails('MalformedMessage', 'none')),
  ];
  if (!refresh)
    cases.push(
      f('dkg3', ['chainCode'], otherSession, fails('ChainCodeMismatch')),
      f('dkg3', ['publicKey'], otherSession, fails('PublicKeyMismatch')),
    );
  return cases;
}

/**
 * Replays one case against a recorded DKG or re-share and checks it; returns the outcomes. Key
 * shares that complete must carry `publicKey` and `chainCode`; with `followUp`, the completed shares
 * then sign once between the first honest party and the adversary.
 */
export function checkDkgCase(
  recording: Recording,
  testCase: Case,
  options: {
    readonly adversary: number;
    readonly other: readonly Envelope[];
    readonly publicKey: Point;
    readonly chainCode: Uint8Array;
    readonly seed: string;
  },
): void {
  const { adversary: a } = options;
  const outcomes = replay(recording, {
    adversary: a,
    attacks: testCase.attacks,
    ...(testCase.prepare ? { prepare: testCase.prepare } : {}),
    other: options.other,
    seed: `${options.seed}/${testCase.name}`,
  });
  expectOutcomes(
    outcomes,
    testCase.expected,
    a,
    keyShareVerifier(options.publicKey, options.chainCode),
  );
  if (!testCase.followUp) return;
  const shares = new Map<number, KeyShare>();
  for (const [p, o] of outcomes) if (o.status === 'ok') shares.set(p, o.value as KeyShare);
  const victim = Math.min(...recording.protocol.parties.filter((p) => p !== a));
  const signers = [victim, a].sort((x, y) => x - y);
  const digest = seededRng(`${options.seed}/${testCase.name}/digest`)(32);
  const signing = run(
    signProtocol(shares, { signers, digest }),
    new Map(signers.map((p) => [p, seededRng(`${options.seed}/${testCase.name}/sign/${p}`)])),
  );
  expectOutcomes(
    signing,
    testCase.followUp(a, victim),
    undefined,
    signatureVerifier(options.publicKey, digest),
  );
}
