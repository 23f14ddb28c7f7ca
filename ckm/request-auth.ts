/**
 * Device-signed HTTP requests. At enrolment a wallet registers its device identity (the Ed25519
 * key of its {@link PartyKeys}); afterwards every request to a server carries four headers and is
 * signed over what it asks for:
 *
 *     ckm-wallet:    walletId, 32 lowercase hex characters (16 random bytes)
 *     ckm-timestamp: milliseconds since the Unix epoch, decimal, no leading zeros
 *     ckm-nonce:     32 lowercase hex characters (16 fresh random bytes)
 *     ckm-signature: 128 lowercase hex characters, Ed25519 (RFC 8032) over
 *                    LP("ckm/request/v1", METHOD, path, sha256(body), walletId, timestamp, nonce)
 *
 * LP is the length-prefixed tuple encoding of `ckm/bytes.ts`, METHOD is upper-cased and `path`
 * includes the query string. The server first reads the wallet header
 * ({@link readRequestWallet}) to look up the device key, then {@link verifyRequest} checks the
 * signature and that the timestamp is within its clock-skew window, and finally it records the
 * nonce in a {@link ReplayCache} until the window has passed, so a captured request cannot be
 * sent again (ARCHITECTURE.md: "refuses a replayed request").
 *
 * Every malformed header and every bad signature is `Unauthorized`, naming at most the header;
 * a timestamp outside the window is `ClockSkew`, reported only for an authentic request so that
 * an honest client can correct its clock.
 * @module
 */
import { cryptoRng, type Rng } from '../tss/rng';
import { fromHex, lengthPrefixed, toHex } from './bytes';
import { CkmError } from './errors';
import type { PartyKeys } from './identity';
import { primitives } from './primitives';

export const REQUEST_HEADERS = {
  wallet: 'ckm-wallet',
  timestamp: 'ckm-timestamp',
  nonce: 'ckm-nonce',
  signature: 'ckm-signature',
} as const;

export type RequestHeaders = Record<(typeof REQUEST_HEADERS)[keyof typeof REQUEST_HEADERS], string>;
export type HeaderLookup = (name: string) => string | undefined;

export type VerifiedRequest = {
  readonly walletId: string;
  readonly timestamp: number;
  readonly nonce: string;
};

const REQUEST_DOMAIN = 'ckm/request/v1';
const NONCE_BYTES = 16;
const WALLET_ID = /^[0-9a-f]{32}$/;
const NONCE = /^[0-9a-f]{32}$/;
const SIGNATURE = /^[0-9a-f]{128}$/;
const TIMESTAMP = /^(?:0|[1-9][0-9]{0,15})$/;
const METHOD = /^[A-Za-z]{1,16}$/;
/** A path with its query: printable ASCII starting with `/` (what the client signs as sent). */
const PATH = /^\/[\x21-\x7e]{0,2047}$/;

function unauthorized(header: string): never {
  throw new CkmError('Unauthorized', `"${header}" header is missing or invalid`);
}

function requestBytes(
  method: string,
  path: string,
  body: Uint8Array,
  walletId: string,
  timestamp: string,
  nonce: string,
): Uint8Array {
  return lengthPrefixed(
    REQUEST_DOMAIN,
    method.toUpperCase(),
    path,
    primitives.sha256(body),
    walletId,
    timestamp,
    nonce,
  );
}

function checkTarget(method: string, path: string, body: Uint8Array): void {
  if (typeof method !== 'string' || !METHOD.test(method))
    throw new CkmError('InvalidParameters', '"method" expected an HTTP method');
  if (typeof path !== 'string' || !PATH.test(path))
    throw new CkmError('InvalidParameters', '"path" expected an absolute path of printable ASCII');
  if (!(body instanceof Uint8Array))
    throw new CkmError('InvalidParameters', '"body" expected bytes');
}

/**
 * The four headers that authenticate one request of the device `keys` for wallet `walletId`.
 * @example fetch(url, { method: 'POST', body, headers: signRequest({ keys, walletId, method: 'POST', path, body }) })
 */
export function signRequest(args: {
  readonly keys: PartyKeys;
  readonly walletId: string;
  readonly method: string;
  readonly path: string;
  readonly body: Uint8Array;
  readonly now?: number;
  readonly rng?: Rng;
}): RequestHeaders {
  checkTarget(args.method, args.path, args.body);
  if (typeof args.walletId !== 'string' || !WALLET_ID.test(args.walletId))
    throw new CkmError('InvalidParameters', '"walletId" expected 32 lowercase hex characters');
  const now = args.now ?? Date.now();
  if (!Number.isSafeInteger(now) || now < 0)
    throw new CkmError('InvalidParameters', '"now" expected milliseconds since the epoch');
  const timestamp = String(now);
  const nonce = toHex((args.rng ?? cryptoRng)(NONCE_BYTES));
  const message = requestBytes(args.method, args.path, args.body, args.walletId, timestamp, nonce);
  return {
    [REQUEST_HEADERS.wallet]: args.walletId,
    [REQUEST_HEADERS.timestamp]: timestamp,
    [REQUEST_HEADERS.nonce]: nonce,
    [REQUEST_HEADERS.signature]: toHex(primitives.ed25519Sign(message, args.keys.signingSecret)),
  };
}

function readHeader(headers: HeaderLookup, name: string, pattern: RegExp): string {
  const value = headers(name);
  if (typeof value !== 'string' || !pattern.test(value)) unauthorized(name);
  return value;
}

/** The wallet header, strictly parsed, so the server can look up the device key first. */
export function readRequestWallet(headers: HeaderLookup): string {
  return readHeader(headers, REQUEST_HEADERS.wallet, WALLET_ID);
}

/**
 * Parses the headers, verifies the signature with `deviceSigningKey` (`Unauthorized`) and checks
 * |now − timestamp| ≤ skewMs (`ClockSkew`). It does not touch the replay cache: the caller
 * remembers `nonce` afterwards.
 */
export function verifyRequest(args: {
  readonly method: string;
  readonly path: string;
  readonly body: Uint8Array;
  readonly headers: HeaderLookup;
  readonly deviceSigningKey: Uint8Array;
  readonly now: number;
  readonly skewMs: number;
}): VerifiedRequest {
  // A request line the server cannot even describe is not authentic either.
  if (
    typeof args.method !== 'string' ||
    !METHOD.test(args.method) ||
    typeof args.path !== 'string' ||
    !PATH.test(args.path) ||
    !(args.body instanceof Uint8Array)
  )
    throw new CkmError('Unauthorized', 'request line cannot be authenticated');
  const walletId = readRequestWallet(args.headers);
  const timestampText = readHeader(args.headers, REQUEST_HEADERS.timestamp, TIMESTAMP);
  const timestamp = Number(timestampText);
  if (!Number.isSafeInteger(timestamp)) unauthorized(REQUEST_HEADERS.timestamp);
  const nonce = readHeader(args.headers, REQUEST_HEADERS.nonce, NONCE);
  const signatureHex = readHeader(args.headers, REQUEST_HEADERS.signature, SIGNATURE);
  const signature = fromHex(signatureHex) as Uint8Array; // the pattern guarantees valid hex

  const message = requestBytes(args.method, args.path, args.body, walletId, timestampText, nonce);
  const authentic = primitives.ed25519Verify(signature, message, args.deviceSigningKey);
  if (!authentic) throw new CkmError('Unauthorized', 'request signature is invalid');
  if (!(Math.abs(args.now - timestamp) <= args.skewMs))
    throw new CkmError('ClockSkew', 'request timestamp is outside the accepted window');
  return { walletId, timestamp, nonce };
}

// ---------------------------------------------------------------------------------------------
// Replay cache

export interface ReplayCache {
  /** true if (walletId, nonce) is new and now remembered until expiresAt; false if seen. */
  remember(walletId: string, nonce: string, expiresAt: number): Promise<boolean>;
}

/**
 * An in-memory {@link ReplayCache} for one server process. It is bounded: expired entries are
 * dropped as new ones arrive, and when `maxEntries` unexpired entries are held it fails closed
 * (`RateLimited`) rather than forget a nonce that could then be replayed.
 */
export class MemoryReplayCache implements ReplayCache {
  readonly #entries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { readonly maxEntries?: number; readonly now?: () => number } = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new CkmError('InvalidParameters', '"maxEntries" expected a positive integer');
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  async remember(walletId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const now = this.#now();
    // Length-prefix the wallet id so no two (walletId, nonce) pairs share a key.
    const key = `${walletId.length}:${walletId}${nonce}`;
    const seenUntil = this.#entries.get(key);
    if (seenUntil !== undefined && seenUntil > now) return false;
    this.#evictExpired(now);
    if (this.#entries.size >= this.#maxEntries)
      throw new CkmError('RateLimited', 'replay cache is full');
    this.#entries.delete(key); // re-insert at the end: entries stay roughly in expiry order
    this.#entries.set(key, expiresAt);
    return true;
  }

  /**
   * Drops expired entries from the front (cheap, as entries arrive roughly in expiry order) and,
   * when the cache is full, sweeps all of them.
   */
  #evictExpired(now: number): void {
    for (const [key, expiresAt] of this.#entries) {
      if (expiresAt > now) break;
      this.#entries.delete(key);
    }
    if (this.#entries.size < this.#maxEntries) return;
    for (const [key, expiresAt] of this.#entries) if (expiresAt <= now) this.#entries.delete(key);
  }
}
