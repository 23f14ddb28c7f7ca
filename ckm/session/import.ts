/**
 * LEGACY key import, the CKM half around `tss/import.ts` (docs/ckm.md §9, docs/protocol.md §11):
 * the device deals a Shamir split of a key that existed whole (MetaMask), seals each server ONLY
 * its own share f(i) through the party-to-party channel of this session, and every party then
 * re-shares its dealt share with every party a survivor (tss `dealerImportConfig`), which checks
 * the Feldman commitments again, sets up the pairwise OT state and zero seeds, and leaves shares
 * the dealer never saw.
 *
 * Why the channel: a sealed message is signed by the device and encrypted to one server under a
 * key bound to the session's channel id (`sessionChannelId(walletId, sessionId)`), so the share
 * can be read by that server only, and cannot be replayed into another session or wallet.
 *
 * This module is pure: the server's checks that need its store (version 1, no key yet) stay in
 * `ckm/server/service.ts`.
 * @module
 */
import { type DkgConfig, dealerImportConfig, decodeScalar, type Rng } from '../../tss/index';
import { verifyFeldmanShare } from '../../tss/poly';
import type { OpenSessionRequest } from '../api';
import { type ChannelEnds, openMessage, type SealedMessage, sealMessage } from '../channel';
import { CkmError } from '../errors';
import type { PartyKeys } from '../identity';
import { channelEnds, deviceIndex, type WalletConfig, walletContext } from '../wallet';

/** The channel message type of the dealt share (device → one server, once per session). */
export const IMPORT_SHARE_TYPE = 'import.share';
/** The DKG context purpose of an import (key version 1). */
export const IMPORT_PURPOSE = 'import/1';

export type ImportOpenRequest = Extract<OpenSessionRequest, { kind: 'import' }>;

/** 32-byte big-endian encoding of a scalar (SEC 1 §2.3.7 with mlen = 32). */
function scalarBytes(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * The device seals server `to` its dealt share. The encoding buffer is zero-filled at once; the
 * bigint `share` itself cannot be wiped (see `ckm/client/import.ts`).
 * @example const sealed = sealDealtShare(ends, sid, 2, split.shares.get(2), cryptoRng);
 */
export function sealDealtShare(
  ends: ChannelEnds,
  sid: Uint8Array,
  to: number,
  share: bigint,
  rng?: Rng,
): SealedMessage {
  const bytes = scalarBytes(share);
  try {
    return sealMessage(ends, sid, to, IMPORT_SHARE_TYPE, bytes, rng);
  } finally {
    bytes.fill(0);
  }
}

/**
 * A server checks an import request against its wallet and returns its DKG configuration
 * (re-share of the dealt share). Checks, each with its typed error: the wallet was enrolled for an
 * import; one commitment per coefficient (t of them); F_0 is the claimed public key; the share
 * opens as a message of type `import.share` sealed by the device to this server in this session
 * (the channel's own errors: `WrongSession`, `WrongRecipient`, `BadSignature`, …); it is a
 * canonical non-zero scalar; it lies on the committed polynomial (Feldman, g^{f(i)} = Π F_k^{i^k}).
 */
export function importDkgConfig(args: {
  readonly config: WalletConfig;
  readonly self: number;
  readonly keys: PartyKeys;
  readonly sid: Uint8Array;
  readonly request: ImportOpenRequest;
}): DkgConfig {
  const { config, self, keys, sid, request } = args;
  if (config.origin !== 'import')
    throw new CkmError('InvalidParameters', 'this wallet was enrolled for a DKG, not an import');
  const { commitments, publicKey } = request;
  if (commitments.length !== config.threshold)
    throw new CkmError(
      'InvalidParameters',
      `expected ${config.threshold} commitments (one per coefficient)`,
    );
  if (!commitments[0]?.equals(publicKey))
    throw new CkmError('InvalidParameters', 'the first commitment is not the imported key');
  const device = deviceIndex(config);
  const all = config.parties.map((p) => p.index);
  const opened = openMessage(
    channelEnds(config, self, keys, all),
    sid,
    IMPORT_SHARE_TYPE,
    request.share,
  );
  if (opened.from !== device)
    throw new CkmError('WrongSender', 'the dealt share must come from the device', {
      culprit: opened.from,
    });
  let dealerShare: bigint;
  try {
    dealerShare = decodeScalar(opened.payload, 'share');
  } catch {
    throw new CkmError('InvalidParameters', 'the dealt share is not a canonical non-zero scalar', {
      culprit: device,
    });
  } finally {
    opened.payload.fill(0);
  }
  if (!verifyFeldmanShare(commitments, self, dealerShare))
    throw new CkmError('ProtocolAborted', 'the dealt share is not on the committed polynomial', {
      culprit: device,
    });
  return dealerImportConfig({
    self,
    parties: all,
    threshold: config.threshold,
    dealerShare,
    commitments,
    chainCode: request.chainCode,
    context: walletContext(config, IMPORT_PURPOSE),
  });
}
