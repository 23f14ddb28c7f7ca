/**
 * The client API of a CKM wallet (what the extension's background calls):
 * `createWallet({ servers, threshold })` enrolls with every server and runs the DKG;
 * `wallet.sign({ payload, path })` runs a threshold signature with the first server that
 * answers, failing over to the next; `wallet.refresh()` renews every share (same address).
 *
 * Moving the key to a new device (docs/ckm.md §5): without a backup, `startRecovery` →
 * (waiting period; the old device sees `wallet.pendingRecoveries()` and may
 * `wallet.cancelRecovery()`) → `recoverWithServers`; with a backup, `restoreFromBackup`. Either
 * one interrupted after the new state was persisted finishes with `completeRecovery` /
 * `completeRestore`.
 *
 * The device's secret state (`DeviceWalletState`) is handed to `onStateChange` whenever it changes,
 * before any server is told to commit, so a crash never leaves the device behind the servers.
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import {
  banPeer,
  cryptoRng,
  type DkgConfig,
  isTssError,
  type KeyShare,
  publicKeyToAddress,
  type ResharePublic,
  type Rng,
  refreshConfig,
  reshareConfig,
  type ThresholdSignature,
} from '../../tss/index';
import type { OpenSessionRequest, RecoveryView, StepResponse } from '../api';
import { bytesEqual, toHex } from '../bytes';
import { encodeWire } from '../codec';
import { CkmError, isCkmError } from '../errors';
import { generatePartyKeys, type PartyIdentity, type PartyKeys } from '../identity';
import { parseSignPayload, payloadDigest, type SignPayload } from '../payload';
import type { PolicyView, WalletPolicy } from '../policy/types';
import { newSessionId, sessionChannelId, signSessionNonce } from '../session/ids';
import {
  type DkgState,
  dkgFirstStep,
  dkgNextStep,
  inboundTypes,
  type SignState,
  signFirstStep,
  signNextStep,
} from '../session/steps';
import {
  channelEnds,
  DEVICE_PARTY,
  deviceIndex,
  newWalletId,
  parseWalletConfig,
  partyOf,
  type WalletConfig,
  type WalletParty,
  walletConfigToWire,
  walletContext,
} from '../wallet';
import { ServerConnection } from './connection';
import { type LocalParty, type RemoteParty, runSession } from './runner';
import { fetchTransport, type Transport } from './transport';

export type ServerChoice = {
  readonly url: string;
  /** Keys pinned earlier (e.g. shipped with the extension); the server must present exactly these. */
  readonly pinned?: PartyIdentity;
};

/** Everything the device must keep, secret. */
export type DeviceWalletState = {
  readonly config: WalletConfig;
  /** Server URLs by party index (2..n). */
  readonly urls: ReadonlyMap<number, string>;
  readonly deviceKeys: PartyKeys;
  readonly version: number;
  readonly share: KeyShare;
  /** Servers that have not yet confirmed the commit of `version` (retried before they sign). */
  readonly uncommitted: readonly number[];
};

export type Progress =
  | { readonly stage: 'identity' | 'enroll' | 'commit' }
  | {
      readonly stage: 'dkg' | 'refresh' | 'reshare' | 'import';
      readonly step: number;
      readonly steps: number;
    };

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type ClientOptions = {
  readonly transport?: Transport;
  readonly rng?: Rng;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Progress) => void;
  /** Persist the device state; awaited before servers commit a new key. */
  readonly onStateChange?: (state: DeviceWalletState) => Promise<void> | void;
};

/**
 * One server's answer about the policy firewall (docs/ckm.md §10): its view, or why it could not
 * give one. Every server keeps and enforces its own copy of the rules, so the settings screen
 * shows them side by side.
 */
export type PolicyAnswer = {
  readonly party: number;
  readonly url: string;
  readonly name: string;
  readonly view?: PolicyView;
  readonly error?: CkmError;
};

export type SignResult = {
  readonly signature: ThresholdSignature;
  readonly digest: Uint8Array;
  /** The party index of the server that co-signed. */
  readonly server: number;
};

/** Creates a wallet: pins each server's identity, enrolls, runs the DKG and commits the key. */
export async function createWallet(
  args: {
    servers: readonly ServerChoice[];
    threshold: number;
    /** The device identity to enroll; a fresh one by default. */
    deviceKeys?: PartyKeys;
    /** Public key of a recovery credential (see {@link recoverWithServers}); none by default. */
    recoveryKey?: Uint8Array;
    /** The recovery's waiting period in seconds (1 s..31 days; default 48 h); needs `recoveryKey`. */
    recoveryDelaySeconds?: number;
  } & ClientOptions,
): Promise<CkmWallet> {
  const { servers, threshold } = args;
  if (servers.length < 1 || servers.length > 15)
    throw new CkmError('InvalidParameters', 'choose 1 to 15 servers');
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > servers.length + 1)
    throw new CkmError('InvalidParameters', `the threshold must be 2..${servers.length + 1}`);
  const transport = args.transport ?? fetchTransport();
  const connections = servers.map((s) => new ServerConnection(s.url, transport));
  args.onProgress?.({ stage: 'identity' });
  const documents = await Promise.all(
    connections.map((c, k) => c.identity(servers[k]?.pinned, args.signal)),
  );
  const deviceKeys = args.deviceKeys ?? generatePartyKeys(args.rng);
  const parties: WalletParty[] = [
    { index: DEVICE_PARTY, role: 'device', name: 'device', identity: deviceKeys.identity },
    ...documents.map((d, k) => ({
      index: k + 2,
      role: 'server' as const,
      name: d.document.name,
      identity: d.document.identity,
    })),
  ];
  const config: WalletConfig = {
    walletId: newWalletId(),
    threshold,
    parties,
    ...(args.recoveryKey ? { recoveryKey: args.recoveryKey } : {}),
    ...(args.recoveryDelaySeconds === undefined
      ? {}
      : { recoveryDelaySeconds: args.recoveryDelaySeconds }),
  };
  // The same checks the servers make (a wrong delay is refused here, before any enrollment).
  parseWalletConfig(walletConfigToWire(config));
  args.onProgress?.({ stage: 'enroll' });
  await Promise.all(connections.map((c, k) => c.enroll(deviceKeys, config, k + 2, args.signal)));
  const urls = new Map(connections.map((c, k) => [k + 2, c.url]));
  const all = parties.map((p) => p.index);
  const deviceConfig: DkgConfig = {
    parties: all,
    threshold,
    self: DEVICE_PARTY,
    mode: { kind: 'fresh' },
    context: walletContext(config, 'dkg/1'),
  };
  const share = await runKeySession({
    config,
    deviceKeys,
    urls,
    transport,
    kind: 'dkg',
    version: 1,
    deviceConfig,
    open: { kind: 'dkg', version: 1 },
    options: args,
  });
  const state: DeviceWalletState = {
    config,
    urls,
    deviceKeys,
    version: 1,
    share,
    uncommitted: [...urls.keys()],
  };
  await args.onStateChange?.(state);
  args.onProgress?.({ stage: 'commit' });
  const wallet = new CkmWallet(state, args);
  await wallet.commitPending({ ...(args.signal ? { signal: args.signal } : {}), strict: true });
  return wallet;
}

/** The credential and the servers of a wallet to recover, as the new device knows them. */
export type RecoveryTarget = {
  walletId: string;
  /** Every server of the wallet (matched to its party by the identity it presents). */
  servers: readonly ServerChoice[];
  /** The recovery credential: its Ed25519 key signs the requests. */
  recoveryKeys: PartyKeys;
} & ClientOptions;

/** One server's view of the wallet's latest recovery. */
export type ServerRecoveryStatus = {
  readonly party: number;
  readonly url: string;
  readonly name: string;
} & RecoveryView;

/**
 * Recovery without a backup, step 1 (ARCHITECTURE.md flow 4b; docs/ckm.md §5): the credential
 * asks every server to start the waiting period for the new device `deviceKeys` (persist them
 * first: the finish must use the same identity). Answers per server when it started and when the
 * waiting period ends (`readyAt`, by that server's clock). Repeating it for the same device is
 * harmless; while a recovery to another device is pending, a server answers `Conflict`.
 */
export async function startRecovery(
  args: RecoveryTarget & { deviceKeys: PartyKeys },
): Promise<{ party: number; url: string; startedAt: number; readyAt: number }[]> {
  const located = await locateWallet(args);
  return Promise.all(
    [...located.urls].map(async ([party, url]) => {
      const view = await new ServerConnection(url, located.transport).startRecovery(
        args.recoveryKeys,
        args.walletId,
        args.deviceKeys.identity,
        args.signal,
      );
      if (!view.pending)
        throw new CkmError('ProtocolAborted', `${url} did not start the recovery`, {
          culprit: party,
        });
      return { party, url, startedAt: view.pending.startedAt, readyAt: view.pending.readyAt };
    }),
  );
}

/** Every server's view of the wallet's latest recovery, read with the credential (the new device). */
export async function recoveryStatus(args: RecoveryTarget): Promise<ServerRecoveryStatus[]> {
  const located = await locateWallet(args);
  return Promise.all(
    [...located.urls].map(async ([party, url]) => ({
      party,
      url,
      name: located.names.get(party) ?? url,
      ...(await new ServerConnection(url, located.transport).recoveryStatus(
        args.recoveryKeys,
        args.walletId,
        args.signal,
      )),
    })),
  );
}

/**
 * Where a recovery to `device` stands across the servers (for the new device's screen):
 * `cancelled` if any server cancelled it after it started (the old device refused); `ready` once
 * every server holds it pending and its waiting period is over; `waiting` until the latest
 * `readyAt`; `none` if some server holds no pending recovery for this device.
 */
export function recoveryOutlook(
  statuses: readonly RecoveryView[],
  device: PartyIdentity,
  now: number = Date.now(),
): { state: 'none' | 'waiting' | 'ready' | 'cancelled'; readyAt?: number } {
  const mine = (view: RecoveryView) =>
    view.pending !== undefined &&
    bytesEqual(view.pending.newDevice.signingKey, device.signingKey) &&
    bytesEqual(view.pending.newDevice.agreementKey, device.agreementKey);
  if (statuses.length === 0) return { state: 'none' };
  if (statuses.every(mine)) {
    const readyAt = Math.max(...statuses.map((v) => v.pending?.readyAt ?? 0));
    return { state: readyAt <= now ? 'ready' : 'waiting', readyAt };
  }
  if (statuses.some((v) => !v.pending && v.cancelledAt !== undefined))
    return { state: 'cancelled' };
  return { state: 'none' };
}

/**
 * The credential withdraws its pending recovery at every server (e.g. the user found the old
 * device after all). Servers with nothing pending are left as they are.
 */
export async function abandonRecovery(args: RecoveryTarget): Promise<void> {
  const located = await locateWallet(args);
  await Promise.all(
    [...located.urls.values()].map(async (url) => {
      const connection = new ServerConnection(url, located.transport);
      const view = await connection.recoveryStatus(args.recoveryKeys, args.walletId, args.signal);
      if (view.pending)
        await connection.cancelRecovery(
          args.recoveryKeys,
          args.walletId,
          view.pending.startedAt,
          args.signal,
        );
    }),
  );
}

/**
 * Recovery without a backup, step 2: once every server's waiting period for this device is over
 * (`recoveryOutlook(...).state === 'ready'`), the credential asks the servers to re-share the key
 * to the new device `deviceKeys` (the one named at {@link startRecovery}). Every server takes part
 * with its share; the new device joins at a fresh party index; the lost device's share stops
 * matching anyone's. Before the waiting period ends a server answers `RecoveryPending` (with
 * `readyAt`); after the old device cancelled, `RecoveryCancelled`.
 *
 * The new state reaches `onStateChange` before any server commits. If the call fails after that,
 * finish with {@link completeRecovery} and the persisted state; if it fails before, call this again.
 */
export async function recoverWithServers(
  args: RecoveryTarget & { deviceKeys: PartyKeys },
): Promise<CkmWallet> {
  const { config, key, active, urls, transport } = await locateWallet(args);
  return moveToNewDevice({
    current: config,
    key,
    fromVersion: active,
    urls,
    transport,
    deviceKeys: args.deviceKeys,
    authKeys: args.recoveryKeys,
    options: args,
  });
}

/**
 * Finishes a recovery that stopped after the new device persisted its state (`state.uncommitted`
 * not empty): a server that has not committed still knows only the old device, so the credential
 * signs the commits. Returns the recovered wallet.
 */
export async function completeRecovery(
  args: { state: DeviceWalletState; recoveryKeys: PartyKeys } & ClientOptions,
): Promise<CkmWallet> {
  const wallet = new CkmWallet(args.state, args);
  await wallet.commitPending({
    ...(args.signal ? { signal: args.signal } : {}),
    strict: true,
    authKeys: args.recoveryKeys,
  });
  return wallet;
}

/**
 * Restore from a backup on a fresh profile (ARCHITECTURE.md flow 4a; docs/ckm.md §5): `state`
 * is the device state read from the backup. Its share may be stale (the servers may have
 * refreshed since) and the backup may be copied, so it is not used: the key moves to a NEW device
 * identity (`deviceKeys`, fresh by default) at a fresh party index, every server a survivor,
 * exactly as a recovery does, authenticated by the backup's device key and with no waiting
 * period. Afterwards the backup's device identity is refused by every server and its share
 * matches nobody's; the address is unchanged. Make a new backup afterwards.
 *
 * The new state reaches `onStateChange` before any server commits. If the call fails after that,
 * finish with {@link completeRestore}; if it fails before, call this again.
 */
export async function restoreFromBackup(
  args: { state: DeviceWalletState; deviceKeys?: PartyKeys } & ClientOptions,
): Promise<CkmWallet> {
  const transport = args.transport ?? fetchTransport();
  const backup = args.state;
  const walletId = backup.config.walletId;
  // The servers' current facts (the backup's version may be behind): every server must agree.
  const statuses = await Promise.all(
    [...backup.urls].map(async ([party, url]) => {
      const status = await new ServerConnection(url, transport).status(
        backup.deviceKeys,
        walletId,
        args.signal,
      );
      if (status.party !== party)
        throw new CkmError('InvalidParameters', `${url} is not party ${party} of this wallet`);
      return status;
    }),
  );
  const first = statuses[0];
  const current = first?.config;
  const active = first?.keys.find((k) => k.status === 'active');
  if (!current || !first.key || !active)
    throw new CkmError('NotFound', 'the servers hold no active key for this wallet');
  const encoded = (c: WalletConfig | undefined) =>
    c ? toHex(encodeWire('ckm.wallet.config', walletConfigToWire(c))) : '';
  for (const status of statuses)
    if (
      encoded(status.config) !== encoded(current) ||
      status.keys.find((k) => k.status === 'active')?.version !== active.version ||
      !status.key?.publicKey.equals(first.key.publicKey)
    )
      throw new CkmError(
        'Conflict',
        'the servers disagree about the wallet (finish an interrupted change first)',
      );
  if (!first.key.publicKey.equals(backup.share.publicKey))
    throw new CkmError('InvalidParameters', 'the backup is of another key');
  return moveToNewDevice({
    current,
    key: first.key,
    fromVersion: active.version,
    urls: backup.urls,
    transport,
    deviceKeys: args.deviceKeys ?? generatePartyKeys(args.rng),
    authKeys: backup.deviceKeys,
    options: args,
  });
}

/**
 * Finishes a restore that stopped after the new device persisted its state: a server that has
 * not committed still knows only the backup's device, whose key signs the commits.
 */
export async function completeRestore(
  args: { state: DeviceWalletState; backupDeviceKeys: PartyKeys } & ClientOptions,
): Promise<CkmWallet> {
  const wallet = new CkmWallet(args.state, args);
  await wallet.commitPending({
    ...(args.signal ? { signal: args.signal } : {}),
    strict: true,
    authKeys: args.backupDeviceKeys,
  });
  return wallet;
}

/** The wallet as the credential finds it: configuration, key facts, and a URL per server party. */
async function locateWallet(args: RecoveryTarget): Promise<{
  config: WalletConfig;
  key: ResharePublic;
  active: number;
  urls: Map<number, string>;
  names: Map<number, string>;
  transport: Transport;
}> {
  const transport = args.transport ?? fetchTransport();
  const connections = args.servers.map((s) => new ServerConnection(s.url, transport));
  args.onProgress?.({ stage: 'identity' });
  const documents = await Promise.all(
    connections.map((c, k) => c.identity(args.servers[k]?.pinned, args.signal)),
  );
  const first = connections[0];
  if (!first) throw new CkmError('InvalidParameters', 'name at least one server');
  const status = await first.status(args.recoveryKeys, args.walletId, args.signal);
  const { config, key } = status;
  const active = status.keys.find((k) => k.status === 'active');
  if (!config || !key || !active)
    throw new CkmError('NotFound', 'the server has no active key for this wallet');
  // Match each configured server to a URL by its pinned identity keys.
  const urls = new Map<number, string>();
  const names = new Map<number, string>();
  for (const party of config.parties) {
    if (party.role !== 'server') continue;
    const k = documents.findIndex(
      (d) =>
        bytesEqual(d.document.identity.signingKey, party.identity.signingKey) &&
        bytesEqual(d.document.identity.agreementKey, party.identity.agreementKey),
    );
    if (k < 0) throw new CkmError('InvalidParameters', `no URL given for server ${party.name}`);
    urls.set(party.index, (connections[k] as ServerConnection).url);
    names.set(party.index, party.name);
  }
  return { config, key, active: active.version, urls, names, transport };
}

/**
 * The re-share shared by recovery and restore: every server a survivor, the new device a
 * newcomer at a fresh index, everything else unchanged (the servers check exactly this shape).
 * `authKeys` (the credential, or the backup's device key) signs every request, the commits too:
 * until a server commits it knows only the old device.
 */
async function moveToNewDevice(args: {
  current: WalletConfig;
  key: ResharePublic;
  fromVersion: number;
  urls: ReadonlyMap<number, string>;
  transport: Transport;
  deviceKeys: PartyKeys;
  authKeys: PartyKeys;
  options: ClientOptions;
}): Promise<CkmWallet> {
  const { current, key, urls, transport, deviceKeys, options } = args;
  if (urls.size < current.threshold)
    throw new CkmError('InvalidParameters', 'too few servers to move the key');
  const newIndex = Math.max(...current.parties.map((p) => p.index)) + 1;
  if (newIndex > 16) throw new CkmError('InvalidParameters', 'no party index left (16 at most)');
  const next: WalletConfig = {
    ...current,
    parties: [
      ...current.parties.filter((p) => p.role !== 'device'),
      { index: newIndex, role: 'device', name: 'device', identity: deviceKeys.identity },
    ],
  };
  const survivors = [...urls.keys()];
  const version = args.fromVersion + 1;
  const parties = next.parties.map((p) => p.index);
  const share = await runKeySession({
    config: next,
    deviceKeys,
    authKeys: args.authKeys,
    urls,
    transport,
    kind: 'reshare',
    version,
    deviceConfig: reshareConfig({
      parties,
      threshold: next.threshold,
      survivors,
      context: walletContext(next, `reshare/${version}`),
      self: newIndex,
      key,
    }),
    open: {
      kind: 'reshare',
      fromVersion: args.fromVersion,
      version,
      config: next,
      survivors,
      key,
    },
    options,
  });
  if (!share.publicKey.equals(key.publicKey))
    throw new CkmError('ProtocolAborted', 'the moved key is not the wallet’s key');
  const state: DeviceWalletState = {
    config: next,
    urls: new Map(urls),
    deviceKeys,
    version,
    share,
    uncommitted: [...urls.keys()],
  };
  await options.onStateChange?.(state);
  options.onProgress?.({ stage: 'commit' });
  const wallet = new CkmWallet(state, options);
  await wallet.commitPending({
    ...(options.signal ? { signal: options.signal } : {}),
    strict: true,
    authKeys: args.authKeys,
  });
  return wallet;
}

/** A wallet's client: sign and refresh. Holds the device state in memory. */
export class CkmWallet {
  #state: DeviceWalletState;
  readonly #options: ClientOptions;
  readonly #transport: Transport;

  constructor(state: DeviceWalletState, options: ClientOptions = {}) {
    this.#state = state;
    this.#options = options;
    this.#transport = options.transport ?? fetchTransport();
  }

  get state(): DeviceWalletState {
    return this.#state;
  }

  /** The Ethereum address of the root key (m). */
  get address(): string {
    return publicKeyToAddress(this.#state.share.publicKey);
  }

  /**
   * Signs a payload (transaction, EIP-191 message or EIP-712 data, never a bare hash) with one
   * server, trying the servers in party order until one succeeds. A server that cheats is banned
   * (its pair state is burned on the device) and the next one is tried. A refusal of the payload
   * is final: a server's policy firewall answers `PolicyRefusedError` (with `refusal`, the rule
   * as data, docs/ckm.md §10), and asking the next server instead would be asking it to overrule
   * the owner's rules.
   */
  async sign(args: {
    payload: SignPayload | unknown;
    path?: readonly number[];
    signal?: AbortSignal;
    servers?: readonly number[];
  }): Promise<SignResult> {
    const payload = parseSignPayload(args.payload);
    const digest = payloadDigest(payload);
    const path = args.path ?? [];
    if (this.#state.config.threshold !== 2)
      throw new CkmError(
        'InvalidParameters',
        'signing with more than one server (threshold above 2) is not supported yet',
      );
    const order = args.servers ?? [...this.#state.urls.keys()];
    const failures: CkmError[] = [];
    for (const server of order) {
      if (this.#state.share.pairs.get(server)?.banned) continue;
      try {
        const signature = await this.#signWith(server, payload, digest, path, args.signal);
        return { signature, digest, server };
      } catch (error) {
        if (isCkmError(error, 'Cancelled') || args.signal?.aborted) throw error;
        if (isTssError(error) && error.kind === 'ban' && error.culprit === server) {
          await this.#setState({ ...this.#state, share: banPeer(this.#state.share, server) });
        } else if (isCkmError(error) && !failoverWorthy(error)) {
          throw error;
        }
        failures.push(asCkmError(error, server));
      }
    }
    throw new CkmError(
      'ServerUnavailable',
      `no server could co-sign: ${failures.map((f) => f.shortMessage).join('; ') || 'none available'}`,
      { cause: failures },
    );
  }

  /** Renews every share and all pair state (same public key); needs every server. */
  async refresh(args: { signal?: AbortSignal } = {}): Promise<void> {
    // Every server must hold the current version before the next one starts.
    await this.commitPending({ ...(args.signal ? { signal: args.signal } : {}), strict: true });
    const { config, deviceKeys, urls, share, version } = this.#state;
    const next = version + 1;
    const deviceConfig = refreshConfig(share, walletContext(config, `refresh/${next}`));
    const renewed = await runKeySession({
      config,
      deviceKeys,
      urls,
      transport: this.#transport,
      kind: 'refresh',
      version: next,
      deviceConfig,
      open: { kind: 'refresh', fromVersion: version, version: next },
      options: { ...this.#options, ...(args.signal ? { signal: args.signal } : {}) },
    });
    if (!renewed.publicKey.equals(share.publicKey))
      throw new CkmError('ProtocolAborted', 'the refresh changed the public key');
    // Phase one is over: every party holds the new share as pending. The device switches first
    // (and persists), then tells each server; a server that misses it is told again before it
    // next co-signs (commitPending), and keeps the old version usable until then.
    await this.#setState({
      ...this.#state,
      version: next,
      share: renewed,
      uncommitted: [...urls.keys()],
    });
    this.#options.onProgress?.({ stage: 'commit' });
    await this.commitPending({ ...(args.signal ? { signal: args.signal } : {}), strict: true });
  }

  /**
   * Replaces server `replace` by the server at `url` (re-share, research/tecdsa.md §2.8): the
   * newcomer gets a fresh party index, the device and the other servers bring their shares, the
   * address is unchanged, and the replaced server's share no longer matches anyone's. Needs the
   * device and every remaining server.
   */
  async reshare(args: {
    replace: number;
    url: string;
    pinned?: PartyIdentity;
    signal?: AbortSignal;
  }): Promise<void> {
    const signal = args.signal ? { signal: args.signal } : {};
    await this.commitPending({ ...signal, strict: true });
    const { config, deviceKeys, urls, share, version } = this.#state;
    if (partyOf(config, args.replace).role !== 'server')
      throw new CkmError('InvalidParameters', `party ${args.replace} is not a server`);
    const connection = new ServerConnection(args.url, this.#transport);
    const document = (await connection.identity(args.pinned, args.signal)).document;
    for (const party of config.parties)
      if (
        party.index !== args.replace &&
        bytesEqual(party.identity.signingKey, document.identity.signingKey)
      )
        throw new CkmError('InvalidParameters', `${args.url} is already party ${party.index}`);
    const newIndex = Math.max(...config.parties.map((p) => p.index)) + 1;
    if (newIndex > 16) throw new CkmError('InvalidParameters', 'no party index left (16 at most)');
    const next: WalletConfig = {
      ...config,
      parties: [
        ...config.parties.filter((p) => p.index !== args.replace),
        { index: newIndex, role: 'server', name: document.name, identity: document.identity },
      ],
    };
    const survivors = config.parties.map((p) => p.index).filter((i) => i !== args.replace);
    if (survivors.length < config.threshold)
      throw new CkmError('InvalidParameters', 'too few parties would remain to re-share');
    this.#options.onProgress?.({ stage: 'enroll' });
    await connection.enroll(deviceKeys, next, newIndex, args.signal);
    const nextVersion = version + 1;
    const parties = next.parties.map((p) => p.index);
    const nextUrls = new Map([...urls].filter(([index]) => index !== args.replace));
    nextUrls.set(newIndex, connection.url);
    const renewed = await runKeySession({
      config: next,
      deviceKeys,
      urls: nextUrls,
      transport: this.#transport,
      kind: 'reshare',
      version: nextVersion,
      deviceConfig: reshareConfig({
        parties,
        threshold: next.threshold,
        survivors,
        context: walletContext(next, `reshare/${nextVersion}`),
        share,
      }),
      open: {
        kind: 'reshare',
        fromVersion: version,
        version: nextVersion,
        config: next,
        survivors,
        key: {
          publicKey: share.publicKey,
          oldPublicShares: share.publicShares,
          chainCode: share.chainCode,
        },
      },
      options: { ...this.#options, ...signal },
    });
    if (!renewed.publicKey.equals(share.publicKey))
      throw new CkmError('ProtocolAborted', 'the re-share changed the public key');
    await this.#setState({
      config: next,
      urls: nextUrls,
      deviceKeys,
      version: nextVersion,
      share: renewed,
      uncommitted: [...nextUrls.keys()],
    });
    this.#options.onProgress?.({ stage: 'commit' });
    await this.commitPending({ ...signal, strict: true });
  }

  /**
   * The old device's watch (docs/ckm.md §5): each server's pending recovery, if any. A server
   * that cannot be reached is reported with its `error`; the others still answer.
   */
  async pendingRecoveries(
    args: { signal?: AbortSignal } = {},
  ): Promise<(ServerRecoveryStatus & { error?: CkmError })[]> {
    const { config, deviceKeys, urls } = this.#state;
    return Promise.all(
      [...urls].map(async ([party, url]) => {
        const name = partyOf(config, party).name;
        try {
          const view = await new ServerConnection(url, this.#transport).recoveryStatus(
            deviceKeys,
            config.walletId,
            args.signal,
          );
          return { party, url, name, ...view };
        } catch (error) {
          return { party, url, name, error: asCkmError(error, party) };
        }
      }),
    );
  }

  /**
   * The old device's veto: cancels the pending recovery at every server that holds one (within
   * its waiting period; afterwards a server answers `Conflict`). One unreachable server is
   * reported in `failed`; the others are still cancelled, and a single server that refuses is
   * enough to stop the recovery (it needs every server).
   */
  async cancelRecovery(
    args: { signal?: AbortSignal } = {},
  ): Promise<{ cancelled: number[]; failed: { party: number; error: CkmError }[] }> {
    const { config, deviceKeys } = this.#state;
    const views = await this.pendingRecoveries(args);
    const cancelled: number[] = [];
    const failed: { party: number; error: CkmError }[] = [];
    await Promise.all(
      views.map(async (view) => {
        if (view.error) return void failed.push({ party: view.party, error: view.error });
        if (!view.pending) return;
        try {
          await new ServerConnection(view.url, this.#transport).cancelRecovery(
            deviceKeys,
            config.walletId,
            view.pending.startedAt,
            args.signal,
          );
          cancelled.push(view.party);
        } catch (error) {
          failed.push({ party: view.party, error: asCkmError(error, view.party) });
        }
      }),
    );
    return { cancelled: cancelled.sort((a, b) => a - b), failed };
  }

  /** Every server's policy view (in parallel; an unreachable server answers with its `error`). */
  async policies(args: { signal?: AbortSignal } = {}): Promise<PolicyAnswer[]> {
    return this.#everyServer((c, keys, walletId) => c.policy(keys, walletId, args.signal));
  }

  /**
   * Sends the owner's rules to every server. Each applies what is stricter at once and what is
   * looser only after its current waiting period (`view.pending`); see docs/ckm.md §10.
   */
  async setPolicy(
    policy: WalletPolicy,
    args: { signal?: AbortSignal } = {},
  ): Promise<PolicyAnswer[]> {
    return this.#everyServer((c, keys, walletId) =>
      c.setPolicy(keys, walletId, policy, args.signal),
    );
  }

  /** Cancels the pending loosening at every server (tightenings already applied stay). */
  async cancelPolicyChange(args: { signal?: AbortSignal } = {}): Promise<PolicyAnswer[]> {
    return this.#everyServer((c, keys, walletId) =>
      c.cancelPolicyChange(keys, walletId, args.signal),
    );
  }

  /**
   * Refuses a held payload at every server. A server that never held it (`NotFound`: it was
   * not asked to co-sign it) answers with its current view instead: nothing to cancel there.
   */
  async cancelHold(holdId: string, args: { signal?: AbortSignal } = {}): Promise<PolicyAnswer[]> {
    return this.#everyServer(async (c, keys, walletId) => {
      try {
        return await c.cancelHold(keys, walletId, holdId, args.signal);
      } catch (error) {
        if (!isCkmError(error, 'NotFound')) throw error;
        return c.policy(keys, walletId, args.signal);
      }
    });
  }

  /** `call` on every server in parallel; each failure is that server's `error`. */
  async #everyServer(
    call: (connection: ServerConnection, keys: PartyKeys, walletId: string) => Promise<PolicyView>,
  ): Promise<PolicyAnswer[]> {
    const { config, deviceKeys, urls } = this.#state;
    return Promise.all(
      [...urls].map(async ([party, url]): Promise<PolicyAnswer> => {
        const name = partyOf(config, party).name;
        try {
          const view = await call(
            new ServerConnection(url, this.#transport),
            deviceKeys,
            config.walletId,
          );
          return { party, url, name, view };
        } catch (error) {
          return { party, url, name, error: asCkmError(error, party) };
        }
      }),
    );
  }

  /**
   * Tells every server that has not confirmed it to commit the current version. With `strict`,
   * throws if any server could not be reached (the others are still committed). `authKeys`
   * signs the commits instead of the device key: after a recovery or restore, a server that has
   * not committed still knows only the old device (see {@link completeRecovery}).
   */
  async commitPending(
    args: { signal?: AbortSignal; strict?: boolean; authKeys?: PartyKeys } = {},
  ): Promise<void> {
    const { config, urls, version, deviceKeys } = this.#state;
    const authKeys = args.authKeys ?? deviceKeys;
    const outcomes = await Promise.allSettled(
      this.#state.uncommitted.map(async (index) => {
        const connection = new ServerConnection(urls.get(index) as string, this.#transport);
        const commit = (keys: PartyKeys) =>
          connection.commit(keys, config.walletId, version, args.signal);
        try {
          await commit(authKeys);
        } catch (error) {
          // A server that committed already (its answer lost) knows only the new device now:
          // ask it again as that device (committing the active version is a no-op).
          if (authKeys === deviceKeys || !isCkmError(error, 'Unauthorized')) throw error;
          await commit(deviceKeys);
        }
        return index;
      }),
    );
    const done = new Set(outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])));
    if (done.size > 0)
      await this.#setState({
        ...this.#state,
        uncommitted: this.#state.uncommitted.filter((i) => !done.has(i)),
      });
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (args.strict && failed) throw (failed as PromiseRejectedResult).reason;
  }

  async #signWith(
    server: number,
    payload: SignPayload,
    digest: Uint8Array,
    path: readonly number[],
    signal?: AbortSignal,
  ): Promise<ThresholdSignature> {
    if (this.#state.uncommitted.includes(server)) {
      await this.commitPending(signal ? { signal } : {});
      if (this.#state.uncommitted.includes(server))
        throw new CkmError(
          'ServerUnavailable',
          `server ${server} has not committed the current key`,
        );
    }
    const { config, deviceKeys, urls, share, version } = this.#state;
    const url = urls.get(server);
    if (!url) throw new CkmError('InvalidParameters', `no server ${server}`);
    const connection = new ServerConnection(url, this.#transport);
    const rng = this.#options.rng ?? cryptoRng;
    const sessionId = newSessionId();
    const sid = sessionChannelId(config.walletId, sessionId);
    const deviceParty = deviceIndex(config);
    const signers = [deviceParty, server].sort((x, y) => x - y);
    const clientNonce = rng(32);
    const opened = await connection.open(
      deviceKeys,
      config.walletId,
      { sessionId, kind: 'sign', version, signers, path, payload, clientNonce },
      signal,
    );
    if (!opened.serverNonce || !opened.digest)
      throw new CkmError('MalformedMessage', 'the server did not send its nonce and digest');
    if (!bytesEqual(opened.digest, digest))
      throw new CkmError('ProtocolAborted', 'the server computed another digest for this payload', {
        culprit: server,
      });
    const request = {
      signers,
      path,
      digest,
      sessionNonce: signSessionNonce(clientNonce, opened.serverNonce),
    };
    let state: SignState | undefined;
    let signature: ThresholdSignature | undefined;
    const device: LocalParty = {
      ends: channelEnds(config, deviceParty, deviceKeys, signers),
      inboundTypes: (step) => inboundTypes('sign', step),
      first: () => {
        const out = signFirstStep(share, request, rng);
        if ('state' in out) state = out.state;
        return out.outbound;
      },
      next: (_step, inbound) => {
        const out = signNextStep(state as SignState, inbound, rng);
        if ('state' in out) state = out.state;
        else signature = out.signature;
        return out.outbound;
      },
    };
    const remote: RemoteParty = {
      index: server,
      next: (step, inbound, stepSignal) =>
        connection.step(deviceKeys, config.walletId, sessionId, step, inbound, stepSignal),
    };
    const answers = await runSession({
      sid,
      device,
      servers: [remote],
      opened: new Map([[server, opened]]),
      ...(signal ? { signal } : {}),
    });
    if (!signature) throw new CkmError('ProtocolAborted', 'the signature was not produced');
    const theirs = answers.get(server)?.result;
    if (theirs?.kind === 'signature' && bytesToBigInt(theirs.r) !== signature.r)
      throw new CkmError('ProtocolAborted', 'the server finished with another signature', {
        culprit: server,
      });
    // tss verified it already; verify again at this boundary, where it is used.
    const compact = new secp256k1.Signature(signature.r, signature.s).toBytes('compact');
    if (!secp256k1.verify(compact, digest, signature.publicKey.toBytes(true), { prehash: false }))
      throw new CkmError('ProtocolAborted', 'the threshold signature does not verify');
    return signature;
  }

  async #setState(state: DeviceWalletState): Promise<void> {
    this.#state = state;
    await this.#options.onStateChange?.(state);
  }
}

/**
 * Runs a DKG-shaped session (new key, refresh, re-share, import) with every server; returns the
 * device's share. `open` may differ per server (an import seals each server its own share, under
 * `sessionId`, which the caller then picks).
 */
export async function runKeySession(args: {
  config: WalletConfig;
  deviceKeys: PartyKeys;
  /** Who signs the HTTP requests (the device, or the recovery credential); default the device. */
  authKeys?: PartyKeys;
  urls: ReadonlyMap<number, string>;
  transport: Transport;
  kind: 'dkg' | 'refresh' | 'reshare' | 'import';
  version: number;
  deviceConfig: DkgConfig;
  open:
    | DistributiveOmit<OpenSessionRequest, 'sessionId'>
    | ((server: number) => DistributiveOmit<OpenSessionRequest, 'sessionId'>);
  sessionId?: string;
  options: ClientOptions;
}): Promise<KeyShare> {
  const { config, deviceKeys, urls, transport, options } = args;
  const authKeys = args.authKeys ?? deviceKeys;
  const rng = options.rng ?? cryptoRng;
  const sessionId = args.sessionId ?? newSessionId();
  const sid = sessionChannelId(config.walletId, sessionId);
  const all = config.parties.map((p) => p.index);
  const open = args.open;
  const openFor = typeof open === 'function' ? open : () => open;
  const connections = new Map(
    [...urls].map(([index, url]) => [index, new ServerConnection(url, transport)] as const),
  );
  const opened = new Map<number, StepResponse>(
    await Promise.all(
      [...connections].map(
        async ([index, c]) =>
          [
            index,
            await c.open(
              authKeys,
              config.walletId,
              { sessionId, ...openFor(index) } as OpenSessionRequest,
              options.signal,
            ),
          ] as const,
      ),
    ),
  );
  let state: DkgState | undefined;
  let share: KeyShare | undefined;
  const device: LocalParty = {
    ends: channelEnds(config, deviceIndex(config), deviceKeys, all),
    inboundTypes: (step) => inboundTypes('dkg', step),
    first: () => {
      const out = dkgFirstStep(args.deviceConfig, rng);
      if ('state' in out) state = out.state;
      return out.outbound;
    },
    next: (_step, inbound) => {
      const out = dkgNextStep(state as DkgState, inbound, rng);
      if ('state' in out) state = out.state;
      else share = out.share;
      return out.outbound;
    },
  };
  const servers: RemoteParty[] = [...connections].map(([index, c]) => ({
    index,
    next: (step, inbound, signal) =>
      c.step(authKeys, config.walletId, sessionId, step, inbound, signal),
  }));
  const answers = await runSession({
    sid,
    device,
    servers,
    opened,
    ...(options.signal ? { signal: options.signal } : {}),
    onStep: (step) => options.onProgress?.({ stage: args.kind, step, steps: 4 }),
  });
  if (!share) throw new CkmError('ProtocolAborted', 'the key was not produced');
  const mine = share.publicKey.toBytes(true);
  for (const [index, answer] of answers) {
    const result = answer.result;
    if (
      result?.kind !== 'key' ||
      result.version !== args.version ||
      !bytesEqual(result.publicKey, mine)
    )
      throw new CkmError('ProtocolAborted', 'a server finished with another key', {
        culprit: index,
      });
  }
  return share;
}

/** Errors after which another server may succeed. Refusals of the payload itself are final. */
function failoverWorthy(error: CkmError): boolean {
  return ![
    'InvalidPayload',
    'BareHashRefused',
    'ChainIdMismatch',
    'PolicyRefused',
    'Cancelled',
  ].includes(error.code);
}

function asCkmError(error: unknown, server: number): CkmError {
  if (error instanceof CkmError) return error;
  if (isTssError(error))
    return new CkmError('ProtocolAborted', `with server ${server}: ${error.code}`, {
      culprit: error.culprit,
      cause: error,
    });
  return new CkmError('ServerError', `with server ${server}: unexpected failure`, { cause: error });
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let out = 0n;
  for (const b of bytes) out = (out << 8n) | BigInt(b);
  return out;
}
