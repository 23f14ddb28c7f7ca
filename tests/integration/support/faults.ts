/**
 * A client Transport that kills a server process at one chosen round of a session: just before the
 * request for that round is sent (the server never sees it), or just after the server answered
 * (it did the work and stored it, the client never gets the answer). Either way the client then
 * sees exactly what `fetch` reports for a dead server, a typed `ServerUnavailable`: for "after",
 * the request is sent a second time to the dead port instead of returning the answer.
 *
 * Rounds are recognised from the HTTP API paths (ckm/api.ts PATHS): opening a session (step 1),
 * steps 2..4, and the key commit. A fault fires once, then the transport passes everything through.
 * @module
 */
import type { HttpRequest, HttpResponse, Transport } from '../../../ckm/client/transport';

export const CRASH_POINTS = ['open', 'step2', 'step3', 'step4', 'commit'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];
export type CrashTiming = 'before' | 'after';

export type Fault = {
  /** Base URL of the server to kill (its requests are the ones watched). */
  readonly url: string;
  readonly at: CrashPoint;
  readonly timing: CrashTiming;
  readonly kill: () => Promise<void>;
};

const WALLET_PATH = /^\/v1\/wallets\/([^/]+)(\/.*)?$/;

/** The round a request belongs to, or undefined for other requests (identity, enroll, status). */
export function crashPointOf(request: Pick<HttpRequest, 'method' | 'url'>): CrashPoint | undefined {
  if (request.method !== 'POST') return undefined;
  const rest = WALLET_PATH.exec(new URL(request.url).pathname)?.[2];
  if (rest === undefined) return undefined;
  if (rest === '/sessions') return 'open';
  const step = /^\/sessions\/[^/]+\/steps\/([234])$/.exec(rest)?.[1];
  if (step !== undefined) return `step${step}` as CrashPoint;
  if (/^\/keys\/\d+\/commit$/.test(rest)) return 'commit';
  return undefined;
}

/** The wallet id in a `/v1/wallets/:walletId…` URL. */
export function walletIdOf(url: string): string | undefined {
  return WALLET_PATH.exec(new URL(url).pathname)?.[1];
}

export class FaultyTransport implements Transport {
  readonly #inner: Transport;
  #armed: Fault | undefined;
  #fired = 0;
  /** The wallet id of the most recent wallet request (to inspect a wallet whose creation failed). */
  lastWalletId: string | undefined;

  constructor(inner: Transport) {
    this.#inner = inner;
  }

  /** Kills `fault.url` once, at its round. Replaces a fault that has not fired yet. */
  arm(fault: Fault): void {
    this.#armed = fault;
  }

  /** How many faults fired since the transport was made. */
  get fired(): number {
    return this.#fired;
  }

  /** True while a fault waits for its round. */
  get armed(): boolean {
    return this.#armed !== undefined;
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    this.lastWalletId = walletIdOf(request.url) ?? this.lastWalletId;
    const fault = this.#armed;
    if (!fault || !request.url.startsWith(`${fault.url}/`) || crashPointOf(request) !== fault.at)
      return this.#inner.send(request);
    this.#armed = undefined;
    this.#fired++;
    try {
      if (fault.timing === 'after') await this.#inner.send(request);
    } finally {
      // Even if that exchange failed on its own: the row expects the server dead from here on.
      await fault.kill();
    }
    // The server is dead now: this fails the way a lost connection does, with the real error.
    return this.#inner.send(request);
  }
}

/** A transport that sends every request for `from` to one of `to`, in turn (several instances of one server). */
export class AlternatingTransport implements Transport {
  readonly #inner: Transport;
  readonly #from: string;
  readonly #to: readonly string[];
  #next = 0;
  /** Requests sent to each of `to`, by base URL. */
  readonly counts = new Map<string, number>();

  constructor(inner: Transport, from: string, to: readonly string[]) {
    this.#inner = inner;
    this.#from = from;
    this.#to = to;
  }

  send(request: HttpRequest): Promise<HttpResponse> {
    if (!request.url.startsWith(`${this.#from}/`)) return this.#inner.send(request);
    const base = this.#to[this.#next++ % this.#to.length] as string;
    this.counts.set(base, (this.counts.get(base) ?? 0) + 1);
    return this.#inner.send({ ...request, url: base + request.url.slice(this.#from.length) });
  }
}
