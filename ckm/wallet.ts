/**
 * A wallet's public configuration, the same at every party: its id, threshold, and every party's
 * index, role and pinned identity. A new wallet's device is party 1 (research/tecdsa.md §2.0) and
 * its servers 2…n; a re-share that replaces a party gives the newcomer a fresh index (e.g.
 * {1,2,3} → {1,2,4}), so an old share can never be mistaken for a new one. Each server receives
 * the configuration at enrollment and keeps it (a re-share replaces it at commit): sessions seal
 * and open messages only with these identities, so nobody can slip another server into the wallet.
 * @module
 */
import { MAX_PARTIES, MIN_PARTIES } from '../tss/params';
import { lengthPrefixed, toHex } from './bytes';
import type { ChannelEnds } from './channel';
import { CkmError } from './errors';
import { type PartyIdentity, type PartyKeys, parsePartyIdentity } from './identity';

export const DEVICE_PARTY = 1;

export type PartyRole = 'device' | 'server';

export type WalletParty = {
  readonly index: number;
  readonly role: PartyRole;
  /** The server's name from its identity document, or "device". */
  readonly name: string;
  readonly identity: PartyIdentity;
};

export type WalletConfig = {
  /** 32 lowercase hex characters (16 random bytes). */
  readonly walletId: string;
  readonly threshold: number;
  /**
   * `'import'`: the key is a LEGACY import that once existed whole (`ckm/client/import.ts`); the
   * servers then run an import session instead of a DKG, and the UI marks the account. Absent: the
   * key is (to be) made by the DKG and never existed whole.
   */
  readonly origin?: 'import';
  /** Ascending by index; exactly one is the device. */
  readonly parties: readonly WalletParty[];
  /**
   * Ed25519 public key of the wallet's recovery credential (kept on paper or in SSKR shares),
   * if one was made: it may ask the servers to re-share the key to a new device.
   */
  readonly recoveryKey?: Uint8Array;
  /**
   * Seconds between a recovery's start and the servers' consent to it (the old device's time to
   * veto, docs/ckm.md §5); only with `recoveryKey`. Absent means {@link DEFAULT_RECOVERY_DELAY_SECONDS}.
   */
  readonly recoveryDelaySeconds?: number;
};

/** The waiting period of a recovery when the configuration names none: 48 hours. */
export const DEFAULT_RECOVERY_DELAY_SECONDS = 48 * 3600;
/** The longest waiting period a wallet may choose: 31 days. */
export const MAX_RECOVERY_DELAY_SECONDS = 31 * 24 * 3600;

/** The configuration's waiting period for a recovery, in seconds. */
export function recoveryDelayOf(config: WalletConfig): number {
  return config.recoveryDelaySeconds ?? DEFAULT_RECOVERY_DELAY_SECONDS;
}

const WALLET_ID = /^[0-9a-f]{32}$/;
const NAME = /^[\x20-\x7e]{1,64}$/;

export function isWalletId(value: unknown): value is string {
  return typeof value === 'string' && WALLET_ID.test(value);
}

/** A fresh wallet id from `crypto.getRandomValues`. */
export function newWalletId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}

/** The wire form (CBOR-friendly plain data). */
export function walletConfigToWire(config: WalletConfig): object {
  return {
    walletId: config.walletId,
    threshold: config.threshold,
    parties: config.parties.map((p) => ({
      index: p.index,
      role: p.role,
      name: p.name,
      signingKey: p.identity.signingKey,
      agreementKey: p.identity.agreementKey,
    })),
    ...(config.origin ? { origin: config.origin } : {}),
    ...(config.recoveryKey ? { recoveryKey: config.recoveryKey } : {}),
    // Omitted when absent, so a configuration without it encodes exactly as before.
    ...(config.recoveryDelaySeconds === undefined
      ? {}
      : { recoveryDelaySeconds: config.recoveryDelaySeconds }),
  };
}

/** Strict parse: known fields only, one device, ascending distinct indices, distinct keys, 2 ≤ t ≤ n ≤ 16. */
export function parseWalletConfig(value: unknown): WalletConfig {
  const record = asRecord(value, 'config', [
    'walletId',
    'threshold',
    'parties',
    'recoveryKey',
    'origin',
    'recoveryDelaySeconds',
  ]);
  if (!isWalletId(record.walletId))
    throw new CkmError(
      'MalformedMessage',
      '"config.walletId" expected 32 lowercase hex characters',
    );
  const parties = record.parties;
  if (!Array.isArray(parties) || parties.length < MIN_PARTIES || parties.length > MAX_PARTIES)
    throw new CkmError(
      'MalformedMessage',
      `"config.parties" expected ${MIN_PARTIES} to ${MAX_PARTIES} parties`,
    );
  const threshold = record.threshold;
  if (
    typeof threshold !== 'number' ||
    !Number.isInteger(threshold) ||
    threshold < MIN_PARTIES ||
    threshold > parties.length
  )
    throw new CkmError('MalformedMessage', '"config.threshold" expected an integer in 2..n');
  const parsed = parties.map((item, k) => parseParty(item, `config.parties[${k}]`));
  const seenKeys = new Set<string>();
  if (parsed.filter((p) => p.role === 'device').length !== 1)
    throw new CkmError('MalformedMessage', '"config.parties" expected exactly one device');
  parsed.forEach((party, k) => {
    if (k > 0 && party.index <= (parsed[k - 1] as WalletParty).index)
      throw new CkmError(
        'MalformedMessage',
        '"config.parties" expected ascending distinct indices',
      );
    for (const key of [party.identity.signingKey, party.identity.agreementKey]) {
      const hex = toHex(key);
      if (seenKeys.has(hex))
        throw new CkmError('MalformedMessage', '"config.parties" reuses an identity key');
      seenKeys.add(hex);
    }
  });
  let recoveryKey: Uint8Array | undefined;
  if (record.recoveryKey !== undefined) {
    if (!(record.recoveryKey instanceof Uint8Array) || record.recoveryKey.length !== 32)
      throw new CkmError('MalformedMessage', '"config.recoveryKey" expected 32 bytes');
    recoveryKey = record.recoveryKey;
  }
  const delay = record.recoveryDelaySeconds;
  if (delay !== undefined) {
    if (
      typeof delay !== 'number' ||
      !Number.isInteger(delay) ||
      delay < 1 ||
      delay > MAX_RECOVERY_DELAY_SECONDS
    )
      throw new CkmError(
        'MalformedMessage',
        `"config.recoveryDelaySeconds" expected an integer in 1..${MAX_RECOVERY_DELAY_SECONDS}`,
      );
    if (!recoveryKey)
      throw new CkmError(
        'MalformedMessage',
        '"config.recoveryDelaySeconds" expected only with "config.recoveryKey"',
      );
  }
  if (record.origin !== undefined && record.origin !== 'import')
    throw new CkmError('MalformedMessage', '"config.origin" expected "import" or nothing');
  return {
    walletId: record.walletId,
    threshold,
    parties: parsed,
    ...(record.origin === 'import' ? { origin: 'import' as const } : {}),
    ...(recoveryKey ? { recoveryKey } : {}),
    ...(delay === undefined ? {} : { recoveryDelaySeconds: delay }),
  };
}

/** The device's party index. */
export function deviceIndex(config: WalletConfig): number {
  return (config.parties.find((p) => p.role === 'device') as WalletParty).index;
}

function parseParty(value: unknown, field: string): WalletParty {
  const record = asRecord(value, field, ['index', 'role', 'name', 'signingKey', 'agreementKey']);
  const { index, role, name } = record;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 1 || index > MAX_PARTIES)
    throw new CkmError('MalformedMessage', `"${field}.index" expected an integer in 1..16`);
  if (role !== 'device' && role !== 'server')
    throw new CkmError('MalformedMessage', `"${field}.role" expected "device" or "server"`);
  if (typeof name !== 'string' || !NAME.test(name))
    throw new CkmError('MalformedMessage', `"${field}.name" expected 1 to 64 printable characters`);
  const identity = parsePartyIdentity(
    { signingKey: record.signingKey, agreementKey: record.agreementKey },
    field,
  );
  return { index, role, name, identity };
}

function asRecord(value: unknown, field: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CkmError('MalformedMessage', `"${field}" expected an object`);
  for (const key of Object.keys(value))
    if (!keys.includes(key))
      throw new CkmError('MalformedMessage', `"${field}.${key}" is not a known field`);
  return value as Record<string, unknown>;
}

export function partyOf(config: WalletConfig, index: number): WalletParty {
  const party = config.parties.find((p) => p.index === index);
  if (!party) throw new CkmError('InvalidParameters', `party ${index} is not in this wallet`);
  return party;
}

/** The channel ends of `self` towards `participants` (the session's parties, self included or not). */
export function channelEnds(
  config: WalletConfig,
  self: number,
  selfKeys: PartyKeys,
  participants: readonly number[],
): ChannelEnds {
  const peers = new Map<number, PartyIdentity>();
  for (const index of participants)
    if (index !== self) peers.set(index, partyOf(config, index).identity);
  return { self, selfKeys, peers };
}

/**
 * The DKG context bound into the session id (tss DkgConfig.context): the wallet id and every
 * party's identity keys, so a transcript cannot be replayed into another wallet or with another
 * server (research/tecdsa.md §2.8 "bound to a sid that includes all identity keys").
 */
export function walletContext(config: WalletConfig, purpose: string): Uint8Array {
  const keys = config.parties.flatMap((p) => [p.identity.signingKey, p.identity.agreementKey]);
  return lengthPrefixed(`ckm/wallet-context/v1/${purpose}`, config.walletId, ...keys);
}
