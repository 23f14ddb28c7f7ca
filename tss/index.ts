/**
 * The public API of `tss/`: DKLs23 threshold ECDSA on secp256k1 (eprint 2023/765), sans-IO.
 * See docs/protocol.md for the protocol as implemented.
 * @module
 */

export { decodePoint, decodeScalar } from './assert';
export type { Point } from './curve';
export { derivePath, encodeXpub, parsePath } from './derivation';
export { dkgFinish } from './dkg/finish';
export { dkgRound1 } from './dkg/round1';
export { dkgRound2 } from './dkg/round2';
export { dkgRound3 } from './dkg/round3';
export type {
  Dkg1Broadcast,
  Dkg2Broadcast,
  Dkg2Direct,
  Dkg3Broadcast,
  Dkg3Direct,
  DkgConfig,
  DkgMode,
} from './dkg/types';
export { isTssError, kindOf, TssError, type TssErrorCode, type TssErrorKind } from './errors';
export { legacyV, messageV, publicKeyToAddress, type RecoveryId, yParity } from './ethereum';
export { type DealerSplit, dealerSplitForImport } from './import';
export { banPeer, type KeyShare, type PairState } from './keyshare';
export { KEY_SHARE_VERSION, PROTOCOL_VERSION } from './params';
export {
  type DealerImportParameters,
  dealerImportConfig,
  type ReshareParameters,
  type ResharePublic,
  refreshConfig,
  reshareConfig,
} from './refresh/config';
export { cryptoRng, type Rng } from './rng';
export { signFinish } from './sign/finish';
export { signRound1 } from './sign/round1';
export { signRound2 } from './sign/round2';
export { signRound3 } from './sign/round3';
export type {
  Sign1Direct,
  Sign2Direct,
  Sign3Broadcast,
  SignRequest,
  ThresholdSignature,
} from './sign/types';
export {
  decodeRoundState,
  encodeRoundState,
  MAX_ROUND_STATE_BYTES,
  type RoundState,
} from './state-codec';
export {
  decodeKeyShare,
  decodeMessage,
  encodeKeyShare,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  type MessageType,
} from './wire';
