/**
 * One CKM server as the client sees it: its URL, the identity pinned at enrollment, and the calls
 * of the HTTP API (ckm/api.ts), each signed by the device key. A server whose identity document
 * no longer matches the pinned keys is refused (`IdentityChanged`) before anything is sent.
 * @module
 */
import {
  CBOR_CONTENT_TYPE,
  type OpenSessionRequest,
  openSessionToWire,
  PATHS,
  parseErrorBody,
  parsePolicyView,
  parseRecoveryView,
  parseStepResponse,
  parseWalletStatus,
  RecoveryPendingError,
  type RecoveryView,
  type StepResponse,
  startRecoveryToWire,
  type WalletStatus,
  WIRE,
} from '../api';
import type { SealedMessage } from '../channel';
import { decodeWire, encodeWire } from '../codec';
import { CkmError } from '../errors';
import {
  checkPinned,
  type PartyIdentity,
  type PartyKeys,
  type SignedIdentityDocument,
  verifyIdentityDocument,
} from '../identity';
import { policyToWire } from '../policy/codec';
import { PolicyRefusedError } from '../policy/index';
import type { PolicyView, WalletPolicy } from '../policy/types';
import { signRequest } from '../request-auth';
import { type WalletConfig, walletConfigToWire } from '../wallet';
import type { HttpResponse, Transport } from './transport';

export type ServerEndpoint = {
  /** Base URL, e.g. http://127.0.0.1:7101 */
  readonly url: string;
};

const MAX_BODY = 4 * 1024 * 1024;

export class ServerConnection {
  readonly url: string;
  readonly #transport: Transport;

  constructor(url: string, transport: Transport) {
    this.url = normalizeBaseUrl(url);
    this.#transport = transport;
  }

  /** The server's self-signed identity document; if `pinned` is given, its keys must match. */
  async identity(pinned?: PartyIdentity, signal?: AbortSignal): Promise<SignedIdentityDocument> {
    const response = await this.#transport.send({
      method: 'GET',
      url: this.url + PATHS.identity,
      headers: { accept: CBOR_CONTENT_TYPE },
      ...(signal ? { signal } : {}),
    });
    const body = this.#decode(response, WIRE.identity);
    const signed = verifyIdentityDocument(body);
    if (pinned) checkPinned(pinned, signed.document.identity, signed.document.name);
    return signed;
  }

  async enroll(keys: PartyKeys, config: WalletConfig, self: number, signal?: AbortSignal) {
    const body = { config: walletConfigToWire(config), self };
    const response = await this.#post(
      keys,
      config.walletId,
      PATHS.enroll,
      WIRE.enroll,
      body,
      signal,
    );
    return this.#decode(response, WIRE.enrolled);
  }

  async status(keys: PartyKeys, walletId: string, signal?: AbortSignal): Promise<WalletStatus> {
    const response = await this.#signed(
      keys,
      walletId,
      'GET',
      PATHS.wallet(walletId),
      undefined,
      signal,
    );
    return parseWalletStatus(this.#decode(response, WIRE.status));
  }

  async open(
    keys: PartyKeys,
    walletId: string,
    request: OpenSessionRequest,
    signal?: AbortSignal,
  ): Promise<StepResponse> {
    const response = await this.#post(
      keys,
      walletId,
      PATHS.sessions(walletId),
      WIRE.open,
      openSessionToWire(request),
      signal,
    );
    return parseStepResponse(this.#decode(response, WIRE.step));
  }

  async step(
    keys: PartyKeys,
    walletId: string,
    sessionId: string,
    step: number,
    inbound: readonly SealedMessage[],
    signal?: AbortSignal,
  ): Promise<StepResponse> {
    const path = PATHS.step(walletId, sessionId, step);
    const response = await this.#post(keys, walletId, path, WIRE.input, { inbound }, signal);
    const parsed = parseStepResponse(this.#decode(response, WIRE.step));
    if (parsed.step !== step)
      throw new CkmError('MalformedMessage', `the server answered step ${parsed.step} for ${step}`);
    return parsed;
  }

  async commit(keys: PartyKeys, walletId: string, version: number, signal?: AbortSignal) {
    const path = PATHS.commit(walletId, version);
    const response = await this.#post(keys, walletId, path, WIRE.commit, { version }, signal);
    return this.#decode(response, WIRE.committed);
  }

  /** The wallet's latest recovery (signed by the device or the recovery credential). */
  async recoveryStatus(
    keys: PartyKeys,
    walletId: string,
    signal?: AbortSignal,
  ): Promise<RecoveryView> {
    const path = PATHS.recovery(walletId);
    const response = await this.#signed(keys, walletId, 'GET', path, undefined, signal);
    return parseRecoveryView(this.#decode(response, WIRE.recovery));
  }

  /** Starts (or repeats the start of) a recovery to `newDevice`; signed by the credential. */
  async startRecovery(
    keys: PartyKeys,
    walletId: string,
    newDevice: PartyIdentity,
    signal?: AbortSignal,
  ): Promise<RecoveryView> {
    const body = startRecoveryToWire({ newDevice });
    const path = PATHS.recovery(walletId);
    const response = await this.#post(keys, walletId, path, WIRE.recoveryStart, body, signal);
    return parseRecoveryView(this.#decode(response, WIRE.recovery));
  }

  /** Cancels the pending recovery that started at `startedAt` (device: veto; credential: withdraw). */
  async cancelRecovery(
    keys: PartyKeys,
    walletId: string,
    startedAt: number,
    signal?: AbortSignal,
  ): Promise<RecoveryView> {
    const path = PATHS.recoveryCancel(walletId);
    const body = { startedAt };
    const response = await this.#post(keys, walletId, path, WIRE.recoveryCancel, body, signal);
    return parseRecoveryView(this.#decode(response, WIRE.recovery));
  }

  /** The policy firewall's view of this wallet on this server (docs/server-api.md §4.7). */
  async policy(keys: PartyKeys, walletId: string, signal?: AbortSignal): Promise<PolicyView> {
    const path = PATHS.policy(walletId);
    const response = await this.#signed(keys, walletId, 'GET', path, undefined, signal);
    return parsePolicyView(this.#decode(response, WIRE.policy));
  }

  /** Sets the wallet's rules: stricter parts at once, looser ones after the waiting period. */
  async setPolicy(
    keys: PartyKeys,
    walletId: string,
    policy: WalletPolicy,
    signal?: AbortSignal,
  ): Promise<PolicyView> {
    const path = PATHS.policy(walletId);
    const body = encodeWire(WIRE.policySet, { policy: policyToWire(policy) });
    const response = await this.#signed(keys, walletId, 'PUT', path, body, signal);
    return parsePolicyView(this.#decode(response, WIRE.policy));
  }

  /** Cancels the pending loosening (a tightening already applied stays). */
  async cancelPolicyChange(
    keys: PartyKeys,
    walletId: string,
    signal?: AbortSignal,
  ): Promise<PolicyView> {
    const path = PATHS.policyCancel(walletId);
    const response = await this.#post(keys, walletId, path, WIRE.policyCancel, {}, signal);
    return parsePolicyView(this.#decode(response, WIRE.policy));
  }

  /** Refuses a held payload for good. */
  async cancelHold(
    keys: PartyKeys,
    walletId: string,
    holdId: string,
    signal?: AbortSignal,
  ): Promise<PolicyView> {
    const path = PATHS.holdCancel(walletId, holdId);
    const response = await this.#post(keys, walletId, path, WIRE.holdCancel, {}, signal);
    return parsePolicyView(this.#decode(response, WIRE.policy));
  }

  // -------------------------------------------------------------------------------------------

  async #post(
    keys: PartyKeys,
    walletId: string,
    path: string,
    type: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    return this.#signed(keys, walletId, 'POST', path, encodeWire(type, body), signal);
  }

  async #signed(
    keys: PartyKeys,
    walletId: string,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body: Uint8Array | undefined,
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    const bytes = body ?? new Uint8Array(0);
    const send = () =>
      this.#transport.send({
        method,
        url: this.url + path,
        headers: {
          ...signRequest({ keys, walletId, method, path, body: bytes }),
          accept: CBOR_CONTENT_TYPE,
          ...(body ? { 'content-type': CBOR_CONTENT_TYPE } : {}),
        },
        ...(body ? { body } : {}),
        ...(signal ? { signal } : {}),
      });
    try {
      return await send();
    } catch (error) {
      // A pooled keep-alive connection the server had already closed fails before the request
      // reaches it: send once more, signed afresh (a new nonce, so the replay cache is not hit).
      if (!isStaleConnection(error)) throw error;
      return send();
    }
  }

  /** The body of a 2xx answer of `type`, or the server's error as a CkmError. */
  #decode(response: HttpResponse, type: string): unknown {
    if (response.status >= 200 && response.status < 300)
      return decodeWire(response.body, type, MAX_BODY);
    let error: ReturnType<typeof parseErrorBody> | undefined;
    try {
      error = parseErrorBody(decodeWire(response.body, WIRE.error, 65_536));
    } catch {
      // Not one of our error bodies (a proxy, a 404 page): keep a generic one.
    }
    const message = `${this.url}: ${error?.message ?? `HTTP ${response.status}`}`;
    // Any 5xx means "try another server", whatever the body says; its message is kept.
    if (response.status >= 500 || response.status === 0)
      throw new CkmError('ServerUnavailable', message);
    if (response.status === 429) throw new CkmError('RateLimited', message);
    if (error === undefined) throw new CkmError('ServerError', message);
    const code = error.code;
    if (code === 'RecoveryPending' && error.readyAt !== undefined)
      throw new RecoveryPendingError(`${this.url}: ${error.message}`, error.readyAt);
    // The firewall's refusal keeps its rule as data, for the popup (docs/ckm.md §10).
    if (code === 'PolicyRefused' && error.policy !== undefined)
      throw new PolicyRefusedError(error.policy);
    throw new CkmError(code, `${this.url}: ${error.message}`, {
      ...(error.culprit === undefined ? {} : { culprit: error.culprit }),
    });
  }
}

function normalizeBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CkmError('InvalidParameters', `"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new CkmError('InvalidParameters', `"${url}" is not an http(s) URL`);
  return parsed.origin + parsed.pathname.replace(/\/+$/, '');
}

/** A network failure that means "the reused connection was dead", not "the server is down". */
function isStaleConnection(error: unknown): boolean {
  if (!(error instanceof CkmError) || error.code !== 'ServerUnavailable') return false;
  for (let cause: unknown = error.cause, depth = 0; cause && depth < 4; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}
