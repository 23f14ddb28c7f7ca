/**
 * The session runner on the client: drives one multi-party session step by step, the device's
 * share in memory and each server's over HTTP, and relays every sealed message to its receiver.
 * The relay sees only ciphertext; a message it drops, reorders, replays or alters makes the
 * receiver fail with a typed error (ckm/channel.ts), never a wrong result.
 *
 * Steps of the servers run in parallel; the first failure cancels the others' requests.
 * @module
 */
import type { MessageType } from '../../tss/index';
import type { StepResponse } from '../api';
import type { ChannelEnds, SealedMessage } from '../channel';
import { CkmError } from '../errors';
import { openTssMessages, sealTssMessages, type TssOutbound } from '../session/messages';
import { LAST_STEP } from '../session/steps';

/** The device's own side of a session: runs locally on the previous step's messages. */
export type LocalParty = {
  readonly ends: ChannelEnds;
  /** Message types the device needs before step `step`. */
  readonly inboundTypes: (step: number) => readonly MessageType[];
  readonly first: () => TssOutbound[];
  /** Runs step `step` (2..4) on the decoded messages; returns what to send (nothing after the last step). */
  readonly next: (step: number, inbound: ReadonlyMap<MessageType, unknown[]>) => TssOutbound[];
};

/** A server's side: `first` opened the session (already done by the caller for signing). */
export type RemoteParty = {
  readonly index: number;
  readonly next: (
    step: number,
    inbound: readonly SealedMessage[],
    signal: AbortSignal,
  ) => Promise<StepResponse>;
};

export type RunOptions = {
  readonly sid: Uint8Array;
  readonly device: LocalParty;
  readonly servers: readonly RemoteParty[];
  /** The servers' answers to step 1 (their session opening). */
  readonly opened: ReadonlyMap<number, StepResponse>;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: number) => void;
};

/** Runs steps 1..4; returns each server's last answer (its result). */
export async function runSession(options: RunOptions): Promise<Map<number, StepResponse>> {
  const { sid, device, servers } = options;
  const self = device.ends.self;
  let inFlight: SealedMessage[] = [
    ...sealTssMessages(device.ends, sid, device.first()),
    ...[...options.opened.values()].flatMap((r) => r.outbound),
  ];
  options.onStep?.(1);
  let last = new Map(options.opened);
  for (let step = 2; step <= LAST_STEP; step++) {
    throwIfAborted(options.signal);
    const toDevice = inFlight.filter((m) => m.to === self);
    const controller = new AbortController();
    const signal = options.signal
      ? AbortSignal.any([options.signal, controller.signal])
      : controller.signal;
    const remote = servers.map((server) =>
      server
        .next(
          step,
          inFlight.filter((m) => m.to === server.index),
          signal,
        )
        .then((response) => [server.index, response] as const),
    );
    // Observed at once: a server may fail while we yield below, before Promise.all is attached.
    for (const request of remote) request.catch(() => undefined);
    // Let the requests leave before the device's own (synchronous) step runs, so the servers
    // compute their step while the device computes its own.
    await new Promise((resolve) => setTimeout(resolve, 0));
    let local: SealedMessage[];
    try {
      const inbound = openTssMessages(
        device.ends,
        sid,
        device.inboundTypes(step),
        [...device.ends.peers.keys()],
        toDevice,
      );
      local = sealTssMessages(device.ends, sid, device.next(step, inbound));
    } catch (error) {
      controller.abort();
      await Promise.allSettled(remote);
      throw error;
    }
    let answers: (readonly [number, StepResponse])[];
    try {
      answers = await Promise.all(remote);
    } catch (error) {
      controller.abort();
      await Promise.allSettled(remote);
      throw error;
    }
    last = new Map(answers);
    inFlight = [...local, ...answers.flatMap(([, r]) => r.outbound)];
    options.onStep?.(step);
  }
  if (inFlight.length > 0)
    throw new CkmError('MalformedMessage', 'messages were sent after the last step');
  return last;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CkmError('Cancelled', 'the session was cancelled');
}
