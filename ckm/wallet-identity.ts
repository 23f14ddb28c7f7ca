/**
 * The wallet's self-certifying identity (issue #7 item 6; docs/identity.md): a XID derived from the
 * wallet's first key, an identity document signed by the current key, and a chain of rotation
 * records, each signed by the key before and the key after, so anyone holding the file can follow
 * the identity from its inception key to today's key without asking a server.
 *
 * Everything here is pure: build the unsigned bodies, attach threshold signatures, assemble and
 * verify the file. The flows that obtain the signatures from a CKM wallet are in
 * `ckm/client/identity.ts`; the sign payload that carries a body to the servers is
 * `ckm/payload/envelope.ts`.
 *
 * Shapes (envelope notation, bc-specs §2; `'…'` are known values, `"…"` text):
 *
 *   document = XID(…) [ 'key': #6.40022([1, h'33']) [ 'allow': 'All' ], "ethereumAddress": "0x…",
 *                       "keyVersion": n, "cosigner": "name" [ 'key': #6.40022([2, h'32']) ]…,
 *                       "derivationPath"?: "m/i", 'date': #6.1(t) ]
 *   rotation = XID(…) [ 'isA': "CkmKeyRotation", "sequence": n, "previous": #6.40001(h'…'),
 *                       "reason": "refresh"…, "oldKey": #6.40022(…), "newKey": #6.40022(…),
 *                       "document": #6.40001(h'…'), 'date': #6.1(t) ]
 *   signed   = { body } [ 'signed': #6.40020([1, h'64'])… ]          (bc-specs §2.10, ECDSA)
 *   file     = XID(…) [ 'isA': "CkmIdentityFile", "inception": signed document,
 *                       "rotation": signed rotation…, "current": signed document ]
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type Address, getAddress } from 'viem';
import { type Cbor, cborInteger, dcborDate, MAJOR, tagged } from '../envelope/dcbor';
import { compareDigests, DIGEST_LENGTH, digestHex } from '../envelope/digest';
import { Envelope, TAG_DIGEST } from '../envelope/envelope';
import { EnvelopeError } from '../envelope/errors';
import { IS_A, knownValueName, SIGNED } from '../envelope/knownValues';
import { hasSignatureFrom, type SigningPublicKey, TAG_SIGNATURE } from '../envelope/signature';
import {
  signingPublicKeyCbor,
  signingPublicKeyFromCbor,
  xidCbor,
  xidFromCbor,
  xidFromSigningKey,
  xidShort,
  xidToUr,
} from '../envelope/xid';
import { N } from '../tss/curve';
import { publicKeyToAddress } from '../tss/ethereum';

// Known values (bc-specs §2.5) used here beyond `envelope/knownValues.ts`'s constants.
const KEY = 8n;
const DATE = 16n;
const ALLOW = 60n;
const ALL = 70n;

const ROTATION_TYPE = 'CkmKeyRotation';
const FILE_TYPE = 'CkmIdentityFile';

/** Why a key changed. `refresh` and `restore` keep the public key; `migration` changes it. */
export type RotationReason = 'refresh' | 'reshare' | 'restore' | 'recovery' | 'migration';
const REASONS: readonly RotationReason[] = [
  'refresh',
  'reshare',
  'restore',
  'recovery',
  'migration',
];

/** A CKM server that holds a share of the key: its name and its Ed25519 identity key. */
export type Cosigner = { readonly name: string; readonly identityKey: Uint8Array };

/** The fields of an identity document. */
export type IdentityDocument = {
  readonly xid: Uint8Array;
  /** The current signing key: a compressed secp256k1 point (33 bytes). */
  readonly key: Uint8Array;
  /** The Ethereum address of `key` (EIP-55). */
  readonly address: Address;
  /** The CKM key version of the shares behind `key`. */
  readonly keyVersion: number;
  readonly cosigners: readonly Cosigner[];
  /** Where `key` sits under its wallet's root (non-hardened BIP-32), `[]` for the root. */
  readonly path: readonly number[];
  /** Epoch seconds. */
  readonly date: number;
};

/** The fields of a rotation record. */
export type RotationRecord = {
  readonly xid: Uint8Array;
  /** 1 for the first rotation after the inception document, then +1. */
  readonly sequence: number;
  /** Digest of the previous signed record, or of the signed inception document. */
  readonly previous: Uint8Array;
  readonly reason: RotationReason;
  readonly oldKey: Uint8Array;
  readonly newKey: Uint8Array;
  /** Digest of the new document's wrapped body (the subject its signatures cover). */
  readonly document: Uint8Array;
  readonly date: number;
};

/** Every signed envelope of an identity, in order. */
export type IdentityChain = {
  readonly inception: Envelope;
  readonly rotations: readonly Envelope[];
  readonly current: Envelope;
};

export type IdentityErrorCode =
  /** A body, record or file not in the shape above. */
  | 'Malformed'
  /** The XID is not the hash of the inception key, or a part names another XID. */
  | 'XidMismatch'
  /** A signature that should verify does not, or is missing. */
  | 'BadSignature'
  /** A rotation lacks the signature of its old key. */
  | 'MissingOldKeySignature'
  /** A rotation lacks the signature of its new key (or, same key, a second signature). */
  | 'MissingNewKeySignature'
  /** A rotation's sequence number is not the next one. */
  | 'Sequence'
  /** A rotation's `previous` is not the digest of the record (or inception) before it. */
  | 'ChainBroken'
  /** A rotation's old key is not the key current before it. */
  | 'OldKeyMismatch'
  /** A date earlier than the one before it. */
  | 'DateOrder'
  /** The current document is not the one the last rotation names, or holds another key. */
  | 'DocumentMismatch';

/** An identity that does not verify, or a part that does not parse. Names the part (`culprit`). */
export class IdentityError extends EnvelopeError {
  override readonly name = 'IdentityError';
  readonly code: IdentityErrorCode;
  /** The part at fault: `inception`, `rotation 2`, `current`, `file`, `document`… */
  readonly culprit: string;
  constructor(code: IdentityErrorCode, culprit: string, details: string, cause?: unknown) {
    super(`Identity check failed (${code}) at ${culprit}.`, { details, cause });
    this.code = code;
    this.culprit = culprit;
  }
}

// ---- small codecs ------------------------------------------------------------------------------

function ecdsaKey(publicKey: Uint8Array): SigningPublicKey {
  return { scheme: 'ecdsa', publicKey };
}

function keyLeaf(publicKey: Uint8Array): Envelope {
  return Envelope.leaf(signingPublicKeyCbor(ecdsaKey(publicKey)));
}

function digestLeaf(digest: Uint8Array): Envelope {
  if (!(digest instanceof Uint8Array) || digest.length !== DIGEST_LENGTH)
    throw new TypeError(`"digest" expected ${DIGEST_LENGTH} bytes`);
  return Envelope.leaf(tagged(TAG_DIGEST, Uint8Array.from(digest)));
}

function assertUint(value: unknown, field: string, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max)
    throw new TypeError(`"${field}" expected an integer in 0..${max}`);
}

const MAX_COSIGNERS = 16;
const MAX_NAME = 128;
const MAX_PATH = 16;
const MAX_INDEX = 0x7fff_ffff;

/** `m/1/2` for `[1, 2]`. */
export function formatPath(path: readonly number[]): string {
  return ['m', ...path.map(String)].join('/');
}

function parsePathText(text: string): number[] {
  const parts = text.split('/');
  if (parts[0] !== 'm' || parts.length - 1 > MAX_PATH) throw new Error('expected m/i/j…');
  return parts.slice(1).map((p) => {
    if (!/^(0|[1-9][0-9]{0,9})$/.test(p) || Number(p) > MAX_INDEX)
      throw new Error('expected non-hardened indices');
    return Number(p);
  });
}

// ---- bodies -------------------------------------------------------------------------------------

/** The XID of the wallet whose inception key is `publicKey` (compressed secp256k1). */
export function walletXid(publicKey: Uint8Array): Uint8Array {
  return xidFromSigningKey(ecdsaKey(publicKey));
}

/**
 * The unsigned identity document. The address must be `key`'s (it is recomputed and compared).
 * @throws {TypeError | IdentityError}
 */
export function identityDocumentBody(doc: IdentityDocument): Envelope {
  assertUint(doc.keyVersion, 'keyVersion', MAX_INDEX);
  assertUint(doc.date, 'date', Number.MAX_SAFE_INTEGER);
  if (doc.cosigners.length > MAX_COSIGNERS)
    throw new TypeError(`"cosigners" expected at most ${MAX_COSIGNERS}`);
  if (doc.path.length > MAX_PATH) throw new TypeError(`"path" expected at most ${MAX_PATH} levels`);
  for (const i of doc.path) assertUint(i, 'path', MAX_INDEX);
  const address = addressOf(doc.key);
  if (address !== getAddress(doc.address))
    throw new TypeError('"address" is not the address of "key"');
  const assertions = [
    Envelope.assertion(
      Envelope.knownValue(KEY),
      keyLeaf(doc.key).addAssertion(Envelope.knownValue(ALLOW), Envelope.knownValue(ALL)),
    ),
    Envelope.assertion('ethereumAddress', address),
    Envelope.assertion('keyVersion', doc.keyVersion),
    Envelope.assertion(Envelope.knownValue(DATE), Envelope.leaf(dcborDate(doc.date))),
    ...doc.cosigners.map((c) => {
      if (typeof c.name !== 'string' || c.name.length === 0 || c.name.length > MAX_NAME)
        throw new TypeError(`"cosigner.name" expected 1..${MAX_NAME} characters`);
      const key = Envelope.leaf(
        signingPublicKeyCbor({ scheme: 'ed25519', publicKey: c.identityKey }),
      );
      return Envelope.assertion(
        'cosigner',
        Envelope.leaf(c.name).addAssertion(Envelope.knownValue(KEY), key),
      );
    }),
  ];
  if (doc.path.length > 0)
    assertions.push(Envelope.assertion('derivationPath', formatPath(doc.path)));
  return Envelope.node(Envelope.leaf(xidCbor(doc.xid)), assertions);
}

/**
 * The unsigned rotation record.
 * @throws {TypeError}
 */
export function rotationRecordBody(record: RotationRecord): Envelope {
  assertUint(record.sequence, 'sequence', MAX_INDEX);
  if (record.sequence < 1) throw new TypeError('"sequence" expected 1 or more');
  assertUint(record.date, 'date', Number.MAX_SAFE_INTEGER);
  if (!REASONS.includes(record.reason))
    throw new TypeError(`"reason" expected ${REASONS.join(', ')}`);
  return Envelope.node(Envelope.leaf(xidCbor(record.xid)), [
    Envelope.assertion(Envelope.knownValue(IS_A), ROTATION_TYPE),
    Envelope.assertion('sequence', record.sequence),
    Envelope.assertion('previous', digestLeaf(record.previous)),
    Envelope.assertion('reason', record.reason),
    Envelope.assertion('oldKey', keyLeaf(record.oldKey)),
    Envelope.assertion('newKey', keyLeaf(record.newKey)),
    Envelope.assertion('document', digestLeaf(record.document)),
    Envelope.assertion(Envelope.knownValue(DATE), Envelope.leaf(dcborDate(record.date))),
  ]);
}

function addressOf(publicKey: Uint8Array): Address {
  return publicKeyToAddress(secp256k1.Point.fromBytes(publicKey));
}

// ---- parsing ------------------------------------------------------------------------------------

type Fields = Map<string, Envelope[]>;

/** The subject XID and the assertions of a body, grouped by predicate (`'key'` or `"name"`). */
function fieldsOf(body: Envelope, culprit: string): { xid: Uint8Array; fields: Fields } {
  const bad = (details: string) => new IdentityError('Malformed', culprit, details);
  if (body.case.type !== 'node') throw bad('expected a XID with assertions');
  const subject = body.subject().asLeaf();
  if (subject === undefined) throw bad('the subject is not a XID');
  let xid: Uint8Array;
  try {
    xid = xidFromCbor(subject);
  } catch (cause) {
    throw new IdentityError('Malformed', culprit, 'the subject is not a XID', cause);
  }
  const fields: Fields = new Map();
  for (const a of body.assertions()) {
    const predicate = a.asPredicate();
    const object = a.asObject();
    if (predicate === undefined || object === undefined) throw bad('an assertion is obscured');
    const known = predicate.asKnownValue();
    const text = predicate.asLeaf();
    const name =
      known !== undefined
        ? `'${knownValueName(known)}'`
        : text?.type === MAJOR.text
          ? `"${text.value}"`
          : undefined;
    if (name === undefined) throw bad('a predicate is neither a known value nor text');
    fields.set(name, [...(fields.get(name) ?? []), object]);
  }
  return { xid, fields };
}

function only(fields: Fields, name: string, culprit: string): Envelope {
  const got = fields.get(name);
  if (got?.length !== 1)
    throw new IdentityError('Malformed', culprit, `expected exactly one ${name}`);
  return got[0] as Envelope;
}

function assertOnly(fields: Fields, allowed: readonly string[], culprit: string): void {
  for (const name of fields.keys())
    if (!allowed.includes(name))
      throw new IdentityError('Malformed', culprit, `unknown assertion ${name.slice(0, 40)}`);
}

function leafOf(envelope: Envelope, what: string, culprit: string): Cbor {
  const leaf = envelope.case.type === 'leaf' ? envelope.case.cbor : undefined;
  if (leaf === undefined) throw new IdentityError('Malformed', culprit, `${what} is not a leaf`);
  return leaf;
}

function textOf(envelope: Envelope, what: string, culprit: string, max: number): string {
  const leaf = leafOf(envelope, what, culprit);
  if (leaf.type !== MAJOR.text || leaf.value.length === 0 || leaf.value.length > max)
    throw new IdentityError('Malformed', culprit, `${what} is not text of 1..${max} characters`);
  return leaf.value;
}

function uintOf(envelope: Envelope, what: string, culprit: string): number {
  const leaf = leafOf(envelope, what, culprit);
  const n = leaf.type === MAJOR.unsigned ? cborInteger(leaf) : undefined;
  if (n === undefined || n > BigInt(MAX_INDEX))
    throw new IdentityError('Malformed', culprit, `${what} is not an integer in 0..2^31-1`);
  return Number(n);
}

function dateOf(envelope: Envelope, culprit: string): number {
  const leaf = leafOf(envelope, "'date'", culprit);
  const n =
    leaf.type === MAJOR.tagged && BigInt(leaf.tag) === 1n && leaf.value.type === MAJOR.unsigned
      ? cborInteger(leaf.value)
      : undefined;
  if (n === undefined || n > BigInt(Number.MAX_SAFE_INTEGER))
    throw new IdentityError('Malformed', culprit, "'date' is not whole epoch seconds");
  return Number(n);
}

function digestOfLeaf(envelope: Envelope, what: string, culprit: string): Uint8Array {
  const leaf = leafOf(envelope, what, culprit);
  if (
    leaf.type !== MAJOR.tagged ||
    BigInt(leaf.tag) !== BigInt(TAG_DIGEST) ||
    leaf.value.type !== MAJOR.bytes ||
    leaf.value.value.length !== DIGEST_LENGTH
  )
    throw new IdentityError('Malformed', culprit, `${what} is not a digest`);
  return Uint8Array.from(leaf.value.value);
}

function signingKeyOf(
  envelope: Envelope,
  scheme: 'ecdsa' | 'ed25519',
  what: string,
  culprit: string,
): Uint8Array {
  let key: SigningPublicKey;
  try {
    key = signingPublicKeyFromCbor(leafOf(envelope.subject(), what, culprit));
  } catch (cause) {
    if (cause instanceof IdentityError) throw cause;
    throw new IdentityError('Malformed', culprit, `${what} is not a signing public key`, cause);
  }
  if (key.scheme !== scheme)
    throw new IdentityError('Malformed', culprit, `${what} is not an ${scheme} key`);
  return key.publicKey;
}

const DOCUMENT_FIELDS = [
  "'key'",
  '"ethereumAddress"',
  '"keyVersion"',
  '"cosigner"',
  '"derivationPath"',
  "'date'",
];

/**
 * The fields of an unsigned identity document, every assertion checked (no unknown, none
 * obscured, the address the key's).
 * @throws {IdentityError} `Malformed`
 */
export function parseIdentityDocumentBody(body: Envelope, culprit = 'document'): IdentityDocument {
  const { xid, fields } = fieldsOf(body, culprit);
  assertOnly(fields, DOCUMENT_FIELDS, culprit);
  const keyEnvelope = only(fields, "'key'", culprit);
  const key = signingKeyOf(keyEnvelope, 'ecdsa', "'key'", culprit);
  const permissions = keyEnvelope.assertions();
  if (
    permissions.length !== 1 ||
    permissions[0]?.asPredicate()?.asKnownValue() !== ALLOW ||
    permissions[0]?.asObject()?.asKnownValue() !== ALL
  )
    throw new IdentityError('Malformed', culprit, "'key' must carry exactly 'allow': 'All'");
  const addressText = textOf(
    only(fields, '"ethereumAddress"', culprit),
    '"ethereumAddress"',
    culprit,
    42,
  );
  const address = addressOf(key);
  if (addressText !== address)
    throw new IdentityError(
      'Malformed',
      culprit,
      '"ethereumAddress" is not the address of the key',
    );
  const keyVersion = uintOf(only(fields, '"keyVersion"', culprit), '"keyVersion"', culprit);
  const date = dateOf(only(fields, "'date'", culprit), culprit);
  const cosignerEnvelopes = fields.get('"cosigner"') ?? [];
  if (cosignerEnvelopes.length > MAX_COSIGNERS)
    throw new IdentityError('Malformed', culprit, `more than ${MAX_COSIGNERS} cosigners`);
  const cosigners = cosignerEnvelopes.map((c) => {
    const name = textOf(c.subject(), '"cosigner"', culprit, MAX_NAME);
    const inner = c.assertions();
    const keyAssertion = inner[0];
    if (inner.length !== 1 || keyAssertion?.asPredicate()?.asKnownValue() !== KEY)
      throw new IdentityError('Malformed', culprit, `"cosigner" must carry exactly one 'key'`);
    const identityKey = signingKeyOf(
      keyAssertion.asObject() as Envelope,
      'ed25519',
      '"cosigner" key',
      culprit,
    );
    return { name, identityKey };
  });
  // Assertions come in digest order; names give a stable order for display and comparison.
  cosigners.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  let path: number[] = [];
  const pathEnvelopes = fields.get('"derivationPath"');
  if (pathEnvelopes !== undefined) {
    const text = textOf(
      only(fields, '"derivationPath"', culprit),
      '"derivationPath"',
      culprit,
      200,
    );
    try {
      path = parsePathText(text);
    } catch (cause) {
      throw new IdentityError('Malformed', culprit, '"derivationPath" is not m/i/…', cause);
    }
    if (path.length === 0)
      throw new IdentityError('Malformed', culprit, '"derivationPath" m is written by omission');
  }
  return { xid, key, address, keyVersion, cosigners, path, date };
}

const ROTATION_FIELDS = [
  "'isA'",
  '"sequence"',
  '"previous"',
  '"reason"',
  '"oldKey"',
  '"newKey"',
  '"document"',
  "'date'",
];

/**
 * The fields of an unsigned rotation record, every assertion checked.
 * @throws {IdentityError} `Malformed`
 */
export function parseRotationRecordBody(body: Envelope, culprit = 'rotation'): RotationRecord {
  const { xid, fields } = fieldsOf(body, culprit);
  assertOnly(fields, ROTATION_FIELDS, culprit);
  const field = (name: string) => only(fields, name, culprit);
  if (textOf(field("'isA'"), "'isA'", culprit, 64) !== ROTATION_TYPE)
    throw new IdentityError('Malformed', culprit, `'isA' is not "${ROTATION_TYPE}"`);
  const sequence = uintOf(field('"sequence"'), '"sequence"', culprit);
  if (sequence < 1) throw new IdentityError('Malformed', culprit, '"sequence" starts at 1');
  const reason = textOf(field('"reason"'), '"reason"', culprit, 16);
  if (!(REASONS as readonly string[]).includes(reason))
    throw new IdentityError('Malformed', culprit, `"reason" is not one of ${REASONS.join(', ')}`);
  return {
    xid,
    sequence,
    previous: digestOfLeaf(field('"previous"'), '"previous"', culprit),
    reason: reason as RotationReason,
    oldKey: signingKeyOf(field('"oldKey"'), 'ecdsa', '"oldKey"', culprit),
    newKey: signingKeyOf(field('"newKey"'), 'ecdsa', '"newKey"', culprit),
    document: digestOfLeaf(field('"document"'), '"document"', culprit),
    date: dateOf(field("'date'"), culprit),
  };
}

/** An identity document or rotation record body, told apart by `'isA'`. */
export type IdentityBody =
  | { readonly kind: 'document'; readonly document: IdentityDocument }
  | { readonly kind: 'rotation'; readonly record: RotationRecord };

/** @throws {IdentityError} `Malformed` */
export function parseIdentityBody(body: Envelope): IdentityBody {
  const isRotation = body.assertions().some((a) => a.asPredicate()?.asKnownValue() === IS_A);
  return isRotation
    ? { kind: 'rotation', record: parseRotationRecordBody(body) }
    : { kind: 'document', document: parseIdentityDocumentBody(body) };
}

/** The keys allowed to sign a body: the document's key, or a record's old and new keys. */
export function bodySigningKeys(body: IdentityBody): readonly Uint8Array[] {
  return body.kind === 'document' ? [body.document.key] : [body.record.oldKey, body.record.newKey];
}

// ---- signatures ---------------------------------------------------------------------------------

/**
 * The 32 bytes a threshold ECDSA session signs for `body`: SHA-256(SHA-256(digest of `{ body }`))
 * (bc-specs §2.10: `sign` wraps first, and ECDSA signs the double SHA-256 of the subject digest).
 * Never a keccak digest, so it cannot be an Ethereum transaction or message hash.
 */
export function envelopeSigningDigest(body: Envelope): Uint8Array {
  return sha256(sha256(body.wrap().digest));
}

/**
 * Adds a `'signed'` assertion with a threshold signature (r, s) by `publicKey` to `{ body }`
 * (or to an already signed `{ body } [ 'signed': … ]`). `s` is normalized to low-S, as the
 * reference's ECDSA signer produces it; the signature is verified before it is attached.
 * @throws {IdentityError} `BadSignature`
 */
export function attachEcdsaSignature(
  bodyOrSigned: Envelope,
  signature: { readonly r: bigint; readonly s: bigint },
  publicKey: Uint8Array,
): Envelope {
  const signed =
    bodyOrSigned.subject().case.type === 'wrapped' ? bodyOrSigned : bodyOrSigned.wrap();
  const { r } = signature;
  const s = signature.s > N >> 1n ? N - signature.s : signature.s;
  let compact: Uint8Array;
  try {
    compact = new secp256k1.Signature(r, s).toBytes('compact');
  } catch (cause) {
    throw new IdentityError('BadSignature', 'signature', 'r or s is out of range', cause);
  }
  const leaf = Envelope.leaf(tagged(TAG_SIGNATURE, [1n, compact]));
  const single = signed.subject().addAssertion(Envelope.knownValue(SIGNED), leaf);
  if (!hasSignatureFrom(single, ecdsaKey(publicKey)))
    throw new IdentityError('BadSignature', 'signature', 'does not verify with the signing key');
  return signed.addAssertion(Envelope.knownValue(SIGNED), leaf);
}

/**
 * The body of a signed envelope and its `'signed'` assertions (nothing else is allowed on it).
 * @throws {IdentityError} `Malformed`
 */
export function signedParts(
  signed: Envelope,
  culprit: string,
): { body: Envelope; signatures: readonly Envelope[] } {
  if (!(signed instanceof Envelope) || signed.subject().case.type !== 'wrapped')
    throw new IdentityError('Malformed', culprit, 'expected a wrapped, signed envelope');
  const signatures = signed.assertions();
  if (signatures.length === 0)
    throw new IdentityError('BadSignature', culprit, 'there is no signature');
  for (const a of signatures)
    if (a.asPredicate()?.asKnownValue() !== SIGNED)
      throw new IdentityError('Malformed', culprit, "only 'signed' may be asserted on it");
  return { body: signed.unwrap(), signatures };
}

/**
 * For each `'signed'` assertion, which of `keys` it verifies with (index), or throws: every
 * signature on an identity part must verify with a key that may sign it.
 */
function signers(signed: Envelope, keys: readonly Uint8Array[], culprit: string): number[][] {
  const { signatures } = signedParts(signed, culprit);
  const subject = signed.subject();
  return signatures.map((a) => {
    const single = subject.addAssertionEnvelope(a);
    const by = keys.flatMap((k, i) => (hasSignatureFrom(single, ecdsaKey(k)) ? [i] : []));
    if (by.length === 0)
      throw new IdentityError('BadSignature', culprit, 'a signature verifies with no allowed key');
    return by;
  });
}

// ---- chain --------------------------------------------------------------------------------------

/** What a verified identity says (for the popup and `npm run verify-identity`). */
export type IdentitySummary = {
  readonly xid: Uint8Array;
  readonly xidUr: string;
  readonly short: { readonly bytewords: string; readonly hex: string };
  readonly inceptionKey: Uint8Array;
  readonly current: IdentityDocument;
  readonly rotations: readonly RotationRecord[];
};

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return compareDigests(a, b) === 0;
}

/** Starts an identity: the chain of one signed inception document. */
export function inceptionChain(signedDocument: Envelope): IdentityChain {
  verifyIdentityChain({ inception: signedDocument, rotations: [], current: signedDocument });
  return { inception: signedDocument, rotations: [], current: signedDocument };
}

/**
 * The next rotation record for `chain` (sequence, previous digest and old key filled in) toward
 * the unsigned `newDocument`.
 */
export function nextRotationBody(
  chain: IdentityChain,
  args: { reason: RotationReason; newDocument: Envelope; date: number },
): Envelope {
  const summary = verifyIdentityChain(chain);
  const doc = parseIdentityDocumentBody(args.newDocument);
  if (!sameBytes(doc.xid, summary.xid))
    throw new IdentityError('XidMismatch', 'document', 'the new document names another XID');
  const previous =
    chain.rotations.length === 0
      ? chain.inception.digest
      : (chain.rotations[chain.rotations.length - 1] as Envelope).digest;
  return rotationRecordBody({
    xid: summary.xid,
    sequence: chain.rotations.length + 1,
    previous,
    reason: args.reason,
    oldKey: summary.current.key,
    newKey: doc.key,
    document: args.newDocument.wrap().digest,
    date: args.date,
  });
}

/** `chain` with a signed record and its signed new document appended; the result is verified. */
export function appendRotation(
  chain: IdentityChain,
  signedRecord: Envelope,
  signedDocument: Envelope,
): IdentityChain {
  const next = {
    inception: chain.inception,
    rotations: [...chain.rotations, signedRecord],
    current: signedDocument,
  };
  verifyIdentityChain(next);
  return next;
}

/**
 * Verifies an identity from its inception (docs/identity.md "Verification"):
 * the XID is the hash of the inception key, which signed the inception document; each rotation
 * names the XID, the next sequence number and the digest of the part before it, its old key is
 * the key current before it, and it is signed by its old key and by its new key (two distinct
 * signatures when they are the same key, as after a refresh); the current document is signed by
 * the last new key, holds it, and is the one the last rotation names.
 * @throws {IdentityError} naming the part and the check that failed.
 */
export function verifyIdentityChain(chain: IdentityChain): IdentitySummary {
  const { body: inceptionBody } = signedParts(chain.inception, 'inception');
  const inception = parseIdentityDocumentBody(inceptionBody, 'inception');
  const xid = walletXid(inception.key);
  if (!sameBytes(xid, inception.xid))
    throw new IdentityError('XidMismatch', 'inception', 'the XID is not the hash of its key');
  if (inception.path.length > 0)
    throw new IdentityError('Malformed', 'inception', 'the inception key is a wallet root key');
  signers(chain.inception, [inception.key], 'inception');

  let previous = chain.inception.digest;
  let key = inception.key;
  let document = inceptionBody.wrap().digest;
  let date = inception.date;
  const records: RotationRecord[] = [];
  chain.rotations.forEach((signed, i) => {
    const culprit = `rotation ${i + 1}`;
    const { body } = signedParts(signed, culprit);
    const record = parseRotationRecordBody(body, culprit);
    if (!sameBytes(record.xid, xid))
      throw new IdentityError('XidMismatch', culprit, 'the record names another XID');
    if (record.sequence !== i + 1)
      throw new IdentityError(
        'Sequence',
        culprit,
        `sequence ${record.sequence}, expected ${i + 1}`,
      );
    if (!sameBytes(record.previous, previous))
      throw new IdentityError(
        'ChainBroken',
        culprit,
        `"previous" is ${digestHex(record.previous).slice(0, 8)}…, expected ${digestHex(previous).slice(0, 8)}…`,
      );
    if (!sameBytes(record.oldKey, key))
      throw new IdentityError('OldKeyMismatch', culprit, 'the old key is not the current key');
    if (record.date < date)
      throw new IdentityError('DateOrder', culprit, 'dated before the part before it');
    const by = signers(signed, [record.oldKey, record.newKey], culprit);
    if (sameBytes(record.oldKey, record.newKey)) {
      if (by.length < 2)
        throw new IdentityError(
          'MissingNewKeySignature',
          culprit,
          'a rotation that keeps its key needs two signatures (before and after)',
        );
    } else {
      if (!by.some((k) => k.includes(0)))
        throw new IdentityError('MissingOldKeySignature', culprit, 'the old key did not sign');
      if (!by.some((k) => k.includes(1)))
        throw new IdentityError('MissingNewKeySignature', culprit, 'the new key did not sign');
    }
    previous = signed.digest;
    key = record.newKey;
    document = record.document;
    date = record.date;
    records.push(record);
  });

  const { body: currentBody } = signedParts(chain.current, 'current');
  const current = parseIdentityDocumentBody(currentBody, 'current');
  if (!sameBytes(current.xid, xid))
    throw new IdentityError('XidMismatch', 'current', 'the document names another XID');
  if (!sameBytes(currentBody.wrap().digest, document))
    throw new IdentityError(
      'DocumentMismatch',
      'current',
      'it is not the document the last rotation names',
    );
  if (!sameBytes(current.key, key))
    throw new IdentityError('DocumentMismatch', 'current', 'it holds another key');
  signers(chain.current, [key], 'current');
  return {
    xid,
    xidUr: xidToUr(xid),
    short: xidShort(xid),
    inceptionKey: inception.key,
    current,
    rotations: records,
  };
}

// ---- file ---------------------------------------------------------------------------------------

/** The identity file: one envelope holding the whole chain (binary via `toBytes`, or a UR). */
export function identityFile(chain: IdentityChain): Envelope {
  const { xid } = verifyIdentityChain(chain);
  return Envelope.node(Envelope.leaf(xidCbor(xid)), [
    Envelope.assertion(Envelope.knownValue(IS_A), FILE_TYPE),
    Envelope.assertion('inception', chain.inception),
    ...chain.rotations.map((r) => Envelope.assertion('rotation', r)),
    Envelope.assertion('current', chain.current),
  ]);
}

const FILE_FIELDS = ["'isA'", '"inception"', '"rotation"', '"current"'];

/**
 * The chain in an identity file, rotations ordered by their sequence numbers (assertions are
 * stored in digest order). Not verified: use `verifyIdentityFile`.
 * @throws {IdentityError} `Malformed`
 */
export function parseIdentityFile(file: Envelope): IdentityChain {
  const { xid, fields } = fieldsOf(file, 'file');
  assertOnly(fields, FILE_FIELDS, 'file');
  if (textOf(only(fields, "'isA'", 'file'), "'isA'", 'file', 64) !== FILE_TYPE)
    throw new IdentityError('Malformed', 'file', `'isA' is not "${FILE_TYPE}"`);
  const inception = only(fields, '"inception"', 'file');
  const current = only(fields, '"current"', 'file');
  const rotations = (fields.get('"rotation"') ?? []).map((r, i) => {
    const { body } = signedParts(r, `rotation #${i}`);
    return { sequence: parseRotationRecordBody(body, `rotation #${i}`).sequence, r };
  });
  rotations.sort((a, b) => a.sequence - b.sequence);
  const { body } = signedParts(inception, 'inception');
  if (!sameBytes(parseIdentityDocumentBody(body, 'inception').xid, xid))
    throw new IdentityError('XidMismatch', 'file', 'the file names another XID than its inception');
  return { inception, rotations: rotations.map((x) => x.r), current };
}

/** `parseIdentityFile` then `verifyIdentityChain`. @throws {IdentityError} */
export function verifyIdentityFile(file: Envelope): IdentitySummary {
  return verifyIdentityChain(parseIdentityFile(file));
}
