/**
 * One party's side of a DKG (or refresh / re-share, which are DKGs in another mode) and of a
 * signature, as numbered steps. Step k consumes the messages the other parties sent at step k−1
 * and returns this party's messages of step k; the first step needs no input, the last returns
 * the result. The same steps run in the extension (state in memory) and on a server (state in
 * its database between HTTP requests), so both sides follow one schedule (ZF FROST's rounds).
 *
 * | step | DKG                                   | signing                    |
 * |------|---------------------------------------|----------------------------|
 * | 1    | round 1 → dkg1                        | round 1 → sign1            |
 * | 2    | dkg1 → round 2 → dkg2, dkg2.direct     | sign1 → round 2 → sign2    |
 * | 3    | dkg2(.direct) → round 3 → dkg3(.direct)| sign2 → round 3 → sign3    |
 * | 4    | dkg3(.direct) → finish → key share     | sign3 → finish → signature |
 * @module
 */

import type { DkgRound1State, DkgRound2State, DkgRound3State } from '../../tss/dkg/types';
import {
  type DkgConfig,
  dkgFinish,
  dkgRound1,
  dkgRound2,
  dkgRound3,
  type KeyShare,
  type MessageType,
  type Rng,
  type SignRequest,
  signFinish,
  signRound1,
  signRound2,
  signRound3,
  type ThresholdSignature,
} from '../../tss/index';
import type { SignRound1State, SignRound2State, SignRound3State } from '../../tss/sign/types';
import { CkmError } from '../errors';
import type { TssOutbound } from './messages';

export const LAST_STEP = 4;

/** The message types a party must receive from every peer before step `step` (1-based). */
export function inboundTypes(kind: 'dkg' | 'sign', step: number): readonly MessageType[] {
  const table: Record<'dkg' | 'sign', readonly (readonly MessageType[])[]> = {
    dkg: [[], ['dkg1'], ['dkg2', 'dkg2.direct'], ['dkg3', 'dkg3.direct']],
    sign: [[], ['sign1'], ['sign2'], ['sign3']],
  };
  const types = table[kind][step - 1];
  if (types === undefined) throw new CkmError('InvalidParameters', `no step ${step}`);
  return types;
}

export type DkgState = DkgRound1State | DkgRound2State | DkgRound3State;
export type SignState = SignRound1State | SignRound2State | SignRound3State;

export type DkgStepOutput =
  | { readonly state: DkgState; readonly outbound: TssOutbound[] }
  | { readonly share: KeyShare; readonly outbound: [] };

export type SignStepOutput =
  | { readonly state: SignState; readonly outbound: TssOutbound[] }
  | { readonly signature: ThresholdSignature; readonly outbound: [] };

const get = (inbound: ReadonlyMap<MessageType, unknown[]>, type: MessageType) =>
  inbound.get(type) ?? [];

/** DKG step 1: no input. */
export function dkgFirstStep(config: DkgConfig, rng: Rng): DkgStepOutput {
  const { state, broadcast } = dkgRound1(config, rng);
  return { state, outbound: [{ type: 'dkg1', message: broadcast }] };
}

/** DKG steps 2–4, from the state the previous step left. */
export function dkgNextStep(
  state: DkgState,
  inbound: ReadonlyMap<MessageType, unknown[]>,
  rng: Rng,
): DkgStepOutput {
  switch (state.phase) {
    case 'dkg/round1': {
      const out = dkgRound2(state, get(inbound, 'dkg1'), rng);
      return {
        state: out.state,
        outbound: [
          { type: 'dkg2', message: out.broadcast },
          ...out.direct.map((message) => ({ type: 'dkg2.direct' as const, message })),
        ],
      };
    }
    case 'dkg/round2': {
      const out = dkgRound3(state, get(inbound, 'dkg2'), get(inbound, 'dkg2.direct'), rng);
      return {
        state: out.state,
        outbound: [
          { type: 'dkg3', message: out.broadcast },
          ...out.direct.map((message) => ({ type: 'dkg3.direct' as const, message })),
        ],
      };
    }
    case 'dkg/round3':
      return {
        share: dkgFinish(state, get(inbound, 'dkg3'), get(inbound, 'dkg3.direct')),
        outbound: [],
      };
  }
}

/** Signing step 1: no input. */
export function signFirstStep(share: KeyShare, request: SignRequest, rng: Rng): SignStepOutput {
  const { state, direct } = signRound1(share, request, rng);
  return { state, outbound: direct.map((message) => ({ type: 'sign1' as const, message })) };
}

/** Signing steps 2–4. */
export function signNextStep(
  state: SignState,
  inbound: ReadonlyMap<MessageType, unknown[]>,
  rng: Rng,
): SignStepOutput {
  switch (state.phase) {
    case 'sign/round1': {
      const out = signRound2(state, get(inbound, 'sign1'), rng);
      return {
        state: out.state,
        outbound: out.direct.map((message) => ({ type: 'sign2' as const, message })),
      };
    }
    case 'sign/round2': {
      const out = signRound3(state, get(inbound, 'sign2'));
      return { state: out.state, outbound: [{ type: 'sign3', message: out.broadcast }] };
    }
    case 'sign/round3':
      return { signature: signFinish(state, get(inbound, 'sign3')), outbound: [] };
  }
}
