/**
 * Party identities: each party (the extension, each CKM server) holds an Ed25519 signing key
 * (RFC 8032) that authenticates everything it sends and an X25519 agreement key (RFC 7748) from
 * which the directional channel keys are derived (`ckm/channel.ts`). A server publishes both in a
 * self-signed {@link ServerIdentityDocument}; a client pins the identity the first time it enrols
 * and afterwards refuses any change ({@link checkPinned}), so a swapped server key is an error,
 * never a silent trust decision.
 *
 * Public keys from the network are parsed strictly ({@link parsePartyIdentity}):
 * - Ed25519: canonical encoding (RFC 8032 §5.1.3, not ZIP-215), on the curve, not of small order,
 *   and in the prime-order subgroup (keys made by {@link generatePartyKeys} always are).
 * - X25519: canonical encoding (top bit clear, u < 2^255 − 19) and not one of the five u values of
 *   small order on the curve or its twist (the libsodium blocklist), for which every shared secret
 *   would be zero or predictable (RFC 7748 §6.1).
 *
 * The identity document is signed with Ed25519 over
 * `lengthPrefixed("ckm/identity-document/v1", encodeWire("identity-document", document))`, where the
 * document is rebuilt field by field in a fixed order, so the signed bytes do not depend on how
 * the peer ordered its map.
 * @module
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { cryptoRng, type Rng } from '../tss/rng';
import { bytesEqual, lengthPrefixed, toHex } from './bytes';
import {
  asString,
  encodeWire,
  readArray,
  readBytes,
  readField,
  readInt,
  readNested,
  readObject,
  readString,
  type WireObject,
} from './codec';
import { CkmError } from './errors';

export type PartyIdentity = {
  /** Ed25519 public key, 32 bytes. */
  readonly signingKey: Uint8Array;
  /** X25519 public key, 32 bytes. */
  readonly agreementKey: Uint8Array;
};

export type PartyKeys = {
  readonly identity: PartyIdentity;
  /** Ed25519 secret key (seed), 32 bytes. */
  readonly signingSecret: Uint8Array;
  /** X25519 secret key, 32 bytes. */
  readonly agreementSecret: Uint8Array;
};

export type ServerLimits = {
  readonly maxBodyBytes: number;
  readonly sessionTtlSeconds: number;
  readonly maxSessionsPerWallet: number;
  readonly requestsPerMinute: number;
};

export type ServerIdentityDocument = {
  readonly protocol: 'ckm/1';
  readonly name: string;
  readonly identity: PartyIdentity;
  readonly limits: ServerLimits;
  /** Capability names, e.g. `['payload-digest', 'chain-id-check']`. */
  readonly policies: readonly string[];
};

export type SignedIdentityDocument = {
  readonly document: ServerIdentityDocument;
  readonly signature: Uint8Array;
};

export const KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const IDENTITY_DOCUMENT_TYPE = 'identity-document';
const IDENTITY_ID_DOMAIN = 'ckm/identity/v1';
const DOCUMENT_SIGNATURE_DOMAIN = 'ckm/identity-document/v1';

/** Limits a document may state; wide enough for any deployment, narrow enough to be sane. */
const LIMIT_RANGES: Readonly<Record<keyof ServerLimits, { min: number; max: number }>> = {
  maxBodyBytes: { min: 1_024, max: 64 * 1_048_576 },
  sessionTtlSeconds: { min: 1, max: 86_400 },
  maxSessionsPerWallet: { min: 1, max: 1_000 },
  requestsPerMinute: { min: 1, max: 1_000_000 },
};
const SERVER_NAME = { min: 1, max: 64, pattern: /^[\x20-\x7e]+$/ } as const;
const POLICY_NAME = { min: 1, max: 64, pattern: /^[a-z0-9][a-z0-9-]*$/ } as const;
const MAX_POLICIES = 32;

/** 2^255 − 19, the field prime of Curve25519. */
const P25519 = 2n ** 255n - 19n;
/**
 * u coordinates of small order on Curve25519 or its twist (canonical forms; the non-canonical
 * p, p + 1 are refused by the range check). Same list as libsodium and noble-curves.
 */
const LOW_ORDER_U: ReadonlySet<bigint> = new Set([
  0n,
  1n,
  P25519 - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
]);

// ---------------------------------------------------------------------------------------------
// Key validation

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i] as number);
  return value;
}

function isValidAgreementKey(key: Uint8Array): boolean {
  if (key.length !== KEY_BYTES) return false;
  const u = littleEndianToBigInt(key);
  return u < P25519 && !LOW_ORDER_U.has(u); // u < p also means the top bit is clear
}

function isValidSigningKey(key: Uint8Array): boolean {
  if (key.length !== KEY_BYTES) return false;
  try {
    const point = ed25519.Point.fromBytes(key, false); // strict RFC 8032 decoding
    return !point.isSmallOrder() && point.isTorsionFree();
  } catch {
    return false;
  }
}

function invalidIdentity(field: string, what: string): never {
  throw new CkmError('InvalidIdentity', `"${field}.${what}" is not a valid public key`);
}

/** Checks both public keys of an identity, `InvalidIdentity` naming the bad one. */
export function assertPartyIdentity(identity: PartyIdentity, field: string): void {
  if (!isValidSigningKey(identity.signingKey)) invalidIdentity(field, 'signingKey');
  if (!isValidAgreementKey(identity.agreementKey)) invalidIdentity(field, 'agreementKey');
}

// ---------------------------------------------------------------------------------------------
// Keys

/**
 * Fresh identity keys from `rng` (default `crypto.getRandomValues`).
 * @example const keys = generatePartyKeys(); identityId(keys.identity)
 */
export function generatePartyKeys(rng: Rng = cryptoRng): PartyKeys {
  return partyKeysFromSecrets(rng(KEY_BYTES), rng(KEY_BYTES));
}

/** The keys of stored secrets (32 bytes each); the public halves are recomputed from them. */
export function partyKeysFromSecrets(
  signingSecret: Uint8Array,
  agreementSecret: Uint8Array,
): PartyKeys {
  if (!(signingSecret instanceof Uint8Array) || signingSecret.length !== KEY_BYTES)
    throw new CkmError('InvalidIdentity', '"signingSecret" expected 32 bytes');
  if (!(agreementSecret instanceof Uint8Array) || agreementSecret.length !== KEY_BYTES)
    throw new CkmError('InvalidIdentity', '"agreementSecret" expected 32 bytes');
  // Public keys computed from secrets are valid by construction (prime-order subgroup, clamped).
  const identity: PartyIdentity = {
    signingKey: ed25519.getPublicKey(signingSecret),
    agreementKey: x25519.getPublicKey(agreementSecret),
  };
  return {
    identity,
    signingSecret: new Uint8Array(signingSecret),
    agreementSecret: new Uint8Array(agreementSecret),
  };
}

/**
 * A stable id for logs and pinning tables: lowercase hex of
 * `sha256(lengthPrefixed("ckm/identity/v1", signingKey, agreementKey))` (64 characters).
 */
export function identityId(identity: PartyIdentity): string {
  return toHex(
    sha256(lengthPrefixed(IDENTITY_ID_DOMAIN, identity.signingKey, identity.agreementKey)),
  );
}

function readIdentity(obj: WireObject): PartyIdentity {
  const identity: PartyIdentity = {
    signingKey: readBytes(obj, 'signingKey', KEY_BYTES),
    agreementKey: readBytes(obj, 'agreementKey', KEY_BYTES),
  };
  assertPartyIdentity(identity, obj.path);
  return identity;
}

/** A decoded `{ signingKey, agreementKey }` map, strictly checked (see the module doc). */
export function parsePartyIdentity(value: unknown, field: string): PartyIdentity {
  return readIdentity(readObject(value, field, ['signingKey', 'agreementKey']));
}

/**
 * Refuses a presented identity that differs from the pinned one in either key
 * (`IdentityChanged`). Both keys are compared in full, in constant time.
 */
export function checkPinned(
  pinned: PartyIdentity,
  presented: PartyIdentity,
  serverName: string,
): void {
  const sameSigning = bytesEqual(pinned.signingKey, presented.signingKey);
  const sameAgreement = bytesEqual(pinned.agreementKey, presented.agreementKey);
  if (!(sameSigning && sameAgreement))
    throw new CkmError('IdentityChanged', `server "${serverName}" presented a different identity`);
}

// ---------------------------------------------------------------------------------------------
// Identity documents

/** The document in a fixed field order: the bytes that are signed. */
function documentSigningBytes(document: ServerIdentityDocument): Uint8Array {
  const canonical = {
    protocol: document.protocol,
    name: document.name,
    identity: {
      signingKey: document.identity.signingKey,
      agreementKey: document.identity.agreementKey,
    },
    limits: {
      maxBodyBytes: document.limits.maxBodyBytes,
      sessionTtlSeconds: document.limits.sessionTtlSeconds,
      maxSessionsPerWallet: document.limits.maxSessionsPerWallet,
      requestsPerMinute: document.limits.requestsPerMinute,
    },
    policies: [...document.policies],
  };
  return lengthPrefixed(DOCUMENT_SIGNATURE_DOMAIN, encodeWire(IDENTITY_DOCUMENT_TYPE, canonical));
}

function readDocument(value: unknown, path: string): ServerIdentityDocument {
  const obj = readObject(value, path, ['protocol', 'name', 'identity', 'limits', 'policies']);
  const protocol = readString(obj, 'protocol', { max: 16 });
  if (protocol !== 'ckm/1')
    throw new CkmError('UnsupportedVersion', `"${path}.protocol" is not a supported protocol`);
  const limitsObj = readNested(obj, 'limits', Object.keys(LIMIT_RANGES));
  const policies = readArray(obj, 'policies', { min: 0, max: MAX_POLICIES }, (item, itemPath) =>
    asString(item, itemPath, POLICY_NAME),
  );
  if (new Set(policies).size !== policies.length)
    throw new CkmError('MalformedMessage', `"${path}.policies" has duplicates`);
  return {
    protocol,
    name: readString(obj, 'name', SERVER_NAME),
    identity: readIdentity(readNested(obj, 'identity', ['signingKey', 'agreementKey'])),
    limits: {
      maxBodyBytes: readInt(limitsObj, 'maxBodyBytes', LIMIT_RANGES.maxBodyBytes),
      sessionTtlSeconds: readInt(limitsObj, 'sessionTtlSeconds', LIMIT_RANGES.sessionTtlSeconds),
      maxSessionsPerWallet: readInt(
        limitsObj,
        'maxSessionsPerWallet',
        LIMIT_RANGES.maxSessionsPerWallet,
      ),
      requestsPerMinute: readInt(limitsObj, 'requestsPerMinute', LIMIT_RANGES.requestsPerMinute),
    },
    policies,
  };
}

/**
 * Signs `document` with `keys`, which must be the document's own identity (a server signs its
 * own document). The document is checked as a verifier would check it, so a document that would
 * be refused is never signed.
 */
export function signIdentityDocument(
  keys: PartyKeys,
  document: ServerIdentityDocument,
): SignedIdentityDocument {
  const checked = readDocument(document, 'document');
  checkPinned(keys.identity, checked.identity, checked.name);
  return {
    document: checked,
    signature: ed25519.sign(documentSigningBytes(checked), keys.signingSecret),
  };
}

/**
 * Parses a decoded `{ document, signature }` strictly and verifies the self-signature with the
 * document's own signing key (`BadSignature`). A valid self-signature proves only possession of
 * the key; trust comes from pinning ({@link checkPinned}).
 */
export function verifyIdentityDocument(value: unknown): SignedIdentityDocument {
  const obj = readObject(value, 'identityDocument', ['document', 'signature']);
  const signature = readBytes(obj, 'signature', SIGNATURE_BYTES);
  const document = readDocument(readField(obj, 'document'), 'identityDocument.document');
  let valid = false;
  try {
    valid = ed25519.verify(
      signature,
      documentSigningBytes(document),
      document.identity.signingKey,
      {
        zip215: false,
      },
    );
  } catch {
    valid = false;
  }
  if (!valid)
    throw new CkmError(
      'BadSignature',
      `identity document of "${document.name}" has a bad signature`,
    );
  return { document, signature };
}
