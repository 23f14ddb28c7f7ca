/**
 * The HTTP side of the server fuzz test: keep-alive connections from several loopback source
 * addresses (127.0.0.2, 127.0.0.3, …; Linux routes all of 127/8 to lo), so that the server's
 * per-address rate limit does not turn most of the fuzz into 429s; a bounded worker pool; and a
 * status histogram per endpoint and fuzz class. `node:http` rather than `fetch`, because it sends
 * what we ask for: any method, raw latin-1 paths, odd header values, chunked bodies.
 * @module
 */
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import type { Transport } from '../../../ckm/client/transport';

export type FuzzRequest = {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Send the body chunked (no content-length). */
  readonly chunked?: boolean;
  /** A fresh connection that is closed afterwards (for requests that leave it unusable). */
  readonly fresh?: boolean;
  /**
   * The framing is broken (a content-length that lies) or the body is above the server's limit:
   * the server answers early and closes, so the client may see EPIPE/ECONNRESET while it is still
   * sending, and the kernel may drop the answer. Such a reset is the refusal, not a failure.
   */
  readonly mayReset?: boolean;
};

/** A status code, or the network error that replaced the answer (a reset is a failure). */
export type FuzzOutcome =
  | { readonly status: number; readonly body: Uint8Array; readonly headers: IncomingHttpHeaders }
  | { readonly error: string };

export type FuzzClient = {
  send(req: FuzzRequest, lane: number): Promise<FuzzOutcome>;
  close(): void;
};

const TIMEOUT_MS = 60_000;

/** A client to `baseUrl` with `lanes` source addresses, each one keep-alive connection pool. */
export function fuzzClient(baseUrl: string, lanes: number): FuzzClient {
  const url = new URL(baseUrl);
  const address = (lane: number) => `127.0.0.${2 + (lane % 250)}`;
  const agents = Array.from(
    { length: lanes },
    // One socket per lane, and idle sockets dropped after 2 s: the server closes idle keep-alive
    // connections after 5 s, and reusing one it is closing would be a client-made reset.
    (_, i) =>
      new Agent({ keepAlive: true, maxSockets: 1, timeout: 2_000, localAddress: address(i) }),
  );
  return {
    send(req, lane) {
      const agent = agents[lane % agents.length] as Agent;
      return new Promise((resolve) => {
        const headers: Record<string, string> = { ...req.headers };
        if (req.body && !req.chunked && !('content-length' in headers))
          headers['content-length'] = String(req.body.length);
        if (req.fresh) headers.connection = 'close';
        let settled = false;
        const done = (outcome: FuzzOutcome) => {
          if (!settled) {
            settled = true;
            resolve(outcome);
          }
        };
        let outgoing: ReturnType<typeof request>;
        let answered: { statusCode?: number; headers: IncomingHttpHeaders } | undefined;
        try {
          outgoing = request(
            {
              host: url.hostname,
              port: url.port,
              method: req.method,
              path: req.path,
              headers,
              ...(req.fresh
                ? { agent: false, localAddress: address(lane % agents.length) }
                : { agent }),
              timeout: TIMEOUT_MS,
            },
            (res) => {
              answered = res;
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () =>
                done({
                  status: res.statusCode ?? 0,
                  body: new Uint8Array(Buffer.concat(chunks)),
                  headers: res.headers,
                }),
              );
              res.on('error', (error: NodeJS.ErrnoException) =>
                done({ error: `response: ${error.code ?? error.message}` }),
              );
            },
          );
        } catch (error) {
          // Node refused to send it (e.g. a character not allowed in a header): not the server's doing.
          done({ error: `client-refused: ${(error as NodeJS.ErrnoException).code ?? error}` });
          return;
        }
        outgoing.on('timeout', () => {
          outgoing.destroy(new Error('timeout'));
        });
        outgoing.on('error', (error: NodeJS.ErrnoException) =>
          // An answer that arrived before the server closed (e.g. 413 while we were still
          // sending the body) is still the answer.
          done(
            answered
              ? {
                  status: answered.statusCode ?? 0,
                  body: new Uint8Array(0),
                  headers: answered.headers,
                }
              : { error: error.code ?? error.message },
          ),
        );
        if (req.body && req.chunked) {
          // Several writes, so the body really is sent in chunks.
          const step = Math.max(1, Math.ceil(req.body.length / 4));
          for (let at = 0; at < req.body.length; at += step)
            outgoing.write(req.body.subarray(at, at + step));
          outgoing.end();
        } else outgoing.end(req.body);
      });
    },
    close() {
      for (const agent of agents) agent.destroy();
    },
  };
}

/** Runs `count` jobs, at most `concurrency` at a time; `job(i, worker)` gets its worker number. */
export async function runPool(
  count: number,
  concurrency: number,
  job: (index: number, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async (_, worker) => {
      while (next < count) {
        const index = next++;
        await job(index, worker);
      }
    }),
  );
}

/** Counts of outcomes by endpoint, and by endpoint and fuzz class. */
export class Histogram {
  readonly #counts = new Map<string, Map<string, number>>();

  record(endpoint: string, fuzzClass: string, outcome: FuzzOutcome): void {
    const key = 'status' in outcome ? String(outcome.status) : `error:${outcome.error}`;
    for (const row of [endpoint, `${endpoint} ${fuzzClass}`]) {
      let counts = this.#counts.get(row);
      if (!counts) {
        counts = new Map();
        this.#counts.set(row, counts);
      }
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }

  /** Requests recorded for `endpoint` (all classes). */
  total(endpoint: string): number {
    let sum = 0;
    for (const n of this.#counts.get(endpoint)?.values() ?? []) sum += n;
    return sum;
  }

  /** One line per row: `endpoint [class]  status×count …`, sorted. */
  render(): string {
    return [...this.#counts.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([row, counts]) => {
        const cells = [...counts.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, n]) => `${key}×${n}`)
          .join(' ');
        return `${row.padEnd(28)} ${cells}`;
      })
      .join('\n');
  }
}

/**
 * A client Transport that opens a new connection per request. `fetch` keeps connections alive, and
 * when the test process is busy for seconds (a DKG on the device side) it may reuse one the server
 * closed in the meantime (Node's 5 s keep-alive timeout): "other side closed", not the server's fault.
 */
export function freshConnectionTransport(): Transport {
  return {
    send(req) {
      return new Promise((resolve, reject) => {
        const url = new URL(req.url);
        const outgoing = request(
          {
            host: url.hostname,
            port: url.port,
            method: req.method,
            path: url.pathname + url.search,
            headers: { ...req.headers, connection: 'close' },
            agent: false,
            timeout: TIMEOUT_MS,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              const headers: Record<string, string> = {};
              for (const [key, value] of Object.entries(res.headers))
                if (typeof value === 'string') headers[key] = value;
              resolve({
                status: res.statusCode ?? 0,
                headers,
                body: new Uint8Array(Buffer.concat(chunks)),
              });
            });
          },
        );
        outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
        outgoing.on('error', reject);
        outgoing.end(req.body);
      });
    },
  };
}
