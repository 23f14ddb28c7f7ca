/**
 * Real nodes for the networks, forwarding and subscriptions tests: an anvil on a free loopback
 * port with a chosen chain id, and a tiny JSON-RPC HTTP server on 127.0.0.1 whose answers a test
 * scripts (node errors, HTTP failures, silence, another chain id).
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { Network } from '../../../background/services/networks';
import type { ProviderEvent } from '../../../background/services/provider-events';
import { anvilBinaryPath } from '../../../scripts/stack/anvil';

export type Anvil = {
  readonly url: string;
  readonly chainId: number;
  /** One JSON-RPC call straight to anvil (the test's own hand, not the wallet's). */
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
};

/** anvil's first unlocked dev account (the standard test mnemonic). */
export const DEV_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

async function jsonRpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Starts anvil on 127.0.0.1, on a port the system picks (`--port 0`; read from its banner). */
export async function startAnvil(chainId: number): Promise<Anvil> {
  const child: ChildProcess = spawn(
    anvilBinaryPath(),
    ['--host', '127.0.0.1', '--port', '0', '--chain-id', String(chainId)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('anvil did not start within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`anvil exited with ${code} before listening`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const match = /Listening on (127\.0\.0\.1:\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(`http://${match[1]}`);
      }
    });
  });
  return {
    url,
    chainId,
    rpc: (method, params) => jsonRpc(url, method, params),
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Creation code of a contract whose every call emits LOG1(topic) with empty data:
 * init `PUSH1 0x27 PUSH1 0x0c PUSH1 0 CODECOPY PUSH1 0x27 PUSH1 0 RETURN`, then the runtime
 * `PUSH32 topic PUSH1 0 PUSH1 0 LOG1 STOP` (39 bytes).
 */
export function emitterCreationCode(topic: `0x${string}`): `0x${string}` {
  return `0x6027600c60003960276000f37f${topic.slice(2)}60006000a100`;
}

/**
 * Sends a transaction from the dev account and waits for its receipt: anvil answers
 * `eth_sendTransaction` before its automine has sealed the block.
 */
export async function sendAndMine(
  anvil: Anvil,
  tx: Record<string, unknown>,
): Promise<{ contractAddress: `0x${string}` | null; blockNumber: `0x${string}` }> {
  const hash = await anvil.rpc('eth_sendTransaction', [{ from: DEV_ACCOUNT, ...tx }]);
  for (let i = 0; i < 400; i++) {
    const receipt = await anvil.rpc('eth_getTransactionReceipt', [hash]);
    if (receipt) return receipt as { contractAddress: `0x${string}`; blockNumber: `0x${string}` };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`transaction ${String(hash)} was not mined`);
}

/** Deploys the emitter from the dev account; returns its address. */
export async function deployEmitter(anvil: Anvil, topic: `0x${string}`): Promise<`0x${string}`> {
  const { contractAddress } = await sendAndMine(anvil, { data: emitterCreationCode(topic) });
  if (!contractAddress) throw new Error('the emitter was not deployed');
  return contractAddress;
}

/** Calls the emitter once and waits until its block (one log) is mined. */
export async function emit(anvil: Anvil, address: `0x${string}`): Promise<void> {
  await sendAndMine(anvil, { to: address });
}

/** A built-in-like network pointing at a test node. */
export function networkAt(chainId: number, rpcUrl: string, name = `Test ${chainId}`): Network {
  return {
    chainId,
    name,
    rpcUrl,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    builtIn: true,
  };
}

export type ScriptedReply =
  /** A JSON-RPC body (the `id` is copied from the request). */
  | { readonly body: Record<string, unknown>; readonly status?: number }
  /** Raw text with a status and content type. */
  | { readonly raw: string; readonly status: number; readonly contentType?: string }
  /** Never answer (the connection stays open until the server closes). */
  | { readonly hang: true };

export type ScriptedServer = {
  readonly url: string;
  /** Every method the server was asked, in order. */
  readonly calls: string[];
  setReply(reply: (method: string, params: unknown) => ScriptedReply): void;
  close(): Promise<void>;
};

/** A JSON-RPC server on 127.0.0.1 answering whatever the test scripts. */
export async function startScriptedServer(
  reply: (method: string, params: unknown) => ScriptedReply,
): Promise<ScriptedServer> {
  let script = reply;
  const calls: string[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    for await (const chunk of request) text += chunk;
    let parsed: { id?: unknown; method?: string; params?: unknown } = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // Answer whatever the script says anyway.
    }
    calls.push(String(parsed.method));
    const answer = script(String(parsed.method), parsed.params);
    if ('hang' in answer) {
      hanging.add(response);
      return;
    }
    if ('raw' in answer) {
      response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain' });
      response.end(answer.raw);
      return;
    }
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ jsonrpc: '2.0', id: parsed.id ?? null, ...answer.body }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    setReply: (next) => {
      script = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just released). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export type RecordedEvent = {
  readonly to: { origin: string } | { portId: string };
  readonly event: ProviderEvent;
  readonly data: unknown;
};

/** A provider-events double that records what would reach pages. */
export function recordingEvents(openOrigins: readonly string[] = []) {
  const log: RecordedEvent[] = [];
  const closed = new Set<(portId: string) => void>();
  return {
    log,
    origins: () => openOrigins,
    emitToOrigin: (origin: string, event: ProviderEvent, data: unknown) =>
      void log.push({ to: { origin }, event, data }),
    emitToPort: (portId: string, event: ProviderEvent, data: unknown) =>
      void log.push({ to: { portId }, event, data }),
    register: () => 'unused',
    onPortClosed: (listener: (portId: string) => void) => void closed.add(listener),
    /** What the browser does when a page goes away. */
    closePort: (portId: string) => {
      for (const listener of closed) listener(portId);
    },
  };
}
