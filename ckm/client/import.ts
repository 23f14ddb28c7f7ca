/**
 * LEGACY import of a key that existed whole (a MetaMask seed-phrase account or private key) into a
 * CKM wallet, keeping its address (docs/ckm.md §9): `importWallet({ privateKey, servers })`.
 *
 * Flow: pin and enroll the servers exactly as `createWallet` does, under a fresh wallet id and a
 * configuration marked `origin: 'import'`; deal a t-of-n Shamir split of the key with Feldman
 * commitments (tss `dealerSplitForImport`); open an `import` session in which each server gets
 * ONLY its own share, sealed to it by the device's channel key under this session's id
 * (`ckm/session/import.ts`); then all parties run the re-share with every party a survivor
 * (tss `dealerImportConfig`), and the new version 1 is committed in two phases as after a DKG
 * (docs/ckm.md §4). The device's resulting share and every server's are shares the dealer never
 * saw; the address is checked to be the private key's.
 *
 * THE KEY EXISTED WHOLE: whoever still holds the seed phrase or the key can sign alone, forever.
 * The wallet must mark such accounts and offer to move the funds to a DKG key
 * (`background/import/migration.ts`).
 *
 * Wiping, and what JavaScript cannot promise: `privateKey` (the caller's bytes) is zero-filled as
 * soon as it is read, success or failure; the dealt shares are dropped from the split's map as
 * soon as they are sealed, and every byte encoding of a scalar is zero-filled. bigints are
 * immutable and their copies (the key as a bigint, the polynomial's coefficients inside tss, the
 * dealt shares) can only be dropped for the garbage collector, never overwritten; the same holds
 * for copies the engine makes. The window is the few hundred milliseconds of the split.
 * @module
 */
import {
  cryptoRng,
  dealerImportConfig,
  dealerSplitForImport,
  publicKeyToAddress,
} from '../../tss/index';
import { CkmError } from '../errors';
import { generatePartyKeys, type PartyKeys } from '../identity';
import { newSessionId, sessionChannelId } from '../session/ids';
import { IMPORT_PURPOSE, sealDealtShare } from '../session/import';
import {
  channelEnds,
  DEVICE_PARTY,
  newWalletId,
  type WalletConfig,
  type WalletParty,
  walletContext,
} from '../wallet';
import { ServerConnection } from './connection';
import { fetchTransport } from './transport';
import {
  CkmWallet,
  type ClientOptions,
  type DeviceWalletState,
  runKeySession,
  type ServerChoice,
} from './wallet';

/** N of secp256k1, for the range check of the bytes before they become a bigint. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export type ImportWalletParameters = {
  /** The key to import, 32 bytes big-endian, 1..n−1. Zero-filled by this function. */
  readonly privateKey: Uint8Array;
  readonly servers: readonly ServerChoice[];
  readonly threshold: number;
  /**
   * The chain code the key share carries (for a seed-phrase account, its BIP-32 node's); fresh
   * random bytes by default. Child keys of an imported key are not MetaMask's anyway.
   */
  readonly chainCode?: Uint8Array;
  /** The device identity to enroll; a fresh one by default. */
  readonly deviceKeys?: PartyKeys;
  /** Public key of a recovery credential; none by default. */
  readonly recoveryKey?: Uint8Array;
} & ClientOptions;

/** Reads 32 bytes as a scalar in 1..n−1 and zero-fills them, whatever happens. */
function takeScalar(bytes: Uint8Array): bigint {
  try {
    if (!(bytes instanceof Uint8Array) || bytes.length !== 32)
      throw new CkmError('InvalidParameters', '"privateKey" expected 32 bytes');
    let value = 0n;
    for (const b of bytes) value = (value << 8n) | BigInt(b);
    if (value === 0n || value >= N)
      throw new CkmError('InvalidParameters', '"privateKey" expected a scalar in 1..n-1');
    return value;
  } finally {
    if (bytes instanceof Uint8Array) bytes.fill(0);
  }
}

/**
 * Imports a private key that existed whole as a new CKM wallet with the same address.
 * @example
 * const wallet = await importWallet({ privateKey, servers: [{ url: A }, { url: B }], threshold: 2 });
 * wallet.address === '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'; // for anvil's account 0 key
 */
export async function importWallet(args: ImportWalletParameters): Promise<CkmWallet> {
  const { servers, threshold } = args;
  let secret: bigint | undefined = takeScalar(args.privateKey);
  if (servers.length < 1 || servers.length > 15)
    throw new CkmError('InvalidParameters', 'choose 1 to 15 servers');
  if (!Number.isInteger(threshold) || threshold < 2 || threshold > servers.length + 1)
    throw new CkmError('InvalidParameters', `the threshold must be 2..${servers.length + 1}`);
  if (args.chainCode !== undefined && args.chainCode.length !== 32)
    throw new CkmError('InvalidParameters', '"chainCode" expected 32 bytes');
  const rng = args.rng ?? cryptoRng;
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
    origin: 'import',
    ...(args.recoveryKey ? { recoveryKey: args.recoveryKey } : {}),
  };
  const all = parties.map((p) => p.index);
  // Deal at once and drop the key: from here on only the split exists on this device.
  const split = dealerSplitForImport(secret, threshold, all, rng);
  secret = undefined;
  const expected = publicKeyToAddress(split.publicKey);
  const chainCode = args.chainCode ? Uint8Array.from(args.chainCode) : rng(32);
  const sessionId = newSessionId();
  const sid = sessionChannelId(config.walletId, sessionId);
  const ends = channelEnds(config, DEVICE_PARTY, deviceKeys, all);
  const sealed = new Map<number, ReturnType<typeof sealDealtShare>>();
  for (const party of all) {
    if (party === DEVICE_PARTY) continue;
    sealed.set(party, sealDealtShare(ends, sid, party, split.shares.get(party) as bigint, rng));
    split.shares.delete(party);
  }
  const deviceShare = split.shares.get(DEVICE_PARTY) as bigint;
  split.shares.clear();
  const deviceConfig = dealerImportConfig({
    self: DEVICE_PARTY,
    parties: all,
    threshold,
    dealerShare: deviceShare,
    commitments: split.commitments,
    chainCode,
    context: walletContext(config, IMPORT_PURPOSE),
  });

  args.onProgress?.({ stage: 'enroll' });
  await Promise.all(connections.map((c, k) => c.enroll(deviceKeys, config, k + 2, args.signal)));
  const urls = new Map(connections.map((c, k) => [k + 2, c.url]));
  const share = await runKeySession({
    config,
    deviceKeys,
    urls,
    transport,
    kind: 'import',
    version: 1,
    deviceConfig,
    sessionId,
    open: (server) => ({
      kind: 'import',
      version: 1,
      publicKey: split.publicKey,
      commitments: split.commitments,
      chainCode,
      share: sealed.get(server) as ReturnType<typeof sealDealtShare>,
    }),
    options: args,
  });
  if (!share.publicKey.equals(split.publicKey) || publicKeyToAddress(share.publicKey) !== expected)
    throw new CkmError('ProtocolAborted', 'the imported key is not the private key’s');
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
