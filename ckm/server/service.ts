/**
 * The CKM server's logic without HTTP: enrollment, DKG / refresh / signing sessions driven step by
 * step by the wallet's client, and the two-phase key commit. Every request reaching here is
 * already authenticated as the wallet's device (server/ checks the signature and replay cache).
 *
 * Sessions live in the store between requests (encrypted there), so any server instance on the
 * same database can run the next step. A step is applied with compare-and-swap on its number:
 * of two instances racing on one step exactly one wins; a retry of a step already done returns
 * the same answer, so a client that lost a response can ask again.
 *
 * Every write of a session's state carries a fresh random revision. The instance that wrote it
 * keeps the decoded state in memory ({@link MAX_CACHED_SESSIONS} at most), and at the next step
 * asks the store for the session "unless it is still at this revision": when the database still
 * holds exactly that write, the state is neither read, decrypted nor decoded again; when another
 * instance has moved the session on (or anything else changed it), the revision differs and the
 * state comes from the database as before. The database stays the only authority on a session;
 * the kept copy only saves re-reading bytes this instance itself wrote. A kept state is taken out
 * before it is used, so it is used once.
 *
 * A signature is made only for a payload this server has parsed itself: it computes the digest
 * from the transaction, message or typed data (ckm/payload.ts) and refuses a bare hash.
 *
 * The policy firewall (docs/ckm.md §10) decides on that parsed payload before any tss work: the
 * owner's rules, this server's ledger of what it co-signed in the last 24 h, and its holds, read
 * and written in one transaction under the wallet's row lock (`ServerStore.policyTransaction`),
 * so two requests of one wallet never both pass a limit. A refusal is a `PolicyRefusedError`
 * carrying the rule; only the device reads or changes the rules.
 * @module
 */
import { derivePath } from '../../tss/derivation';
import {
  banPeer,
  cryptoRng,
  type DkgConfig,
  decodeKeyShare,
  encodeKeyShare,
  isTssError,
  type KeyShare,
  publicKeyToAddress,
  type Rng,
  refreshConfig,
  reshareConfig,
  TssError,
} from '../../tss/index';
import {
  decodeRoundState,
  encodeRoundState,
  type RoundState,
  type RoundStateCodecOptions,
} from '../../tss/state-codec';
import type { SessionKind, StepResponse, StepResult, WalletStatus } from '../api';
import {
  type CancelRecoveryRequest,
  type EnrollRequest,
  type OpenSessionRequest,
  RecoveryPendingError,
  type RecoveryView,
  type StartRecoveryRequest,
} from '../api';
import { setBounded } from '../bounded-map';
import { bytesEqual, toHex } from '../bytes';
import type { SealedMessage } from '../channel';
import { decodeWire, encodeWire } from '../codec';
import { CkmError } from '../errors';
import type { PartyIdentity, PartyKeys } from '../identity';
import { describePayload, parseSignPayload, payloadDigest, type SignPayload } from '../payload';
import { assertEnvelopeSigner } from '../payload/envelope';
import {
  analyzePayload,
  applyPolicyChange,
  cancelPendingChange,
  currentPolicyState,
  DEFAULT_POLICY,
  decodePolicyState,
  encodePolicyState,
  evaluatePolicy,
  explainRefusal,
  intentId,
  type PolicyRefusal,
  PolicyRefusedError,
  type PolicyState,
  type PolicyView,
  samePolicy,
  type WalletPolicy,
} from '../policy/index';
import { primitives } from '../primitives';
import { sessionChannelId, signSessionNonce } from '../session/ids';
import { importDkgConfig } from '../session/import';
import { openTssMessages, parseSealedList, sealTssMessages } from '../session/messages';
import {
  type DkgState,
  type DkgStepOutput,
  dkgFirstStep,
  dkgNextStep,
  inboundTypes,
  LAST_STEP,
  type SignState,
  type SignStepOutput,
  signFirstStep,
  signNextStep,
} from '../session/steps';
import {
  channelEnds,
  deviceIndex,
  parseWalletConfig,
  partyOf,
  recoveryDelayOf,
  type WalletConfig,
  walletConfigToWire,
  walletContext,
} from '../wallet';
import type {
  PolicyTransaction,
  RecoveryRecord,
  ServerStore,
  WalletRecord,
  WalletUpdate,
} from './store';

export type ServiceOptions = {
  readonly store: ServerStore;
  readonly keys: PartyKeys;
  /** Seconds a session may stay open between steps. */
  readonly sessionTtlSeconds: number;
  readonly maxSessionsPerWallet: number;
  readonly rng?: Rng;
  readonly now?: () => number;
};

/**
 * Who signed a request: the wallet's device, or its recovery credential. The recovery credential
 * may only read the wallet's public facts and run a re-share that moves the key to a new device.
 */
export type Actor = 'device' | 'recovery';

/** What a session keeps between steps (encrypted at rest by the store). */
type SessionState = {
  readonly kind: SessionKind;
  readonly actor?: Actor;
  readonly version: number;
  readonly participants: readonly number[];
  /** The tss round state after the last step, or null once finished. */
  readonly tss: Uint8Array | null;
  /** The answer to the last step, replayed to a retry of that step. */
  readonly response: StepResponse;
  /** Sign sessions: the digest, for the audit. */
  readonly digest?: Uint8Array;
  /** Re-share sessions: the new wallet configuration (wire-encoded), used for this session's channels. */
  readonly config?: Uint8Array;
  /** In memory only, never stored: `tss` decoded (the state the last step returned). */
  readonly round?: RoundState;
};

/** A session state this instance wrote, under the revision it wrote it with. */
type CachedSession = {
  readonly revision: string;
  readonly step: number;
  readonly state: SessionState;
};

const SESSION_STATE = 'ckm.server.session';
const MAX_SESSION_STATE_BYTES = 4 * 1024 * 1024;
/**
 * Decoded session states kept in memory (≈ 300 KB each for a signature's round 2); the least
 * recently written goes first.
 */
export const MAX_CACHED_SESSIONS = 128;
/**
 * Decoded key shares kept in memory, by the SHA-256 of the bytes the store returned: the same
 * bytes always decode to the same share, and any change (a ban, a new version) is other bytes,
 * so the database still decides which share is used; only the decoding (≈ 1.5 ms of curve-point
 * checks) is saved. The least recently used goes first.
 */
export const MAX_DECODED_SHARES = 256;
/** Stands for the encoding of a kept state's round, which only its decoded form replaces. */
const KEPT = new Uint8Array(0);
const DAY_MS = 86_400_000;
/** Ledger rows older than this count for nothing (the window is 24 h) and are pruned. */
const LEDGER_KEEP_MS = 2 * DAY_MS;
/** The policy view lists the holds of the last week, at most this many. */
const HOLDS_SHOWN_MS = 7 * DAY_MS;
const MAX_HOLDS_SHOWN = 100;
/** Refusals `open` has already written to the audit log (with the digest), not to log twice. */
const audited = new WeakSet<object>();
/** The round-state checksum by the fast SHA-256 (same bytes as the default). */
const CODEC: RoundStateCodecOptions = { sha256: primitives.sha256 };

export class CkmServerService {
  readonly #store: ServerStore;
  readonly #keys: PartyKeys;
  readonly #ttlMs: number;
  readonly #maxSessions: number;
  readonly #rng: Rng;
  readonly #now: () => number;
  /** Sessions opened by this instance and not yet over, by id → expiry (for a graceful stop). */
  readonly #live = new Map<string, number>();
  /** The states this instance wrote last, by session id (see the module doc). */
  readonly #cached = new Map<string, CachedSession>();
  /** Decoded key shares by the SHA-256 of their stored bytes (see {@link MAX_DECODED_SHARES}). */
  readonly #shares = new Map<string, KeyShare>();

  constructor(options: ServiceOptions) {
    this.#store = options.store;
    this.#keys = options.keys;
    this.#ttlMs = options.sessionTtlSeconds * 1000;
    this.#maxSessions = options.maxSessionsPerWallet;
    this.#rng = options.rng ?? cryptoRng;
    this.#now = options.now ?? Date.now;
  }

  /** Registers a wallet (idempotent for the same configuration; another one under the same id is refused). */
  async enroll(request: EnrollRequest): Promise<{ walletId: string; party: number }> {
    const { config, self } = request;
    const me = config.parties.find((p) => p.index === self);
    if (
      me?.role !== 'server' ||
      !bytesEqual(me.identity.signingKey, this.#keys.identity.signingKey)
    )
      throw new CkmError('InvalidParameters', `party ${self} of this wallet is not this server`);
    if (!bytesEqual(me.identity.agreementKey, this.#keys.identity.agreementKey))
      throw new CkmError('InvalidParameters', `party ${self} of this wallet is not this server`);
    const device = partyOf(config, deviceIndex(config));
    const encoded = encodeWire('ckm.wallet.config', walletConfigToWire(config));
    const outcome = await this.#store.createWallet({
      walletId: config.walletId,
      deviceSigningKey: device.identity.signingKey,
      deviceAgreementKey: device.identity.agreementKey,
      party: self,
      config: encoded,
    });
    if (outcome === 'exists') {
      const existing = await this.#store.getWallet(config.walletId);
      if (!existing || !bytesEqual(existing.config, encoded) || existing.party !== self)
        throw new CkmError('Conflict', 'another wallet is enrolled under this id');
    }
    await this.#audit(config.walletId, 'enroll', outcome);
    return { walletId: config.walletId, party: self };
  }

  /**
   * The wallet's versions, configuration and the active key's public facts (all public).
   * `known` is the wallet's record if the caller read it from this store for this request.
   */
  async status(
    walletId: string,
    _actor: Actor = 'device',
    known?: WalletRecord,
  ): Promise<WalletStatus> {
    const wallet = await this.#wallet(walletId, known);
    const keys = await this.#store.listKeys(walletId);
    const active = await this.#store.getActiveKey(walletId);
    const share = active ? this.#decodeShare(active.share) : undefined;
    return {
      walletId,
      party: wallet.party,
      keys: keys.map((k) => ({ version: k.version, status: k.status })),
      config: decodeConfig(wallet.config),
      ...(share
        ? {
            key: {
              publicKey: share.publicKey,
              oldPublicShares: share.publicShares,
              chainCode: share.chainCode,
            },
          }
        : {}),
    };
  }

  /** The recovery credential's public key in the wallet's configuration, if it has one. */
  recoveryKeyOf(wallet: { readonly config: Uint8Array }): Uint8Array | undefined {
    return decodeConfig(wallet.config).recoveryKey;
  }

  /** Opens a session and runs its first step. */
  async open(
    walletId: string,
    request: OpenSessionRequest,
    actor: Actor = 'device',
    known?: WalletRecord,
  ): Promise<StepResponse> {
    if (actor === 'recovery' && request.kind !== 'reshare')
      throw new CkmError(
        'Unauthorized',
        'the recovery credential may only move the key to a new device',
      );
    const wallet = await this.#wallet(walletId, known);
    const config = decodeConfig(wallet.config);
    const now = this.#now();
    if ((await this.#store.countLiveSessions(walletId, now)) >= this.#maxSessions)
      throw new CkmError('RateLimited', 'too many open sessions for this wallet');
    const sid = sessionChannelId(walletId, request.sessionId);
    let state: SessionState;
    try {
      state = {
        ...(await this.#first(wallet.party, config, wallet.config, sid, request, actor)),
        actor,
      };
    } catch (error) {
      if (!(typeof error === 'object' && error !== null && audited.has(error)))
        await this.#audit(
          walletId,
          `${request.kind}.open`,
          'refused',
          undefined,
          describe(error),
          actor,
        );
      throw toCkmError(error);
    }
    const revision = this.#revision();
    try {
      await this.#store.createSession({
        sessionId: request.sessionId,
        walletId,
        kind: request.kind,
        step: 1,
        revision,
        state: encodeSessionState(state),
        expiresAt: now + this.#ttlMs,
      });
    } catch (error) {
      if (isStorageCode(error, 'Conflict'))
        throw new CkmError('Conflict', 'a session with this id exists');
      throw error;
    }
    this.#keep(request.sessionId, { revision, step: 1, state });
    this.#live.set(request.sessionId, now + this.#ttlMs);
    await this.#audit(walletId, `${request.kind}.open`, 'ok', state.digest, undefined, actor);
    return state.response;
  }

  /** Runs step `step` (2..4) of a session with the messages the client relayed. */
  async step(
    walletId: string,
    sessionId: string,
    step: number,
    inbound: readonly SealedMessage[],
    actor: Actor = 'device',
    known?: WalletRecord,
  ): Promise<StepResponse> {
    if (!Number.isInteger(step) || step < 2 || step > LAST_STEP)
      throw new CkmError('NotFound', `no step ${step}`);
    const wallet = await this.#wallet(walletId, known);
    // Taken out at once (no await in between): a concurrent request for this session reads the
    // database instead, so a kept state is never used twice.
    const cached = this.#take(sessionId);
    const record = await this.#store.getSession(sessionId, cached?.revision);
    if (!record || record.walletId !== walletId)
      throw new CkmError('SessionExpired', 'no such session (it may have expired)');
    let state: SessionState;
    if (record.state !== undefined) state = decodeSessionState(record.state);
    else if (cached && record.revision === cached.revision && record.step === cached.step)
      state = cached.state; // the database still holds exactly what this instance wrote
    else throw new CkmError('Storage', 'a stored session came back without its state');
    /** A kept state not used by this request stays kept. */
    const keepUnused = () => {
      if (state === cached?.state) this.#keep(sessionId, cached);
    };
    if ((state.actor ?? 'device') !== actor) {
      keepUnused();
      throw new CkmError('Unauthorized', 'this session belongs to another signer');
    }
    if (record.step === step) {
      keepUnused();
      return state.response; // a retry of the step we already ran
    }
    if (record.step !== step - 1) {
      keepUnused();
      throw new CkmError('Conflict', `the session is at step ${record.step}, not ${step - 1}`);
    }
    const config = decodeConfig(state.config ?? wallet.config);
    const self = state.config ? ownIndex(config, this.#keys) : wallet.party;
    const sid = sessionChannelId(walletId, sessionId);
    let next: SessionState;
    try {
      next = {
        ...(await this.#next(walletId, self, config, sid, state, step, inbound)),
        ...(state.actor ? { actor: state.actor } : {}),
      };
    } catch (error) {
      this.#live.delete(sessionId);
      await this.#store.deleteSession(sessionId);
      await this.#audit(
        walletId,
        `${state.kind}.step${step}`,
        'aborted',
        state.digest,
        describe(error),
      );
      throw toCkmError(error);
    }
    const revision = this.#revision();
    const won = await this.#store.advanceSession(
      sessionId,
      step - 1,
      step,
      encodeSessionState(next),
      this.#now() + this.#ttlMs,
      revision,
    );
    if (!won) {
      const again = await this.#store.getSession(sessionId);
      if (again?.step === step && again.state !== undefined)
        return decodeSessionState(again.state).response;
      throw new CkmError('Conflict', 'the session moved on concurrently');
    }
    if (step < LAST_STEP) this.#keep(sessionId, { revision, step, state: next });
    if (step === LAST_STEP) this.#live.delete(sessionId);
    else if (this.#live.has(sessionId)) this.#live.set(sessionId, this.#now() + this.#ttlMs);
    if (step === LAST_STEP)
      await this.#audit(walletId, `${state.kind}.finish`, 'ok', state.digest, undefined, actor);
    return next.response;
  }

  /** Sessions opened by this instance that are still running (not finished, failed or expired). */
  liveSessions(): number {
    const now = this.#now();
    for (const [id, expiresAt] of this.#live) if (expiresAt < now) this.#live.delete(id);
    return this.#live.size;
  }

  /**
   * Phase two of DKG / refresh: the version becomes the active key, older versions are deleted.
   * The recovery credential may commit only its own recovery's re-share, once its waiting period
   * is over (or repeat a commit already done); committing it completes the recovery.
   */
  async commit(
    walletId: string,
    version: number,
    known?: WalletRecord,
    actor: Actor = 'device',
  ): Promise<{ version: number }> {
    await this.#wallet(walletId, known);
    const key = await this.#store.getKey(walletId, version);
    if (!key) throw new CkmError('NotFound', `key version ${version} does not exist`);
    if (actor === 'recovery' && key.status !== 'active') {
      const recovery = await this.#store.getRecovery(walletId);
      const next = key.nextDeviceSigningKey;
      if (
        next === undefined ||
        recovery?.status !== 'pending' ||
        !bytesEqual(recovery.newSigningKey, next)
      )
        throw new CkmError(
          'Unauthorized',
          'the recovery credential may only commit its own recovery',
        );
      if (recovery.readyAt > this.#now())
        throw new RecoveryPendingError(
          'the recovery’s waiting period is not over',
          recovery.readyAt,
        );
    }
    await this.#store.commitKey(walletId, version);
    await this.#audit(walletId, 'key.commit', 'ok', undefined, `version ${version}`, actor);
    return { version };
  }

  /** The wallet's latest recovery (device or credential: the old device watches it, the new one waits). */
  async recoveryStatus(
    walletId: string,
    _actor: Actor = 'device',
    known?: WalletRecord,
  ): Promise<RecoveryView> {
    await this.#wallet(walletId, known);
    return recoveryView(await this.#store.getRecovery(walletId));
  }

  /**
   * The credential starts a recovery to `newDevice`: the waiting period (the wallet's
   * `recoveryDelaySeconds`) begins now. The same start again is answered with the same recovery;
   * a start for another device while one is pending is a `Conflict` (one at a time).
   */
  async startRecovery(
    walletId: string,
    request: StartRecoveryRequest,
    actor: Actor,
    known?: WalletRecord,
  ): Promise<RecoveryView> {
    if (actor !== 'recovery')
      throw new CkmError('Unauthorized', 'only the recovery credential may start a recovery');
    const wallet = await this.#wallet(walletId, known);
    const config = decodeConfig(wallet.config);
    const { signingKey, agreementKey } = request.newDevice;
    const taken = config.parties.flatMap((p) => [p.identity.signingKey, p.identity.agreementKey]);
    if (config.recoveryKey) taken.push(config.recoveryKey);
    if (taken.some((key) => bytesEqual(key, signingKey) || bytesEqual(key, agreementKey)))
      throw new CkmError('InvalidParameters', 'the new device must have a new identity');
    const now = this.#now();
    const { outcome, record } = await this.#store.startRecovery({
      walletId,
      newSigningKey: signingKey,
      newAgreementKey: agreementKey,
      startedAt: now,
      readyAt: now + recoveryDelayOf(config) * 1000,
    });
    if (outcome === 'conflict') {
      await this.#audit(
        walletId,
        'recovery.start',
        'refused',
        undefined,
        'another is pending',
        actor,
      );
      throw new CkmError('Conflict', 'a recovery to another device is pending');
    }
    await this.#audit(
      walletId,
      'recovery.start',
      outcome,
      undefined,
      `ready at ${new Date(record.readyAt).toISOString()}`,
      actor,
    );
    return recoveryView(record);
  }

  /**
   * Cancels the pending recovery that started at `startedAt`: the old device's veto (only
   * within the waiting period: after it, the servers may already be re-sharing, and a veto
   * reaching one server but not another would split the wallet) or the credential's withdrawal
   * (at any time before the re-share commits). Cancelling it again is answered the same.
   */
  async cancelRecovery(
    walletId: string,
    request: CancelRecoveryRequest,
    actor: Actor,
    known?: WalletRecord,
  ): Promise<RecoveryView> {
    await this.#wallet(walletId, known);
    const now = this.#now();
    const record = await this.#store.getRecovery(walletId);
    if (!record || record.startedAt !== request.startedAt)
      throw new CkmError('NotFound', 'no recovery started at that time');
    if (record.status === 'cancelled') return recoveryView(record);
    if (record.status === 'completed') throw new CkmError('Conflict', 'the recovery has completed');
    if (actor === 'device' && record.readyAt <= now)
      throw new CkmError('Conflict', 'the waiting period is over; the recovery goes ahead');
    const cancelled = await this.#store.cancelRecovery({
      walletId,
      startedAt: request.startedAt,
      at: now,
      by: actor,
      ...(actor === 'device' ? { before: now } : {}),
    });
    const after = await this.#store.getRecovery(walletId);
    if (!cancelled && after?.status !== 'cancelled')
      throw new CkmError('Conflict', 'the recovery changed meanwhile; read its status again');
    await this.#audit(walletId, 'recovery.cancel', 'ok', undefined, undefined, actor);
    return recoveryView(after);
  }

  // -------------------------------------------------------------------------------------------
  // The policy firewall (docs/ckm.md §10): the owner's rules on what this server co-signs.

  /** The rules in force, a pending loosening, today's co-signed outflows and the recent holds. */
  async policy(
    walletId: string,
    actor: Actor = 'device',
    known?: WalletRecord,
  ): Promise<PolicyView> {
    ownerOnly(actor);
    await this.#wallet(walletId, known);
    const now = this.#now();
    const { view, promoted } = await this.#store.policyTransaction(walletId, async (tx) => {
      const { state, promoted } = await loadPolicy(tx, now);
      return { view: await policyView(tx, state, now), promoted };
    });
    if (promoted)
      await this.#audit(
        walletId,
        'policy.set',
        'applied',
        undefined,
        'the pending loosening took effect',
      );
    return view;
  }

  /**
   * The owner's new rules: what is stricter applies now, what is looser after the waiting period
   * in force before the change (`applyPolicyChange`); a newer change replaces a pending one.
   */
  async setPolicy(
    walletId: string,
    requested: WalletPolicy,
    actor: Actor = 'device',
    known?: WalletRecord,
  ): Promise<PolicyView> {
    ownerOnly(actor);
    await this.#wallet(walletId, known);
    const now = this.#now();
    const { view, before, after } = await this.#store.policyTransaction(walletId, async (tx) => {
      const before = (await loadPolicy(tx, now)).state;
      const after = applyPolicyChange(before, requested, now);
      await tx.putPolicy(encodePolicyState(after));
      return { view: await policyView(tx, after, now), before, after };
    });
    const tightened = !samePolicy(before.effective, after.effective);
    const detail = after.pending
      ? `${tightened ? 'tightened now; ' : ''}loosening at ${new Date(after.pending.readyAt).toISOString()}`
      : tightened
        ? 'tightened now'
        : 'unchanged';
    await this.#audit(walletId, 'policy.set', 'ok', undefined, detail);
    return view;
  }

  /** Cancels the pending loosening; what was tightened stays. Nothing pending: the same view. */
  async cancelPolicyChange(
    walletId: string,
    actor: Actor = 'device',
    known?: WalletRecord,
  ): Promise<PolicyView> {
    ownerOnly(actor);
    await this.#wallet(walletId, known);
    const now = this.#now();
    const { view, had } = await this.#store.policyTransaction(walletId, async (tx) => {
      const { state } = await loadPolicy(tx, now);
      if (!state.pending) return { view: await policyView(tx, state, now), had: false };
      const next = cancelPendingChange(state);
      await tx.putPolicy(encodePolicyState(next));
      return { view: await policyView(tx, next, now), had: true };
    });
    await this.#audit(walletId, 'policy.cancel', had ? 'ok' : 'none');
    return view;
  }

  /**
   * The owner refuses a held payload: it stays refused (`cancelled`) and is never co-signed by
   * this hold. Unknown hold: `NotFound`; one already co-signed: `Conflict`; cancelled: the same.
   */
  async cancelHold(
    walletId: string,
    holdId: string,
    actor: Actor = 'device',
    known?: WalletRecord,
  ): Promise<PolicyView> {
    ownerOnly(actor);
    await this.#wallet(walletId, known);
    const now = this.#now();
    const { view, hold } = await this.#store.policyTransaction(walletId, async (tx) => {
      const hold = await tx.getHold(holdId);
      if (!hold) throw new CkmError('NotFound', 'no such hold');
      if (hold.status === 'used')
        throw new CkmError('Conflict', 'the held request was co-signed already');
      if (hold.status === 'waiting')
        await tx.putHold({ ...hold, status: 'cancelled', cancelledAt: now });
      const { state } = await loadPolicy(tx, now);
      return { view: await policyView(tx, state, now), hold };
    });
    await this.#audit(
      walletId,
      'policy.hold.cancel',
      hold.status === 'waiting' ? 'ok' : 'already',
      undefined,
      `${holdId} ${hold.summary}`,
    );
    return view;
  }

  /**
   * Evaluates a sign payload against the wallet's rules under the wallet's row lock; on allow,
   * counts its outflows (replacing a re-sign of the same nonce) and uses the hold it waited for,
   * and returns the audit text naming them. Refused or held: audited and thrown.
   */
  async #checkPolicy(
    walletId: string,
    payload: SignPayload,
    digest: Uint8Array,
    share: KeyShare,
    path: readonly number[],
  ): Promise<string> {
    const from = publicKeyToAddress(derivePath(share.publicKey, share.chainCode, path).publicKey);
    const effects = analyzePayload(payload, from);
    const intent = intentId(payload);
    const now = this.#now();
    const { decision, promoted } = await this.#store.policyTransaction(walletId, async (tx) => {
      const { state, promoted } = await loadPolicy(tx, now);
      const totals = await tx.spent(now - DAY_MS, effects.ledgerKey);
      const hold = await tx.getHold(intent);
      const decision = evaluatePolicy({
        policy: state.effective,
        effects,
        intentId: intent,
        spent: (asset) => BigInt(totalOf(totals, asset.chainId, asset.asset)),
        hold,
        now,
      });
      if (decision.kind === 'allow') {
        await tx.replaceLedger(effects.ledgerKey, decision.ledger, now);
        await tx.pruneLedger(now - LEDGER_KEEP_MS);
        if (decision.useHold !== undefined) {
          const used = await tx.getHold(decision.useHold);
          if (used) await tx.putHold({ ...used, status: 'used' });
        }
      } else if (decision.kind === 'hold' && decision.newHold) await tx.putHold(decision.newHold);
      return { decision, promoted };
    });
    if (promoted)
      await this.#audit(
        walletId,
        'policy.set',
        'applied',
        undefined,
        'the pending loosening took effect',
      );
    if (decision.kind === 'allow') {
      const left = decision.ledger.map((a) => `${a.asset} ${a.amount} on chain ${a.chainId}`);
      const to = [...new Set(effects.recipients.map((r) => r.address))];
      return [
        `outflows ${left.join(', ') || 'none'}`,
        ...(to.length > 0 ? [`to ${to.join(', ')}`] : []),
        ...(decision.useHold !== undefined ? [`hold ${decision.useHold} used`] : []),
      ].join('; ');
    }
    const refusal: PolicyRefusal = decision.refusal;
    if (decision.kind === 'hold')
      await this.#audit(
        walletId,
        'policy.hold',
        decision.newHold ? 'started' : refusal.rule === 'hold' ? refusal.status : 'refused',
        digest,
        `${decision.newHold?.summary ?? intent}; ready at ${new Date(decision.refusal.readyAt).toISOString()}`,
      );
    const error = new PolicyRefusedError(refusal);
    await this.#audit(
      walletId,
      'sign.open',
      'refused',
      digest,
      `policy ${refusal.rule}: ${explainRefusal(refusal)}`,
    );
    audited.add(error);
    throw error;
  }

  async #wallet(walletId: string, known?: WalletRecord): Promise<WalletRecord> {
    if (known?.walletId === walletId) return known;
    const wallet = await this.#store.getWallet(walletId);
    if (!wallet) throw new CkmError('NotFound', 'this wallet is not enrolled here');
    return wallet;
  }

  /** A fresh revision for a write of a session's state: 128 random bits. */
  #revision(): string {
    return toHex(this.#rng(16));
  }

  #keep(sessionId: string, entry: CachedSession): void {
    const { state } = entry;
    // The decoded round is what the next step uses; its ~100 KB encoding need not be kept too.
    const kept =
      state.round && state.tss?.length ? { ...entry, state: { ...state, tss: KEPT } } : entry;
    setBounded(this.#cached, sessionId, kept, MAX_CACHED_SESSIONS);
  }

  /** `decodeKeyShare(bytes)`, decoded once per distinct bytes (see {@link MAX_DECODED_SHARES}). */
  #decodeShare(bytes: Uint8Array): KeyShare {
    const digest = toHex(primitives.sha256(bytes));
    return setBounded(
      this.#shares,
      digest,
      this.#shares.get(digest) ?? decodeKeyShare(bytes),
      MAX_DECODED_SHARES,
    );
  }

  #take(sessionId: string): CachedSession | undefined {
    const entry = this.#cached.get(sessionId);
    this.#cached.delete(sessionId);
    return entry;
  }

  async #first(
    self: number,
    config: WalletConfig,
    encodedConfig: Uint8Array,
    sid: Uint8Array,
    request: OpenSessionRequest,
    actor: Actor,
  ): Promise<SessionState> {
    const all = config.parties.map((p) => p.index);
    switch (request.kind) {
      case 'dkg': {
        if (request.version !== 1)
          throw new CkmError('InvalidParameters', 'a new key starts at version 1');
        if (config.origin === 'import')
          throw new CkmError('InvalidParameters', 'this wallet was enrolled for an import');
        const keys = await this.#store.listKeys(config.walletId);
        if (keys.some((k) => k.status === 'active'))
          throw new CkmError('Conflict', 'this wallet already has a key');
        for (const k of keys) await this.#store.discardPendingKey(config.walletId, k.version);
        const out = dkgFirstStep(
          {
            parties: all,
            threshold: config.threshold,
            self,
            mode: { kind: 'fresh' },
            context: walletContext(config, 'dkg/1'),
          },
          this.#rng,
        );
        return this.#afterDkg(config, self, sid, 'dkg', 1, all, 1, out);
      }
      case 'refresh': {
        const share = await this.#activeShare(config.walletId, request.fromVersion);
        // A pending version left by an abandoned refresh is dropped: the device never switched to
        // it (it switches only after every party finished), so nobody can still need it.
        for (const k of await this.#store.listKeys(config.walletId))
          if (k.status === 'pending')
            await this.#store.discardPendingKey(config.walletId, k.version);
        const out = dkgFirstStep(
          refreshConfig(share, walletContext(config, `refresh/${request.version}`)),
          this.#rng,
        );
        return this.#afterDkg(config, self, sid, 'refresh', request.version, all, 1, out);
      }
      case 'reshare':
        return this.#firstReshare(config, encodedConfig, sid, request, actor);
      case 'import': {
        // LEGACY import (ckm/session/import.ts checks the request and the dealt share).
        if (request.version !== 1)
          throw new CkmError('InvalidParameters', 'an imported key starts at version 1');
        const keys = await this.#store.listKeys(config.walletId);
        if (keys.some((k) => k.status === 'active'))
          throw new CkmError('Conflict', 'this wallet already has a key');
        const dkg = importDkgConfig({ config, self, keys: this.#keys, sid, request });
        for (const k of keys) await this.#store.discardPendingKey(config.walletId, k.version);
        const out = dkgFirstStep(dkg, this.#rng);
        return this.#afterDkg(config, self, sid, 'import', 1, all, 1, out);
      }
      case 'sign': {
        const signers = [...request.signers].sort((a, b) => a - b);
        if (!signers.includes(deviceIndex(config)) || !signers.includes(self))
          throw new CkmError(
            'InvalidParameters',
            'the signers must include the device and this server',
          );
        if (new Set(signers).size !== signers.length || signers.length !== config.threshold)
          throw new CkmError('InvalidParameters', `exactly ${config.threshold} distinct signers`);
        if (signers.some((s) => !all.includes(s)))
          throw new CkmError('InvalidParameters', 'a signer is not a party of this wallet');
        const payload = parseSignPayload(request.payload);
        const digest = payloadDigest(payload);
        const share = await this.#activeShare(config.walletId, request.version);
        // An identity envelope is signed only for the key it names (docs/identity.md).
        if (payload.kind === 'envelope')
          assertEnvelopeSigner(
            payload,
            derivePath(share.publicKey, share.chainCode, request.path).publicKey.toBytes(true),
          );
        // The policy firewall decides before any tss work (docs/ckm.md §10).
        const outflows = await this.#checkPolicy(
          config.walletId,
          payload,
          digest,
          share,
          request.path,
        );
        const serverNonce = this.#rng(32);
        const out = signFirstStep(
          share,
          {
            signers,
            path: request.path,
            digest,
            sessionNonce: signSessionNonce(request.clientNonce, serverNonce),
          },
          this.#rng,
        );
        await this.#audit(
          config.walletId,
          'sign.request',
          'received',
          digest,
          `${describePayload(payload)}; ${outflows}`,
        );
        const base = this.#afterSign(config, self, sid, request.version, signers, 1, out);
        return {
          ...base,
          digest,
          response: { ...base.response, serverNonce, digest },
        };
      }
    }
  }

  /**
   * Re-share (replace a party): a survivor brings its active share; a newcomer, enrolled under the
   * new configuration, brings only the public facts of the key, which the DKG checks (the new
   * shares must add up to the same public key, research/tecdsa.md §2.8). The device must be the
   * wallet's own: this path changes servers, not the device (recovery does that).
   */
  async #firstReshare(
    current: WalletConfig,
    encodedCurrent: Uint8Array,
    sid: Uint8Array,
    request: Extract<OpenSessionRequest, { kind: 'reshare' }>,
    actor: Actor,
  ): Promise<SessionState> {
    const next = request.config;
    if (next.walletId !== current.walletId)
      throw new CkmError('InvalidParameters', 'the new configuration is for another wallet');
    if (next.origin !== current.origin)
      throw new CkmError(
        'InvalidParameters',
        'a re-share keeps the key’s origin (imported or not)',
      );
    const oldDevice = partyOf(current, deviceIndex(current)).identity;
    const newDevice = partyOf(next, deviceIndex(next)).identity;
    const sameDevice =
      bytesEqual(oldDevice.signingKey, newDevice.signingKey) &&
      bytesEqual(oldDevice.agreementKey, newDevice.agreementKey);
    // Moving the key to a new device (recovery, or restore from a backup) changes nothing else.
    const move = !sameDevice && isDeviceMove(current, next, request.survivors);
    if (actor === 'device' && !sameDevice && !move)
      throw new CkmError(
        'InvalidParameters',
        'a re-share that changes the device must keep everything else, and the old device may not take part',
      );
    if (actor === 'recovery') {
      if (!move || !current.recoveryKey)
        throw new CkmError(
          'Unauthorized',
          'the recovery credential may only move the key to a new device',
        );
      checkRecoveryReady(await this.#store.getRecovery(current.walletId), newDevice, this.#now());
    }
    const self = ownIndex(next, this.#keys);
    const parties = next.parties.map((p) => p.index);
    const survivors = [...request.survivors].sort((a, b) => a - b);
    if (survivors.some((p) => !parties.includes(p)))
      throw new CkmError('InvalidParameters', 'every survivor must be a party of the new set');
    const context = walletContext(next, `reshare/${request.version}`);
    const encodedNext = encodeWire('ckm.wallet.config', walletConfigToWire(next));
    const keys = await this.#store.listKeys(current.walletId);
    const active = keys.find((k) => k.status === 'active');
    for (const k of keys)
      if (k.status === 'pending') await this.#store.discardPendingKey(current.walletId, k.version);
    let dkgConfig: DkgConfig;
    if (active) {
      const share = await this.#activeShare(current.walletId, request.fromVersion);
      if (share.self !== self || !survivors.includes(self))
        throw new CkmError('InvalidParameters', 'this server keeps its index and is a survivor');
      dkgConfig = reshareConfig({ parties, threshold: next.threshold, survivors, context, share });
    } else {
      if (!bytesEqual(encodedCurrent, encodedNext))
        throw new CkmError(
          'InvalidParameters',
          'a newcomer must be enrolled under the new configuration',
        );
      if (survivors.includes(self))
        throw new CkmError('InvalidParameters', 'a newcomer has no share to bring');
      dkgConfig = reshareConfig({
        parties,
        threshold: next.threshold,
        survivors,
        context,
        self,
        key: request.key,
      });
    }
    const out = dkgFirstStep(dkgConfig, this.#rng);
    return this.#afterDkg(
      next,
      self,
      sid,
      'reshare',
      request.version,
      parties,
      1,
      out,
      encodedNext,
    );
  }

  async #next(
    walletId: string,
    self: number,
    config: WalletConfig,
    sid: Uint8Array,
    state: SessionState,
    step: number,
    inbound: readonly SealedMessage[],
  ): Promise<SessionState> {
    if (state.tss === null) throw new CkmError('Conflict', 'the session has finished');
    const ends = channelEnds(config, self, this.#keys, state.participants);
    const peers = state.participants.filter((p) => p !== self);
    const kind = state.kind === 'sign' ? 'sign' : 'dkg';
    const messages = openTssMessages(ends, sid, inboundTypes(kind, step), peers, [...inbound]);
    if (state.kind === 'sign') {
      const tss = roundOf(state, expectedPhase('sign', step)) as SignState;
      try {
        const out = signNextStep(tss, messages, this.#rng);
        return {
          ...this.#afterSign(config, self, sid, state.version, state.participants, step, out),
          ...(state.digest ? { digest: state.digest } : {}),
        };
      } catch (error) {
        if (isTssError(error) && error.kind === 'ban' && error.culprit !== undefined)
          await this.#ban(walletId, state.version, error.culprit);
        throw error;
      }
    }
    const tss = roundOf(state, expectedPhase('dkg', step)) as DkgState;
    const out = dkgNextStep(tss, messages, this.#rng);
    return this.#afterDkg(
      config,
      self,
      sid,
      state.kind,
      state.version,
      state.participants,
      step,
      out,
      state.config,
    );
  }

  async #afterDkg(
    config: WalletConfig,
    self: number,
    sid: Uint8Array,
    kind: SessionKind,
    version: number,
    participants: readonly number[],
    step: number,
    out: DkgStepOutput,
    sessionConfig?: Uint8Array,
  ): Promise<SessionState> {
    const ends = channelEnds(config, self, this.#keys, participants);
    const carry = sessionConfig ? { config: sessionConfig } : {};
    if ('share' in out) {
      const device = partyOf(config, deviceIndex(config));
      await this.#storePending(
        config.walletId,
        version,
        out.share,
        sessionConfig && {
          config: sessionConfig,
          party: self,
          deviceSigningKey: device.identity.signingKey,
          deviceAgreementKey: device.identity.agreementKey,
        },
      );
      const result: StepResult = {
        kind: 'key',
        version,
        publicKey: out.share.publicKey.toBytes(true),
      };
      return {
        kind,
        version,
        participants,
        tss: null,
        response: { step, outbound: [], result },
        ...carry,
      };
    }
    const outbound = sealTssMessages(ends, sid, out.outbound, this.#rng);
    return {
      kind,
      version,
      participants,
      tss: encodeRoundState(out.state as RoundState, CODEC),
      round: out.state as RoundState,
      response: { step, outbound },
      ...carry,
    };
  }

  #afterSign(
    config: WalletConfig,
    self: number,
    sid: Uint8Array,
    version: number,
    participants: readonly number[],
    step: number,
    out: SignStepOutput,
  ): SessionState {
    if ('signature' in out) {
      const { r, s, recovery } = out.signature;
      const result: StepResult = { kind: 'signature', r: toBytes32(r), s: toBytes32(s), recovery };
      return {
        kind: 'sign',
        version,
        participants,
        tss: null,
        response: { step, outbound: [], result },
      };
    }
    const ends = channelEnds(config, self, this.#keys, participants);
    return {
      kind: 'sign',
      version,
      participants,
      tss: encodeRoundState(out.state as RoundState, CODEC),
      round: out.state as RoundState,
      response: { step, outbound: sealTssMessages(ends, sid, out.outbound, this.#rng) },
    };
  }

  async #storePending(
    walletId: string,
    version: number,
    share: KeyShare,
    walletUpdate?: WalletUpdate,
  ): Promise<void> {
    const publicKey = share.publicKey.toBytes(true);
    const encoded = encodeKeyShare(share);
    try {
      await this.#store.putPendingKey({
        walletId,
        version,
        publicKey,
        share: encoded,
        ...(walletUpdate ? { walletUpdate } : {}),
      });
    } catch (error) {
      if (!isStorageCode(error, 'Conflict')) throw error;
      // A retried last step recomputes the same share (dkgFinish draws no randomness); anything
      // else under this version is another session's and must not be mistaken for ours.
      const existing = await this.#store.getKey(walletId, version);
      if (!existing || !bytesEqual(existing.share, encoded))
        throw new CkmError('Conflict', `key version ${version} exists with another share`);
    }
    await this.#audit(
      walletId,
      'key.pending',
      'ok',
      undefined,
      `version ${version} ${publicKeyToAddress(share.publicKey)}`,
    );
  }

  async #activeShare(walletId: string, version: number): Promise<KeyShare> {
    const key = await this.#store.getActiveKey(walletId);
    if (!key) throw new CkmError('NotFound', 'this wallet has no active key');
    if (key.version !== version)
      throw new CkmError('Conflict', `the active key is version ${key.version}, not ${version}`);
    return this.#decodeShare(key.share);
  }

  async #ban(walletId: string, version: number, culprit: number): Promise<void> {
    const key = await this.#store.getKey(walletId, version);
    if (!key) return;
    const share = banPeer(this.#decodeShare(key.share), culprit);
    await this.#store.updateKeyShare(walletId, version, encodeKeyShare(share));
    await this.#audit(walletId, 'pair.ban', 'banned', undefined, `party ${culprit}`);
  }

  async #audit(
    walletId: string,
    action: string,
    outcome: string,
    digest?: Uint8Array,
    detail?: string,
    actor: Actor = 'device',
  ): Promise<void> {
    await this.#store.audit({
      walletId,
      actor,
      action,
      outcome,
      digest: digest ? toHex(digest) : null,
      detail: detail ?? null,
    });
  }
}

/** Only the device (the owner) reads or changes the policy firewall; the credential may not. */
function ownerOnly(actor: Actor): void {
  if (actor !== 'device')
    throw new CkmError('Unauthorized', 'only the wallet’s device may read or change its policy');
}

/** The stored policy state with a due loosening promoted (and stored), or the default rules. */
async function loadPolicy(
  tx: PolicyTransaction,
  now: number,
): Promise<{ state: PolicyState; promoted: boolean }> {
  const bytes = await tx.getPolicy();
  if (bytes === undefined) return { state: { effective: DEFAULT_POLICY }, promoted: false };
  const stored = decodePolicyState(bytes);
  const state = currentPolicyState(stored, now);
  const promoted = stored.pending !== undefined && state.pending === undefined;
  if (promoted) await tx.putPolicy(encodePolicyState(state));
  return { state, promoted };
}

/** What this server co-signed of an asset in the window (`'0'` when nothing). */
function totalOf(
  totals: readonly { chainId: number; asset: string; amount: string }[],
  chainId: number,
  asset: string,
): string {
  const name = asset.toLowerCase();
  return totals.find((t) => t.chainId === chainId && t.asset.toLowerCase() === name)?.amount ?? '0';
}

async function policyView(
  tx: PolicyTransaction,
  state: PolicyState,
  now: number,
): Promise<PolicyView> {
  const totals = await tx.spent(now - DAY_MS);
  const holds = await tx.listHolds(now - HOLDS_SHOWN_MS, MAX_HOLDS_SHOWN);
  return {
    effective: state.effective,
    ...(state.pending ? { pending: state.pending } : {}),
    spent: state.effective.dailyLimits.map((limit) => ({
      chainId: limit.chainId,
      asset: limit.asset,
      amount: totalOf(totals, limit.chainId, limit.asset),
    })),
    holds: holds.map((h) => ({
      holdId: h.holdId,
      createdAt: h.createdAt,
      readyAt: h.readyAt,
      status: h.status === 'waiting' && h.readyAt <= now ? 'ready' : h.status,
      summary: h.summary,
    })),
  };
}

/**
 * A move of the key to a new device (recovery or restore, docs/ckm.md §5): same servers (indices
 * and keys), threshold, recovery key and waiting period; the new device at an index never used
 * by the wallet before it; the old device not a survivor (its share, possibly stale or stolen,
 * brings nothing).
 */
function isDeviceMove(
  current: WalletConfig,
  next: WalletConfig,
  survivors: readonly number[],
): boolean {
  const servers = (c: WalletConfig) =>
    c.parties
      .filter((p) => p.role === 'server')
      .map((p) => `${p.index}:${toHex(p.identity.signingKey)}:${toHex(p.identity.agreementKey)}`)
      .join(',');
  const sameRecoveryKey =
    current.recoveryKey === undefined
      ? next.recoveryKey === undefined
      : next.recoveryKey !== undefined && bytesEqual(current.recoveryKey, next.recoveryKey);
  const newIndex = deviceIndex(next);
  return (
    servers(current) === servers(next) &&
    current.threshold === next.threshold &&
    sameRecoveryKey &&
    current.recoveryDelaySeconds === next.recoveryDelaySeconds &&
    newIndex > Math.max(...current.parties.map((p) => p.index)) &&
    !survivors.includes(deviceIndex(current))
  );
}

/**
 * A recovery's re-share needs a pending recovery for exactly this new device whose waiting period
 * is over: otherwise `RecoveryNotStarted`, `RecoveryCancelled` or `RecoveryPending` (with readyAt).
 */
function checkRecoveryReady(
  recovery: RecoveryRecord | undefined,
  device: PartyIdentity,
  now: number,
): void {
  const forDevice =
    recovery !== undefined &&
    bytesEqual(recovery.newSigningKey, device.signingKey) &&
    bytesEqual(recovery.newAgreementKey, device.agreementKey);
  if (!forDevice || recovery.status === 'completed')
    throw new CkmError('RecoveryNotStarted', 'no recovery was started for this device');
  if (recovery.status === 'cancelled')
    throw new CkmError('RecoveryCancelled', 'this recovery was cancelled');
  if (recovery.readyAt > now)
    throw new RecoveryPendingError('the recovery’s waiting period is not over', recovery.readyAt);
}

function recoveryView(record: RecoveryRecord | undefined): RecoveryView {
  if (!record) return {};
  return {
    ...(record.status === 'pending'
      ? {
          pending: {
            newDevice: { signingKey: record.newSigningKey, agreementKey: record.newAgreementKey },
            startedAt: record.startedAt,
            readyAt: record.readyAt,
          },
        }
      : {}),
    ...(record.cancelledAt === null ? {} : { cancelledAt: record.cancelledAt }),
    ...(record.cancelledBy === 'device' || record.cancelledBy === 'recovery'
      ? { cancelledBy: record.cancelledBy }
      : {}),
    ...(record.completedAt === null ? {} : { completedAt: record.completedAt }),
  };
}

/** Parsed configurations by their stored bytes: parsing checks every identity key (≈ 2.4 ms). */
const configCache = new Map<string, WalletConfig>();
const CONFIG_CACHE_SIZE = 1024;

function decodeConfig(bytes: Uint8Array): WalletConfig {
  const key = toHex(bytes);
  const cached = configCache.get(key);
  if (cached) return cached;
  const config = parseWalletConfig(decodeWire(bytes, 'ckm.wallet.config', 65_536));
  return setBounded(configCache, key, config, CONFIG_CACHE_SIZE);
}

/** This server's index in `config`, found by its identity keys. */
function ownIndex(config: WalletConfig, keys: PartyKeys): number {
  const me = config.parties.find(
    (p) =>
      p.role === 'server' &&
      bytesEqual(p.identity.signingKey, keys.identity.signingKey) &&
      bytesEqual(p.identity.agreementKey, keys.identity.agreementKey),
  );
  if (!me)
    throw new CkmError('InvalidParameters', 'this server is not a party of the configuration');
  return me.index;
}

function expectedPhase(kind: 'dkg' | 'sign', step: number): RoundState['phase'] {
  const phases = {
    dkg: ['dkg/round1', 'dkg/round2', 'dkg/round3'],
    sign: ['sign/round1', 'sign/round2', 'sign/round3'],
  } as const;
  const phase = phases[kind][step - 2];
  if (!phase) throw new CkmError('NotFound', `no step ${step}`);
  return phase;
}

/** The state of a session as it was stored, ready for the next step: the tss round decoded. */
function roundOf(state: SessionState, phase: RoundState['phase']): RoundState {
  if (state.tss === null) throw new CkmError('Conflict', 'the session has finished');
  if (state.round === undefined) return decodeRoundState(state.tss, phase, CODEC);
  if (state.round.phase !== phase)
    throw new TssError('PhaseOutOfOrder', `expected a state in phase "${phase}"`);
  return state.round;
}

function encodeSessionState(state: SessionState): Uint8Array {
  const { round: _inMemoryOnly, ...stored } = state;
  return encodeWire(SESSION_STATE, stored);
}

function decodeSessionState(bytes: Uint8Array): SessionState {
  const value = decodeWire(bytes, SESSION_STATE, MAX_SESSION_STATE_BYTES) as SessionState;
  // Written by us and authenticated at rest; still, check the shape we rely on.
  if (
    typeof value !== 'object' ||
    value === null ||
    !['dkg', 'refresh', 'reshare', 'sign', 'import'].includes(value.kind) ||
    !Array.isArray(value.participants) ||
    typeof value.response !== 'object'
  )
    throw new CkmError('Storage', 'a stored session is corrupt');
  return {
    ...value,
    response: {
      ...value.response,
      outbound: parseSealedList(value.response.outbound, 'session.outbound', 64),
    },
  };
}

/** Maps errors to what a client may see: tss errors keep kind and culprit, not the check. */
export function toCkmError(error: unknown): CkmError {
  if (error instanceof CkmError) return error;
  if (isTssError(error)) {
    const blame = error.culprit === undefined ? '' : `; party ${error.culprit} is to blame`;
    return new CkmError(
      'ProtocolAborted',
      error.kind === 'ban'
        ? `the protocol aborted and the counterparty is banned${blame}`
        : `the protocol aborted (${error.code})${blame}`,
      { culprit: error.culprit, cause: error },
    );
  }
  throw error;
}

function describe(error: unknown): string {
  if (error instanceof CkmError || error instanceof TssError) return error.message.slice(0, 200);
  return 'internal error';
}

function isStorageCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function toBytes32(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
