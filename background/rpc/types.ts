/**
 * The shape of the RPC method table: each method carries its handler next to its policy, so the
 * router is one short pipeline (see STYLE.md §4).
 * @module
 */
import type { NetworksService } from '../services/networks';

/** What the router knows about the caller; `origin` always comes from the browser. */
export type RequestContext = { readonly origin: string };

/** The services a handler may use. */
export type Services = { readonly networks: NetworksService };

export type RpcRequest = { readonly method: string; readonly params?: unknown };

export type MethodHandler = (
  request: RpcRequest,
  context: RequestContext,
  services: Services,
) => unknown | Promise<unknown>;

export type MethodSpec = {
  /** `public`: answered for any origin, connected or not, locked or not. */
  readonly policy: 'public';
  readonly handle: MethodHandler;
};

export type MethodTable = Readonly<Record<string, MethodSpec>>;
