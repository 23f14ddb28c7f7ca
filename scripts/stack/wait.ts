/**
 * Polls until a service answers, with a deadline, so start-up reports a service that never came
 * up instead of hanging.
 * @module
 */

export class ServiceTimeoutError extends Error {
  override name = 'ServiceTimeoutError';
  constructor(
    readonly service: string,
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`${service} did not answer at ${url} within ${timeoutMs} ms.`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `probe` every 50 ms until it resolves true; throws after `timeoutMs`. */
export async function waitFor(
  service: string,
  url: string,
  probe: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new ServiceTimeoutError(service, url, timeoutMs);
}

/** True if `url` answers an HTTP GET with a 2xx status. */
export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
  return response.ok;
}

/** Sends one JSON-RPC request and returns its `result`; throws on a JSON-RPC error. */
export async function jsonRpc(
  url: string,
  method: string,
  params: unknown[] = [],
): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(2000),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}
