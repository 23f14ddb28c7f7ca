/**
 * Envelope core beyond the vectors: strict decoding (bc-specs §2.3) with one typed error per
 * failure, elision/unelision, the asserts at the door, and fast-check properties (encode/decode
 * round trip, UR round trip, elide/reveal keep every digest).
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Cbor,
  decodeDcbor,
  encodeDcbor,
  MAX_DEPTH,
  tagged,
  toCbor,
} from '../../envelope/dcbor';
import {
  BytewordsError,
  compress,
  DcborDecodeError,
  DigestMismatchError,
  DuplicateAssertionError,
  decodeEnvelope,
  decompress,
  decrypt,
  decryptSubject,
  Envelope,
  EnvelopeError,
  elideRemoving,
  elideRevealing,
  encrypt,
  encryptSubject,
  envelopeFromUr,
  envelopeToUr,
  format,
  InvalidEnvelopeError,
  InvalidUrError,
  NestingTooDeepError,
  UnorderedAssertionsError,
  UrTypeError,
  unelide,
  unelideWith,
} from '../../envelope/index';

const alice = Envelope.from('Alice')
  .addAssertion('knows', 'Bob')
  .addAssertion('knows', 'Carol')
  .addAssertion(Envelope.knownValue(1), 'Person');

/** `#6.200([subject, ...assertions])` from raw parts, bypassing the sorting constructor. */
const rawNode = (subject: Envelope, parts: Cbor[]): Uint8Array =>
  encodeDcbor(tagged(200, toCbor([subject.untaggedCbor(), ...parts])));

/** Every element of the tree, root first. */
function elements(env: Envelope): Envelope[] {
  const c = env.case;
  switch (c.type) {
    case 'assertion':
      return [env, ...elements(c.predicate), ...elements(c.object)];
    case 'node':
      return [env, ...elements(c.subject), ...c.assertions.flatMap(elements)];
    case 'wrapped':
      return [env, ...elements(c.envelope)];
    default:
      return [env];
  }
}

describe('digest tree (bc-specs §2.2)', () => {
  it('matches the published digests of a leaf and a known value', () => {
    expect(Envelope.from('Hello.').digestHex).toBe(
      '8cc96cdb771176e835114a0f8936690b41cfed0df22d014eedd64edaea945d59',
    );
    expect(Envelope.knownValue(1).digestHex).toBe(
      '2be2d79b306a21ff8e3e6bd3d1c2c6c74ff4a693b1e7ba3a0f40cdfb9ea493f8',
    );
  });

  it('keeps assertions sorted by digest and drops a repeated one', () => {
    const again = alice.addAssertion('knows', 'Bob');
    expect(again.assertions()).toHaveLength(3);
    expect(again.digestHex).toBe(alice.digestHex);
    const hexes = alice.assertions().map((a) => a.digestHex);
    expect([...hexes].sort()).toEqual(hexes);
  });

  it('is independent of the order assertions are added in', () => {
    const other = Envelope.from('Alice')
      .addAssertion(Envelope.knownValue(1), 'Person')
      .addAssertion('knows', 'Carol')
      .addAssertion('knows', 'Bob');
    expect(other.isIdenticalTo(alice)).toBe(true);
  });
});

describe('strict decoding (bc-specs §2.3)', () => {
  const [a1, a2] = alice.assertions() as [Envelope, Envelope, Envelope];

  it('accepts what it writes', () => {
    expect(decodeEnvelope(alice.toBytes()).isIdenticalTo(alice)).toBe(true);
  });

  it('rejects unordered assertions', () => {
    const bytes = rawNode(alice.subject(), [a2.untaggedCbor(), a1.untaggedCbor()]);
    expect(() => decodeEnvelope(bytes)).toThrow(UnorderedAssertionsError);
  });

  it('rejects a duplicate assertion', () => {
    const bytes = rawNode(alice.subject(), [a1.untaggedCbor(), a1.untaggedCbor()]);
    expect(() => decodeEnvelope(bytes)).toThrow(DuplicateAssertionError);
  });

  it('rejects non-dCBOR with the dCBOR error code', () => {
    // 0x18 0x01: the integer 1 with a non-shortest head (draft-12 §2.1)
    const err = (() => {
      try {
        decodeEnvelope(hexToBytes('d8c8d8c91801'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DcborDecodeError);
    expect((err as DcborDecodeError).code).toBe('NonCanonicalNumeric');
    expect((err as DcborDecodeError).shortMessage).toBe(
      'Not deterministic CBOR (NonCanonicalNumeric).',
    );
  });

  it.each([
    ['a top level without tag 200', 'd8c9d8c965416c696365'],
    ['a legacy #6.24 leaf', 'd8c8d81865416c696365'],
    ['an elided digest of 31 bytes', `d8c8581f${'00'.repeat(31)}`],
    ['a node without assertions', 'd8c881d8c965416c696365'],
    ['null as content', 'd8c8f6'],
    ['a text string as content', 'd8c865416c696365'],
    ['an assertion map with two entries', 'd8c8a2d8c96161d8c96162d8c96163d8c96164'],
  ])('rejects %s', (_, hex) => {
    expect(() => decodeEnvelope(hexToBytes(hex))).toThrow(InvalidEnvelopeError);
  });

  it('rejects a node whose subject is a node', () => {
    const bytes = rawNode(alice, [a1.untaggedCbor()]);
    expect(() => decodeEnvelope(bytes)).toThrow(InvalidEnvelopeError);
  });

  it('rejects a node element that is not an assertion', () => {
    const bytes = rawNode(alice.subject(), [Envelope.from('x').untaggedCbor()]);
    expect(() => decodeEnvelope(bytes)).toThrow(InvalidEnvelopeError);
  });

  it('rejects malformed encrypted and compressed content', () => {
    const enc = encodeDcbor(tagged(200, tagged(40002, [new Uint8Array(1)])));
    const cmp = encodeDcbor(tagged(200, tagged(40003, [0])));
    expect(() => decodeEnvelope(enc)).toThrow(InvalidEnvelopeError);
    expect(() => decodeEnvelope(cmp)).toThrow(InvalidEnvelopeError);
  });

  it('checks an expected root digest, which an elided copy still meets', () => {
    const bytes = alice.toBytes();
    expect(decodeEnvelope(bytes, { expectedDigest: alice.digest }).isIdenticalTo(alice)).toBe(true);
    const elided = elideRemoving(alice, [alice.subject()]).toBytes();
    expect(decodeEnvelope(elided, { expectedDigest: alice.digest }).isEquivalentTo(alice)).toBe(
      true,
    );
    const other = Envelope.from('Eve').digest;
    expect(() => decodeEnvelope(bytes, { expectedDigest: other })).toThrow(DigestMismatchError);
    expect(() => decodeEnvelope(bytes, { expectedDigest: new Uint8Array(3) })).toThrow(RangeError);
  });

  it('gives every failure a typed error with a short message', () => {
    try {
      decodeEnvelope(hexToBytes('d8c880'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvelopeError);
      expect((e as EnvelopeError).name).toBe('InvalidEnvelopeError');
      expect((e as EnvelopeError).shortMessage).toBe('Not a valid Gordian Envelope.');
    }
  });
});

describe('hostile input', () => {
  const nested = (depth: number, head: number[]): Uint8Array =>
    Uint8Array.from([...Array.from({ length: depth }, () => head).flat(), 0x01]);

  it(`decodes ${MAX_DEPTH} levels and refuses one more with a typed error`, () => {
    expect(() => decodeDcbor(nested(MAX_DEPTH, [0x81]))).not.toThrow();
    expect(() => decodeDcbor(nested(MAX_DEPTH + 1, [0x81]))).toThrow(NestingTooDeepError);
  });

  it('refuses 100 000 nested envelopes without exhausting the stack', () => {
    expect(() => decodeEnvelope(nested(100_000, [0xd8, 0xc8]))).toThrow(NestingTooDeepError);
    expect(() => decodeEnvelope(nested(100_000, [0xa1, 0x01]))).toThrow(NestingTooDeepError);
  });

  it('reads UR in upper case and refuses other types, multipart and bad checksums', () => {
    const ur = envelopeToUr(alice);
    expect(envelopeFromUr(ur.toUpperCase()).isIdenticalTo(alice)).toBe(true);
    expect(() => envelopeFromUr(ur.replace('envelope', 'seed'))).toThrow(UrTypeError);
    expect(() => envelopeFromUr('ur:envelope/1-3/lpadaxcs')).toThrow(InvalidUrError);
    expect(() => envelopeFromUr('envelope/tpsoiyfdihjz')).toThrow(InvalidUrError);
    const flipped = `${ur.slice(0, -2)}${ur.endsWith('ae') ? 'ad' : 'ae'}`;
    expect(() => envelopeFromUr(flipped)).toThrow(BytewordsError);
  });
});

describe('elision (bc-specs §2.11)', () => {
  it('elides by digest and keeps the root digest', () => {
    const elided = elideRemoving(alice, [Envelope.from('Bob')]);
    expect(elided.digestHex).toBe(alice.digestHex);
    expect(format(elided, { flat: true })).toBe(
      `"Alice" [ 'isA': "Person", "knows": "Carol", "knows": ELIDED ]`,
    );
    expect(unelide(elided, [Envelope.from('Bob')]).isIdenticalTo(alice)).toBe(true);
  });

  it('reveals only the target set', () => {
    const revealed = elideRevealing(alice, [alice, alice.subject()]);
    expect(format(revealed, { flat: true })).toBe('"Alice" [ ELIDED (3) ]');
    expect(revealed.isEquivalentTo(alice)).toBe(true);
    expect(revealed.isIdenticalTo(alice)).toBe(false);
  });

  it('accepts digests as bytes or hex, and checks them at the door', () => {
    const bob = Envelope.from('Bob');
    const a = elideRemoving(alice, [bob.digest]);
    const b = elideRemoving(alice, [bob.digestHex]);
    expect(a.isIdenticalTo(b)).toBe(true);
    expect(() => elideRemoving(alice, [new Uint8Array(31)])).toThrow(RangeError);
    expect(() => elideRemoving(alice, ['zz'])).toThrow(RangeError);
    expect(() => Envelope.elided(new Uint8Array(33))).toThrow(RangeError);
  });

  it('refuses to unelide with an envelope of another digest', () => {
    const elided = Envelope.from('Bob').elide();
    expect(unelideWith(elided, Envelope.from('Bob')).isIdenticalTo(Envelope.from('Bob'))).toBe(
      true,
    );
    expect(() => unelideWith(elided, Envelope.from('Eve'))).toThrow(DigestMismatchError);
  });
});

describe('asserts at the door', () => {
  it('rejects out-of-range known values and bad inputs', () => {
    expect(() => Envelope.knownValue(-1)).toThrow(RangeError);
    expect(() => Envelope.knownValue(1n << 64n)).toThrow(RangeError);
    expect(() => Envelope.knownValue(1.5)).toThrow(RangeError);
    expect(() => Envelope.node(alice.subject(), [])).toThrow(InvalidEnvelopeError);
    expect(() => Envelope.node(alice, [Envelope.assertion('a', 'b')])).toThrow(
      InvalidEnvelopeError,
    );
    expect(() => Envelope.node(Envelope.from('x'), [Envelope.from('y')])).toThrow(
      InvalidEnvelopeError,
    );
  });

  it('unwraps only a wrapped subject', () => {
    expect(alice.wrap().unwrap().isIdenticalTo(alice)).toBe(true);
    expect(() => alice.unwrap()).toThrow(InvalidEnvelopeError);
  });
});

// ---- properties ------------------------------------------------------------------------------

const leafValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.bigInt({ min: -(1n << 64n), max: (1n << 64n) - 1n }),
  fc.integer(),
  fc.uint8Array({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
  fc.double(),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxLength: 3 }),
);

const NOTE_KV = Envelope.knownValue(4);

const { envelope: arbEnvelope } = fc.letrec<{ envelope: Envelope }>((tie) => ({
  envelope: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafValue.map((v) => Envelope.leaf(v)),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => Envelope.knownValue(v)),
    tie('envelope').map((e) => e.wrap()),
    fc.tuple(tie('envelope'), tie('envelope')).map(([p, o]) => Envelope.assertion(p, o)),
    fc
      .tuple(
        tie('envelope'),
        fc.array(fc.tuple(tie('envelope'), tie('envelope'), fc.option(tie('envelope'))), {
          minLength: 1,
          maxLength: 3,
        }),
      )
      .map(([s, triples]) =>
        triples.reduce((acc, [p, o, meta]) => {
          // an assertion, or an assertion carrying its own metadata assertion
          const a = Envelope.assertion(p, o);
          return acc.addAssertionEnvelope(meta === null ? a : a.addAssertion(NOTE_KV, meta));
        }, s),
      ),
  ),
}));

describe('properties (fast-check)', () => {
  it('decrypt(encrypt(e)) and decompress(compress(e)) keep the digest and the bytes, through the wire too', () => {
    fc.assert(
      fc.property(arbEnvelope, fc.uint8Array({ minLength: 32, maxLength: 32 }), (e, key) => {
        const sealed = decodeEnvelope(encrypt(e, key).toBytes());
        expect(bytesToHex(decrypt(sealed, key).toBytes())).toBe(bytesToHex(e.toBytes()));
        const subjectSealed = decodeEnvelope(encryptSubject(e, key).toBytes());
        expect(subjectSealed.digestHex).toBe(e.digestHex);
        expect(bytesToHex(decryptSubject(subjectSealed, key).toBytes())).toBe(
          bytesToHex(e.toBytes()),
        );
        const packed = decodeEnvelope(compress(e).toBytes());
        expect(packed.digestHex).toBe(e.digestHex);
        expect(bytesToHex(decompress(packed).toBytes())).toBe(bytesToHex(e.toBytes()));
      }),
      { numRuns: 200 },
    );
  });

  it('decode(encode(e)) is identical to e', () => {
    fc.assert(
      fc.property(arbEnvelope, (e) => {
        const bytes = e.toBytes();
        const back = decodeEnvelope(bytes);
        expect(back.digestHex).toBe(e.digestHex);
        expect(bytesToHex(back.toBytes())).toBe(bytesToHex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('UR round trip keeps the envelope', () => {
    fc.assert(
      fc.property(arbEnvelope, (e) => {
        expect(envelopeFromUr(envelopeToUr(e)).isIdenticalTo(e)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('elide/reveal keep every digest, survive encoding, and unelide restores', () => {
    fc.assert(
      fc.property(arbEnvelope, fc.infiniteStream(fc.boolean()), (e, coins) => {
        const all = elements(e);
        const it = coins[Symbol.iterator]();
        const target = all.filter(() => it.next().value === true);
        for (const elided of [elideRemoving(e, target), elideRevealing(e, target)]) {
          expect(elided.digestHex).toBe(e.digestHex);
          expect(decodeEnvelope(elided.toBytes()).isIdenticalTo(elided)).toBe(true);
          expect(unelide(elided, all).isIdenticalTo(e)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
