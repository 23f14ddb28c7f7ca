/**
 * Signatures (bc-specs §2.10) beyond the vectors: every scheme round trips, a wrong key or scheme
 * is refused, metadata is signed twice by the same key, thresholds, and flipping any byte of a
 * signed envelope makes verification fail with a typed error.
 */
import { describe, expect, it } from 'vitest';
import {
  addSignature,
  decodeEnvelope,
  Envelope,
  EnvelopeError,
  format,
  hasSignatureFrom,
  NOTE,
  type SignatureScheme,
  SignatureVerificationError,
  sign,
  signingPrivateKeyFromSeed,
  signingPublicKey,
  verify,
  verifySignature,
  verifySignatureReturningMetadata,
  verifySignaturesThreshold,
} from '../../envelope/index';

const alice = Envelope.from('Alice')
  .addAssertion('knows', 'Bob')
  .addAssertion(Envelope.knownValue(1), 'Person');
const schemes: SignatureScheme[] = ['schnorr', 'ecdsa', 'ed25519'];
const key = (scheme: SignatureScheme, fill = 1) =>
  signingPrivateKeyFromSeed(new Uint8Array(32).fill(fill), scheme);

describe('signatures', () => {
  it.each(schemes)('%s: sign / verify round trips; another key or scheme is refused', (scheme) => {
    const signer = key(scheme);
    const signed = sign(alice, signer);
    expect(verify(signed, signingPublicKey(signer)).isIdenticalTo(alice)).toBe(true);
    expect(verify(decodeEnvelope(signed.toBytes()), signingPublicKey(signer)).digestHex).toBe(
      alice.digestHex,
    );
    expect(() => verify(signed, signingPublicKey(key(scheme, 2)))).toThrow(
      SignatureVerificationError,
    );
    const other = schemes.find((s) => s !== scheme) as SignatureScheme;
    expect(() => verify(signed, signingPublicKey(key(other)))).toThrow(SignatureVerificationError);
    expect(() => verify(alice.wrap(), signingPublicKey(signer))).toThrow(
      SignatureVerificationError,
    );
  });

  it('addSignature covers the subject only; sign covers the assertions too', () => {
    const signer = key('ed25519');
    const pub = signingPublicKey(signer);
    const onSubject = addSignature(alice, signer);
    // Moving the signature onto an envelope with other assertions but the same subject still
    // verifies: it signs the subject digest only.
    const signedAssertion = onSubject
      .assertions()
      .find((a) => a.asPredicate()?.asKnownValue() === 3n);
    const moved = Envelope.from('Alice').addAssertionEnvelope(signedAssertion as Envelope);
    expect(hasSignatureFrom(moved, pub)).toBe(true);
    // With sign, changing an assertion changes the wrapped subject: refused.
    const signed = sign(alice, signer);
    const forged = sign(alice.addAssertion('knows', 'Mallory'), key('ed25519', 9));
    const swapped = forged.subject().addAssertionEnvelope(signed.assertions()[0] as Envelope);
    expect(() => verifySignature(swapped, pub)).toThrow(SignatureVerificationError);
  });

  it('signs metadata with the same key, and returns it', () => {
    const signer = key('schnorr');
    const pub = signingPublicKey(signer);
    const note = Envelope.assertion(Envelope.knownValue(NOTE), 'Signed on the laptop');
    const signed = sign(alice, signer, { metadata: [note] });
    expect(format(signed, { flat: true })).toBe(
      '{ "Alice" [ \'isA\': "Person", "knows": "Bob" ] } [ \'signed\': { Signature [ \'note\': "Signed on the laptop" ] } [ \'signed\': Signature ] ]',
    );
    const meta = verifySignatureReturningMetadata(signed, pub);
    expect(format(meta, { flat: true })).toBe('Signature [ \'note\': "Signed on the laptop" ]');
    expect(() => verify(signed, signingPublicKey(key('schnorr', 2)))).toThrow(
      SignatureVerificationError,
    );
  });

  it('multi-signature thresholds', () => {
    const signers = [key('ed25519', 1), key('schnorr', 2), key('ecdsa', 3)];
    const pubs = signers.map(signingPublicKey);
    let env = alice.wrap();
    env = addSignature(env, signers[0] as (typeof signers)[number]);
    env = addSignature(env, signers[2] as (typeof signers)[number]);
    expect(verifySignaturesThreshold(env, pubs, 2)).toBe(env);
    expect(() => verifySignaturesThreshold(env, pubs, 3)).toThrow(SignatureVerificationError);
  });

  it.each(schemes)('%s: any bit flip of a signed envelope fails with a typed error', (scheme) => {
    const signer = key(scheme);
    const pub = signingPublicKey(signer);
    const bytes = sign(alice, signer, {
      metadata: [Envelope.assertion(Envelope.knownValue(NOTE), 'n')],
    }).toBytes();
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const bad = Uint8Array.from(bytes);
        bad[i] = (bad[i] as number) ^ mask;
        let thrown: unknown;
        try {
          verify(decodeEnvelope(bad), pub);
        } catch (e) {
          thrown = e;
        }
        expect(thrown, `byte ${i} ^ ${mask} was accepted`).toBeInstanceOf(EnvelopeError);
      }
    }
  });
});
