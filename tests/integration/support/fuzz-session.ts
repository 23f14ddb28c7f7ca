/**
 * Class e of the server fuzz test: the device's side of a real DKG or signing session, run
 * honestly up to a chosen step, where one of the device's messages is replaced by a mutation of
 * itself and then sealed by the device exactly as the client would seal it (signed, encrypted for
 * the server). The server therefore opens it, and its `tss/` decoders and checks see hostile input
 * from an authenticated party: the answer must be a 4xx (400 malformed, 422 aborted/banned).
 * @module
 */
import { PATHS, parseStepResponse, type StepResponse, WIRE } from '../../../ckm/api';
import { MAX_PAYLOAD_BYTES, sealMessage } from '../../../ckm/channel';
import { decodeWire, encodeWire } from '../../../ckm/codec';
import type { PartyKeys } from '../../../ckm/identity';
import type { SignPayload } from '../../../ckm/payload';
import { payloadDigest } from '../../../ckm/payload';
import { signRequest } from '../../../ckm/request-auth';
import { sessionChannelId, signSessionNonce } from '../../../ckm/session/ids';
import { openTssMessages, type TssOutbound } from '../../../ckm/session/messages';
import {
  type DkgState,
  dkgFirstStep,
  dkgNextStep,
  inboundTypes,
  type SignState,
  signFirstStep,
  signNextStep,
} from '../../../ckm/session/steps';
import {
  channelEnds,
  DEVICE_PARTY,
  type WalletConfig,
  walletConfigToWire,
  walletContext,
} from '../../../ckm/wallet';
import { encodeMessage, type KeyShare, type MessageType } from '../../../tss/index';
import { decodeTree, encodeCbor, mutateBytes, mutateTree } from './fuzz-cbor';
import type { FuzzClient, FuzzOutcome } from './fuzz-http';
import type { FuzzRng } from './fuzz-rng';

const SERVER = 2;
const MAX_BODY = 4 * 1024 * 1024;

export type DeepTarget = {
  readonly client: FuzzClient;
  readonly lane: number;
  readonly keys: PartyKeys;
  readonly config: WalletConfig;
};

/** What happened: the outcome of the mutated step, or of an earlier request that failed. */
export type DeepResult = {
  readonly stage: 'enroll' | 'open' | 'honest-step' | 'mutated-step';
  readonly step: number;
  readonly name: string;
  readonly outcome: FuzzOutcome;
};

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function post(
  target: DeepTarget,
  rng: FuzzRng,
  path: string,
  type: string,
  body: unknown,
): Promise<FuzzOutcome> {
  const bytes = encodeWire(type, body);
  const headers = signRequest({
    keys: target.keys,
    walletId: target.config.walletId,
    method: 'POST',
    path,
    body: bytes,
    rng: (n) => rng.bytes(n),
  });
  // A fresh connection: the device's share computations between requests can take seconds.
  return target.client.send(
    {
      fresh: true,
      method: 'POST',
      path,
      body: bytes,
      headers: { ...headers, 'content-type': 'application/cbor' },
    },
    target.lane,
  );
}

const ok = (outcome: FuzzOutcome): outcome is Extract<FuzzOutcome, { status: number }> =>
  'status' in outcome && outcome.status === 200;

/** A mutation of one encoded tss message (tree-aware half the time, byte-level otherwise). */
function mutatePayload(rng: FuzzRng, encoded: Uint8Array): { bytes: Uint8Array; name: string } {
  const mutated = rng.chance(0.5)
    ? (({ tree, name }) => ({ bytes: encodeCbor(tree), name: `tree:${name}` }))(
        mutateTree(rng, decodeTree(encoded)),
      )
    : (({ bytes, name }) => ({ bytes, name: `bytes:${name}` }))(mutateBytes(rng, encoded));
  // The channel seals at most MAX_PAYLOAD_BYTES; a larger mutation is cut to fit.
  return { bytes: mutated.bytes.subarray(0, MAX_PAYLOAD_BYTES), name: mutated.name };
}

type Party = {
  first(): { state: unknown; outbound: TssOutbound[] };
  next(
    state: unknown,
    inbound: ReadonlyMap<MessageType, unknown[]>,
  ): { state?: unknown; outbound: TssOutbound[] };
};

/**
 * Runs the device honestly to `targetStep` (2..4) of a session the caller opens with `open`, then
 * sends that step with one of the device's messages mutated.
 */
async function runDeep(
  target: DeepTarget,
  rng: FuzzRng,
  kind: 'dkg' | 'sign',
  sessionId: string,
  targetStep: number,
  party: Party,
  opened: StepResponse,
  participants: readonly number[],
): Promise<DeepResult> {
  const { config, keys } = target;
  const ends = channelEnds(config, DEVICE_PARTY, keys, participants);
  const sid = sessionChannelId(config.walletId, sessionId);
  let device = party.first();
  let fromServer = opened.outbound;
  for (let step = 2; ; step++) {
    const toServer = device.outbound.filter(
      (m) => m.message.to === undefined || m.message.to === SERVER,
    );
    const mutate = step === targetStep ? rng.int(toServer.length) : -1;
    let name = 'honest';
    const inbound = toServer.map(({ type, message }, k) => {
      let payload = encodeMessage(type, message);
      if (k === mutate) ({ bytes: payload, name } = mutatePayload(rng, payload));
      return sealMessage(ends, sid, SERVER, type, payload, (n) => rng.bytes(n));
    });
    const path = PATHS.step(config.walletId, sessionId, step);
    const outcome = await post(target, rng, path, WIRE.input, { inbound });
    if (step === targetStep)
      return { stage: 'mutated-step', step, name: `${kind}${step}:${name}`, outcome };
    if (!ok(outcome)) return { stage: 'honest-step', step, name: kind, outcome };
    const opened = openTssMessages(ends, sid, inboundTypes(kind, step), [SERVER], fromServer);
    device = party.next(device.state, opened) as { state: unknown; outbound: TssOutbound[] };
    fromServer = parseStepResponse(decodeWire(outcome.body, WIRE.step, MAX_BODY)).outbound;
  }
}

/** Enrolls a fresh wallet id for `target.keys` and the server, opens its DKG, mutates step `targetStep`. */
export async function deepDkg(
  target: Omit<DeepTarget, 'config'> & { readonly server: WalletConfig['parties'][number] },
  rng: FuzzRng,
  targetStep: number,
): Promise<DeepResult> {
  const config: WalletConfig = {
    walletId: hex(rng.bytes(16)),
    threshold: 2,
    parties: [
      { index: DEVICE_PARTY, role: 'device', name: 'device', identity: target.keys.identity },
      target.server,
    ],
  };
  const full: DeepTarget = { ...target, config };
  const enrolled = await post(full, rng, PATHS.enroll, WIRE.enroll, {
    config: walletConfigToWire(config),
    self: SERVER,
  });
  if (!ok(enrolled)) return { stage: 'enroll', step: 0, name: 'dkg', outcome: enrolled };
  const sessionId = hex(rng.bytes(16));
  const opened = await post(full, rng, PATHS.sessions(config.walletId), WIRE.open, {
    sessionId,
    kind: 'dkg',
    version: 1,
  });
  if (!ok(opened)) return { stage: 'open', step: 1, name: 'dkg', outcome: opened };
  const all = config.parties.map((p) => p.index);
  const party: Party = {
    first: () =>
      dkgFirstStep(
        {
          parties: all,
          threshold: 2,
          self: DEVICE_PARTY,
          mode: { kind: 'fresh' },
          context: walletContext(config, 'dkg/1'),
        },
        (n) => rng.bytes(n),
      ) as { state: unknown; outbound: TssOutbound[] },
    next: (state, inbound) => dkgNextStep(state as DkgState, inbound, (n) => rng.bytes(n)),
  };
  const response = parseStepResponse(decodeWire(opened.body, WIRE.step, MAX_BODY));
  return runDeep(full, rng, 'dkg', sessionId, targetStep, party, response, all);
}

/** Opens a sign session of an existing wallet (device share `share`), mutates step `targetStep`. */
export async function deepSign(
  target: DeepTarget & { readonly share: KeyShare; readonly payload: SignPayload },
  rng: FuzzRng,
  targetStep: number,
): Promise<DeepResult> {
  const sessionId = hex(rng.bytes(16));
  const clientNonce = rng.bytes(32);
  const signers = [DEVICE_PARTY, SERVER];
  const opened = await post(target, rng, PATHS.sessions(target.config.walletId), WIRE.open, {
    sessionId,
    kind: 'sign',
    version: 1,
    signers,
    path: [],
    payload: target.payload,
    clientNonce,
  });
  if (!ok(opened)) return { stage: 'open', step: 1, name: 'sign', outcome: opened };
  const response = parseStepResponse(decodeWire(opened.body, WIRE.step, MAX_BODY));
  const request = {
    signers,
    path: [],
    digest: payloadDigest(target.payload),
    sessionNonce: signSessionNonce(clientNonce, response.serverNonce as Uint8Array),
  };
  const party: Party = {
    first: () =>
      signFirstStep(target.share, request, (n) => rng.bytes(n)) as {
        state: unknown;
        outbound: TssOutbound[];
      },
    next: (state, inbound) => signNextStep(state as SignState, inbound, (n) => rng.bytes(n)),
  };
  return runDeep(target, rng, 'sign', sessionId, targetStep, party, response, signers);
}
