/**
 * Encrypted (bc-specs §2.6) and compressed (§2.11) envelopes and the SSKR permit (§2.9, §3)
 * beyond the vectors: round trips, wrong keys, strict decoding of both cases, flipping every byte
 * of an encrypted or compressed envelope, and split/join for every k ≤ n ≤ 16.
 */
import { SeededRng } from '@blockchaincommons/rand';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concatBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeDcbor, tagged } from '../../envelope/dcbor';
import { digestAad } from '../../envelope/envelope';
import {
  compress,
  compressSubject,
  DecompressionError,
  DecryptionError,
  DigestMismatchError,
  decodeEnvelope,
  decompress,
  decompressSubject,
  decrypt,
  decryptElement,
  decryptSubject,
  Envelope,
  EnvelopeError,
  elideRemoving,
  encrypt,
  encryptSubject,
  format,
  InvalidEnvelopeError,
  InvalidShareError,
  MAX_DECOMPRESSED_SIZE,
  MixedSharesError,
  NotEnoughSharesError,
  NotObscuredError,
  type SskrSpec,
  sskrJoin,
  sskrSplit,
} from '../../envelope/index';

const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const otherKey = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);

const alice = Envelope.from('Alice')
  .addAssertion('knows', 'Bob')
  .addAssertion(Envelope.knownValue(1), 'Person');

/**
 * Flip each bit 0 and 7 of each byte in `[from, to)` in turn and open the result. Returns the
 * flips that were accepted, with what they opened to; every other flip must be refused with one
 * of our typed errors.
 */
function flips(
  bytes: Uint8Array,
  open: (e: Envelope) => Envelope,
  from = 0,
  to = bytes.length,
): { at: number; opened: Envelope }[] {
  const accepted: { at: number; opened: Envelope }[] = [];
  for (let i = from; i < to; i++) {
    for (const mask of [0x01, 0x80]) {
      const bad = Uint8Array.from(bytes);
      bad[i] = (bad[i] as number) ^ mask;
      try {
        accepted.push({ at: i, opened: open(decodeEnvelope(bad)) });
      } catch (e) {
        expect(e, `byte ${i} ^ ${mask}`).toBeInstanceOf(EnvelopeError);
      }
    }
  }
  return accepted;
}

/** Where `part` starts in `bytes`. */
function offsetOf(bytes: Uint8Array, part: Uint8Array): number {
  outer: for (let i = 0; i + part.length <= bytes.length; i++) {
    for (let j = 0; j < part.length; j++) if (bytes[i + j] !== part[j]) continue outer;
    return i;
  }
  throw new Error('part not found');
}

describe('encryption (bc-specs §2.6)', () => {
  it('encryptSubject keeps the assertions in clear and every digest', () => {
    const sealed = encryptSubject(alice, key);
    expect(sealed.digestHex).toBe(alice.digestHex);
    expect(format(sealed, { flat: true })).toBe(`ENCRYPTED [ 'isA': "Person", "knows": "Bob" ]`);
    expect(decryptSubject(sealed, key).isIdenticalTo(alice)).toBe(true);
  });

  it('encrypt hides everything; the wire form survives strict decoding', () => {
    const sealed = encrypt(alice, key);
    expect(format(sealed)).toBe('ENCRYPTED');
    expect(sealed.digestHex).toBe(alice.wrap().digestHex);
    const again = decodeEnvelope(sealed.toBytes());
    expect(again.isIdenticalTo(sealed)).toBe(true);
    expect(decrypt(again, key).isIdenticalTo(alice)).toBe(true);
  });

  it('writes #6.40002([ct, nonce(12), auth(16), dcbor(#6.40001(digest))])', () => {
    const nonce = new Uint8Array(12).fill(7);
    const leaf = Envelope.from('Hello.');
    const sealed = encryptSubject(leaf, key, { testNonce: nonce });
    const sealedAgain = chacha20poly1305(key, nonce, digestAad(leaf.digest)).encrypt(
      leaf.toBytes(),
    );
    const expected = encodeDcbor(
      tagged(
        200,
        tagged(40002, [
          sealedAgain.subarray(0, -16),
          nonce,
          sealedAgain.subarray(-16),
          encodeDcbor(tagged(40001, leaf.digest)),
        ]),
      ),
    );
    expect(sealed.toBytes()).toEqual(expected);
  });

  it('uses a fresh nonce each time', () => {
    const a = encrypt(alice, key).toBytes();
    const b = encrypt(alice, key).toBytes();
    expect(a).not.toEqual(b);
  });

  it('a wrong key is a DecryptionError, never other plaintext', () => {
    expect(() => decrypt(encrypt(alice, key), otherKey)).toThrow(DecryptionError);
  });

  it('refuses every single-byte change of an encrypted envelope', () => {
    expect(flips(encrypt(alice, key).toBytes(), (e) => decrypt(e, key))).toEqual([]);
    // encryptSubject: the assertions are in clear (and unauthenticated, by design); every change
    // inside the encrypted subject is refused.
    const sealed = encryptSubject(alice, key);
    const bytes = sealed.toBytes();
    const subject = encodeDcbor(sealed.subject().untaggedCbor());
    const at = offsetOf(bytes, subject);
    expect(flips(bytes, (e) => decryptSubject(e, key), at, at + subject.length)).toEqual([]);
  });

  it('re-checks the digest after decryption', () => {
    // An honest AEAD message whose AAD names another envelope's digest.
    const nonce = new Uint8Array(12);
    const claimed = Envelope.from('Bob').digest;
    const sealed = chacha20poly1305(key, nonce, digestAad(claimed)).encrypt(
      Envelope.from('Eve').toBytes(),
    );
    const lying = Envelope.encrypted({
      ciphertext: sealed.subarray(0, -16),
      nonce,
      auth: sealed.subarray(-16),
      digest: claimed,
    });
    expect(() => decryptElement(lying, key)).toThrow(DigestMismatchError);
  });

  it('decodes the encrypted case strictly', () => {
    const good = encrypt(alice, key);
    const c = good.case;
    if (c.type !== 'encrypted') throw new Error('unreachable');
    const m = c.message;
    const aad = digestAad(m.digest);
    const wire = (parts: unknown[]) =>
      encodeDcbor(tagged(200, tagged(40002, parts as Uint8Array[])));
    // no AAD (the reference accepts it, but then there is no digest)
    expect(() => decodeEnvelope(wire([m.ciphertext, m.nonce, m.auth]))).toThrow(
      InvalidEnvelopeError,
    );
    expect(() => decodeEnvelope(wire([m.ciphertext, m.nonce.subarray(1), m.auth, aad]))).toThrow(
      InvalidEnvelopeError,
    );
    expect(() => decodeEnvelope(wire([m.ciphertext, m.nonce, m.auth.subarray(1), aad]))).toThrow(
      InvalidEnvelopeError,
    );
    // AAD that is not exactly #6.40001(32 bytes)
    expect(() =>
      decodeEnvelope(wire([m.ciphertext, m.nonce, m.auth, concatBytes(aad, new Uint8Array(1))])),
    ).toThrow(InvalidEnvelopeError);
    expect(() =>
      decodeEnvelope(wire([m.ciphertext, m.nonce, m.auth, encodeDcbor(tagged(40002, m.digest))])),
    ).toThrow(InvalidEnvelopeError);
    expect(() => decodeEnvelope(wire([m.ciphertext, m.nonce, m.auth, aad, aad]))).toThrow(
      InvalidEnvelopeError,
    );
  });

  it('checks its inputs at the door', () => {
    expect(() => encrypt(alice, key.subarray(1))).toThrow(RangeError);
    expect(() => encrypt(alice, 'key' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => decrypt(alice, key)).toThrow(NotObscuredError);
    expect(() => encryptSubject(encryptSubject(alice, key), key)).toThrow(NotObscuredError);
  });

  it('elideRemoving with an encrypt action keeps the digest and decrypts back', () => {
    const bob = Envelope.from('Bob');
    const hidden = elideRemoving(alice, [bob], { encrypt: key });
    expect(hidden.digestHex).toBe(alice.digestHex);
    expect(format(hidden, { flat: true })).toBe(`"Alice" [ 'isA': "Person", "knows": ENCRYPTED ]`);
    const obj = hidden.assertions().find((a) => a.asObject()?.case.type === 'encrypted');
    const enc = obj?.asObject() as Envelope;
    expect(decryptElement(enc, key).isIdenticalTo(bob)).toBe(true);
    expect(format(elideRemoving(alice, alice.assertions(), { encrypt: key }))).toBe(
      '"Alice" [\n    ENCRYPTED (2)\n]',
    );
  });
});

describe('compression (bc-specs §2.11)', () => {
  const long = Envelope.from('Lorem ipsum dolor sit amet, '.repeat(20)).addAssertion('n', 1);

  it('round trips with the same digest, compressed or stored', () => {
    for (const env of [long, alice, Envelope.from(1), Envelope.knownValue(1)]) {
      const z = compress(env);
      expect(z.digestHex).toBe(env.digestHex);
      expect(decompress(decodeEnvelope(z.toBytes())).isIdenticalTo(env)).toBe(true);
      const zs = compressSubject(env);
      expect(decompressSubject(decodeEnvelope(zs.toBytes())).isIdenticalTo(env)).toBe(true);
    }
    expect(compress(long).toBytes().length).toBeLessThan(long.toBytes().length);
  });

  it('refuses every single-byte change of a compressed envelope that changes its content', () => {
    expect(flips(compress(Envelope.from(7)).toBytes(), decompress)).toEqual([]); // stored as is
    // DEFLATE is not injective: a few flips inside the data still inflate, to the same content
    // (same CRC, same digest). Here: the top bit of the last data byte (padding after the final
    // block) and one bit of the dynamic block header that gives an unused literal a code length
    // (fflate does not reject the over-full code). No flip opens to other content.
    const z = compress(long);
    const c = z.case;
    if (c.type !== 'compressed') throw new Error('unreachable');
    const bytes = z.toBytes();
    const dataStart = offsetOf(bytes, c.compressed.data);
    const lastDataByte = dataStart + c.compressed.data.length - 1;
    const accepted = flips(bytes, decompress);
    expect(accepted.map((f) => f.at)).toContain(lastDataByte);
    expect(accepted.length).toBeLessThanOrEqual(2);
    for (const { at, opened } of accepted) {
      expect(at).toBeGreaterThanOrEqual(dataStart);
      expect(at).toBeLessThanOrEqual(lastDataByte);
      expect(opened.isIdenticalTo(long)).toBe(true);
    }
  });

  it('decodes the compressed case strictly and refuses bombs', () => {
    const z = compress(long);
    const c = z.case;
    if (c.type !== 'compressed') throw new Error('unreachable');
    const { checksum, size, data, digest } = c.compressed;
    const wire = (parts: unknown[]) =>
      encodeDcbor(tagged(200, tagged(40003, parts as Uint8Array[])));
    expect(() => decodeEnvelope(wire([checksum, size, data]))).toThrow(InvalidEnvelopeError);
    expect(() => decodeEnvelope(wire([checksum, size, data, digest]))).toThrow(
      InvalidEnvelopeError,
    );
    expect(() => decodeEnvelope(wire([2 ** 32, size, data, tagged(40001, digest)]))).toThrow(
      InvalidEnvelopeError,
    );
    expect(() =>
      decodeEnvelope(wire([checksum, data.length - 1, data, tagged(40001, digest)])),
    ).toThrow(InvalidEnvelopeError);
    const bomb = decodeEnvelope(
      wire([checksum, MAX_DECOMPRESSED_SIZE + 1, data, tagged(40001, digest)]),
    );
    expect(() => decompress(bomb)).toThrow(DecompressionError);
    const short = decodeEnvelope(wire([checksum, size - 1, data, tagged(40001, digest)]));
    expect(() => decompress(short)).toThrow(DecompressionError);
    const long2 = decodeEnvelope(wire([checksum, size + 1, data, tagged(40001, digest)]));
    expect(() => decompress(long2)).toThrow(DecompressionError);
    expect(() => decompress(alice)).toThrow(NotObscuredError);
  });

  it('elideRemoving with a compress action keeps the digest', () => {
    const hidden = elideRemoving(long, [long.subject()], 'compress');
    expect(hidden.digestHex).toBe(long.digestHex);
    expect(format(hidden, { flat: true })).toBe('COMPRESSED [ "n": 1 ]');
    expect(decompressSubject(hidden).isIdenticalTo(long)).toBe(true);
  });
});

describe('SSKR permit (bc-specs §2.9, §3)', () => {
  const secret = Envelope.from(new Uint8Array(32).fill(0x42)).addAssertion(
    Envelope.knownValue(4),
    'seed',
  );
  const oneGroup = (k: number, n: number): SskrSpec => ({
    groupThreshold: 1,
    groups: [{ threshold: k, count: n }],
  });

  it('every share reads ENCRYPTED [ sskrShare ] and hides the assertions', () => {
    const [group] = sskrSplit(secret, oneGroup(2, 3), key);
    expect(group).toHaveLength(3);
    for (const share of group ?? []) {
      expect(format(share, { flat: true })).toBe("ENCRYPTED [ 'sskrShare': SSKRShare ]");
      expect(decodeEnvelope(share.toBytes()).isIdenticalTo(share)).toBe(true);
    }
  });

  it('joins any k of n shares and refuses k − 1, for every k ≤ n ≤ 16', () => {
    const rng = new SeededRng([1n, 2n, 3n, 4n]);
    for (let n = 1; n <= 16; n++) {
      for (let k = 1; k <= n; k++) {
        const [shares = []] = sskrSplit(secret, oneGroup(k, n), key, { testRng: rng });
        expect(shares).toHaveLength(n);
        // the last k shares, so member index 0 is not always present
        expect(sskrJoin(shares.slice(n - k)).isIdenticalTo(secret), `${k}-of-${n}`).toBe(true);
        if (k > 1) {
          expect(() => sskrJoin(shares.slice(n - k + 1)), `${k - 1} of ${k}-of-${n}`).toThrow(
            NotEnoughSharesError,
          );
        }
      }
    }
  });

  it('property: any shuffled quorum of any single-group split joins', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 16 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }))),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.func(fc.integer()),
        ([n, k], contentKey, order) => {
          const [shares = []] = sskrSplit(alice, oneGroup(k, n), contentKey);
          const picked = [...shares]
            .map((s, i) => ({ s, w: order(i) }))
            .sort((a, b) => a.w - b.w)
            .slice(0, k)
            .map((x) => x.s);
          expect(sskrJoin(picked).isIdenticalTo(alice)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('groups: 2 of [2-of-3, 3-of-5]', () => {
    const spec: SskrSpec = {
      groupThreshold: 2,
      groups: [
        { threshold: 2, count: 3 },
        { threshold: 3, count: 5 },
      ],
    };
    const [g1 = [], g2 = []] = sskrSplit(secret, spec, key);
    expect(sskrJoin([...g1.slice(1), ...g2.slice(2)]).isIdenticalTo(secret)).toBe(true);
    expect(sskrJoin([...g1, ...g2]).isIdenticalTo(secret)).toBe(true);
    // one group is short
    expect(() => sskrJoin([...g1.slice(0, 2), ...g2.slice(0, 2)])).toThrow(NotEnoughSharesError);
    expect(() => sskrJoin(g2)).toThrow(NotEnoughSharesError);
  });

  it('refuses shares from different splits, or of different envelopes', () => {
    const [a = []] = sskrSplit(secret, oneGroup(2, 3), key);
    const [b = []] = sskrSplit(secret, oneGroup(2, 3), key);
    expect(() => sskrJoin([a[0] as Envelope, b[1] as Envelope])).toThrow(MixedSharesError);
    const [c = []] = sskrSplit(alice, oneGroup(2, 3), key);
    expect(() => sskrJoin([a[0] as Envelope, c[1] as Envelope])).toThrow(MixedSharesError);
  });

  it('refuses no shares, non-shares and a share given twice short of the threshold', () => {
    const [a = []] = sskrSplit(secret, oneGroup(2, 3), key);
    const first = a[0] as Envelope;
    expect(() => sskrJoin([])).toThrow(NotEnoughSharesError);
    expect(() => sskrJoin([first, first])).toThrow(NotEnoughSharesError);
    expect(() => sskrJoin([encrypt(secret, key)])).toThrow(InvalidShareError);
    expect(() => sskrJoin([secret])).toThrow(InvalidShareError);
    const twoShares = first.addAssertion(Envelope.knownValue(6), Envelope.leaf(tagged(40309, key)));
    expect(() => sskrJoin([twoShares])).toThrow(InvalidShareError);
  });

  it('refuses every single-byte change of a share set member', () => {
    const [a = []] = sskrSplit(secret, oneGroup(2, 2), key);
    const other = a[1] as Envelope;
    const first = a[0] as Envelope;
    // Every change to the encrypted subject or the share is refused (the envelope is all that).
    expect(flips(first.toBytes(), (e) => sskrJoin([e, other]))).toEqual([]);
  });

  it('refuses an invalid spec before encrypting', () => {
    expect(() => sskrSplit(secret, oneGroup(3, 2), key)).toThrow(RangeError);
    expect(() => sskrSplit(secret, oneGroup(1, 17), key)).toThrow(RangeError);
    expect(() => sskrSplit(secret, { groupThreshold: 2, groups: [] }, key)).toThrow(RangeError);
  });
});
