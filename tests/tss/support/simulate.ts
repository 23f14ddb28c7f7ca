/**
 * An in-process network for tss/ tests: runs every party's rounds and routes their messages.
 * A `tamper` hook lets the malicious-party harness change any message on its way.
 */
import type { Point } from '../../../tss/curve';
import { dkgFinish } from '../../../tss/dkg/finish';
import { dkgRound1 } from '../../../tss/dkg/round1';
import { dkgRound2 } from '../../../tss/dkg/round2';
import { dkgRound3 } from '../../../tss/dkg/round3';
import type { DkgConfig, DkgMode } from '../../../tss/dkg/types';
import type { KeyShare } from '../../../tss/keyshare';
import type { Rng } from '../../../tss/rng';
import { signFinish } from '../../../tss/sign/finish';
import { signRound1 } from '../../../tss/sign/round1';
import { signRound2 } from '../../../tss/sign/round2';
import { signRound3 } from '../../../tss/sign/round3';
import type { ThresholdSignature } from '../../../tss/sign/types';
import { seededRng } from './rng';

/** Where a message is in the protocol, for tampering. */
export type Stage =
  | 'dkg1'
  | 'dkg2'
  | 'dkg2.direct'
  | 'dkg3'
  | 'dkg3.direct'
  | 'sign1'
  | 'sign2'
  | 'sign3';

/** Returns the message `to` receives from `from` (a copy may be changed), or undefined to drop it. */
export type Tamper = (stage: Stage, from: number, to: number, message: unknown) => unknown;

const keep: Tamper = (_stage, _from, _to, message) => message;

type Addressed = { from: number; to?: number };

function deliver<T extends Addressed>(
  stage: Stage,
  messages: T[],
  to: number,
  tamper: Tamper,
): unknown[] {
  const out: unknown[] = [];
  for (const message of messages) {
    if (message.from === to) continue;
    if (message.to !== undefined && message.to !== to) continue;
    const changed = tamper(stage, message.from, to, message);
    if (changed !== undefined) out.push(changed);
  }
  return out;
}

export type DkgRun = {
  parties: number[];
  threshold: number;
  mode?: (party: number) => DkgMode;
  context?: Uint8Array;
};

export function rngsFor(parties: readonly number[], seed: string): Map<number, Rng> {
  return new Map(parties.map((p) => [p, seededRng(`${seed}/${p}`)]));
}

/** Runs a DKG (or re-share) among `parties`; returns each party's key share. */
export function runDkg(
  run: DkgRun,
  rngs: Map<number, Rng>,
  tamper: Tamper = keep,
): Map<number, KeyShare> {
  const { parties, threshold } = run;
  const config = (self: number): DkgConfig => ({
    parties,
    threshold,
    self,
    mode: run.mode?.(self) ?? { kind: 'fresh' },
    context: run.context ?? new Uint8Array([1, 2, 3]),
  });
  const rng = (p: number) => rngs.get(p) as Rng;
  const r1 = new Map(parties.map((p) => [p, dkgRound1(config(p), rng(p))]));
  const b1 = [...r1.values()].map((x) => x.broadcast);
  const r2 = new Map(
    parties.map((p) => [
      p,
      dkgRound2(r1.get(p)?.state as never, deliver('dkg1', b1, p, tamper), rng(p)),
    ]),
  );
  const b2 = [...r2.values()].map((x) => x.broadcast);
  const d2 = [...r2.values()].flatMap((x) => x.direct);
  const r3 = new Map(
    parties.map((p) => [
      p,
      dkgRound3(
        r2.get(p)?.state as never,
        deliver('dkg2', b2, p, tamper),
        deliver('dkg2.direct', d2, p, tamper),
        rng(p),
      ),
    ]),
  );
  const b3 = [...r3.values()].map((x) => x.broadcast);
  const d3 = [...r3.values()].flatMap((x) => x.direct);
  return new Map(
    parties.map((p) => [
      p,
      dkgFinish(
        r3.get(p)?.state as never,
        deliver('dkg3', b3, p, tamper),
        deliver('dkg3.direct', d3, p, tamper),
      ),
    ]),
  );
}

export type SignRun = {
  signers: number[];
  digest: Uint8Array;
  path?: number[];
  sessionNonce?: Uint8Array;
};

/** Runs one signature among `signers`; returns each signer's output. */
export function runSign(
  shares: ReadonlyMap<number, KeyShare>,
  run: SignRun,
  rngs: Map<number, Rng>,
  tamper: Tamper = keep,
): Map<number, ThresholdSignature> {
  const request = {
    signers: run.signers,
    digest: run.digest,
    path: run.path ?? [],
    sessionNonce: run.sessionNonce ?? new Uint8Array(32).fill(9),
  };
  const rng = (p: number) => rngs.get(p) as Rng;
  const share = (p: number) => shares.get(p) as KeyShare;
  const r1 = new Map(run.signers.map((p) => [p, signRound1(share(p), request, rng(p))]));
  const d1 = [...r1.values()].flatMap((x) => x.direct);
  const r2 = new Map(
    run.signers.map((p) => [
      p,
      signRound2(r1.get(p)?.state as never, deliver('sign1', d1, p, tamper), rng(p)),
    ]),
  );
  const d2 = [...r2.values()].flatMap((x) => x.direct);
  const r3 = new Map(
    run.signers.map((p) => [
      p,
      signRound3(r2.get(p)?.state as never, deliver('sign2', d2, p, tamper)),
    ]),
  );
  const b3 = [...r3.values()].map((x) => x.broadcast);
  return new Map(
    run.signers.map((p) => [
      p,
      signFinish(r3.get(p)?.state as never, deliver('sign3', b3, p, tamper)),
    ]),
  );
}

/** Every k-subset of `items`. */
export function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [first, ...rest] = items as [T, ...T[]];
  return [...subsets(rest, k - 1).map((s) => [first, ...s]), ...subsets(rest, k)];
}

export type { Point };
