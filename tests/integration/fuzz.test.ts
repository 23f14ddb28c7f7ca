/**
 * Fuzz every endpoint of ONE real CKM server process (the issue: "at least 10,000 malformed
 * requests per endpoint → every answer is 4xx, never 5xx or a crash, and the server still signs
 * afterwards").
 *
 * Endpoints: POST /v1/wallets, GET /v1/wallets/:id, POST /v1/wallets/:id/sessions,
 * POST …/sessions/:sid/steps/:n, POST …/keys/:v/commit; /health, /metrics and /.well-known/ckm are
 * polled throughout and must keep answering 200. Fuzz classes, for every endpoint:
 *   a  unauthenticated garbage (no or garbage auth headers, garbage bodies);
 *   b  garbage bodies correctly signed by an enrolled device, so they reach the parsers;
 *   c  structure-aware mutations of valid bodies, signed: wrong types, missing and extra fields,
 *      declared lengths of 2^32 and 2^53, nesting 10^4 deep, tags, floats, truncation, bit flips,
 *      wrong wire version and type, bodies above the size limit, chunked bodies;
 *   d  header and path mutations of valid requests: timestamps, nonces (and replays), signatures,
 *      wallet ids, methods, content-length, and path parameters (huge step numbers, non-hex ids);
 *   e  (step endpoint) a real DKG or sign session run honestly by the device up to step 2, 3 or 4,
 *      where one device message is mutated and then sealed by the device: authentic, decryptable
 *      channel messages whose tss payload is hostile (support/fuzz-session.ts). A caught cheat in
 *      signing bans the device on that wallet (422 from then on), so signing wallets are replaced.
 * Every request is rebuilt from the printed seed and its index (FUZZ_SEED=… to reproduce;
 * FUZZ_REQUESTS sets the count per endpoint, FUZZ_DEEP the class-e rounds).
 *
 * Passing means: no status ≥ 500, no reset or other network error, every request that is certainly
 * invalid got a 4xx, the operator routes kept answering, the process logged no internal error, and
 * afterwards `wallet.sign` still signs with it. The status histogram is printed per endpoint and class.
 *
 * Rate limits: by default the server allows 6,000 requests a minute per wallet and 24,000 per client
 * address; the fuzz server is started with `--requests-per-minute 1000000` so that requests reach
 * the parsers (a 429 would still be an acceptable answer). Requests also come from 16 loopback
 * source addresses and are signed for six enrolled wallets.
 *
 * Speed: the server spends ~1 ms on the Ed25519 check and ~2–3 ms in PGlite (wallet lookup, replay
 * nonce insert) per signed request, so expect ~100–250 requests/s on two cores, i.e. several minutes
 * for the default 10,000 per endpoint; FUZZ_REQUESTS=1000 for a quick run.
 */
import { recoverAddress, serializeSignature } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATHS, WIRE } from '../../ckm/api';
import type { HttpRequest, Transport } from '../../ckm/client/transport';
import { type CkmWallet, createWallet } from '../../ckm/client/wallet';
import { decodeWire, encodeWire } from '../../ckm/codec';
import { generatePartyKeys, type PartyKeys } from '../../ckm/identity';
import type { SignPayload } from '../../ckm/payload';
import { signRequest } from '../../ckm/request-auth';
import { isWalletId, walletConfigToWire } from '../../ckm/wallet';
import {
  encodeCbor,
  garbageBody,
  mutateBytes,
  mutateEnvelope,
  mutateTree,
  randomValue,
} from './support/fuzz-cbor';
import {
  type FuzzClient,
  type FuzzOutcome,
  type FuzzRequest,
  freshConnectionTransport,
  fuzzClient,
  Histogram,
  runPool,
} from './support/fuzz-http';
import { type FuzzRng, fuzzRng, fuzzSeed } from './support/fuzz-rng';
import { type DeepResult, deepDkg, deepSign } from './support/fuzz-session';
import { type ServerProcess, serverProcess } from './support/server-process';

const SEED = fuzzSeed();
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const DEEP = Number(process.env.FUZZ_DEEP ?? 60);
/** Signing wallets class e may burn (each DKG takes seconds). */
const SIGN_WALLETS = 4;
const CONCURRENCY = 16;
const LANES = 16;
const EXTRA_WALLETS = 5;
const MAX_BODY = 1024 * 1024; // server/start.ts DEFAULT_LIMITS.maxBodyBytes

const ENDPOINTS = ['enroll', 'status', 'open', 'step', 'commit'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

/** A generated request and whether it must be refused (4xx) or may succeed (a no-op mutation). */
type FuzzCase = FuzzRequest & {
  readonly fuzzClass: string;
  readonly name: string;
  readonly mustFail: boolean;
  /** Kept for class d replays once it has been answered. */
  readonly replayable?: boolean;
};

type FuzzWallet = {
  readonly walletId: string;
  readonly keys: PartyKeys;
  readonly wallet: CkmWallet;
  /** Enrollment body (decoded), for mutations. */
  readonly enroll: unknown;
};

// ---------------------------------------------------------------------------------------------
// Payloads and templates

const TRANSFER = {
  kind: 'transaction',
  chainId: 31337,
  transaction: {
    type: 'eip1559',
    chainId: 31337,
    nonce: '0x7',
    gas: '0x5208',
    maxFeePerGas: '0x3b9aca00',
    maxPriorityFeePerGas: '0x3b9aca00',
    to: '0x70997970C51812Dc3A010c7D01B50E20D17Dc79C',
    value: '0xde0b6b3a7640000',
  },
} as const;
const MESSAGE = { kind: 'message', message: '0x68656c6c6f' } as const;
// ethereum/EIPs EIPS/eip-712.md, the "Mail" example.
const MAIL = {
  kind: 'typedData',
  typedData: {
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'chainId', type: 'uint256' },
      ],
      Person: [
        { name: 'name', type: 'string' },
        { name: 'wallet', type: 'address' },
      ],
      Mail: [
        { name: 'from', type: 'Person' },
        { name: 'contents', type: 'string' },
      ],
    },
    primaryType: 'Mail',
    domain: { name: 'Ether Mail', chainId: 1 },
    message: {
      from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
      contents: 'Hello, Bob!',
    },
  },
} as const;
const PAYLOADS: readonly SignPayload[] = [TRANSFER, MESSAGE, MAIL] as SignPayload[];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A valid body for `endpoint` (decoded tree and wire type); `rng` picks the variant. */
function template(
  rng: FuzzRng,
  endpoint: Endpoint,
  wallet: FuzzWallet,
  stepInputs: readonly unknown[],
): { type: string; tree: unknown } | undefined {
  const sessionId = hex(rng.bytes(16));
  switch (endpoint) {
    case 'enroll':
      return { type: WIRE.enroll, tree: wallet.enroll };
    case 'status':
      return undefined;
    case 'open':
      switch (rng.int(8)) {
        case 0:
          return { type: WIRE.open, tree: { sessionId, kind: 'dkg', version: 1 } };
        case 1:
          return {
            type: WIRE.open,
            tree: { sessionId, kind: 'refresh', fromVersion: 1, version: 2 },
          };
        default:
          return {
            type: WIRE.open,
            tree: {
              sessionId,
              kind: 'sign',
              version: 1,
              signers: [1, 2],
              path: rng.chance(0.5) ? [] : [44, 60, 0, 0, rng.int(2 ** 31)],
              payload: rng.pick(PAYLOADS),
              clientNonce: rng.bytes(32),
            },
          };
      }
    case 'step':
      return { type: WIRE.input, tree: rng.pick(stepInputs) };
    case 'commit':
      return { type: WIRE.commit, tree: { version: 1 } };
  }
}

// ---------------------------------------------------------------------------------------------
// Case generation

type Context = {
  readonly wallets: readonly FuzzWallet[];
  /** Live (or once live) sign session ids by wallet id. */
  readonly sessions: ReadonlyMap<string, readonly string[]>;
  readonly stepInputs: readonly unknown[];
  /** Valid requests already answered, for replays. */
  readonly sent: FuzzRequest[];
};

function pathOf(rng: FuzzRng, endpoint: Endpoint, walletId: string, ctx: Context): string {
  switch (endpoint) {
    case 'enroll':
      return PATHS.enroll;
    case 'status':
      return PATHS.wallet(walletId);
    case 'open':
      return PATHS.sessions(walletId);
    case 'step': {
      const live = ctx.sessions.get(walletId) ?? [];
      const sessionId = live.length > 0 && rng.chance(0.8) ? rng.pick(live) : hex(rng.bytes(16));
      return PATHS.step(walletId, sessionId, 2 + rng.int(3));
    }
    case 'commit':
      return PATHS.commit(walletId, rng.chance(0.9) ? 1 : 2);
  }
}

function methodOf(endpoint: Endpoint): 'GET' | 'POST' {
  return endpoint === 'status' ? 'GET' : 'POST';
}

function sign(
  rng: FuzzRng,
  keys: PartyKeys,
  walletId: string,
  method: string,
  path: string,
  body: Uint8Array,
  now = Date.now(),
): Record<string, string> {
  return {
    ...signRequest({ keys, walletId, method, path, body, now, rng: (n) => rng.bytes(n) }),
    'content-type': 'application/cbor',
  };
}

/** Garbage versions of the four auth headers, or none of them. */
function garbageAuthHeaders(rng: FuzzRng): Record<string, string> {
  const headers: Record<string, string> = {};
  const value = () =>
    rng.pick([
      '',
      hex(rng.bytes(16)),
      hex(rng.bytes(64)),
      String(Date.now()),
      'x'.repeat(rng.int(10_000)),
      '%00',
      '\u00ff\u00fe',
      '-1',
    ]);
  for (const name of ['ckm-wallet', 'ckm-timestamp', 'ckm-nonce', 'ckm-signature'])
    if (rng.chance(0.6)) headers[name] = value();
  if (rng.chance(0.5)) headers['content-type'] = rng.pick(['application/cbor', 'text/plain', '']);
  return headers;
}

/** Class a: no valid authentication at all. */
function unauthenticated(rng: FuzzRng, endpoint: Endpoint, ctx: Context): FuzzCase {
  const wallet = rng.pick(ctx.wallets);
  const body = garbageBody(rng);
  const walletId = rng.chance(0.5) ? wallet.walletId : hex(rng.bytes(16));
  return {
    method: methodOf(endpoint),
    path: pathOf(rng, endpoint, walletId, ctx),
    headers: garbageAuthHeaders(rng),
    ...(endpoint === 'status' && rng.chance(0.7) ? {} : { body: body.bytes }),
    fuzzClass: 'a',
    name: body.name,
    mustFail: true,
  };
}

/** Class b: garbage bodies, correctly signed by an enrolled device. */
function signedGarbage(rng: FuzzRng, endpoint: Endpoint, ctx: Context): FuzzCase {
  const wallet = rng.pick(ctx.wallets);
  const body = garbageBody(rng);
  const method = methodOf(endpoint);
  const path = pathOf(rng, endpoint, wallet.walletId, ctx);
  return {
    method,
    path,
    headers: sign(rng, wallet.keys, wallet.walletId, method, path, body.bytes),
    body: body.bytes,
    fuzzClass: 'b',
    name: body.name,
    // A GET ignores its body; an empty commit body is still not a commit message.
    mustFail: endpoint !== 'status',
  };
}

/** Class c: structure-aware mutations of a valid body, signed. */
function mutatedBody(rng: FuzzRng, endpoint: Endpoint, ctx: Context): FuzzCase {
  const wallet = rng.pick(ctx.wallets);
  const method = methodOf(endpoint);
  const valid = template(rng, endpoint, wallet, ctx.stepInputs);
  let path = pathOf(rng, endpoint, wallet.walletId, ctx);
  if (!valid) {
    // GET: there is no body to mutate (one sent with a GET is dropped, and then the signature
    // over it fails); mutate the query string instead.
    path += `?${rng.pick(['', 'a=1', 'walletId=00', `x=${hex(rng.bytes(64))}`, '%ff%00', '&&==', '?#'])}`;
    const body = rng.chance(0.9) ? new Uint8Array(0) : encodeCbor(randomValue(rng));
    return {
      method,
      path,
      headers: sign(rng, wallet.keys, wallet.walletId, method, path, body),
      body,
      fuzzClass: 'c',
      name: 'query',
      mustFail: false,
    };
  }
  let bytes: Uint8Array;
  let name: string;
  let chunked = false;
  let mayReset = false;
  const roll = rng.int(100);
  if (roll < 65) {
    const mutated = mutateTree(rng, valid.tree);
    bytes = encodeCbor([1, valid.type, mutated.tree]);
    name = `tree:${mutated.name}`;
  } else if (roll < 75) {
    ({ bytes, name } = mutateEnvelope(rng, valid.type, valid.tree));
  } else if (roll < 96) {
    const mutated = mutateBytes(rng, encodeWire(valid.type, valid.tree));
    bytes = mutated.bytes;
    name = `bytes:${mutated.name}`;
  } else if (roll < 98) {
    // Above the limit: a valid message padded inside a byte string.
    bytes = encodeCbor([1, valid.type, { pad: new Uint8Array(MAX_BODY + rng.int(4096)) }]);
    name = 'oversized';
    mayReset = true;
  } else {
    ({ bytes, name } = mutateBytes(rng, encodeWire(valid.type, valid.tree)));
    chunked = true;
    name = `chunked:${name}`;
  }
  // The enrollment is signed for the wallet it enrolls: follow a mutated wallet id if still valid.
  let walletId = wallet.walletId;
  if (endpoint === 'enroll') {
    try {
      const config = (
        decodeWire(bytes, WIRE.enroll, MAX_BODY) as { config?: { walletId?: unknown } }
      )?.config;
      if (isWalletId(config?.walletId)) walletId = config.walletId;
    } catch {
      // Not decodable: sign for the original wallet; the server refuses the body first.
    }
  }
  return {
    method,
    path,
    headers: sign(rng, wallet.keys, walletId, method, path, bytes),
    body: bytes,
    chunked,
    mayReset,
    fuzzClass: 'c',
    name,
    mustFail: false,
  };
}

const BAD_STEPS = [
  '0',
  '1',
  '5',
  '-1',
  '2.0',
  '0x2',
  '1e0',
  '%202',
  '2%20',
  '+2',
  'NaN',
  'Infinity',
];
const BAD_NUMBERS = [
  '0',
  '-1',
  '2147483648',
  '9007199254740993',
  '99999999999999999999999999',
  '1e300',
  '1.5',
  'abc',
  '%32',
  '',
];

function badId(rng: FuzzRng, valid: string): string {
  return rng.pick([
    valid.toUpperCase(),
    valid.slice(1),
    `${valid}0`,
    `${valid.slice(0, 31)}g`,
    '..',
    '%2e%2e',
    encodeURIComponent('\u00e9'.repeat(32)),
    `%${valid.slice(0, 30)}`,
    '%E0%A4%A',
    'x'.repeat(2000),
    '0'.repeat(32),
  ]);
}

/** Class d: a valid request whose headers, path or method are mutated. */
function mutatedRequest(rng: FuzzRng, endpoint: Endpoint, ctx: Context): FuzzCase {
  const wallet = rng.pick(ctx.wallets);
  let method: string = methodOf(endpoint);
  // Opens use the DKG kind here (refused at once: the wallet has a key); a signing open would make
  // the server run its first signing round for each of these mostly-valid requests.
  const valid =
    endpoint === 'open'
      ? { type: WIRE.open, tree: { sessionId: hex(rng.bytes(16)), kind: 'dkg', version: 1 } }
      : template(rng, endpoint, wallet, ctx.stepInputs);
  const body = valid ? encodeWire(valid.type, valid.tree) : new Uint8Array(0);
  let path = pathOf(rng, endpoint, wallet.walletId, ctx);
  const base = {
    method,
    path,
    body,
    fuzzClass: 'd',
  };
  const signedFor = (p: string, m = method, now = Date.now(), keys = wallet.keys) =>
    sign(rng, keys, wallet.walletId, m, p, body, now);
  const headers = signedFor(path);
  switch (rng.int(12)) {
    case 0: {
      const skew = rng.pick([6 * 60_000, 3600_000, 365 * 86_400_000, Date.now() - 1]);
      return {
        ...base,
        headers: signedFor(path, method, Date.now() + (rng.chance(0.5) ? skew : -skew)),
        name: 'clock-skew',
        mustFail: true,
      };
    }
    case 1:
      return {
        ...base,
        headers: {
          ...headers,
          'ckm-timestamp': rng.pick([
            '',
            '-1',
            `0${headers['ckm-timestamp']}`,
            `${headers['ckm-timestamp']}.0`,
            '1e12',
            '99999999999999999',
            String(Number(headers['ckm-timestamp']) + 1),
          ]),
        },
        name: 'bad-timestamp',
        mustFail: true,
      };
    case 2:
      return {
        ...base,
        headers: {
          ...headers,
          'ckm-nonce': rng.pick(['', hex(rng.bytes(15)), hex(rng.bytes(16)).toUpperCase(), 'zz']),
        },
        name: 'bad-nonce',
        mustFail: true,
      };
    case 3: {
      const previous = ctx.sent.length > 0 ? rng.pick(ctx.sent) : undefined;
      if (!previous)
        return { ...base, headers, name: 'valid-for-replay', mustFail: false, replayable: true };
      // The same signed request again, sent after the original was answered: its nonce is taken.
      return { ...previous, fuzzClass: 'd', name: 'replay', mustFail: true };
    }
    case 4: {
      const signature = headers['ckm-signature'] as string;
      const i = rng.int(signature.length);
      const flipped = (Number.parseInt(signature[i] as string, 16) ^ (1 + rng.int(15))).toString(
        16,
      );
      return {
        ...base,
        headers: {
          ...headers,
          'ckm-signature': rng.pick([
            signature.slice(0, i) + flipped + signature.slice(i + 1),
            signature.toUpperCase(),
            signature.slice(2),
            '0'.repeat(128),
            'f'.repeat(128),
          ]),
        },
        name: 'bad-signature',
        mustFail: true,
      };
    }
    case 5:
      return {
        ...base,
        headers: signedFor(path, method, Date.now(), generatePartyKeys()),
        name: 'wrong-device-key',
        mustFail: true,
      };
    case 6: {
      const other = rng.pick(ctx.wallets.filter((w) => w !== wallet));
      const walletHeader = rng.pick([
        other.walletId,
        hex(rng.bytes(16)),
        wallet.walletId.toUpperCase(),
        '',
        wallet.walletId.slice(1),
      ]);
      return {
        ...base,
        headers: { ...headers, 'ckm-wallet': walletHeader },
        name: 'bad-wallet-header',
        mustFail: walletHeader !== wallet.walletId,
      };
    }
    case 7: {
      // A mutated path parameter, signed as sent, so the parameter check itself is reached.
      const segments = path.split('/');
      const roll = rng.int(3);
      let name = 'path-wallet';
      if (endpoint === 'step' && roll === 0) {
        segments[7] = rng.pick([...BAD_STEPS, ...BAD_NUMBERS]);
        name = 'path-step';
      } else if (endpoint === 'step' && roll === 1) {
        segments[5] = badId(rng, segments[5] as string);
        name = 'path-session';
      } else if (endpoint === 'commit' && roll !== 2) {
        segments[5] = rng.pick(BAD_NUMBERS);
        name = 'path-version';
      } else if (endpoint !== 'enroll') segments[3] = badId(rng, wallet.walletId);
      else segments.push(rng.pick(['', 'x', '..', hex(rng.bytes(16))]));
      path = segments.join('/');
      let signed: Record<string, string>;
      try {
        signed = signedFor(path);
      } catch {
        signed = headers; // not printable ASCII: cannot be signed; sent as is
      }
      // '%32' decodes to '2', so a percent-encoded step or version may still be valid.
      return { ...base, path, headers: signed, name, mustFail: !path.includes('%3') };
    }
    case 8: {
      method = rng.pick(['PUT', 'DELETE', 'PATCH', 'GET', 'POST', 'HEAD']);
      return {
        ...base,
        method,
        headers: signedFor(path, method),
        ...(method === 'GET' || method === 'HEAD' ? { body: new Uint8Array(0) } : {}),
        name: `method-${method}`,
        // A signed HEAD or GET of the status route is a valid request.
        mustFail:
          !(endpoint === 'status' && (method === 'GET' || method === 'HEAD')) &&
          method !== methodOf(endpoint),
      };
    }
    case 9:
      return {
        ...base,
        headers: {
          ...headers,
          'content-length': rng.pick(['abc', '-1', '1e3', '99999999999999', String(MAX_BODY + 1)]),
        },
        fresh: true,
        mayReset: true,
        name: 'bad-content-length',
        mustFail: true,
      };
    case 10:
      return {
        ...base,
        headers: {
          ...headers,
          'content-type': rng.pick(['text/html', 'application/json', 'x'.repeat(300), '']),
          accept: 'text/html',
          'x-forwarded-for': '10.0.0.1',
        },
        name: 'odd-content-type',
        mustFail: false,
      };
    default: {
      const { 'ckm-wallet': _w, ...rest } = headers;
      const missing = rng.pick(['ckm-wallet', 'ckm-timestamp', 'ckm-nonce', 'ckm-signature']);
      const without = { ...headers };
      delete without[missing];
      return {
        ...base,
        headers: rng.chance(0.2) ? rest : without,
        name: `missing-${missing}`,
        mustFail: true,
      };
    }
  }
}

function generate(rng: FuzzRng, endpoint: Endpoint, ctx: Context): FuzzCase {
  const roll = rng.int(100);
  if (roll < 15) return unauthenticated(rng, endpoint, ctx);
  if (roll < 35) return signedGarbage(rng, endpoint, ctx);
  if (roll < 82) return mutatedBody(rng, endpoint, ctx);
  return mutatedRequest(rng, endpoint, ctx);
}

// ---------------------------------------------------------------------------------------------

/** A transport that keeps a copy of every request (the valid step bodies become templates). */
function recording(base: Transport, into: HttpRequest[]): Transport {
  return {
    send(request) {
      into.push(request);
      return base.send(request);
    },
  };
}

function describeBody(outcome: FuzzOutcome): string {
  if (!('status' in outcome)) return '';
  // The CBOR error body, printable: its message is ASCII, the rest becomes dots.
  return Buffer.from(outcome.body.subarray(0, 200))
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
}

const RESETS = new Set(['EPIPE', 'ECONNRESET']);

function failed(outcome: FuzzOutcome, mustFail: boolean, mayReset = false): string | undefined {
  if ('error' in outcome)
    return mayReset && RESETS.has(outcome.error) ? undefined : `network error ${outcome.error}`;
  if (outcome.status >= 500) return `status ${outcome.status}`;
  if (mustFail && outcome.status < 400) return `accepted (${outcome.status})`;
  return undefined;
}

describe(`fuzz one CKM server process (FUZZ_SEED=${SEED})`, () => {
  let server: ServerProcess;
  let client: FuzzClient;
  const wallets: FuzzWallet[] = [];
  const recorded: HttpRequest[] = [];
  const histogram = new Histogram();
  const failures: string[] = [];
  const sent: FuzzRequest[] = [];
  const lastOnLane = new Map<number, string>();
  let transport: Transport;

  beforeAll(async () => {
    console.log(`fuzz seed ${SEED} (reproduce with FUZZ_SEED=${SEED})`);
    // H5's --requests-per-minute lifts the per-wallet limit (×4 per address) so that the fuzz
    // reaches the parsers instead of the rate limiter; 429s would still be acceptable answers.
    server = await serverProcess('fuzz', { args: ['--requests-per-minute', '1000000'] });
    await server.start();
    client = fuzzClient(server.url, LANES);
    transport = recording(freshConnectionTransport(), recorded);
    try {
      for (let k = 0; k <= EXTRA_WALLETS; k++) wallets.push(await newWallet());
    } catch (error) {
      console.log(`setup failed; server output:\n${server.output().slice(-4000)}`);
      throw error;
    }
    // One real signature, so the recorded requests include every sign step.
    await (wallets[0] as FuzzWallet).wallet.sign({ payload: TRANSFER });
  });

  afterAll(async () => {
    if (failures.length > 0) console.log(`server output (tail):\n${server?.output().slice(-4000)}`);
    client?.close();
    await server?.dispose();
  });

  async function newWallet(): Promise<FuzzWallet> {
    const keys = generatePartyKeys();
    const wallet = await createWallet({
      servers: [{ url: server.url }],
      threshold: 2,
      deviceKeys: keys,
      transport,
    });
    return {
      walletId: wallet.state.config.walletId,
      keys,
      wallet,
      enroll: { config: walletConfigToWire(wallet.state.config), self: 2 },
    };
  }

  /** Sends one case, records it, and notes a failure with what is needed to reproduce it. */
  async function check(endpoint: string, label: string, fuzzCase: FuzzCase, lane: number) {
    const outcome = await client.send(fuzzCase, lane);
    const previous = lastOnLane.get(lane);
    lastOnLane.set(lane, `${label} ${endpoint}/${fuzzCase.fuzzClass}/${fuzzCase.name}`);
    histogram.record(endpoint, fuzzCase.fuzzClass, outcome);
    if (fuzzCase.replayable) sent.push(fuzzCase);
    // A reset may be caused by what the connection carried before: name that request too.
    const problem =
      failed(outcome, fuzzCase.mustFail, fuzzCase.mayReset) &&
      `${failed(outcome, fuzzCase.mustFail, fuzzCase.mayReset)}${'error' in outcome ? ` (after ${previous})` : ''}`;
    if (problem && failures.length < 50)
      failures.push(
        `${label} ${endpoint}/${fuzzCase.fuzzClass}/${fuzzCase.name} ${fuzzCase.method} ${fuzzCase.path.slice(0, 120)}: ${problem}` +
          ('status' in outcome ? ` ${describeBody(outcome)}` : ''),
      );
  }

  async function operatorRoutesAnswer(lane: number): Promise<void> {
    for (const path of [PATHS.health, PATHS.metrics, PATHS.identity]) {
      const outcome = await client.send({ method: 'GET', path, headers: {} }, lane);
      histogram.record('operator', path, outcome);
      if (!('status' in outcome) || outcome.status !== 200)
        failures.push(
          `operator ${path}: ${JSON.stringify('status' in outcome ? outcome.status : outcome)}`,
        );
    }
  }

  it('refuses non-canonical path numbers and a commit body naming another version', async () => {
    const w = wallets[1] as FuzzWallet;
    const rng = fuzzRng(SEED, 0xc0);
    const send = async (path: string, body: Uint8Array) => {
      const outcome = await client.send(
        { method: 'POST', path, body, headers: sign(rng, w.keys, w.walletId, 'POST', path, body) },
        0,
      );
      return 'status' in outcome ? outcome.status : outcome.error;
    };
    const commit = (tree: unknown) => encodeCbor([1, WIRE.commit, tree]);
    for (const version of ['01', '0x1', '1e0', '1.0', '+1', '2147483648'])
      expect(
        await send(`/v1/wallets/${w.walletId}/keys/${version}/commit`, commit({ version: 1 })),
      ).toBe(404);
    const session = hex(rng.bytes(16));
    for (const step of ['02', '0x2', '2.0', '1e0'])
      expect(
        await send(
          `/v1/wallets/${w.walletId}/sessions/${session}/steps/${step}`,
          encodeWire(WIRE.input, { inbound: [] }),
        ),
      ).toBe(404);
    const path = PATHS.commit(w.walletId, 1);
    for (const body of [{ version: 2 }, { version: 1, extra: 0 }, {}, [1], 1, { version: '1' }])
      expect(await send(path, commit(body))).toBe(400);
    expect(await send(path, commit({ version: 1 }))).toBe(200);
  });

  it('closes the connection when it answers before reading the body', async () => {
    const w = wallets[1] as FuzzWallet;
    const rng = fuzzRng(SEED, 0xc1);
    const path = PATHS.sessions(w.walletId);
    const big = new Uint8Array(MAX_BODY + 1);
    const oversized = await client.send({ method: 'POST', path, headers: {}, body: big }, 1);
    expect('status' in oversized && [oversized.status, oversized.headers.connection]).toEqual([
      413,
      'close',
    ]);
    const badPath = await client.send(
      { method: 'POST', path: `${path}x`, headers: {}, body: big.subarray(0, 10) },
      1,
    );
    expect('status' in badPath && [badPath.status, badPath.headers.connection]).toEqual([
      404,
      'close',
    ]);
    // Refused after the body was read: the connection stays open for the next request.
    const garbage = new Uint8Array(10);
    const read = await client.send(
      {
        method: 'POST',
        path,
        headers: sign(rng, w.keys, w.walletId, 'POST', path, garbage),
        body: garbage,
      },
      1,
    );
    expect('status' in read && [read.status, read.headers.connection]).toEqual([400, 'keep-alive']);
  });

  it(
    `answers ${REQUESTS} malformed requests per endpoint with 4xx, never 5xx or a reset`,
    async () => {
      const stepInputs = recorded
        .filter((r) => /\/steps\/\d$/.test(new URL(r.url).pathname) && r.body)
        .map((r) => decodeWire(r.body, WIRE.input, MAX_BODY));
      expect(stepInputs.length).toBeGreaterThan(0);
      // One live sign session per wallet, so step requests have a real session to address.
      const sessions = new Map<string, string[]>();
      const setup = fuzzRng(SEED, 0xffff);
      for (const w of wallets) {
        const sessionId = hex(setup.bytes(16));
        const body = encodeWire(WIRE.open, {
          sessionId,
          kind: 'sign',
          version: 1,
          signers: [1, 2],
          path: [],
          payload: TRANSFER,
          clientNonce: setup.bytes(32),
        });
        const path = PATHS.sessions(w.walletId);
        const opened = await client.send(
          {
            method: 'POST',
            path,
            body,
            headers: sign(setup, w.keys, w.walletId, 'POST', path, body),
          },
          0,
        );
        expect('status' in opened && opened.status).toBe(200);
        sessions.set(w.walletId, [sessionId]);
      }
      const ctx: Context = { wallets, sessions, stepInputs, sent };

      const started = performance.now();
      let count = 0;
      for (const [e, endpoint] of ENDPOINTS.entries()) {
        const t0 = performance.now();
        await runPool(REQUESTS, CONCURRENCY, async (i, worker) => {
          const rng = fuzzRng(SEED, e, i);
          const fuzzCase = generate(rng, endpoint, ctx);
          await check(endpoint, `#${e}.${i}`, fuzzCase, worker);
          if (i % 1000 === 0) await operatorRoutesAnswer(worker);
        });
        count += REQUESTS;
        const seconds = (performance.now() - t0) / 1000;
        console.log(
          `${endpoint}: ${REQUESTS} requests in ${seconds.toFixed(1)} s (${(REQUESTS / seconds).toFixed(0)}/s)`,
        );
      }
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `fuzz: ${count} requests in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(0)}/s)`,
      );
      await operatorRoutesAnswer(0);

      console.log(`status histogram (seed ${SEED}):\n${histogram.render()}`);
      if (failures.length > 0) console.log(`failures:\n${failures.join('\n')}`);
      expect(failures).toEqual([]);
      for (const endpoint of ENDPOINTS)
        expect(histogram.total(endpoint)).toBeGreaterThanOrEqual(REQUESTS);
    },
    30 * 60_000,
  );

  it(
    `class e: ${DEEP} device-sealed hostile tss messages in live sessions are refused`,
    async () => {
      const server = (wallets[0] as FuzzWallet).wallet.state.config.parties[1];
      if (!server) throw new Error('the wallet has no server party');
      // Sign rounds ban the device's pair on this server when the mutation is caught as cheating
      // (a 422 for every later open): each such wallet is replaced, up to SIGN_WALLETS of them.
      let signWallet: Promise<FuzzWallet> | undefined;
      let signWallets = 0;
      const freshSignWallet = () => {
        signWallets++;
        signWallet = newWallet();
        return signWallet;
      };
      const started = performance.now();
      await runPool(DEEP, 2, async (i, lane) => {
        const rng = fuzzRng(SEED, 0xe, i);
        const targetStep = 2 + rng.int(3);
        let result: DeepResult;
        if (rng.chance(0.3) && signWallets <= SIGN_WALLETS) {
          const w = await (signWallet ?? freshSignWallet());
          result = await deepSign(
            {
              client,
              lane,
              keys: w.keys,
              config: w.wallet.state.config,
              share: w.wallet.state.share,
              payload: rng.pick(PAYLOADS),
            },
            rng,
            targetStep,
          );
          const banned =
            result.stage === 'open' && 'status' in result.outcome && result.outcome.status === 422;
          if (banned && signWallet && (await signWallet) === w) freshSignWallet();
        } else {
          result = await deepDkg(
            { client, lane, keys: generatePartyKeys(), server },
            rng,
            targetStep,
          );
        }
        const fuzzClass = result.stage === 'mutated-step' ? 'e' : `e-${result.stage}`;
        histogram.record('step', fuzzClass, result.outcome);
        const problem =
          result.stage === 'mutated-step'
            ? failed(result.outcome, false)
            : (failed(result.outcome, false) ??
              // Only a signing open may be refused: the device is banned after a caught cheat.
              (result.stage === 'open' && result.name === 'sign'
                ? undefined
                : `honest ${result.stage} refused`));
        if (problem && failures.length < 50)
          failures.push(
            `#e.${i} ${result.name} step ${result.step} (${result.stage}): ${problem} ${describeBody(result.outcome)}`,
          );
      });
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `class e: ${DEEP} sessions in ${seconds.toFixed(1)} s, ${signWallets} signing wallets\n${histogram
          .render()
          .split('\n')
          .filter((l) => l.startsWith('step e'))
          .join('\n')}`,
      );
      if (failures.length > 0) console.log(`failures:\n${failures.join('\n')}`);
      expect(failures).toEqual([]);
    },
    20 * 60_000,
  );

  it('is still alive and still signs', async () => {
    await operatorRoutesAnswer(0);
    if (failures.length > 0) console.log(`failures:\n${failures.join('\n')}`);
    expect(failures).toEqual([]);
    const { wallet } = wallets[0] as FuzzWallet;
    const result = await wallet.sign({
      payload: { ...TRANSFER, transaction: { ...TRANSFER.transaction, nonce: '0x8' } },
    });
    const address = await recoverAddress({
      hash: `0x${hex(result.digest)}`,
      signature: serializeSignature({
        r: `0x${result.signature.r.toString(16).padStart(64, '0')}`,
        s: `0x${result.signature.s.toString(16).padStart(64, '0')}`,
        yParity: result.signature.recovery & 1,
      }),
    });
    expect(address).toBe(wallet.address);
    expect(server.output()).not.toMatch(/internal error/);
  });
});
