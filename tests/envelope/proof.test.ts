/**
 * Salt and inclusion proofs (bc-specs §2.11; bc-envelope-rust `salt.rs`, `proof.rs`), beyond
 * the seven salt vectors in `vectors.test.ts`.
 */
import { SeededRng } from '@blockchaincommons/rand';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addSalt,
  addSaltInRange,
  addSaltWithLength,
  confirmContainsSet,
  confirmContainsTarget,
  decodeEnvelope,
  Envelope,
  elideRevealing,
  format,
  IS_A,
  proofContainsSet,
  proofContainsTarget,
} from '../../envelope';

/** The reference's `add_assertion_salted`: the assertion, salted, as an assertion. */
function saltedAssertion(e: Envelope, p: string, o: string): Envelope {
  return e.addAssertionEnvelope(addSalt(Envelope.assertion(p, o)));
}

describe('salt', () => {
  it('changes the digest, differently each time, and round trips', () => {
    const e = Envelope.from('secret').addAssertion('note', 'x');
    const a = addSalt(e);
    const b = addSalt(e);
    expect(a.digestHex).not.toBe(e.digestHex);
    expect(a.digestHex).not.toBe(b.digestHex);
    expect(format(a, { flat: true })).toBe(`"secret" [ "note": "x", 'salt': Salt ]`);
    expect(decodeEnvelope(a.toBytes()).isIdenticalTo(a)).toBe(true);
  });

  it('sizes the salt as the reference: [max(8, ⌈5% n⌉), max(min + 8, ⌈25% n⌉)]', () => {
    const big = Envelope.from(new Uint8Array(1_000));
    const n = big.toBytes().length;
    for (let i = 0; i < 20; i++) {
      const salted = addSalt(big);
      const len = salted.toBytes().length - n;
      // 'salt': #6.40018(bytes): array growth, the assertion, the tags and headers ≤ 16 bytes
      expect(len).toBeGreaterThanOrEqual(Math.ceil(n * 0.05));
      expect(len).toBeLessThanOrEqual(Math.ceil(n * 0.25) + 16);
    }
  });

  it('fixed length and range, deterministic with a seeded generator, refuses < 8', () => {
    const e = Envelope.from('x');
    const one = addSaltWithLength(e, 16, { testRng: new SeededRng([1n, 1n, 1n, 1n]) });
    const two = addSaltWithLength(e, 16, { testRng: new SeededRng([1n, 1n, 1n, 1n]) });
    expect(one.isIdenticalTo(two)).toBe(true);
    expect(() => addSaltWithLength(e, 7)).toThrow(RangeError);
    expect(() => addSaltInRange(e, 12, 9)).toThrow(RangeError);
    expect(addSaltInRange(e, 9, 9).toBytes().length).toBe(addSaltWithLength(e, 9).toBytes().length);
  });
});

describe('inclusion proofs', () => {
  // bc-envelope-rust `proof_tests.rs::test_friends_list`
  const alice = saltedAssertion(
    saltedAssertion(saltedAssertion(Envelope.from('Alice'), 'knows', 'Bob'), 'knows', 'Carol'),
    'knows',
    'Dan',
  );
  const root = elideRevealing(alice, []); // the verifier keeps only this
  const knowsBob = Envelope.assertion('knows', 'Bob');

  it('proves one salted assertion, showing nothing else (reference notation)', () => {
    const proof = proofContainsTarget(alice, knowsBob);
    if (proof === undefined) throw new Error('expected a proof');
    expect(format(proof)).toBe('ELIDED [\n    ELIDED [\n        ELIDED\n    ]\n    ELIDED (2)\n]');
    const decoded = decodeEnvelope(proof.toBytes());
    expect(format(root)).toBe('ELIDED');
    expect(confirmContainsTarget(root, knowsBob, decoded)).toBe(true);
    expect(confirmContainsTarget(root.digest, knowsBob, decoded)).toBe(true);
    expect(confirmContainsTarget(root.digestHex, knowsBob.digestHex, decoded)).toBe(true);
  });

  it('refuses what is not there, and proofs of other envelopes', () => {
    const knowsEve = Envelope.assertion('knows', 'Eve');
    expect(proofContainsTarget(alice, knowsEve)).toBeUndefined();
    const proof = proofContainsTarget(alice, knowsBob) as Envelope;
    expect(confirmContainsTarget(root, knowsEve, proof)).toBe(false);
    const other = saltedAssertion(Envelope.from('Alice'), 'knows', 'Bob');
    const otherProof = proofContainsTarget(other, knowsBob) as Envelope;
    expect(confirmContainsTarget(root, knowsBob, otherProof)).toBe(false);
    expect(() => confirmContainsTarget('00', knowsBob, proof)).toThrow(RangeError);
  });

  it('a set of targets, deep in a credential (bc-envelope-rust test_verifiable_credential)', () => {
    const address = Envelope.from('123 Main St')
      .addAssertion('city', 'Springfield')
      .addAssertion('zip', '12345');
    const credential = Envelope.from('John Smith')
      .addAssertion(Envelope.knownValue(IS_A), 'Person')
      .addAssertion('address', address)
      .addAssertion('birthDate', '1970-01-01')
      .wrap()
      .addAssertion('issuer', 'State DMV');
    const croot = elideRevealing(credential, []);
    const targets = [Envelope.assertion('city', 'Springfield'), Envelope.from('John Smith')];
    const proof = proofContainsSet(credential, targets) as Envelope;
    expect(proof).toBeDefined();
    expect(proof.digestHex).toBe(credential.digestHex);
    expect(confirmContainsSet(croot, targets, proof)).toBe(true);
    expect(format(proof, { flat: true })).not.toContain('Springfield');
    expect(format(proof, { flat: true })).not.toContain('1970');
    // the whole envelope is a proof of anything in it; an elided root proves only itself
    expect(confirmContainsSet(croot, targets, credential)).toBe(true);
    expect(confirmContainsSet(croot, targets, croot)).toBe(false);
    expect(confirmContainsSet(croot, [croot], croot)).toBe(true);
  });

  it('an element inside an elided part cannot be proved', () => {
    const hidden = elideRevealing(alice, [alice, alice.subject()]);
    expect(proofContainsTarget(hidden, knowsBob)).toBeUndefined();
  });

  it('property: any element of a random salted node has a proof that confirms and nothing else does (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }),
        fc.uniqueArray(fc.tuple(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })), {
          minLength: 1,
          maxLength: 6,
          selector: ([p, o]) => `${p}\u0000${o}`,
        }),
        fc.nat(),
        fc.boolean(),
        (subject, pairs, pick, wrap) => {
          let e = Envelope.from(subject);
          for (const [p, o] of pairs) e = saltedAssertion(e, p, o);
          if (wrap) e = e.wrap();
          const [p, o] = pairs[pick % pairs.length] as [string, string];
          const target = Envelope.assertion(p, o);
          const proof = proofContainsTarget(e, target);
          if (proof === undefined) throw new Error('expected a proof');
          const decoded = decodeEnvelope(proof.toBytes());
          expect(confirmContainsTarget(e.digest, target, decoded)).toBe(true);
          const absent = Envelope.assertion(p, `${o}!`);
          const present = pairs.some(([q, r]) => q === p && r === `${o}!`);
          expect(confirmContainsTarget(e.digest, absent, decoded)).toBe(false);
          expect(proofContainsTarget(e, absent) === undefined).toBe(!present);
        },
      ),
      { numRuns: 50 },
    );
  });
});
