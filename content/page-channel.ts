/**
 * The page ⇄ content-script channel: `window.postMessage` between the inpage provider (MAIN world)
 * and the relay (ISOLATED world). Any page script can post on this channel, so nothing here is
 * trusted: the relay checks the shape, forwards only `{ id, method, params }`, and the background
 * takes the origin from the browser, never from these messages.
 *
 * Pure data and validation; no extension APIs, so the inpage provider can import it.
 * @module
 */

/** Tag on page → content messages. */
export const TO_CONTENT = 'ckm-wallet:to-content';
/** Tag on content → page messages. */
export const TO_PAGE = 'ckm-wallet:to-page';

/** Upper bounds that keep a hostile page from making the relay hold or forward huge strings. */
export const MAX_ID_LENGTH = 128;
export const MAX_METHOD_LENGTH = 256;

/** EIP-1193 §Provider Errors: "The Provider is disconnected from all chains." */
export const DISCONNECTED_CODE = 4900;
/** What a dApp reads when the worker went away (restart, crash) before it answered. */
export const DISCONNECTED_MESSAGE = 'CKM Wallet was disconnected before it answered. Please retry.';
/** What a dApp reads once the extension that injected this page's scripts is gone for good. */
export const EXTENSION_GONE_MESSAGE = 'CKM Wallet was updated or removed; reload the page.';

/** JSON-RPC error as it crosses the channel (EIP-1193 §ProviderRpcError). */
export type WireRpcError = { code: number; message: string; data?: unknown };

/** Page → content: one EIP-1193 request. */
export type PageRequest = {
  target: typeof TO_CONTENT;
  kind: 'request';
  id: string;
  method: string;
  params?: unknown;
};

/** Content → page: the answer to one request, an event, or a change of connection. */
export type PageResponse =
  | { target: typeof TO_PAGE; kind: 'response'; id: string; result: unknown }
  | { target: typeof TO_PAGE; kind: 'response'; id: string; error: WireRpcError }
  | { target: typeof TO_PAGE; kind: 'event'; event: string; data: unknown }
  /**
   * The relay lost the background. `permanent`: the extension was updated, reloaded or removed,
   * so this page's relay can never reach it again; otherwise the service worker stopped and the
   * next request starts it again.
   */
  | { target: typeof TO_PAGE; kind: 'disconnect'; permanent?: boolean };

/** The outcome of checking an inbound page message. */
export type ParsedPageRequest =
  | { ok: true; request: PageRequest }
  /** Addressed to us, answerable (it has a usable id) but malformed. */
  | { ok: false; id: string; reason: string }
  /** Not ours, or not answerable: drop it silently. */
  | { ok: false; id: undefined; reason: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that `data` is a request on this channel with a usable id, a method name and
 * JSON-RPC-shaped params (EIP-1474: an array or an object, or absent).
 */
export function parsePageRequest(data: unknown): ParsedPageRequest {
  if (!isPlainObject(data) || data.target !== TO_CONTENT || data.kind !== 'request')
    return { ok: false, id: undefined, reason: 'not a request on this channel' };
  const { id, method, params } = data;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH)
    return { ok: false, id: undefined, reason: '"id" expected a string of 1..128 characters' };
  if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD_LENGTH)
    return { ok: false, id, reason: '"method" expected a string of 1..256 characters' };
  if (params !== undefined && !Array.isArray(params) && !isPlainObject(params))
    return { ok: false, id, reason: '"params" expected an array or an object' };
  return { ok: true, request: { target: TO_CONTENT, kind: 'request', id, method, params } };
}

/** Checks that `data` is a message from the relay to the page. */
export function isPageResponse(data: unknown): data is PageResponse {
  if (!isPlainObject(data) || data.target !== TO_PAGE) return false;
  switch (data.kind) {
    case 'response':
      return typeof data.id === 'string' && ('result' in data || isPlainObject(data.error));
    case 'event':
      return typeof data.event === 'string';
    case 'disconnect':
      return data.permanent === undefined || typeof data.permanent === 'boolean';
    default:
      return false;
  }
}
