/**
 * The CKM server's HTTP surface (Hono), documented in docs/server-api.md. Operator routes:
 * `GET /health` (JSON), `GET /metrics` (Prometheus text), `GET /.well-known/ckm` (the signed
 * identity document). Wallet routes under `/v1` speak CBOR (ckm/api.ts) and are signed by the
 * wallet's device key: the signature, clock skew and the shared replay cache are checked here,
 * then ckm/server/service.ts does the work.
 *
 * Limits, in order: body size (before reading), requests per minute per client address, then per
 * wallet, open sessions per wallet (in the service). Every refusal is a 4xx with a CBOR error
 * body `{code, message}` (a policy firewall refusal adds `policy`, the rule as data); a 5xx means
 * a bug or an unavailable database, never bad input.
 * @module
 */
import { type Context, Hono } from 'hono';
import {
  CBOR_CONTENT_TYPE,
  isHoldId,
  isSessionId,
  PATHS,
  parseCancelRecovery,
  parseEmptyBody,
  parseEnrollRequest,
  parseOpenSession,
  parseSetPolicy,
  parseStartRecovery,
  parseStepInput,
  policyViewToWire,
  RecoveryPendingError,
  recoveryViewToWire,
  WIRE,
  walletStatusToWire,
} from '../ckm/api';
import { decodeWire, encodeWire } from '../ckm/codec';
import { CkmError, type CkmErrorCode } from '../ckm/errors';
import type { SignedIdentityDocument } from '../ckm/identity';
import { PolicyRefusedError, policyRefusalToWire } from '../ckm/policy/index';
import { readRequestWallet, verifyRequest } from '../ckm/request-auth';
import type { Actor, CkmServerService } from '../ckm/server/service';
import type { ServerStore, WalletRecord } from '../ckm/server/store';
import { isWalletId } from '../ckm/wallet';
import { RateLimiter } from './limits';
import { Metrics } from './metrics';

export type ServerInfo = {
  /** Operator-chosen name shown to users, e.g. "server-a". */
  readonly name: string;
  readonly version: string;
};

export type HealthResponse = {
  status: 'ok';
  service: 'ckm-server';
  name: string;
  version: string;
};

/** What the wallet routes need; without it the server answers only the operator routes. */
export type CkmRoutes = {
  readonly service: CkmServerService;
  readonly store: Pick<ServerStore, 'getWallet' | 'rememberNonce'>;
  readonly document: SignedIdentityDocument;
  readonly limits: {
    readonly maxBodyBytes: number;
    readonly requestsPerMinute: number;
    readonly clockSkewMs: number;
  };
  /** True once the server is stopping: no new sessions, running ones may finish. */
  readonly draining?: () => boolean;
  readonly now?: () => number;
  readonly logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
};

/** Request headers a browser may send cross-origin (the preflight's answer). */
const CORS_ALLOW_HEADERS = [
  'content-type',
  'accept',
  'ckm-wallet',
  'ckm-timestamp',
  'ckm-nonce',
  'ckm-signature',
].join(',');

const STATUS: Record<CkmErrorCode, number> = {
  MalformedMessage: 400,
  TooLarge: 413,
  UnsupportedVersion: 400,
  BadSignature: 400,
  DecryptionFailed: 400,
  WrongSession: 400,
  WrongSender: 400,
  WrongRecipient: 400,
  Replayed: 401,
  MissingMessage: 400,
  IdentityChanged: 400,
  InvalidIdentity: 400,
  Unauthorized: 401,
  ClockSkew: 401,
  RateLimited: 429,
  InvalidPayload: 400,
  BareHashRefused: 400,
  ChainIdMismatch: 400,
  PolicyRefused: 403,
  NotFound: 404,
  Conflict: 409,
  SessionExpired: 410,
  Timeout: 504,
  Cancelled: 400,
  ServerUnavailable: 503,
  ServerError: 500,
  ProtocolAborted: 422,
  InvalidParameters: 400,
  Storage: 500,
  RecoveryPending: 409,
  RecoveryNotStarted: 403,
  RecoveryCancelled: 403,
};

export function createApp(info: ServerInfo, ckm?: CkmRoutes): Hono {
  const app = new Hono();
  const metrics = new Metrics();
  // The extension calls servers from its own origin (chrome-extension://…), so every route
  // must answer CORS; credentials are never cookies, so no origin is special. The headers are
  // what hono/cors sends, set with `c.header` before any response exists, so they go into the
  // one response the handler makes (hono/cors sets them on a placeholder response that Hono then
  // copies into the handler's, which costs building two full Response objects per request).
  app.use('*', async (c, next) => {
    c.header('access-control-allow-origin', '*');
    c.header('access-control-expose-headers', 'retry-after');
    if (c.req.method !== 'OPTIONS') return next();
    c.header('access-control-allow-methods', 'GET,POST,PUT,OPTIONS');
    c.header('access-control-allow-headers', CORS_ALLOW_HEADERS);
    c.header('vary', 'Access-Control-Request-Headers');
    return c.body(null, 204);
  });
  app.use('*', async (c, next) => {
    const start = performance.now();
    await next();
    const route = c.req.routePath || 'unknown';
    metrics.increment('ckm_http_requests_total', 'HTTP requests by route and status.', {
      route,
      status: String(c.res.status),
    });
    metrics.observeMs(
      'ckm_http_request_duration_ms',
      'HTTP request latency.',
      { route },
      performance.now() - start,
    );
  });
  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      service: 'ckm-server',
      name: info.name,
      version: info.version,
    } satisfies HealthResponse),
  );
  app.get(PATHS.metrics, (c) =>
    c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
  if (ckm) mountWalletRoutes(app, ckm, metrics);
  app.notFound((c) => {
    closeIfBodyUnread(c);
    return c.json({ error: 'not_found', message: 'No such endpoint.' }, 404);
  });
  app.onError((error, c) => {
    closeIfBodyUnread(c);
    if (error instanceof CkmError) return errorResponse(c, error);
    ckm?.logger?.error({ err: { name: error.name, message: error.message } }, 'internal error');
    if (!ckm) console.error('ckm-server: internal error', error);
    return cborResponse(c, 500, WIRE.error, {
      code: 'ServerError',
      message: 'Internal server error.',
    });
  });
  return app;
}

function mountWalletRoutes(app: Hono, ckm: CkmRoutes, metrics: Metrics): void {
  const now = ckm.now ?? Date.now;
  const perAddress = new RateLimiter(ckm.limits.requestsPerMinute * 4, now);
  const perWallet = new RateLimiter(ckm.limits.requestsPerMinute, now);

  app.get(PATHS.identity, (c) => cborResponse(c, 200, WIRE.identity, ckm.document));

  /** Body (size-limited before reading), rate limits, signature, replay cache. */
  async function authenticated(
    c: Context,
    enrollment?: { walletId: string; deviceSigningKey: Uint8Array },
  ): Promise<{ walletId: string; body: Uint8Array; actor: Actor; wallet?: WalletRecord }> {
    const body = await readBody(c, ckm.limits.maxBodyBytes);
    const headers = (name: string) => c.req.header(name);
    let walletId: string;
    let key: Uint8Array;
    let recoveryKey: Uint8Array | undefined;
    let wallet: WalletRecord | undefined;
    if (enrollment) {
      walletId = enrollment.walletId;
      key = enrollment.deviceSigningKey;
      if (readRequestWallet(headers) !== walletId)
        throw new CkmError('Unauthorized', 'the request is not signed for this wallet');
    } else {
      walletId = readRequestWallet(headers);
      const pathWallet = c.req.param('walletId');
      if (pathWallet !== undefined && pathWallet !== walletId)
        throw new CkmError('Unauthorized', 'the request is not signed for this wallet');
      wallet = await ckm.store.getWallet(walletId);
      if (!wallet) throw new CkmError('Unauthorized', 'unknown wallet or device');
      key = wallet.deviceSigningKey;
      recoveryKey = ckm.service.recoveryKeyOf(wallet);
    }
    const verify = (signer: Uint8Array) =>
      verifyRequest({
        method: c.req.method,
        path: new URL(c.req.url).pathname + new URL(c.req.url).search,
        body,
        headers,
        deviceSigningKey: signer,
        now: now(),
        skewMs: ckm.limits.clockSkewMs,
      });
    // The device signs everyday requests; the wallet's recovery credential, if it has one, may
    // sign the few that move the key to a new device (the service checks which).
    let actor: Actor = 'device';
    let verified: ReturnType<typeof verifyRequest>;
    try {
      verified = verify(key);
    } catch (error) {
      if (!recoveryKey || !(error instanceof CkmError) || error.code !== 'Unauthorized')
        throw error;
      verified = verify(recoveryKey);
      actor = 'recovery';
    }
    const fresh = await ckm.store.rememberNonce(
      `request/${walletId}`,
      verified.nonce,
      verified.timestamp + ckm.limits.clockSkewMs + 60_000,
    );
    if (!fresh) throw new CkmError('Replayed', 'this request was already received');
    // Counted only once the signature holds: nobody else can spend a wallet's budget.
    if (!enrollment) limit(perWallet, walletId);
    // The service works with the wallet record read here rather than reading it again.
    return { walletId, body, actor, ...(wallet ? { wallet } : {}) };
  }

  function limit(limiter: RateLimiter, key: string): void {
    const decision = limiter.take(key);
    if (!decision.allowed)
      throw Object.assign(new CkmError('RateLimited', 'too many requests; try again later'), {
        retryAfterSeconds: decision.retryAfterSeconds,
      });
  }

  app.use('/v1/*', async (c, next) => {
    limit(perAddress, clientAddress(c));
    await next();
  });

  // Path parameters are checked once here, so handlers see only well-formed ids.
  app.use('/v1/wallets/:walletId/*', async (c, next) => {
    if (!isWalletId(c.req.param('walletId'))) throw new CkmError('NotFound', 'no such wallet');
    await next();
  });

  app.post(PATHS.enroll, async (c) => {
    const raw = await readBody(c, ckm.limits.maxBodyBytes);
    const request = parseEnrollRequest(decodeWire(raw, WIRE.enroll, ckm.limits.maxBodyBytes));
    const device = request.config.parties.find((p) => p.role === 'device');
    if (!device) throw new CkmError('MalformedMessage', '"config.parties" has no device');
    await authenticated(c, {
      walletId: request.config.walletId,
      deviceSigningKey: device.identity.signingKey,
    });
    const result = await ckm.service.enroll(request);
    return cborResponse(c, 200, WIRE.enrolled, result);
  });

  app.get('/v1/wallets/:walletId', async (c) => {
    const { walletId, actor, wallet } = await authenticated(c);
    return cborResponse(
      c,
      200,
      WIRE.status,
      walletStatusToWire(await ckm.service.status(walletId, actor, wallet)),
    );
  });

  app.post('/v1/wallets/:walletId/sessions', async (c) => {
    const { walletId, body, actor, wallet } = await authenticated(c);
    if (ckm.draining?.())
      throw new CkmError('ServerUnavailable', 'the server is stopping; use another server');
    const request = parseOpenSession(decodeWire(body, WIRE.open, ckm.limits.maxBodyBytes));
    const response = await ckm.service.open(walletId, request, actor, wallet);
    metrics.increment('ckm_sessions_opened_total', 'Sessions opened, by kind.', {
      kind: request.kind,
    });
    return cborResponse(c, 200, WIRE.step, response);
  });

  app.post('/v1/wallets/:walletId/sessions/:sessionId/steps/:step', async (c) => {
    const { walletId, body, actor, wallet } = await authenticated(c);
    const step = pathNumber(c.req.param('step'), 'step');
    const sessionId = c.req.param('sessionId');
    if (!isSessionId(sessionId)) throw new CkmError('NotFound', 'no such session');
    const inbound = parseStepInput(decodeWire(body, WIRE.input, ckm.limits.maxBodyBytes));
    const response = await ckm.service.step(walletId, sessionId, step, inbound, actor, wallet);
    if (response.result)
      metrics.increment('ckm_sessions_finished_total', 'Sessions finished, by result.', {
        result: response.result.kind,
      });
    return cborResponse(c, 200, WIRE.step, response);
  });

  app.post('/v1/wallets/:walletId/keys/:version/commit', async (c) => {
    const { walletId, body, actor, wallet } = await authenticated(c);
    const version = pathNumber(c.req.param('version'), 'key version');
    readCommit(decodeWire(body, WIRE.commit, 1024), version);
    return cborResponse(
      c,
      200,
      WIRE.committed,
      await ckm.service.commit(walletId, version, wallet, actor),
    );
  });

  // Recovery's waiting period and the old device's veto (docs/server-api.md §4.6).
  app.get('/v1/wallets/:walletId/recovery', async (c) => {
    const { walletId, actor, wallet } = await authenticated(c);
    const view = await ckm.service.recoveryStatus(walletId, actor, wallet);
    return cborResponse(c, 200, WIRE.recovery, recoveryViewToWire(view));
  });

  app.post('/v1/wallets/:walletId/recovery', async (c) => {
    const { walletId, body, actor, wallet } = await authenticated(c);
    const request = parseStartRecovery(decodeWire(body, WIRE.recoveryStart, 1024));
    const view = await ckm.service.startRecovery(walletId, request, actor, wallet);
    return cborResponse(c, 200, WIRE.recovery, recoveryViewToWire(view));
  });

  app.post('/v1/wallets/:walletId/recovery/cancel', async (c) => {
    const { walletId, body, actor, wallet } = await authenticated(c);
    const request = parseCancelRecovery(decodeWire(body, WIRE.recoveryCancel, 1024));
    const view = await ckm.service.cancelRecovery(walletId, request, actor, wallet);
    return cborResponse(c, 200, WIRE.recovery, recoveryViewToWire(view));
  });

  // The policy firewall: the owner's rules, a pending loosening, holds (docs/server-api.md §4.7).
  app.get('/v1/wallets/:walletId/policy', async (c) => {
    const { walletId, actor, wallet } = await authenticated(c);
    const view = await ckm.service.policy(walletId, actor, wallet);
    return cborResponse(c, 200, WIRE.policy, policyViewToWire(view));
  });

  app.put('/v1/wallets/:walletId/policy', async (c) => {
    const { walletId, body, actor, wallet } = await authenticated(c);
    const request = parseSetPolicy(decodeWire(body, WIRE.policySet, ckm.limits.maxBodyBytes));
    const view = await ckm.service.setPolicy(walletId, request.policy, actor, wallet);
    return cborResponse(c, 200, WIRE.policy, policyViewToWire(view));
  });

  app.post('/v1/wallets/:walletId/policy/cancel', async (c) => {
    const { walletId, body, actor, wallet } = await authenticated(c);
    parseEmptyBody(decodeWire(body, WIRE.policyCancel, 1024), 'policy.cancel');
    const view = await ckm.service.cancelPolicyChange(walletId, actor, wallet);
    return cborResponse(c, 200, WIRE.policy, policyViewToWire(view));
  });

  app.post('/v1/wallets/:walletId/holds/:holdId/cancel', async (c) => {
    const { walletId, body, actor, wallet } = await authenticated(c);
    const holdId = c.req.param('holdId');
    if (!isHoldId(holdId)) throw new CkmError('NotFound', 'no such hold');
    parseEmptyBody(decodeWire(body, WIRE.holdCancel, 1024), 'hold.cancel');
    const view = await ckm.service.cancelHold(walletId, holdId, actor, wallet);
    return cborResponse(c, 200, WIRE.policy, policyViewToWire(view));
  });
}

/** Path numbers (step, key version) in canonical decimal, 1..2^31-1: `Number()` alone would
 * also take "0x2", "1e0", " 2" or "2.0", so one request would have several spellings. */
const PATH_NUMBER = /^[1-9][0-9]{0,9}$/;

function pathNumber(text: string | undefined, what: string): number {
  const value = Number(text);
  if (text === undefined || !PATH_NUMBER.test(text) || value > 2 ** 31 - 1)
    throw new CkmError('NotFound', `no such ${what}`);
  return value;
}

/** The commit body is exactly `{version}`, naming the version in the path (ckm/client/connection.ts). */
function readCommit(body: unknown, version: number): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CkmError('MalformedMessage', '"commit" expected a map');
  const keys = Object.keys(body);
  if (
    keys.length !== 1 ||
    keys[0] !== 'version' ||
    (body as { version?: unknown }).version !== version
  )
    throw new CkmError('MalformedMessage', '"commit.version" expected the version in the path');
}

const bodies = new WeakMap<Request, Promise<Uint8Array>>();
/** Requests whose body was read to its end. */
const consumed = new WeakSet<Request>();

/**
 * An answer given before the request body was read (a refusal by size, rate, path or auth)
 * closes the connection. Otherwise the unread body is still on the wire: @hono/node-server drains
 * it for at most 500 ms and then destroys the socket, and a client that reused the keep-alive
 * connection for its next request would see that request reset (found by the fuzz test, after
 * 413 answers to 1 MiB bodies under load).
 */
function closeIfBodyUnread(c: Context): void {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return; // Node itself discards these
  if (!consumed.has(c.req.raw)) c.header('connection', 'close');
}

/** The body, read once per request (later calls get the same bytes). */
function readBody(c: Context, limit: number): Promise<Uint8Array> {
  let body = bodies.get(c.req.raw);
  if (!body) {
    body = readBodyOnce(c, limit);
    bodies.set(c.req.raw, body);
  }
  return body;
}

/** Reads the body, refusing more than `limit` bytes without buffering them. */
async function readBodyOnce(c: Context, limit: number): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && (!/^\d{1,12}$/.test(declared) || Number(declared) > limit))
    throw new CkmError('TooLarge', `the body exceeds ${limit} bytes`);
  if (declared !== undefined) {
    // The HTTP parser frames such a body by its length (Node refuses a request that also says
    // chunked), so it cannot exceed `limit`: read it whole, which @hono/node-server does straight
    // from the socket, without the web stream that `body` would build around it.
    const bytes = new Uint8Array(await c.req.raw.arrayBuffer());
    consumed.add(c.req.raw);
    if (bytes.length > limit) throw new CkmError('TooLarge', `the body exceeds ${limit} bytes`);
    return bytes;
  }
  const stream = c.req.raw.body;
  if (!stream) {
    consumed.add(c.req.raw);
    return new Uint8Array(0);
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new CkmError('TooLarge', `the body exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  consumed.add(c.req.raw);
  return out;
}

function clientAddress(c: Context): string {
  // @hono/node-server exposes the socket as env.incoming; behind a proxy, operators rate-limit there.
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

function cborResponse(c: Context, status: number, type: string, body: unknown): Response {
  return c.body(encodeWire(type, body) as Uint8Array<ArrayBuffer>, status as 200, {
    'content-type': CBOR_CONTENT_TYPE,
  });
}

function errorResponse(c: Context, error: CkmError): Response {
  const status = STATUS[error.code] ?? 500;
  const retry = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retry !== undefined) c.header('retry-after', String(retry));
  return cborResponse(c, status, WIRE.error, {
    code: error.code,
    message: error.shortMessage,
    ...(error.culprit === undefined ? {} : { culprit: error.culprit }),
    ...(error instanceof RecoveryPendingError ? { readyAt: error.readyAt } : {}),
    ...(error instanceof PolicyRefusedError ? { policy: policyRefusalToWire(error.refusal) } : {}),
  });
}
