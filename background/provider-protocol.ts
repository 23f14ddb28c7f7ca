/**
 * The content-script ⇄ background channel: one `runtime.Port` per page, named
 * {@link PROVIDER_PORT_NAME}. Types only and the name, so the relay can import it without pulling
 * in any background code. The origin of a request is never part of a message: the background
 * reads it from the port's sender, which the browser fills in.
 * @module
 */
import type { WireRpcError } from '../content/page-channel';

export const PROVIDER_PORT_NAME = 'ckm-wallet:provider';

/** Content → background: one EIP-1193 request from the page. */
export type PortRequest = { type: 'rpc'; id: string; method: string; params?: unknown };

/** Content → background every 20 s while the page is open: keeps the worker awake, no answer. */
export type PortHeartbeat = { type: 'ping' };

/** Background → content. */
export type PortMessage =
  | { type: 'rpc-result'; id: string; result: unknown }
  | { type: 'rpc-error'; id: string; error: WireRpcError }
  | { type: 'event'; event: string; data: unknown };
