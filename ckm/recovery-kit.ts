/**
 * The recovery key (ARCHITECTURE.md flow 4b): what a person keeps off the device, on paper or
 * with friends, to move the wallet to a new device when the device and its backup are both lost.
 *
 * It holds the recovery credential's secrets (an Ed25519 signing key and an X25519 agreement key,
 * like a party's: `generatePartyKeys`) and what a fresh browser needs to find the wallet: its id
 * and each server's URL, name and identity keys (so the new device pins the same servers, not
 * whatever answers at the URL). The servers store only the credential's public signing key (in
 * the wallet configuration) and accept its requests only to start, cancel or complete a recovery,
 * after a waiting period the wallet's own device can cancel (docs/ckm.md §5).
 *
 * Form: an Envelope whose subject is the kit's wire bytes (`ckm/codec.ts`, type
 * `recovery-kit`) with `'isA': "ckm-recovery-key"`. It is deliberately not password-sealed: a
 * recovery key is for the person who forgot everything, and the waiting period plus the old
 * device's veto are what guard it. Shown as `ur:envelope/…` and QR; or SSKR-split (bc-specs §2.9,
 * §3) so that k of n trusted friends together rebuild it and fewer learn nothing.
 * @module
 */
import { randomBytes } from '@noble/ciphers/utils.js';
import { MAJOR } from '../envelope/dcbor';
import { decodeEnvelope } from '../envelope/decode';
import { SYMMETRIC_KEY_LENGTH } from '../envelope/encrypt';
import { Envelope } from '../envelope/envelope';
import { EnvelopeError } from '../envelope/errors';
import { IS_A } from '../envelope/knownValues';
import { sskrJoin, sskrSplit } from '../envelope/sskr';
import { envelopeFromUr, envelopeToUr, envelopeToUrParts } from '../envelope/ur';
import { asObject, decodeWire, encodeWire, readArray, readBytes, readString } from './codec';
import { CkmError } from './errors';
import {
  KEY_BYTES,
  type PartyIdentity,
  type PartyKeys,
  parsePartyIdentity,
  partyKeysFromSecrets,
} from './identity';
import { isWalletId } from './wallet';

/** The `'isA'` of a recovery key envelope. */
export const RECOVERY_KIT_TYPE = 'ckm-recovery-key';
const WIRE_TYPE = 'recovery-kit';
const MAX_KIT_BYTES = 16 * 1024;
const MAX_URL_LENGTH = 2048;
const FIELDS = ['walletId', 'servers', 'signingSecret', 'agreementSecret'];

export type RecoveryKitServer = {
  readonly url: string;
  readonly name: string;
  readonly identity: PartyIdentity;
};

export type RecoveryKit = {
  readonly walletId: string;
  readonly servers: readonly RecoveryKitServer[];
  /** The credential: its public signing key is the wallet configuration's `recoveryKey`. */
  readonly recoveryKeys: PartyKeys;
};

function kitBytes(kit: RecoveryKit): Uint8Array {
  return encodeWire(WIRE_TYPE, {
    walletId: kit.walletId,
    servers: kit.servers.map((s) => ({
      url: s.url,
      name: s.name,
      identity: { signingKey: s.identity.signingKey, agreementKey: s.identity.agreementKey },
    })),
    signingSecret: kit.recoveryKeys.signingSecret,
    agreementSecret: kit.recoveryKeys.agreementSecret,
  });
}

/** @throws {CkmError} `MalformedMessage` naming the field */
function parseKitBytes(bytes: Uint8Array): RecoveryKit {
  const body = asObject(decodeWire(bytes, WIRE_TYPE, MAX_KIT_BYTES), WIRE_TYPE, FIELDS);
  const walletId = readString(body, 'walletId', { max: 64 });
  if (!isWalletId(walletId))
    throw new CkmError('MalformedMessage', `"${WIRE_TYPE}.walletId" is not a wallet id`);
  const servers = readArray(body, 'servers', { min: 1, max: 15 }, (entry, path) => {
    const server = asObject(entry, path, ['url', 'name', 'identity']);
    return {
      url: readString(server, 'url', { min: 1, max: MAX_URL_LENGTH }),
      name: readString(server, 'name', { min: 1, max: 64 }),
      identity: parsePartyIdentity(server.fields.identity, `${path}.identity`),
    };
  });
  return {
    walletId,
    servers,
    recoveryKeys: partyKeysFromSecrets(
      readBytes(body, 'signingSecret', KEY_BYTES),
      readBytes(body, 'agreementSecret', KEY_BYTES),
    ),
  };
}

/** The kit as an Envelope: its bytes, typed. */
export function recoveryKitEnvelope(kit: RecoveryKit): Envelope {
  return Envelope.from(kitBytes(kit)).addAssertion(Envelope.knownValue(IS_A), RECOVERY_KIT_TYPE);
}

/** The kit as one `ur:envelope/…` and as the parts of an animated QR. */
export function recoveryKitToUr(kit: RecoveryKit): { urText: string; qrParts: string[] } {
  const envelope = recoveryKitEnvelope(kit);
  return { urText: envelopeToUr(envelope), qrParts: envelopeToUrParts(envelope) };
}

/**
 * SSKR-splits the kit `threshold`-of-`count` (one group): each share is an Envelope whose subject
 * is encrypted, with one `'sskrShare'`. `sskrSplit` wraps the kit first, so its type is hidden too.
 */
export function splitRecoveryKit(
  kit: RecoveryKit,
  spec: { threshold: number; count: number },
): Envelope[] {
  checkSplit(spec);
  const key = randomBytes(SYMMETRIC_KEY_LENGTH);
  try {
    const groups = sskrSplit(
      recoveryKitEnvelope(kit),
      { groupThreshold: 1, groups: [{ threshold: spec.threshold, count: spec.count }] },
      key,
    );
    return groups[0] ?? [];
  } finally {
    key.fill(0);
  }
}

/** @throws {CkmError} `InvalidParameters` unless 1 ≤ threshold ≤ count ≤ 16 (2 ≤ count). */
export function checkSplit(spec: { threshold: number; count: number }): void {
  const { threshold, count } = spec;
  if (
    !Number.isInteger(threshold) ||
    !Number.isInteger(count) ||
    count < 2 ||
    count > 16 ||
    threshold < 1 ||
    threshold > count
  )
    throw new CkmError('InvalidParameters', 'choose k of n shares with 1 ≤ k ≤ n, 2 ≤ n ≤ 16');
}

/** The kit of an Envelope made by {@link recoveryKitEnvelope}. */
function kitOfEnvelope(envelope: Envelope): RecoveryKit {
  let type: unknown;
  for (const assertion of envelope.assertions()) {
    if (assertion.asPredicate()?.asKnownValue() !== IS_A) continue;
    const object = assertion.asObject()?.asLeaf();
    type = object?.type === MAJOR.text ? object.value : undefined;
  }
  if (type !== RECOVERY_KIT_TYPE)
    throw new CkmError('MalformedMessage', 'this is not a CKM recovery key');
  const leaf = envelope.subject().asLeaf();
  if (leaf?.type !== MAJOR.bytes)
    throw new CkmError('MalformedMessage', 'the recovery key holds no bytes');
  return parseKitBytes(Uint8Array.from(leaf.value));
}

function envelopeOfText(text: string, what: string): Envelope {
  try {
    return envelopeFromUr(text.trim());
  } catch (cause) {
    throw new CkmError('MalformedMessage', `${what} is not a ur:envelope text`, { cause });
  }
}

/**
 * The kit from its UR text (`ur:envelope/…`).
 * @throws {CkmError} `MalformedMessage` for anything else
 */
export function recoveryKitFromUr(text: string): RecoveryKit {
  if (typeof text !== 'string' || text.length > 64 * 1024)
    throw new CkmError('MalformedMessage', 'the recovery key is not a ur:envelope text');
  return kitOfEnvelope(envelopeOfText(text, 'the recovery key'));
}

/** The kit's Envelope bytes (a file). */
export function recoveryKitBytes(kit: RecoveryKit): Uint8Array {
  return recoveryKitEnvelope(kit).toBytes();
}

/**
 * The kit rebuilt from SSKR shares (UR texts, any order, repeats allowed).
 * @throws {CkmError} `MalformedMessage` (a damaged share, shares of different splits, too few)
 */
export function joinRecoveryKit(texts: readonly string[]): RecoveryKit {
  if (!Array.isArray(texts) || texts.length === 0 || texts.length > 16)
    throw new CkmError('MalformedMessage', 'give 1 to 16 recovery key shares');
  const shares = texts.map((text, i) => envelopeOfText(String(text), `share ${i + 1}`));
  let joined: Envelope;
  try {
    joined = sskrJoin(shares);
  } catch (cause) {
    const detail = cause instanceof EnvelopeError ? cause.shortMessage : 'they do not combine';
    throw new CkmError('MalformedMessage', `the shares do not rebuild a recovery key: ${detail}`, {
      cause,
    });
  }
  return kitOfEnvelope(joined);
}

/** Decodes the Envelope bytes of a kit (a file). */
export function recoveryKitFromBytes(bytes: Uint8Array): RecoveryKit {
  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(bytes);
  } catch (cause) {
    throw new CkmError('MalformedMessage', 'the recovery key file is damaged', { cause });
  }
  return kitOfEnvelope(envelope);
}
