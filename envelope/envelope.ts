/**
 * Gordian Envelope: the core cases, the digest tree and the dCBOR wire form.
 *
 * Spec: draft-mcnally-envelope §"Envelope Format Specification" and §"Computing the Digest Tree";
 * BCR-2023-003/004; reference bc-envelope-rust 0.43 `src/base/envelope.rs`, `cbor.rs`;
 * summary in `../shared/research/bc-specs.md` §2.1, §2.2, §2.4. All eight cases: leaf, node,
 * assertion, wrapped, known value, elided, encrypted (`#6.40002`, §2.6) and compressed
 * (`#6.40003`, §2.11); the cryptography and DEFLATE live in `encrypt.ts` and `compress.ts`.
 *
 * An `Envelope` is immutable; its digest is computed once, when it is built.
 * @module
 */
import { type Cbor, type CborInput, CborMap, encodeDcbor, MAJOR, tagged, toCbor } from './dcbor';
import { assertDigest, compareDigests, digestHex, digestOf } from './digest';
import { InvalidEnvelopeError } from './errors';
import { TAG_KNOWN_VALUE } from './knownValues';

/** `#6.200`, envelope (bc-tags `tags_registry.rs`). */
export const TAG_ENVELOPE = 200;
/** `#6.201`, leaf: "enclosed dCBOR" (bc-specs §2.1). */
export const TAG_LEAF = 201;
/** `#6.40001`, digest (bc-tags). */
export const TAG_DIGEST = 40001;
/** `#6.40002`, encrypted message (bc-components `EncryptedMessage`). */
export const TAG_ENCRYPTED = 40002;
/** `#6.40003`, compressed (bc-components `Compressed`). */
export const TAG_COMPRESSED = 40003;
/** ChaCha20-Poly1305 nonce and tag lengths (RFC 8439). */
export const NONCE_LENGTH = 12;
export const AUTH_LENGTH = 16;

/**
 * An IETF ChaCha20-Poly1305 message (bc-components `EncryptedMessage`). Its AAD is always
 * `dcbor(#6.40001(digest))`, the digest of the plaintext envelope, so only `digest` is kept.
 */
export type EncryptedMessage = {
  readonly ciphertext: Uint8Array;
  readonly nonce: Uint8Array;
  readonly auth: Uint8Array;
  readonly digest: Uint8Array;
};

/**
 * DEFLATE-compressed dCBOR (bc-components `Compressed`): CRC-32 and size of the uncompressed
 * bytes, the raw-DEFLATE bytes (or the bytes themselves when DEFLATE does not make them smaller,
 * `data.length === size`), and the digest of the envelope inside.
 */
export type CompressedData = {
  readonly checksum: number;
  readonly size: number;
  readonly data: Uint8Array;
  readonly digest: Uint8Array;
};

const U64_MAX = (1n << 64n) - 1n;

/** The eight cases (bc-specs §2.1 `envelope-content`). */
export type EnvelopeCase =
  | { readonly type: 'leaf'; readonly cbor: Cbor }
  | { readonly type: 'knownValue'; readonly value: bigint }
  | { readonly type: 'assertion'; readonly predicate: Envelope; readonly object: Envelope }
  | { readonly type: 'node'; readonly subject: Envelope; readonly assertions: readonly Envelope[] }
  | { readonly type: 'wrapped'; readonly envelope: Envelope }
  | { readonly type: 'elided' }
  | { readonly type: 'encrypted'; readonly message: EncryptedMessage }
  | { readonly type: 'compressed'; readonly compressed: CompressedData };

/** An envelope, or any value that becomes a leaf. */
export type EnvelopeInput = Envelope | CborInput;

export class Envelope {
  readonly case: EnvelopeCase;
  readonly #digest: Uint8Array;

  private constructor(c: EnvelopeCase, digest: Uint8Array) {
    this.case = c;
    this.#digest = digest;
  }

  // ---- construction --------------------------------------------------------------------------

  /** `input` itself if it is an envelope, else a leaf holding it. */
  static from(input: EnvelopeInput): Envelope {
    return input instanceof Envelope ? input : Envelope.leaf(input);
  }

  /**
   * A leaf: `#6.201(item)`. Digest = SHA-256(dcbor(item)), the item without the 201 tag (§2.2).
   * @example Envelope.leaf('Hello.').digestHex // '8cc96cdb…5d59'
   */
  static leaf(value: CborInput): Envelope {
    if (value instanceof Envelope)
      throw new TypeError('"value" expected a CBOR value, got Envelope');
    const item = toCbor(value);
    return new Envelope({ type: 'leaf', cbor: item }, digestOf(encodeDcbor(item)));
  }

  /**
   * A known value: a bare uint inside an envelope. Digest = SHA-256(dcbor(#6.40000(n))) (§2.2).
   * @example Envelope.knownValue(1).digestHex // '2be2d79b…93f8' ('isA')
   */
  static knownValue(value: number | bigint): Envelope {
    const v = typeof value === 'number' ? toBigInt(value, 'value') : value;
    if (typeof v !== 'bigint') throw new TypeError('"value" expected number or bigint');
    if (v < 0n || v > U64_MAX) throw new RangeError('"value" expected 0 <= value < 2^64');
    return new Envelope(
      { type: 'knownValue', value: v },
      digestOf(encodeDcbor(tagged(TAG_KNOWN_VALUE, v))),
    );
  }

  /** An assertion `predicate: object`. Digest = SHA-256(pred.digest ‖ obj.digest) (§2.2). */
  static assertion(predicate: EnvelopeInput, object: EnvelopeInput): Envelope {
    const p = Envelope.from(predicate);
    const o = Envelope.from(object);
    return new Envelope(
      { type: 'assertion', predicate: p, object: o },
      digestOf(p.#digest, o.#digest),
    );
  }

  /**
   * A node: a subject with one or more assertions, kept sorted by digest and unique (a repeated
   * assertion is dropped, as the reference does). Digest = SHA-256(subject ‖ a₁ ‖ … ‖ aₙ) (§2.2).
   * The subject must not itself be a node (flattening is the only canonical shape, bc-specs §2.3):
   * use `addAssertion` to extend a node.
   */
  static node(subject: Envelope, assertions: readonly Envelope[]): Envelope {
    if (!(subject instanceof Envelope)) throw new TypeError('"subject" expected Envelope');
    if (subject.case.type === 'node') {
      throw new InvalidEnvelopeError('a node subject must not itself be a node');
    }
    if (assertions.length === 0)
      throw new InvalidEnvelopeError('a node needs at least one assertion');
    for (const a of assertions) {
      if (!(a instanceof Envelope)) throw new TypeError('"assertions" expected Envelope[]');
      if (!a.isAssertionElement()) {
        throw new InvalidEnvelopeError('a node assertion must be an assertion or obscured');
      }
    }
    const sorted: Envelope[] = [];
    for (const a of [...assertions].sort((x, y) => compareDigests(x.#digest, y.#digest))) {
      const last = sorted[sorted.length - 1];
      if (last === undefined || compareDigests(last.#digest, a.#digest) !== 0) sorted.push(a);
    }
    return Envelope.nodeUnchecked(subject, sorted);
  }

  /**
   * @internal For the decoder, which has already checked shape, order and uniqueness.
   */
  static nodeUnchecked(subject: Envelope, assertions: readonly Envelope[]): Envelope {
    const digest = digestOf(subject.#digest, ...assertions.map((a) => a.#digest));
    return new Envelope({ type: 'node', subject, assertions }, digest);
  }

  /** `{ envelope }`: wrapping makes a whole envelope the subject of new assertions (§2.2). */
  static wrap(envelope: Envelope): Envelope {
    if (!(envelope instanceof Envelope)) throw new TypeError('"envelope" expected Envelope');
    return new Envelope({ type: 'wrapped', envelope }, digestOf(envelope.#digest));
  }

  /** An elided element standing for `digest` (§2.11). */
  static elided(digest: Uint8Array): Envelope {
    assertDigest(digest, 'digest');
    return new Envelope({ type: 'elided' }, Uint8Array.from(digest));
  }

  /**
   * An encrypted element standing for the envelope whose digest the message carries (§2.6).
   * Build it with `encryptSubject` / `encrypt`; this only checks the field lengths.
   */
  static encrypted(message: EncryptedMessage): Envelope {
    abytesOf(message.ciphertext, 'ciphertext');
    abytesOf(message.nonce, 'nonce', NONCE_LENGTH);
    abytesOf(message.auth, 'auth', AUTH_LENGTH);
    assertDigest(message.digest, 'digest');
    const m: EncryptedMessage = {
      ciphertext: Uint8Array.from(message.ciphertext),
      nonce: Uint8Array.from(message.nonce),
      auth: Uint8Array.from(message.auth),
      digest: Uint8Array.from(message.digest),
    };
    return new Envelope({ type: 'encrypted', message: Object.freeze(m) }, m.digest);
  }

  /**
   * A compressed element standing for the envelope whose digest it carries (§2.11).
   * Build it with `compress`; this only checks the fields.
   */
  static compressed(compressed: CompressedData): Envelope {
    const { checksum, size, data, digest } = compressed;
    if (!Number.isInteger(checksum) || checksum < 0 || checksum > 0xffffffff) {
      throw new RangeError('"checksum" expected a u32');
    }
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new RangeError('"size" expected a non-negative safe integer');
    }
    abytesOf(data, 'data');
    if (data.length > size) {
      throw new InvalidEnvelopeError(
        `compressed data (${data.length} bytes) is longer than its uncompressed size (${size})`,
      );
    }
    assertDigest(digest, 'digest');
    const c: CompressedData = {
      checksum,
      size,
      data: Uint8Array.from(data),
      digest: Uint8Array.from(digest),
    };
    return new Envelope({ type: 'compressed', compressed: Object.freeze(c) }, c.digest);
  }

  // ---- digest --------------------------------------------------------------------------------

  /** The 32-byte SHA-256 digest of this element (a copy). */
  get digest(): Uint8Array {
    return Uint8Array.from(this.#digest);
  }

  /** The digest as lowercase hex. */
  get digestHex(): string {
    return digestHex(this.#digest);
  }

  /** Same digest: the same content, whatever is elided (draft-mcnally-envelope "equivalence"). */
  isEquivalentTo(other: Envelope): boolean {
    return compareDigests(this.#digest, other.#digest) === 0;
  }

  /** Same digest and same bytes: equivalent and obscured in the same places. */
  isIdenticalTo(other: Envelope): boolean {
    if (!this.isEquivalentTo(other)) return false;
    const a = this.toBytes();
    const b = other.toBytes();
    return a.length === b.length && compareDigests(a, b) === 0;
  }

  // ---- structure -----------------------------------------------------------------------------

  /** Add `predicate: object`; a node is extended, anything else becomes the subject of a node. */
  addAssertion(predicate: EnvelopeInput, object: EnvelopeInput): Envelope {
    return this.addAssertionEnvelope(Envelope.assertion(predicate, object));
  }

  /** Add an assertion envelope (an assertion, an obscured assertion, or one with metadata). */
  addAssertionEnvelope(assertion: Envelope): Envelope {
    if (this.case.type === 'node') {
      return Envelope.node(this.case.subject, [...this.case.assertions, assertion]);
    }
    return Envelope.node(this, [assertion]);
  }

  /** Wrap this envelope: `{ self }`. */
  wrap(): Envelope {
    return Envelope.wrap(this);
  }

  /** The envelope inside a wrapped subject. */
  unwrap(): Envelope {
    const s = this.subject();
    if (s.case.type !== 'wrapped') throw new InvalidEnvelopeError('subject is not wrapped');
    return s.case.envelope;
  }

  /** This element replaced by its digest. */
  elide(): Envelope {
    return this.case.type === 'elided' ? this : Envelope.elided(this.#digest);
  }

  /** The subject of a node; any other envelope is its own subject. */
  subject(): Envelope {
    return this.case.type === 'node' ? this.case.subject : this;
  }

  /** The assertions of a node; none for any other case. */
  assertions(): readonly Envelope[] {
    return this.case.type === 'node' ? this.case.assertions : [];
  }

  /** The subject is an assertion. */
  isSubjectAssertion(): boolean {
    return this.subject().case.type === 'assertion';
  }

  /** The subject is obscured: elided, encrypted or compressed. */
  isSubjectObscured(): boolean {
    const t = this.subject().case.type;
    return t === 'elided' || t === 'encrypted' || t === 'compressed';
  }

  /** The subject is encrypted. */
  isSubjectEncrypted(): boolean {
    return this.subject().case.type === 'encrypted';
  }

  /** The subject is compressed. */
  isSubjectCompressed(): boolean {
    return this.subject().case.type === 'compressed';
  }

  /** May stand in a node's assertion list (bc-specs §2.1 `assertion-element`). */
  isAssertionElement(): boolean {
    return this.isSubjectAssertion() || this.isSubjectObscured();
  }

  /** The predicate of the subject assertion, if the subject is an assertion. */
  asPredicate(): Envelope | undefined {
    const s = this.subject().case;
    return s.type === 'assertion' ? s.predicate : undefined;
  }

  /** The object of the subject assertion, if the subject is an assertion. */
  asObject(): Envelope | undefined {
    const s = this.subject().case;
    return s.type === 'assertion' ? s.object : undefined;
  }

  /** The known value of the subject, if it is one. */
  asKnownValue(): bigint | undefined {
    const s = this.subject().case;
    return s.type === 'knownValue' ? s.value : undefined;
  }

  /** The CBOR item of a leaf subject. */
  asLeaf(): Cbor | undefined {
    const s = this.subject().case;
    return s.type === 'leaf' ? s.cbor : undefined;
  }

  // ---- CBOR ----------------------------------------------------------------------------------

  /**
   * The envelope content without the outer `#6.200` (bc-specs §2.1; bc-envelope-rust `cbor.rs`:
   * only the top level and wrapped children carry 200).
   */
  untaggedCbor(): Cbor {
    const c = this.case;
    switch (c.type) {
      case 'leaf':
        return tagged(TAG_LEAF, c.cbor); // leaf = #6.201(any-dcbor)
      case 'knownValue':
        return toCbor(c.value); // known-value = uint
      case 'assertion': {
        const map = new CborMap(); // assertion = { predicate => object }
        map.set(c.predicate.untaggedCbor(), c.object.untaggedCbor());
        return toCbor(map);
      }
      case 'node': // node = [subject, + assertion-element]
        return toCbor([c.subject.untaggedCbor(), ...c.assertions.map((a) => a.untaggedCbor())]);
      case 'wrapped':
        return c.envelope.taggedCbor(); // wrapped = envelope (tagged 200)
      case 'elided':
        return toCbor(Uint8Array.from(this.#digest)); // elided = bytes .size 32
      case 'encrypted': {
        // encrypted = #6.40002([ciphertext, nonce, auth, aad = dcbor(#6.40001(digest))])
        const m = c.message;
        return tagged(TAG_ENCRYPTED, [
          Uint8Array.from(m.ciphertext),
          Uint8Array.from(m.nonce),
          Uint8Array.from(m.auth),
          digestAad(m.digest),
        ]);
      }
      case 'compressed': {
        // compressed = #6.40003([crc32, size, data, #6.40001(digest)])
        const z = c.compressed;
        return tagged(TAG_COMPRESSED, [
          z.checksum,
          z.size,
          Uint8Array.from(z.data),
          tagged(TAG_DIGEST, Uint8Array.from(z.digest)),
        ]);
      }
    }
  }

  /** `#6.200(content)`. */
  taggedCbor(): Cbor {
    return tagged(TAG_ENVELOPE, this.untaggedCbor());
  }

  /** The dCBOR bytes of `#6.200(content)`. */
  toBytes(): Uint8Array {
    return encodeDcbor(this.taggedCbor());
  }
}

/** The AAD of an envelope's encrypted message: `dcbor(#6.40001(h'digest'))` (bc-specs §2.6). */
export function digestAad(digest: Uint8Array): Uint8Array {
  return encodeDcbor(tagged(TAG_DIGEST, Uint8Array.from(digest)));
}

function abytesOf(value: unknown, title: string, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`"${title}" expected Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`"${title}" expected ${length} bytes, got length=${value.length}`);
  }
}

/** Integers only; a JS number must be a safe integer. */
function toBigInt(value: number, title: string): bigint {
  if (!Number.isSafeInteger(value)) throw new RangeError(`"${title}" expected a safe integer`);
  return BigInt(value);
}

/** The major type of a CBOR item, named for error messages. */
export function majorName(item: Cbor): string {
  switch (item.type) {
    case MAJOR.unsigned:
      return 'unsigned';
    case MAJOR.negative:
      return 'negative';
    case MAJOR.bytes:
      return 'bytes';
    case MAJOR.text:
      return 'text';
    case MAJOR.array:
      return 'array';
    case MAJOR.map:
      return 'map';
    case MAJOR.tagged:
      return `tag ${item.tag}`;
    case MAJOR.simple:
      return 'simple';
  }
}
