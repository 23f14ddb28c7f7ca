/**
 * A loopback JSON-RPC proxy in front of a real node (anvil) that plays a poorer node: it answers
 * -32601 "Method not found" for the methods it refuses, answers what a test scripts for others
 * (garbage, silence), and forwards everything else unchanged. Tests use it to reach the fallbacks
 * a real node would not show (a chain without `eth_simulateV1`, a node that answers nonsense).
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScriptedReply } from './chain-node';

export type RpcProxyOptions = {
  /** Methods answered with -32601, as a node that lacks them does. */
  readonly refuse?: readonly string[];
  /** A scripted answer for a method, or undefined to forward it (see `ScriptedReply`). */
  readonly reply?: (method: string, params: unknown) => ScriptedReply | undefined;
};

export type RpcProxy = {
  readonly url: string;
  /** Every method asked, in order (refused, scripted and forwarded alike). */
  readonly calls: string[];
  /** Replaces the options for the requests that follow. */
  configure(options: RpcProxyOptions): void;
  close(): Promise<void>;
};

/** Starts the proxy on 127.0.0.1 on a free port, forwarding to `target` (an http URL). */
export async function startRpcProxy(
  target: string,
  options: RpcProxyOptions = {},
): Promise<RpcProxy> {
  let current = options;
  const calls: string[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    let parsed: { id?: unknown; method?: unknown; params?: unknown } = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: forwarded as it is, the node answers its own parse error.
    }
    const method = String(parsed.method);
    calls.push(method);
    const json = (body: Record<string, unknown>, status = 200) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ jsonrpc: '2.0', id: parsed.id ?? null, ...body }));
    };
    if (current.refuse?.includes(method))
      return json({ error: { code: -32601, message: `Method not found: ${method}` } });
    const scripted = current.reply?.(method, parsed.params);
    if (scripted) {
      if ('hang' in scripted) return void hanging.add(response);
      if ('raw' in scripted) {
        response.writeHead(scripted.status, {
          'content-type': scripted.contentType ?? 'text/plain',
        });
        return void response.end(scripted.raw);
      }
      return json(scripted.body, scripted.status);
    }
    try {
      const upstream = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      });
      response.writeHead(upstream.status, { 'content-type': 'application/json' });
      response.end(await upstream.text());
    } catch {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end('upstream unreachable');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    configure: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
