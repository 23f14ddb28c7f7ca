/**
 * The CKM server's HTTP API as both sides see it: paths, the wire type of every body, and strict
 * parsers for what each side receives. Bodies are `ckm/codec.ts` wire messages
 * (`application/cbor`); `/health` and `/metrics` are for operators and speak JSON / Prometheus
 * text. Every `/v1` request is signed by the wallet's device key (`ckm/request-auth.ts`); the
 * enrollment request is signed by the key it enrolls. docs/server-api.md documents the same.
 * @module
 */
import { decodePoint, type Point, type ResharePublic } from '../tss/index';
import { parseSealedMessage, type SealedMessage } from './channel';
import { CkmError, type CkmErrorCode } from './errors';
import { type PartyIdentity, parsePartyIdentity } from './identity';
import { parsePolicy, parsePolicyRefusal, policyToWire } from './policy/codec';
import type {
  AssetAmount,
  HoldView,
  PolicyRefusal,
  PolicyView,
  WalletPolicy,
} from './policy/types';
import { parseSealedList } from './session/messages';
import { isWalletId, parseWalletConfig, type WalletConfig, walletConfigToWire } from './wallet';

export const CBOR_CONTENT_TYPE = 'application/cbor';

/** The most sealed messages one step can carry: every message type from 15 peers, twice over. */
export const MAX_STEP_MESSAGES = 64;

export const PATHS = {
  identity: '/.well-known/ckm',
  health: '/health',
  metrics: '/metrics',
  enroll: '/v1/wallets',
  wallet: (walletId: string) => `/v1/wallets/${walletId}`,
  sessions: (walletId: string) => `/v1/wallets/${walletId}/sessions`,
  step: (walletId: string, sessionId: string, step: number) =>
    `/v1/wallets/${walletId}/sessions/${sessionId}/steps/${step}`,
  commit: (walletId: string, version: number) => `/v1/wallets/${walletId}/keys/${version}/commit`,
  /** GET: the latest recovery; POST: start one (the recovery credential). */
  recovery: (walletId: string) => `/v1/wallets/${walletId}/recovery`,
  recoveryCancel: (walletId: string) => `/v1/wallets/${walletId}/recovery/cancel`,
  /** GET: the policy firewall's view; PUT: set the rules (docs/ckm.md §10). */
  policy: (walletId: string) => `/v1/wallets/${walletId}/policy`,
  /** POST: cancel the pending loosening. */
  policyCancel: (walletId: string) => `/v1/wallets/${walletId}/policy/cancel`,
  /** POST: refuse a held payload for good. */
  holdCancel: (walletId: string, holdId: string) =>
    `/v1/wallets/${walletId}/holds/${holdId}/cancel`,
} as const;

/** Wire types of the bodies (the `type` of `encodeWire`). */
export const WIRE = {
  identity: 'ckm.identity',
  enroll: 'ckm.enroll',
  enrolled: 'ckm.enrolled',
  open: 'ckm.session.open',
  input: 'ckm.session.input',
  step: 'ckm.session.step',
  commit: 'ckm.key.commit',
  committed: 'ckm.key.committed',
  status: 'ckm.wallet.status',
  recoveryStart: 'ckm.recovery.start',
  recoveryCancel: 'ckm.recovery.cancel',
  recovery: 'ckm.recovery.status',
  policySet: 'ckm.policy.set',
  policyCancel: 'ckm.policy.cancel',
  holdCancel: 'ckm.policy.hold.cancel',
  policy: 'ckm.policy.view',
  error: 'ckm.error',
} as const;

export const SESSION_KINDS = ['dkg', 'refresh', 'reshare', 'sign', 'import'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

export type EnrollRequest = { readonly config: WalletConfig; readonly self: number };

export type OpenSessionRequest =
  | { readonly sessionId: string; readonly kind: 'dkg'; readonly version: number }
  | {
      readonly sessionId: string;
      readonly kind: 'refresh';
      readonly fromVersion: number;
      readonly version: number;
    }
  | {
      readonly sessionId: string;
      readonly kind: 'reshare';
      /** The survivor's active version (a newcomer has none; it sends the same number). */
      readonly fromVersion: number;
      readonly version: number;
      /** The wallet's configuration after the re-share. */
      readonly config: WalletConfig;
      /** Old parties that bring their shares (indices unchanged). */
      readonly survivors: readonly number[];
      /** The key's public facts, for newcomers (checked by the DKG against the survivors' shares). */
      readonly key: ResharePublic;
    }
  | {
      /**
       * LEGACY import of a key that existed whole (docs/ckm.md §9): the device dealt a Shamir
       * split; this server checks its share, then all parties re-share (tss dealerImportConfig).
       */
      readonly sessionId: string;
      readonly kind: 'import';
      readonly version: number;
      /** The imported public key (the address the user expects); must equal `commitments[0]`. */
      readonly publicKey: Point;
      /** The dealer's Feldman commitments F_0..F_{t−1}, F_k = a_k·G. */
      readonly commitments: readonly Point[];
      /** The imported key's chain code (carried into the key share). */
      readonly chainCode: Uint8Array;
      /** This server's share f(i), sealed by the device to this server in this session (`import.share`). */
      readonly share: SealedMessage;
    }
  | {
      readonly sessionId: string;
      readonly kind: 'sign';
      readonly version: number;
      readonly signers: readonly number[];
      readonly path: readonly number[];
      readonly payload: unknown;
      readonly clientNonce: Uint8Array;
    };

export type StepResult =
  | { readonly kind: 'key'; readonly version: number; readonly publicKey: Uint8Array }
  | {
      readonly kind: 'signature';
      readonly r: Uint8Array;
      readonly s: Uint8Array;
      readonly recovery: number;
    };

export type StepResponse = {
  readonly step: number;
  readonly outbound: readonly SealedMessage[];
  /** Sign sessions, step 1: the server's nonce and the digest it computed from the payload. */
  readonly serverNonce?: Uint8Array;
  readonly digest?: Uint8Array;
  readonly result?: StepResult;
};

export type WalletStatus = {
  readonly walletId: string;
  readonly party: number;
  readonly keys: readonly { readonly version: number; readonly status: 'pending' | 'active' }[];
  /** The configuration this server holds (public). */
  readonly config?: WalletConfig;
  /** The active key's public facts (public key, public shares, chain code). */
  readonly key?: ResharePublic;
};

/** The wire form of a status answer. */
export function walletStatusToWire(status: WalletStatus): object {
  return {
    walletId: status.walletId,
    party: status.party,
    keys: status.keys,
    ...(status.config ? { config: walletConfigToWire(status.config) } : {}),
    ...(status.key ? { key: resharePublicToWire(status.key) } : {}),
  };
}

export type ErrorBody = {
  readonly code: CkmErrorCode;
  readonly message: string;
  readonly culprit?: number;
  /** `RecoveryPending`: when the waiting period ends (milliseconds since the epoch). */
  readonly readyAt?: number;
  /** `PolicyRefused` by the policy firewall: which rule, as data (docs/ckm.md §10). */
  readonly policy?: PolicyRefusal;
};

// ---------------------------------------------------------------------------------------------
// The policy firewall (docs/ckm.md §10, docs/server-api.md §4.7).

/** Hold ids are the hex SHA-256 of a payload's intent: 64 lowercase hex characters. */
const HOLD_ID = /^[0-9a-f]{64}$/;

export function isHoldId(value: unknown): value is string {
  return typeof value === 'string' && HOLD_ID.test(value);
}

/** `PUT /policy`: the rules the owner wants; stricter parts apply now, looser ones later. */
export type SetPolicyRequest = { readonly policy: WalletPolicy };

/** @throws CkmError `InvalidParameters` naming the field (e.g. `"policy.dailyLimits[0].amount"`). */
export function parseSetPolicy(value: unknown): SetPolicyRequest {
  const body = record(value, 'policy.set', ['policy']);
  if (body.policy === undefined)
    throw new CkmError('MalformedMessage', '"policy.set.policy" is missing');
  return { policy: parsePolicy(body.policy, 'policy') };
}

/** The bodies of `POST /policy/cancel` and `POST /holds/:holdId/cancel` are empty maps. */
export function parseEmptyBody(value: unknown, field: string): void {
  record(value, field, []);
}

const MAX_HOLDS = 1000;
const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function policyViewToWire(view: PolicyView): object {
  return {
    effective: policyToWire(view.effective),
    ...(view.pending
      ? { pending: { policy: policyToWire(view.pending.policy), readyAt: view.pending.readyAt } }
      : {}),
    spent: view.spent.map((s) => ({ chainId: s.chainId, asset: s.asset, amount: s.amount })),
    holds: view.holds.map((h) => ({
      holdId: h.holdId,
      createdAt: h.createdAt,
      readyAt: h.readyAt,
      status: h.status,
      summary: h.summary,
    })),
  };
}

/** A server's policy view, checked field by field (the rules with the codec's own checks). */
export function parsePolicyView(value: unknown): PolicyView {
  const body = record(value, 'policy', ['effective', 'pending', 'spent', 'holds']);
  let pending: PolicyView['pending'];
  if (body.pending !== undefined) {
    const p = record(body.pending, 'policy.pending', ['policy', 'readyAt']);
    pending = {
      policy: parsePolicy(p.policy, 'policy.pending.policy'),
      readyAt: integer(p.readyAt, 'policy.pending.readyAt', 0, MAX_TIME),
    };
  }
  if (!Array.isArray(body.spent) || body.spent.length > 64)
    throw new CkmError('MalformedMessage', '"policy.spent" expected at most 64 entries');
  if (!Array.isArray(body.holds) || body.holds.length > MAX_HOLDS)
    throw new CkmError('MalformedMessage', `"policy.holds" expected at most ${MAX_HOLDS} entries`);
  const spent = body.spent.map((item, k): AssetAmount => {
    const field = `policy.spent[${k}]`;
    const s = record(item, field, ['chainId', 'asset', 'amount']);
    if (s.asset !== 'native' && (typeof s.asset !== 'string' || !ADDRESS.test(s.asset)))
      throw new CkmError('MalformedMessage', `"${field}.asset" expected "native" or an address`);
    if (typeof s.amount !== 'string' || !DECIMAL.test(s.amount))
      throw new CkmError('MalformedMessage', `"${field}.amount" expected a decimal integer`);
    return {
      chainId: integer(s.chainId, `${field}.chainId`, 1, MAX_TIME),
      asset: s.asset as AssetAmount['asset'],
      amount: s.amount,
    };
  });
  const holds = body.holds.map((item, k): HoldView => {
    const field = `policy.holds[${k}]`;
    const h = record(item, field, ['holdId', 'createdAt', 'readyAt', 'status', 'summary']);
    if (!isHoldId(h.holdId))
      throw new CkmError('MalformedMessage', `"${field}.holdId" expected 64 hex characters`);
    if (
      h.status !== 'waiting' &&
      h.status !== 'ready' &&
      h.status !== 'cancelled' &&
      h.status !== 'used'
    )
      throw new CkmError(
        'MalformedMessage',
        `"${field}.status" expected waiting, ready, cancelled or used`,
      );
    if (typeof h.summary !== 'string' || h.summary.length > 512)
      throw new CkmError('MalformedMessage', `"${field}.summary" expected a short text`);
    return {
      holdId: h.holdId,
      createdAt: integer(h.createdAt, `${field}.createdAt`, 0, MAX_TIME),
      readyAt: integer(h.readyAt, `${field}.readyAt`, 0, MAX_TIME),
      status: h.status,
      summary: h.summary,
    };
  });
  return {
    effective: parsePolicy(body.effective, 'policy.effective'),
    ...(pending ? { pending } : {}),
    spent,
    holds,
  };
}

// ---------------------------------------------------------------------------------------------
// Recovery without a backup: the waiting period and the old device's veto (docs/ckm.md §5).

/** A recovery the credential started and nobody has cancelled or completed yet. */
export type PendingRecovery = {
  /** The device the key will move to. */
  readonly newDevice: PartyIdentity;
  /** Milliseconds since the epoch, by the server's clock. */
  readonly startedAt: number;
  /** The end of the waiting period: the server joins the recovery's re-share from then on. */
  readonly readyAt: number;
};

/** `GET /recovery`: the pending recovery, and the latest cancellation and completion. */
export type RecoveryView = {
  readonly pending?: PendingRecovery;
  readonly cancelledAt?: number;
  /** Who cancelled last: the old device (its veto) or the credential (withdrawn). */
  readonly cancelledBy?: 'device' | 'recovery';
  readonly completedAt?: number;
};

/** `POST /recovery`: the new device the credential wants the key moved to. */
export type StartRecoveryRequest = { readonly newDevice: PartyIdentity };

/** `POST /recovery/cancel`: the recovery to cancel, named by its start (as read from the status). */
export type CancelRecoveryRequest = { readonly startedAt: number };

/** A recovery's re-share asked for before the waiting period ended; `readyAt` says when. */
export class RecoveryPendingError extends CkmError {
  readonly readyAt: number;
  constructor(shortMessage: string, readyAt: number) {
    super('RecoveryPending', shortMessage);
    this.readyAt = readyAt;
  }
}

const MAX_TIME = Number.MAX_SAFE_INTEGER;

export function recoveryViewToWire(view: RecoveryView): object {
  return {
    ...(view.pending
      ? {
          pending: {
            signingKey: view.pending.newDevice.signingKey,
            agreementKey: view.pending.newDevice.agreementKey,
            startedAt: view.pending.startedAt,
            readyAt: view.pending.readyAt,
          },
        }
      : {}),
    ...(view.cancelledAt === undefined ? {} : { cancelledAt: view.cancelledAt }),
    ...(view.cancelledBy === undefined ? {} : { cancelledBy: view.cancelledBy }),
    ...(view.completedAt === undefined ? {} : { completedAt: view.completedAt }),
  };
}

export function parseRecoveryView(value: unknown): RecoveryView {
  const body = record(value, 'recovery', ['pending', 'cancelledAt', 'cancelledBy', 'completedAt']);
  let pending: PendingRecovery | undefined;
  if (body.pending !== undefined) {
    const p = record(body.pending, 'recovery.pending', [
      'signingKey',
      'agreementKey',
      'startedAt',
      'readyAt',
    ]);
    pending = {
      newDevice: identityOf(
        { signingKey: p.signingKey, agreementKey: p.agreementKey },
        'recovery.pending',
      ),
      startedAt: integer(p.startedAt, 'recovery.pending.startedAt', 0, MAX_TIME),
      readyAt: integer(p.readyAt, 'recovery.pending.readyAt', 0, MAX_TIME),
    };
  }
  const by = body.cancelledBy;
  if (by !== undefined && by !== 'device' && by !== 'recovery')
    throw new CkmError(
      'MalformedMessage',
      '"recovery.cancelledBy" expected "device" or "recovery"',
    );
  return {
    ...(pending ? { pending } : {}),
    ...(body.cancelledAt === undefined
      ? {}
      : { cancelledAt: integer(body.cancelledAt, 'recovery.cancelledAt', 0, MAX_TIME) }),
    ...(by === undefined ? {} : { cancelledBy: by }),
    ...(body.completedAt === undefined
      ? {}
      : { completedAt: integer(body.completedAt, 'recovery.completedAt', 0, MAX_TIME) }),
  };
}

export function parseStartRecovery(value: unknown): StartRecoveryRequest {
  const body = record(value, 'recovery.start', ['signingKey', 'agreementKey']);
  return { newDevice: identityOf(body, 'recovery.start') };
}

export function startRecoveryToWire(request: StartRecoveryRequest): object {
  return {
    signingKey: request.newDevice.signingKey,
    agreementKey: request.newDevice.agreementKey,
  };
}

export function parseCancelRecovery(value: unknown): CancelRecoveryRequest {
  const body = record(value, 'recovery.cancel', ['startedAt']);
  return { startedAt: integer(body.startedAt, 'recovery.cancel.startedAt', 0, MAX_TIME) };
}

/** An identity's two keys, checked as a configuration's are (`InvalidIdentity` for a weak key). */
function identityOf(value: Record<string, unknown>, field: string): PartyIdentity {
  return parsePartyIdentity(
    { signingKey: value.signingKey, agreementKey: value.agreementKey },
    field,
  );
}

/** Session ids are 32 lowercase hex characters (16 random bytes) in paths. */
const SESSION_ID = /^[0-9a-f]{32}$/;

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}

// ---------------------------------------------------------------------------------------------
// Small strict readers (every failure names the field).

function record(value: unknown, field: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CkmError('MalformedMessage', `"${field}" expected an object`);
  for (const key of Object.keys(value))
    if (!keys.includes(key))
      throw new CkmError('MalformedMessage', `"${field}.${key}" is not a known field`);
  return value as Record<string, unknown>;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new CkmError('MalformedMessage', `"${field}" expected an integer in ${min}..${max}`);
  return value;
}

function bytes(value: unknown, field: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length)
    throw new CkmError('MalformedMessage', `"${field}" expected ${length} bytes`);
  return value;
}

function integerList(value: unknown, field: string, maxItems: number, max: number): number[] {
  if (!Array.isArray(value) || value.length > maxItems)
    throw new CkmError('MalformedMessage', `"${field}" expected at most ${maxItems} integers`);
  return value.map((item, k) => integer(item, `${field}[${k}]`, 0, max));
}

/** Key versions start at 1 and grow by one per refresh or re-share. */
const MAX_VERSION = 2 ** 31 - 1;

// ---------------------------------------------------------------------------------------------
// Parsers.

export function parseEnrollRequest(value: unknown): EnrollRequest {
  const body = record(value, 'enroll', ['config', 'self']);
  const config = parseWalletConfig(body.config);
  const self = integer(body.self, 'enroll.self', 1, 16);
  if (config.parties.find((p) => p.index === self)?.role !== 'server')
    throw new CkmError('MalformedMessage', '"enroll.self" expected the index of a server party');
  return { config, self };
}

export function parseOpenSession(value: unknown): OpenSessionRequest {
  if (typeof value !== 'object' || value === null)
    throw new CkmError('MalformedMessage', '"open" expected an object');
  const kind = (value as { kind?: unknown }).kind;
  switch (kind) {
    case 'dkg': {
      const body = record(value, 'open', ['sessionId', 'kind', 'version']);
      return {
        sessionId: sessionIdOf(body.sessionId),
        kind,
        version: integer(body.version, 'open.version', 1, MAX_VERSION),
      };
    }
    case 'refresh': {
      const body = record(value, 'open', ['sessionId', 'kind', 'fromVersion', 'version']);
      const fromVersion = integer(body.fromVersion, 'open.fromVersion', 1, MAX_VERSION - 1);
      const version = integer(body.version, 'open.version', 2, MAX_VERSION);
      if (version !== fromVersion + 1)
        throw new CkmError('MalformedMessage', '"open.version" expected fromVersion + 1');
      return { sessionId: sessionIdOf(body.sessionId), kind, fromVersion, version };
    }
    case 'reshare': {
      const body = record(value, 'open', [
        'sessionId',
        'kind',
        'fromVersion',
        'version',
        'config',
        'survivors',
        'key',
      ]);
      const fromVersion = integer(body.fromVersion, 'open.fromVersion', 1, MAX_VERSION - 1);
      const version = integer(body.version, 'open.version', 2, MAX_VERSION);
      if (version !== fromVersion + 1)
        throw new CkmError('MalformedMessage', '"open.version" expected fromVersion + 1');
      return {
        sessionId: sessionIdOf(body.sessionId),
        kind,
        fromVersion,
        version,
        config: parseWalletConfig(body.config),
        survivors: integerList(body.survivors, 'open.survivors', 16, 16),
        key: parseResharePublic(body.key),
      };
    }
    case 'import': {
      const body = record(value, 'open', [
        'sessionId',
        'kind',
        'version',
        'publicKey',
        'commitments',
        'chainCode',
        'share',
      ]);
      if (!Array.isArray(body.commitments) || body.commitments.length > 16)
        throw new CkmError('MalformedMessage', '"open.commitments" expected at most 16 points');
      return {
        sessionId: sessionIdOf(body.sessionId),
        kind,
        version: integer(body.version, 'open.version', 1, MAX_VERSION),
        publicKey: pointOf(body.publicKey, 'open.publicKey'),
        commitments: body.commitments.map((item, k) => pointOf(item, `open.commitments[${k}]`)),
        chainCode: bytes(body.chainCode, 'open.chainCode', 32),
        share: parseSealedMessage(body.share),
      };
    }
    case 'sign': {
      const body = record(value, 'open', [
        'sessionId',
        'kind',
        'version',
        'signers',
        'path',
        'payload',
        'clientNonce',
      ]);
      return {
        sessionId: sessionIdOf(body.sessionId),
        kind,
        version: integer(body.version, 'open.version', 1, MAX_VERSION),
        signers: integerList(body.signers, 'open.signers', 16, 16),
        path: integerList(body.path, 'open.path', 16, 2 ** 31 - 1),
        payload: body.payload,
        clientNonce: bytes(body.clientNonce, 'open.clientNonce', 32),
      };
    }
    default:
      throw new CkmError(
        'MalformedMessage',
        '"open.kind" expected "dkg", "refresh", "reshare", "import" or "sign"',
      );
  }
}

/** The wire form of an open-session request (configurations and points as plain data). */
export function openSessionToWire(request: OpenSessionRequest): object {
  if (request.kind === 'import')
    return {
      ...request,
      publicKey: request.publicKey.toBytes(true),
      commitments: request.commitments.map((point) => point.toBytes(true)),
    };
  if (request.kind !== 'reshare') return request;
  return {
    ...request,
    config: walletConfigToWire(request.config),
    key: resharePublicToWire(request.key),
  };
}

/** The wire form of the key's public facts: points compressed, shares as [index, point] pairs. */
export function resharePublicToWire(key: ResharePublic): object {
  return {
    publicKey: key.publicKey.toBytes(true),
    publicShares: [...key.oldPublicShares].map(([index, point]) => [index, point.toBytes(true)]),
    chainCode: key.chainCode,
  };
}

/** A compressed secp256k1 point, not the identity. */
function pointOf(item: unknown, name: string): Point {
  try {
    return decodePoint(item, name);
  } catch {
    throw new CkmError('MalformedMessage', `"${name}" expected a compressed secp256k1 point`);
  }
}

function parseResharePublic(value: unknown, field = 'open.key'): ResharePublic {
  const body = record(value, field, ['publicKey', 'publicShares', 'chainCode']);
  const point = pointOf;
  if (!Array.isArray(body.publicShares) || body.publicShares.length > 16)
    throw new CkmError('MalformedMessage', `"${field}.publicShares" expected at most 16 pairs`);
  const oldPublicShares = new Map<number, ReturnType<typeof decodePoint>>();
  body.publicShares.forEach((pair, k) => {
    const item = `${field}.publicShares[${k}]`;
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new CkmError('MalformedMessage', `"${item}" expected [index, point]`);
    const index = integer(pair[0], `${item}[0]`, 1, 16);
    if (oldPublicShares.has(index))
      throw new CkmError('MalformedMessage', `"${item}" repeats party ${index}`);
    oldPublicShares.set(index, point(pair[1], `${item}[1]`));
  });
  return {
    publicKey: point(body.publicKey, `${field}.publicKey`),
    oldPublicShares,
    chainCode: bytes(body.chainCode, `${field}.chainCode`, 32),
  };
}

function sessionIdOf(value: unknown): string {
  if (!isSessionId(value))
    throw new CkmError('MalformedMessage', '"open.sessionId" expected 32 lowercase hex characters');
  return value;
}

export function parseStepInput(value: unknown): readonly SealedMessage[] {
  const body = record(value, 'input', ['inbound']);
  return parseSealedList(body.inbound, 'input.inbound', MAX_STEP_MESSAGES);
}

export function parseStepResponse(value: unknown): StepResponse {
  const body = record(value, 'step', ['step', 'outbound', 'serverNonce', 'digest', 'result']);
  const out: {
    step: number;
    outbound: readonly SealedMessage[];
    serverNonce?: Uint8Array;
    digest?: Uint8Array;
    result?: StepResult;
  } = {
    step: integer(body.step, 'step.step', 1, 4),
    outbound: parseSealedList(body.outbound, 'step.outbound', MAX_STEP_MESSAGES),
  };
  if (body.serverNonce !== undefined)
    out.serverNonce = bytes(body.serverNonce, 'step.serverNonce', 32);
  if (body.digest !== undefined) out.digest = bytes(body.digest, 'step.digest', 32);
  if (body.result !== undefined) out.result = parseStepResult(body.result);
  return out;
}

function parseStepResult(value: unknown): StepResult {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === 'key') {
    const body = record(value, 'step.result', ['kind', 'version', 'publicKey']);
    return {
      kind,
      version: integer(body.version, 'step.result.version', 1, MAX_VERSION),
      publicKey: bytes(body.publicKey, 'step.result.publicKey', 33),
    };
  }
  if (kind === 'signature') {
    const body = record(value, 'step.result', ['kind', 'r', 's', 'recovery']);
    return {
      kind,
      r: bytes(body.r, 'step.result.r', 32),
      s: bytes(body.s, 'step.result.s', 32),
      recovery: integer(body.recovery, 'step.result.recovery', 0, 3),
    };
  }
  throw new CkmError('MalformedMessage', '"step.result.kind" expected "key" or "signature"');
}

export function parseWalletStatus(value: unknown): WalletStatus {
  const body = record(value, 'status', ['walletId', 'party', 'keys', 'config', 'key']);
  if (!isWalletId(body.walletId))
    throw new CkmError('MalformedMessage', '"status.walletId" expected a wallet id');
  if (!Array.isArray(body.keys) || body.keys.length > 8)
    throw new CkmError('MalformedMessage', '"status.keys" expected a short list');
  return {
    walletId: body.walletId,
    party: integer(body.party, 'status.party', 1, 16),
    keys: body.keys.map((item, k) => {
      const key = record(item, `status.keys[${k}]`, ['version', 'status']);
      if (key.status !== 'pending' && key.status !== 'active')
        throw new CkmError(
          'MalformedMessage',
          `"status.keys[${k}].status" expected pending|active`,
        );
      return {
        version: integer(key.version, `status.keys[${k}].version`, 1, MAX_VERSION),
        status: key.status,
      };
    }),
    ...(body.config === undefined ? {} : { config: parseWalletConfig(body.config) }),
    ...(body.key === undefined ? {} : { key: parseResharePublic(body.key, 'status.key') }),
  };
}

const ERROR_CODES = new Set<string>([
  'MalformedMessage',
  'TooLarge',
  'UnsupportedVersion',
  'BadSignature',
  'DecryptionFailed',
  'WrongSession',
  'WrongSender',
  'WrongRecipient',
  'Replayed',
  'MissingMessage',
  'IdentityChanged',
  'InvalidIdentity',
  'Unauthorized',
  'ClockSkew',
  'RateLimited',
  'InvalidPayload',
  'BareHashRefused',
  'ChainIdMismatch',
  'PolicyRefused',
  'NotFound',
  'Conflict',
  'SessionExpired',
  'Timeout',
  'Cancelled',
  'ServerUnavailable',
  'ServerError',
  'ProtocolAborted',
  'InvalidParameters',
  'Storage',
  'RecoveryPending',
  'RecoveryNotStarted',
  'RecoveryCancelled',
] satisfies CkmErrorCode[]);

/** A server's error body; anything unexpected becomes `ServerError`. */
export function parseErrorBody(value: unknown): ErrorBody {
  if (typeof value !== 'object' || value === null) return { code: 'ServerError', message: 'error' };
  const { code, message, culprit, readyAt, policy } = value as Record<string, unknown>;
  // Lenient: a refusal we cannot read still refuses; only its details are lost.
  const refusal = code === 'PolicyRefused' ? parsePolicyRefusal(policy) : undefined;
  return {
    code:
      typeof code === 'string' && ERROR_CODES.has(code) ? (code as CkmErrorCode) : 'ServerError',
    message: typeof message === 'string' ? message.slice(0, 300) : 'error',
    ...(typeof culprit === 'number' && Number.isInteger(culprit) ? { culprit } : {}),
    ...(typeof readyAt === 'number' && Number.isSafeInteger(readyAt) && readyAt >= 0
      ? { readyAt }
      : {}),
    ...(refusal ? { policy: refusal } : {}),
  };
}
