/**
 * Threshold-ECDSA benchmarks (DKLs23, eprint 2023/765, as built in `tss/`), every party in this
 * one thread through the test simulator. Each figure's baseline is noble's single-key
 * `secp256k1.sign` (prehash false) per call, measured in the same run right after it, so the
 * ratio reads "this costs as much as N ordinary signatures".
 *
 * - `tss.dkg.2of3.ms`: one 2-of-3 DKG, all three parties (one run: it takes seconds).
 * - `tss.sign.2party.ms`: one signature by parties 1 and 2 of that key, both parties (median of
 *   20 after 5 warm-ups).
 * - `tss.sign.round1.ms` … `tss.sign.finish.ms`: CPU time of one party in each signing step
 *   (median over 20 signatures of the mean over both parties).
 * - `tss.refresh.2of3.ms`: one refresh (`refreshConfig`, a DKG in reshare mode), all three parties.
 * - `tss.sign.bytesPerParty`: bytes party 1 sends per signature, every message encoded with
 *   `encodeMessage`; the baseline is the 64 bytes of a plain (r, s) ECDSA signature.
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { runDkg, runSign, type Stage } from '../tests/tss/support/simulate';
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

function dkg(): Map<number, KeyShare> {
  return runDkg({ parties: PARTIES, threshold: THRESHOLD }, rngs(PARTIES));
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
  const inbound = <M extends { from: number; to?: number }>(messages: M[], to: number) =>
    messages.filter((m) => m.from !== to && (m.to === undefined || m.to === to));

  const r1 = SIGNERS.map((p) =>
    timed('round1', () => signRound1(key.get(p) as KeyShare, request, rng(p))),
  );
  const d1 = r1.flatMap((x) => x.direct);
  const r2 = SIGNERS.map((p, i) =>
    timed('round2', () => signRound2(r1[i]?.state as never, inbound(d1, p), rng(p))),
  );
  const d2 = r2.flatMap((x) => x.direct);
  const r3 = SIGNERS.map((p, i) =>
    timed('round3', () => signRound3(r2[i]?.state as never, inbound(d2, p))),
  );
  const b3 = r3.map((x) => x.broadcast);
  SIGNERS.forEach((p, i) => {
    timed('finish', () => signFinish(r3[i]?.state as never, inbound(b3, p)));
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
    let made: Map<number, KeyShare> | undefined;
    const value = await medianMs(
      async () => {
        made = dkg();
      },
      1,
      0,
    );
    dkgShares = made;
    return { value, baseline: await nobleSignMs() };
  },
};

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

export const tssSignBytes: Benchmark = {
  name: 'tss.sign.bytesPerParty',
  unit: 'B',
  baselineLabel: 'ECDSA (r, s)',
  async run() {
    const from = SIGNERS[0] as number;
    let bytes = 0;
    runSign(shares(), nextRequest(), rngs(SIGNERS), (stage: Stage, sender, _to, message) => {
      if (sender === from) bytes += encodeMessage(stage as MessageType, message as object).length;
      return message;
    });
    return { value: bytes, baseline: ECDSA_SIGNATURE_BYTES };
  },
};

/** In run order: the DKG makes the key the others use. */
export const tssBenchmarks: readonly Benchmark[] = [
  tssDkg,
  tssSign,
  ...STEPS.map(stepBenchmark),
  tssRefresh,
  tssSignBytes,
];
