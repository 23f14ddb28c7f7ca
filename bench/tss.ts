/**
 * Threshold-ECDSA benchmarks (DKLs23, eprint 2023/765, as built in `tss/`), every party in this
 * one thread through the test simulator. Each figure's baseline is noble's single-key
 * `secp256k1.sign` (prehash false) per call, measured in the same run right after it, so the
 * ratio reads "this costs as much as N ordinary signatures".
 *
 * - `tss.dkg.2of3.ms`: one 2-of-3 DKG, all three parties (one run: it takes seconds).
 * - `tss.dkg.round1.ms` … `tss.dkg.finish.ms`: CPU time of one party in each DKG step, the mean
 *   over the three parties of that same run.
 * - `tss.dkg.round1.bytes` … `tss.dkg.round3.bytes`: bytes one party sends in each DKG round (the
 *   mean over the parties; a broadcast counts once per recipient, as it travels over pairwise
 *   channels), every message encoded with `encodeMessage`.
 * - `tss.sign.2party.ms`: one signature by parties 1 and 2 of that key, both parties (median of
 *   20 after 5 warm-ups).
 * - `tss.sign.round1.ms` … `tss.sign.finish.ms`: CPU time of one party in each signing step
 *   (median over 20 signatures of the mean over both parties).
 * - `tss.refresh.2of3.ms`: one refresh (`refreshConfig`, a DKG in reshare mode), all three parties.
 * - `tss.sign.bytesPerParty`: bytes party 1 sends per signature, every message encoded with
 *   `encodeMessage`; the baseline is the 64 bytes of a plain (r, s) ECDSA signature.
 *   `tss.sign.round1.bytes` … `tss.sign.round3.bytes`: the same, per signing round.
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { runDkg, runSign, type Stage } from '../tests/tss/support/simulate';
import { dkgFinish } from '../tss/dkg/finish';
import { dkgRound1 } from '../tss/dkg/round1';
import { dkgRound2 } from '../tss/dkg/round2';
import { dkgRound3 } from '../tss/dkg/round3';
import type { DkgConfig } from '../tss/dkg/types';
import type { KeyShare } from '../tss/keyshare';
import { refreshConfig } from '../tss/refresh/config';
import { cryptoRng, type Rng } from '../tss/rng';
import { signFinish } from '../tss/sign/finish';
import { signRound1 } from '../tss/sign/round1';
import { signRound2 } from '../tss/sign/round2';
import { signRound3 } from '../tss/sign/round3';
import type { SignRequest } from '../tss/sign/types';
import { encodeMessage, type MessageType } from '../tss/wire';
import { type Benchmark, medianMs } from './harness';

const PARTIES = [1, 2, 3];
const THRESHOLD = 2;
const SIGNERS = [1, 2];
const SIGN_WARMUP = 5;
const SIGN_SAMPLES = 20;
const ECDSA_SIGNATURE_BYTES = 64;

/** Noble's single-key signature, ms per call: the median of 25 batches of 20 signatures. */
async function nobleSignMs(): Promise<number> {
  const secretKey = secp256k1.utils.randomSecretKey();
  const digests = Array.from({ length: 20 }, (_, k) => new Uint8Array(32).fill(k + 1));
  const batch = await medianMs(async () => {
    for (const digest of digests) secp256k1.sign(digest, secretKey, { prehash: false });
  }, 25);
  return batch / digests.length;
}

// The 2-of-3 key is made once by the DKG benchmark and reused by the others.
let dkgShares: Map<number, KeyShare> | undefined;

/** The production RNG for every party (the simulator's seeded RNGs would add SHAKE256 calls). */
const rngs = (parties: readonly number[]): Map<number, Rng> =>
  new Map(parties.map((p) => [p, cryptoRng]));

type DkgStep = 'round1' | 'round2' | 'round3' | 'finish';
const DKG_STEPS: readonly DkgStep[] = ['round1', 'round2', 'round3', 'finish'];
type DkgRound = 'round1' | 'round2' | 'round3';
const DKG_ROUNDS: readonly DkgRound[] = ['round1', 'round2', 'round3'];

/** One DKG's figures: per-party CPU per step and bytes per round (means over the parties). */
type DkgFigures = {
  readonly totalMs: number;
  readonly stepMs: Record<DkgStep, number>;
  readonly roundBytes: Record<DkgRound, number>;
};
let dkgFigures: DkgFigures | undefined;

/** Messages addressed to `to`: broadcasts from the others, and direct messages for it. */
function inboundFor<M extends { from: number; to?: number }>(
  messages: readonly M[],
  to: number,
): M[] {
  return messages.filter((m) => m.from !== to && (m.to === undefined || m.to === to));
}

/** Bytes of `messages` as sent: a broadcast once per recipient, a direct message once. */
function sentBytes(type: MessageType, messages: readonly object[]): number {
  let bytes = 0;
  for (const m of messages)
    bytes += encodeMessage(type, m).length * ('to' in m ? 1 : PARTIES.length - 1);
  return bytes;
}

/**
 * A 2-of-3 DKG as `runDkg` runs it (tests/tss/support/simulate.ts), with every party's call of
 * every step timed and every message measured.
 */
function dkg(): Map<number, KeyShare> {
  const stepMs: Record<DkgStep, number> = { round1: 0, round2: 0, round3: 0, finish: 0 };
  const roundBytes: Record<DkgRound, number> = { round1: 0, round2: 0, round3: 0 };
  const timed = <T>(step: DkgStep, run: () => T): T => {
    const start = performance.now();
    const out = run();
    stepMs[step] += performance.now() - start;
    return out;
  };
  const config = (self: number): DkgConfig => ({
    parties: PARTIES,
    threshold: THRESHOLD,
    self,
    mode: { kind: 'fresh' },
    context: new Uint8Array([1, 2, 3]),
  });
  const start = performance.now();
  const r1 = PARTIES.map((p) => timed('round1', () => dkgRound1(config(p), cryptoRng)));
  const b1 = r1.map((x) => x.broadcast);
  const r2 = PARTIES.map((p, i) =>
    timed('round2', () => dkgRound2(r1[i]?.state as never, inboundFor(b1, p), cryptoRng)),
  );
  const b2 = r2.map((x) => x.broadcast);
  const d2 = r2.flatMap((x) => x.direct);
  const r3 = PARTIES.map((p, i) =>
    timed('round3', () =>
      dkgRound3(r2[i]?.state as never, inboundFor(b2, p), inboundFor(d2, p), cryptoRng),
    ),
  );
  const b3 = r3.map((x) => x.broadcast);
  const d3 = r3.flatMap((x) => x.direct);
  const made = new Map(
    PARTIES.map((p, i) => [
      p,
      timed('finish', () => dkgFinish(r3[i]?.state as never, inboundFor(b3, p), inboundFor(d3, p))),
    ]),
  );
  const totalMs = performance.now() - start;
  roundBytes.round1 = sentBytes('dkg1', b1);
  roundBytes.round2 = sentBytes('dkg2', b2) + sentBytes('dkg2.direct', d2);
  roundBytes.round3 = sentBytes('dkg3', b3) + sentBytes('dkg3.direct', d3);
  for (const step of DKG_STEPS) stepMs[step] /= PARTIES.length;
  for (const round of DKG_ROUNDS) roundBytes[round] /= PARTIES.length;
  dkgFigures = { totalMs, stepMs, roundBytes };
  return made;
}

function shares(): Map<number, KeyShare> {
  dkgShares ??= dkg();
  return dkgShares;
}

/** A signing request, in the shape both `signRound1` and the simulator's `runSign` take. */
type Request = SignRequest & { signers: number[]; path: number[] };

/** A fresh request (random digest and session nonce) for the next signature. */
function nextRequest(): Request {
  return { signers: [...SIGNERS], digest: cryptoRng(32), path: [], sessionNonce: cryptoRng(32) };
}

type Step = 'round1' | 'round2' | 'round3' | 'finish';
const STEPS: readonly Step[] = ['round1', 'round2', 'round3', 'finish'];

/**
 * One signature as `runSign` runs it (tests/tss/support/simulate.ts), timing each party's call
 * of each step; returns the mean over the signers of each step's time.
 */
function timedSign(): Record<Step, number> {
  const key = shares();
  const request = nextRequest();
  const totals: Record<Step, number> = { round1: 0, round2: 0, round3: 0, finish: 0 };
  const timed = <T>(step: Step, run: () => T): T => {
    const start = performance.now();
    const out = run();
    totals[step] += performance.now() - start;
    return out;
  };
  const rng = (_party: number): Rng => cryptoRng;

  const r1 = SIGNERS.map((p) =>
    timed('round1', () => signRound1(key.get(p) as KeyShare, request, rng(p))),
  );
  const d1 = r1.flatMap((x) => x.direct);
  const r2 = SIGNERS.map((p, i) =>
    timed('round2', () => signRound2(r1[i]?.state as never, inboundFor(d1, p), rng(p))),
  );
  const d2 = r2.flatMap((x) => x.direct);
  const r3 = SIGNERS.map((p, i) =>
    timed('round3', () => signRound3(r2[i]?.state as never, inboundFor(d2, p))),
  );
  const b3 = r3.map((x) => x.broadcast);
  SIGNERS.forEach((p, i) => {
    timed('finish', () => signFinish(r3[i]?.state as never, inboundFor(b3, p)));
  });
  for (const step of STEPS) totals[step] /= SIGNERS.length;
  return totals;
}

// Per-step medians, filled by the first round benchmark that needs them.
let stepMedians: Record<Step, number> | undefined;

function measureSteps(): Record<Step, number> {
  for (let k = 0; k < SIGN_WARMUP; k++) timedSign();
  const samples = Array.from({ length: SIGN_SAMPLES }, timedSign);
  const median = (step: Step) => {
    const sorted = samples.map((s) => s[step]).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  return {
    round1: median('round1'),
    round2: median('round2'),
    round3: median('round3'),
    finish: median('finish'),
  };
}

export const tssDkg: Benchmark = {
  name: 'tss.dkg.2of3.ms',
  unit: 'ms',
  baselineLabel: 'noble secp256k1.sign',
  async run() {
    dkgShares = dkg();
    return { value: (dkgFigures as DkgFigures).totalMs, baseline: await nobleSignMs() };
  },
};

/** Figures of the DKG run by `tss.dkg.2of3.ms` (which runs first). */
function measuredDkg(): DkgFigures {
  if (dkgFigures === undefined) dkgShares = dkg();
  return dkgFigures as DkgFigures;
}

function dkgStepBenchmark(step: DkgStep): Benchmark {
  return {
    name: `tss.dkg.${step}.ms`,
    unit: 'ms',
    baselineLabel: 'noble secp256k1.sign',
    async run() {
      return { value: measuredDkg().stepMs[step], baseline: await nobleSignMs() };
    },
  };
}

function dkgBytesBenchmark(round: DkgRound): Benchmark {
  return {
    name: `tss.dkg.${round}.bytes`,
    unit: 'B',
    baselineLabel: 'ECDSA (r, s)',
    async run() {
      return { value: measuredDkg().roundBytes[round], baseline: ECDSA_SIGNATURE_BYTES };
    },
  };
}

export const tssSign: Benchmark = {
  name: 'tss.sign.2party.ms',
  unit: 'ms',
  baselineLabel: 'noble secp256k1.sign',
  async run() {
    const key = shares();
    const value = await medianMs(
      async () => {
        runSign(key, nextRequest(), rngs(SIGNERS));
      },
      SIGN_SAMPLES,
      SIGN_WARMUP,
    );
    return { value, baseline: await nobleSignMs() };
  },
};

function stepBenchmark(step: Step): Benchmark {
  return {
    name: `tss.sign.${step}.ms`,
    unit: 'ms',
    baselineLabel: 'noble secp256k1.sign',
    async run() {
      stepMedians ??= measureSteps();
      return { value: stepMedians[step], baseline: await nobleSignMs() };
    },
  };
}

export const tssRefresh: Benchmark = {
  name: 'tss.refresh.2of3.ms',
  unit: 'ms',
  baselineLabel: 'noble secp256k1.sign',
  async run() {
    const key = shares();
    const context = new Uint8Array([0x72, 0x65, 0x66]);
    const value = await medianMs(
      async () => {
        runDkg(
          {
            parties: PARTIES,
            threshold: THRESHOLD,
            context,
            mode: (p) => refreshConfig(key.get(p) as KeyShare, context).mode,
          },
          rngs(PARTIES),
        );
      },
      1,
      0,
    );
    return { value, baseline: await nobleSignMs() };
  },
};

type SignRound = 'sign1' | 'sign2' | 'sign3';
const SIGN_ROUNDS: readonly SignRound[] = ['sign1', 'sign2', 'sign3'];
let signBytes: Record<SignRound, number> | undefined;

/** Bytes party 1 sends in each signing round of one signature. */
function measureSignBytes(): Record<SignRound, number> {
  const from = SIGNERS[0] as number;
  const bytes: Record<SignRound, number> = { sign1: 0, sign2: 0, sign3: 0 };
  runSign(shares(), nextRequest(), rngs(SIGNERS), (stage: Stage, sender, _to, message) => {
    if (sender === from)
      bytes[stage as SignRound] += encodeMessage(stage as MessageType, message as object).length;
    return message;
  });
  return bytes;
}

export const tssSignBytes: Benchmark = {
  name: 'tss.sign.bytesPerParty',
  unit: 'B',
  baselineLabel: 'ECDSA (r, s)',
  async run() {
    signBytes ??= measureSignBytes();
    const total = SIGN_ROUNDS.reduce(
      (sum, round) => sum + (signBytes as Record<SignRound, number>)[round],
      0,
    );
    return { value: total, baseline: ECDSA_SIGNATURE_BYTES };
  },
};

function signBytesBenchmark(round: SignRound): Benchmark {
  return {
    name: `tss.sign.round${round.slice(-1)}.bytes`,
    unit: 'B',
    baselineLabel: 'ECDSA (r, s)',
    async run() {
      signBytes ??= measureSignBytes();
      return { value: signBytes[round], baseline: ECDSA_SIGNATURE_BYTES };
    },
  };
}

/** In run order: the DKG makes the key the others use. */
export const tssBenchmarks: readonly Benchmark[] = [
  tssDkg,
  ...DKG_STEPS.map(dkgStepBenchmark),
  ...DKG_ROUNDS.map(dkgBytesBenchmark),
  tssSign,
  ...STEPS.map(stepBenchmark),
  tssRefresh,
  tssSignBytes,
  ...SIGN_ROUNDS.map(signBytesBenchmark),
];
