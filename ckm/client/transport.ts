/**
 * How the client reaches a server: one HTTP exchange at a time, behind an interface so tests can
 * route requests into an in-process server and the extension can use `fetch`. Network failures
 * and timeouts become `ServerUnavailable` / `Timeout`, never an untyped rejection.
 * @module
 */
import { CkmError } from '../errors';

export type HttpRequest = {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly signal?: AbortSignal;
};

export type HttpResponse = {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
};

export interface Transport {
  send(request: HttpRequest): Promise<HttpResponse>;
}

/** The most a server's answer may be: the largest step response is a few hundred KB. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** `fetch` with a per-request timeout, combined with the caller's cancellation signal. */
export function fetchTransport(options: { timeoutMs?: number } = {}): Transport {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async send(request) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers: request.headers,
          ...(request.body ? { body: request.body as Uint8Array<ArrayBuffer> } : {}),
          signal,
        });
      } catch (error) {
        throw networkError(error, request, timeout);
      }
      let body: Uint8Array;
      try {
        const declared = Number(response.headers.get('content-length') ?? '0');
        if (declared > MAX_RESPONSE_BYTES)
          throw new CkmError('TooLarge', `the answer from ${origin(request.url)} is too large`);
        body = new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        if (error instanceof CkmError) throw error;
        throw networkError(error, request, timeout);
      }
      if (body.length > MAX_RESPONSE_BYTES)
        throw new CkmError('TooLarge', `the answer from ${origin(request.url)} is too large`);
      const headers: Record<string, string> = {};
      response.headers.forEach((value, key) => {
        headers[key] = value;
      });
      return { status: response.status, headers, body };
    },
  };
}

function networkError(error: unknown, request: HttpRequest, timeout: AbortSignal): CkmError {
  if (request.signal?.aborted)
    return new CkmError('Cancelled', 'the request was cancelled', { cause: error });
  if (timeout.aborted)
    return new CkmError('Timeout', `${origin(request.url)} did not answer in time`, {
      cause: error,
    });
  return new CkmError('ServerUnavailable', `${origin(request.url)} is unreachable`, {
    cause: error,
  });
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the server';
  }
}
