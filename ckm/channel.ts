/**
 * Party-to-party channels: every protocol message is signed by its sender and encrypted to its
 * receiver, so the extension, which relays the messages between servers, learns nothing and can
 * change, drop, reorder, replay or re-target nothing without a typed error (research/tecdsa.md
 * §2.0 "Transport"; §3.3 TOB-SILA-6, AEAD nonce reuse between directions, and TOB-SILA-9,
 * messages replayable across sessions).
 *
 * Construction (party i sends `payload` of message type `type` to party j in session `sid`):
 *
 *     shared  = X25519(a_i, A_j)                        refused if all zero (RFC 7748 §6.1)
 *     k_{i→j} = HKDF-SHA256(ikm = shared, salt = sid,
 *                 info = LP("ckm/channel/v1", S_i, S_j, A_i, A_j, u32(i), u32(j)), length 32)
 *     header  = LP([1], sid, u32(i), u32(j), type)       [1] is the one-byte version v
 *     nonce   = 24 fresh random bytes
 *     ct      = XChaCha20-Poly1305(k_{i→j}, nonce, payload, aad = header)
 *     sig     = Ed25519(s_i, LP("ckm/channel/v1/sig", header, nonce, ct))
 *
 * where S are Ed25519 and A X25519 public keys, a and s the matching secrets, LP the
 * length-prefixed tuple encoding of `ckm/bytes.ts` (u32 big-endian length before each part) and
 * u32 a big-endian 32-bit integer. The message on the wire is
 * `{ v: 1, sid, from: i, to: j, type, nonce, ct, sig }`.
 *
 * Why each part:
 * - The key depends on the ordered pair (i, j) and on `sid`, so the two directions and every
 *   session use different keys; with 192-bit random nonces a nonce never repeats under a key in
 *   practice (the XChaCha20 nonce is large enough to be random).
 * - Encrypt-then-sign: the receiver checks the signature (strict RFC 8032, no ZIP-215) before it
 *   decrypts, so an altered message costs one verification and reveals nothing. The signature is
 *   also a public proof of what the sender sent, which is what a ban decision needs.
 * - The header binds version, session, sender, receiver and type to both the signature and the
 *   AEAD. Cheap checks run first with specific errors: a message of another session fails on
 *   `sid` (`WrongSession`), a re-targeted one on `to` (`WrongRecipient`), an unknown sender on
 *   `from` (`WrongSender`), a message of another round on `type` (`MalformedMessage`), and any
 *   altered bit on the signature (`BadSignature`) or the AEAD (`DecryptionFailed`).
 * - Within a session, {@link openRound} accepts one message per (sender, type): a replay is
 *   `Replayed`, a dropped message `MissingMessage`. The caller opens each round once.
 *
 * Blame: a bad signature is not pinned on `from`, because the relay could have written it; a
 * message whose signature verifies but whose AEAD fails was produced by its sender, who is named
 * as the culprit.
 *
 * Keys are derived per message by one HKDF; the X25519 shared secret under it depends only on
 * the two parties' long-term keys, so it is computed once per pair and kept, beside the secret it
 * came from: per `Uint8Array` holding this party's agreement secret (a `WeakMap`, so the entry goes
 * with that buffer), by the peer's public key, at most {@link SHARED_SECRETS_PER_KEY} peers. The
 * cryptography is `ckm/primitives.ts` (OpenSSL in Node, noble elsewhere).
 * @module
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { MAX_PARTIES } from '../tss/params';
import { cryptoRng, type Rng } from '../tss/rng';
import { setBounded } from './bounded-map';
import { bytesEqual, isAllZero, lengthPrefixed, toHex, u32be } from './bytes';
import { readBytes, readField, readInt, readObject, readString } from './codec';
import { CkmError } from './errors';
import type { PartyIdentity, PartyKeys } from './identity';
import { primitives } from './primitives';

export const CHANNEL_VERSION = 1;
export const SID_BYTES = 32;
export const NONCE_BYTES = 24;
export const SIGNATURE_BYTES = 64;
const TAG_BYTES = 16;
/** Largest payload; the largest `tss/` message (`sign2`) is about 66 KB. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_CIPHERTEXT_BYTES = MAX_PAYLOAD_BYTES + TAG_BYTES;
const TYPE_RULE = { min: 1, max: 64, pattern: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/ } as const;
const KEY_DOMAIN = 'ckm/channel/v1';
const SIGNATURE_DOMAIN = 'ckm/channel/v1/sig';
const SEALED_KEYS = ['v', 'sid', 'from', 'to', 'type', 'nonce', 'ct', 'sig'] as const;
/** Peers whose shared secret is kept per agreement secret (a server has one secret, many peers). */
export const SHARED_SECRETS_PER_KEY = 4096;

export type SealedMessage = {
  readonly v: 1;
  readonly sid: Uint8Array;
  readonly from: number;
  readonly to: number;
  readonly type: string;
  readonly nonce: Uint8Array;
  readonly ct: Uint8Array;
  readonly sig: Uint8Array;
};

/**
 * One party's view: its own index and keys, and the pinned identity of each peer by index. Peer
 * identities must come from `parsePartyIdentity` (or a pinned copy of one), which refuses
 * invalid and small-order keys; this module does not re-check them per message.
 */
export type ChannelEnds = {
  readonly self: number;
  readonly selfKeys: PartyKeys;
  readonly peers: ReadonlyMap<number, PartyIdentity>;
};

export type OpenedMessage = { readonly from: number; readonly payload: Uint8Array };

// ---------------------------------------------------------------------------------------------
// Construction

const sharedSecrets = new WeakMap<Uint8Array, Map<string, Uint8Array>>();

/** X25519(secret, peerAgreementKey), computed once per pair (see the module doc). */
function sharedSecret(secret: Uint8Array, peerAgreementKey: Uint8Array): Uint8Array {
  let byPeer = sharedSecrets.get(secret);
  if (!byPeer) {
    byPeer = new Map();
    sharedSecrets.set(secret, byPeer);
  }
  const peer = toHex(peerAgreementKey);
  const known = byPeer.get(peer);
  if (known) return known;
  let shared: Uint8Array;
  try {
    shared = primitives.x25519(secret, peerAgreementKey);
  } catch (cause) {
    throw new CkmError('InvalidIdentity', 'peer agreement key gives no shared secret', { cause });
  }
  if (isAllZero(shared))
    throw new CkmError('InvalidIdentity', 'peer agreement key gives an all-zero shared secret');
  return setBounded(byPeer, peer, shared, SHARED_SECRETS_PER_KEY);
}

/** k_{from→to} (see the module doc); `secret` is this party's X25519 secret. */
function directionalKey(
  secret: Uint8Array,
  peerAgreementKey: Uint8Array,
  sid: Uint8Array,
  sender: { readonly index: number; readonly identity: PartyIdentity },
  receiver: { readonly index: number; readonly identity: PartyIdentity },
): Uint8Array {
  const shared = sharedSecret(secret, peerAgreementKey);
  const info = lengthPrefixed(
    KEY_DOMAIN,
    sender.identity.signingKey,
    receiver.identity.signingKey,
    sender.identity.agreementKey,
    receiver.identity.agreementKey,
    u32be(sender.index),
    u32be(receiver.index),
  );
  return hkdf(sha256, shared, sid, info, 32);
}

function channelHeader(sid: Uint8Array, from: number, to: number, type: string): Uint8Array {
  return lengthPrefixed(Uint8Array.of(CHANNEL_VERSION), sid, u32be(from), u32be(to), type);
}

function signedBytes(header: Uint8Array, nonce: Uint8Array, ct: Uint8Array): Uint8Array {
  return lengthPrefixed(SIGNATURE_DOMAIN, header, nonce, ct);
}

function isPartyIndex(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_PARTIES;
}

function assertSid(sid: Uint8Array): void {
  if (!(sid instanceof Uint8Array) || sid.length !== SID_BYTES)
    throw new CkmError('InvalidParameters', `"sid" expected ${SID_BYTES} bytes`);
}

// ---------------------------------------------------------------------------------------------
// API

/**
 * Signs and encrypts `payload` from `ends.self` to party `to` (a known peer) in session `sid`.
 * @example const sealed = sealMessage(ends, sid, 2, 'dkg1', encodeWire('dkg1', body));
 */
export function sealMessage(
  ends: ChannelEnds,
  sid: Uint8Array,
  to: number,
  type: string,
  payload: Uint8Array,
  rng: Rng = cryptoRng,
): SealedMessage {
  assertSid(sid);
  if (!isPartyIndex(ends.self))
    throw new CkmError('InvalidParameters', '"self" expected a party index');
  const receiver = ends.peers.get(to);
  if (to === ends.self || receiver === undefined)
    throw new CkmError('InvalidParameters', '"to" is not a known peer');
  if (!TYPE_RULE.pattern.test(type) || type.length > TYPE_RULE.max)
    throw new CkmError('InvalidParameters', '"type" must be a short ASCII name');
  if (!(payload instanceof Uint8Array))
    throw new CkmError('InvalidParameters', '"payload" expected bytes');
  if (payload.length > MAX_PAYLOAD_BYTES)
    throw new CkmError('TooLarge', `"payload" is larger than ${MAX_PAYLOAD_BYTES} bytes`);

  const key = directionalKey(
    ends.selfKeys.agreementSecret,
    receiver.agreementKey,
    sid,
    { index: ends.self, identity: ends.selfKeys.identity },
    { index: to, identity: receiver },
  );
  const header = channelHeader(sid, ends.self, to, type);
  const nonce = rng(NONCE_BYTES);
  const ct = primitives.xchachaSeal(key, nonce, payload, header);
  key.fill(0);
  const sig = primitives.ed25519Sign(signedBytes(header, nonce, ct), ends.selfKeys.signingSecret);
  return {
    v: CHANNEL_VERSION,
    sid: new Uint8Array(sid),
    from: ends.self,
    to,
    type,
    nonce,
    ct,
    sig,
  };
}

/**
 * Checks the shape of a decoded sealed message: exact fields, lengths and ranges
 * (`MalformedMessage`), version (`UnsupportedVersion`), ciphertext size (`TooLarge`). Nothing
 * cryptographic: see {@link openMessage}.
 */
export function parseSealedMessage(value: unknown): SealedMessage {
  const obj = readObject(value, 'sealed', SEALED_KEYS);
  if (readInt(obj, 'v', { min: 0, max: 0xffff_ffff }) !== CHANNEL_VERSION)
    throw new CkmError('UnsupportedVersion', '"sealed.v" is not a supported channel version');
  const ct = readField(obj, 'ct');
  if (ct instanceof Uint8Array && ct.length > MAX_CIPHERTEXT_BYTES)
    throw new CkmError('TooLarge', `"sealed.ct" is larger than ${MAX_CIPHERTEXT_BYTES} bytes`);
  return {
    v: CHANNEL_VERSION,
    sid: readBytes(obj, 'sid', SID_BYTES),
    from: readInt(obj, 'from', { min: 1, max: MAX_PARTIES }),
    to: readInt(obj, 'to', { min: 1, max: MAX_PARTIES }),
    type: readString(obj, 'type', TYPE_RULE),
    nonce: readBytes(obj, 'nonce', NONCE_BYTES),
    ct: readBytes(obj, 'ct', { min: TAG_BYTES, max: MAX_CIPHERTEXT_BYTES }),
    sig: readBytes(obj, 'sig', SIGNATURE_BYTES),
  };
}

/**
 * Verifies and decrypts one message: shape, then `sid`, `to === self`, `from` a known peer,
 * `type === expectedType`, then the sender's signature, then the AEAD (see the module doc for
 * the error of each step).
 */
export function openMessage(
  ends: ChannelEnds,
  sid: Uint8Array,
  expectedType: string,
  sealed: unknown,
): OpenedMessage {
  assertSid(sid);
  const message = parseSealedMessage(sealed);
  if (!bytesEqual(message.sid, sid))
    throw new CkmError('WrongSession', `"${expectedType}" message belongs to another session`);
  if (message.to !== ends.self)
    throw new CkmError('WrongRecipient', `"${expectedType}" message is addressed to another party`);
  const sender = ends.peers.get(message.from);
  if (message.from === ends.self || sender === undefined)
    throw new CkmError('WrongSender', `"${expectedType}" message is from an unknown party`);
  if (message.type !== expectedType)
    throw new CkmError('MalformedMessage', `expected a "${expectedType}" message`);

  const header = channelHeader(message.sid, message.from, message.to, message.type);
  const authentic = primitives.ed25519Verify(
    message.sig,
    signedBytes(header, message.nonce, message.ct),
    sender.signingKey,
  );
  // No culprit: whoever relayed the message could have written this signature.
  if (!authentic)
    throw new CkmError('BadSignature', `"${expectedType}" message has a bad signature`);

  const key = directionalKey(
    ends.selfKeys.agreementSecret,
    sender.agreementKey,
    message.sid,
    { index: message.from, identity: sender },
    { index: ends.self, identity: ends.selfKeys.identity },
  );
  let payload: Uint8Array;
  try {
    payload = primitives.xchachaOpen(key, message.nonce, message.ct, header);
  } catch (cause) {
    // The sender signed this ciphertext, so the sender is to blame.
    throw new CkmError('DecryptionFailed', `"${expectedType}" message does not decrypt`, {
      culprit: message.from,
      cause,
    });
  } finally {
    key.fill(0);
  }
  return { from: message.from, payload };
}

/**
 * Collects exactly one message of `type` from each party in `expectedFrom`: a second message of
 * a sender is `Replayed`, a message of a sender not expected is `WrongSender`, and a sender with
 * no message is `MissingMessage`. The message names the missing party but sets no culprit: the
 * relay may have dropped it.
 */
export function openRound(
  ends: ChannelEnds,
  sid: Uint8Array,
  type: string,
  expectedFrom: readonly number[],
  sealed: readonly unknown[],
): Map<number, Uint8Array> {
  assertSid(sid);
  const expected = new Set(expectedFrom);
  if (expected.size !== expectedFrom.length)
    throw new CkmError('InvalidParameters', '"expectedFrom" has duplicates');
  for (const party of expected)
    if (party === ends.self || !ends.peers.has(party))
      throw new CkmError('InvalidParameters', '"expectedFrom" names a party that is not a peer');
  if (!Array.isArray(sealed))
    throw new CkmError('MalformedMessage', `"${type}" round expected a list of messages`);

  const opened = new Map<number, Uint8Array>();
  for (const item of sealed) {
    const { from, payload } = openMessage(ends, sid, type, item);
    if (!expected.has(from))
      throw new CkmError('WrongSender', `"${type}" message from a party not in this round`);
    if (opened.has(from))
      throw new CkmError('Replayed', `second "${type}" message from the same party`);
    opened.set(from, payload);
  }
  for (const party of expectedFrom)
    if (!opened.has(party))
      throw new CkmError('MissingMessage', `"${type}" message of party ${party} is missing`);
  return opened;
}
