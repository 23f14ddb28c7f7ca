/**
 * The password permit `'hasSecret'` (bc-specs §2.8) and the recipient permit `'hasRecipient'`
 * (§2.7) beyond the vectors: every KDF, wrong password / wrong key, exact wire form, KDF limits,
 * several permits (password + recipient + SSKR) opening one content key, and flipping every byte.
 */
import { SeededRng } from '@blockchaincommons/rand';
import { argon2id } from '@noble/hashes/argon2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { boxToCbor, sealBox } from '../../envelope/aead';
import { encodeDcbor, tagged, toCbor } from '../../envelope/dcbor';
import {
  ARGON2ID_PARAMS,
  addRecipient,
  addSecret,
  agreementPrivateKeyFromSeed,
  agreementPublicKey,
  DecryptionError,
  decodeEnvelope,
  decryptSubject,
  decryptSubjectToRecipient,
  decryptToRecipient,
  Envelope,
  EnvelopeError,
  encryptSubject,
  encryptSubjectToRecipients,
  encryptToRecipient,
  format,
  HAS_SECRET,
  InvalidPermitError,
  lock,
  lockSubject,
  NoPermitError,
  NotObscuredError,
  NotRecipientError,
  recipientContentKey,
  sskrAddShares,
  sskrJoinSubject,
  TAG_ENCRYPTED_KEY,
  TAG_SALT,
  unlock,
  unlockContentKey,
  unlockSubject,
  WrongPasswordError,
} from '../../envelope/index';

const alice = Envelope.from('Alice')
  .addAssertion('knows', 'Bob')
  .addAssertion(Envelope.knownValue(1), 'Person');
const contentKey = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const salt = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
const nonce = new Uint8Array(12).fill(7);
const fast = { kdf: 'pbkdf2', iterations: 1 } as const;

/** Every bit-0 and bit-7 flip of every byte must be refused with one of our typed errors. */
function expectAllFlipsRefused(bytes: Uint8Array, open: (e: Envelope) => Envelope): void {
  for (let i = 0; i < bytes.length; i++) {
    for (const mask of [0x01, 0x80]) {
      const bad = Uint8Array.from(bytes);
      bad[i] = (bad[i] as number) ^ mask;
      let thrown: unknown;
      try {
        open(decodeEnvelope(bad));
      } catch (e) {
        thrown = e;
      }
      expect(thrown, `byte ${i} ^ ${mask} was accepted`).toBeInstanceOf(EnvelopeError);
    }
  }
}

describe("'hasSecret' (password permit)", () => {
  it('locks and unlocks with Argon2id, the default, and refuses a wrong password', () => {
    const locked = lock(alice, 'argon2id', 'correct horse battery staple');
    expect(format(locked, { flat: true })).toBe(
      "ENCRYPTED [ 'hasSecret': EncryptedKey(Argon2id) ]",
    );
    expect(unlock(locked, 'correct horse battery staple').isIdenticalTo(alice)).toBe(true);
    expect(() => unlock(locked, 'correct horse battery stapler')).toThrow(WrongPasswordError);
    // Bytes survive the wire, and the permit still opens after decoding.
    expect(unlock(decodeEnvelope(locked.toBytes()), 'correct horse battery staple').digestHex).toBe(
      alice.digestHex,
    );
  });

  it('writes the exact wire form: #6.40027(#6.40002([ct, nonce, auth, dcbor([3, #6.40018(salt)])]))', () => {
    const sealed = addSecret(encryptSubject(alice, contentKey), 'argon2id', 'pw', contentKey, {
      testSalt: salt,
      testNonce: nonce,
    });
    const permit = sealed.assertions().find((a) => a.asPredicate()?.asKnownValue() === HAS_SECRET);
    const aad = encodeDcbor(toCbor([3, tagged(TAG_SALT, salt)]));
    expect(bytesToHex(aad)).toBe(`8203d99c5250${bytesToHex(salt)}`);
    const kek = argon2id(new TextEncoder().encode('pw'), salt, { ...ARGON2ID_PARAMS, dkLen: 32 });
    const expected = tagged(TAG_ENCRYPTED_KEY, boxToCbor(sealBox(kek, contentKey, aad, nonce)));
    expect(bytesToHex(encodeDcbor(permit?.asObject()?.asLeaf() ?? null))).toBe(
      bytesToHex(encodeDcbor(expected)),
    );
    expect(unlockContentKey(sealed, 'pw')).toEqual(contentKey);
  });

  it.each([
    ['scrypt', { kdf: 'scrypt', logN: 10 } as const, 'EncryptedKey(Scrypt)'],
    ['pbkdf2', { kdf: 'pbkdf2', iterations: 1000 } as const, 'EncryptedKey(PBKDF2(SHA256))'],
    [
      'pbkdf2 sha512',
      { kdf: 'pbkdf2', iterations: 1000, hash: 'sha512' } as const,
      'EncryptedKey(PBKDF2(SHA512))',
    ],
    ['hkdf', 'hkdf' as const, 'EncryptedKey(HKDF(SHA256))'],
    ['hkdf sha512', { kdf: 'hkdf', hash: 'sha512' } as const, 'EncryptedKey(HKDF(SHA512))'],
  ])('%s: lockSubject keeps the assertions in clear and round trips', (_, method, summary) => {
    const locked = lockSubject(alice, method, 'pw');
    expect(format(locked, { flat: true })).toBe(
      `ENCRYPTED [ 'isA': "Person", "knows": "Bob", 'hasSecret': ${summary} ]`,
    );
    const opened = unlockSubject(locked, 'pw');
    expect(opened.subject().isIdenticalTo(alice.subject())).toBe(true);
    expect(() => unlockSubject(locked, 'PW')).toThrow(WrongPasswordError);
  });

  it('normalizes a text password to NFC; bytes are used as given', () => {
    const locked = lock(alice, fast, 'caf\u00e9');
    expect(unlock(locked, 'cafe\u0301').isIdenticalTo(alice)).toBe(true);
    expect(unlock(locked, new TextEncoder().encode('caf\u00e9')).isIdenticalTo(alice)).toBe(true);
    expect(() => unlock(locked, new TextEncoder().encode('cafe\u0301'))).toThrow(
      WrongPasswordError,
    );
  });

  it('tells a wrong password from an altered content', () => {
    const locked = lockSubject(Envelope.from('secret'), fast, 'pw');
    // Replace the encrypted subject by one under another key: the permit opens, the content does not.
    const other = encryptSubject(Envelope.from('secret'), new Uint8Array(32).fill(9));
    const swapped = Envelope.node(other.subject(), locked.assertions());
    expect(swapped.digestHex).toBe(locked.digestHex);
    expect(() => unlockSubject(swapped, 'pw')).toThrow(DecryptionError);
    expect(() => unlockSubject(swapped, 'wrong')).toThrow(WrongPasswordError);
  });

  it('tries every permit: any of several passwords opens', () => {
    const key = new Uint8Array(32).fill(3);
    let env = encryptSubject(alice.wrap(), key);
    env = addSecret(env, fast, 'first', key);
    env = addSecret(env, 'hkdf', 'second', key);
    expect(unlock(env, 'first').isIdenticalTo(alice)).toBe(true);
    expect(unlock(env, 'second').isIdenticalTo(alice)).toBe(true);
    const err = (() => {
      try {
        unlock(env, 'third');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WrongPasswordError);
    expect((err as WrongPasswordError).tried).toBe(2);
  });

  it('refuses no permit, an unencrypted subject, and KDF work over the limits', () => {
    expect(() => unlock(alice, 'pw')).toThrow(NoPermitError);
    expect(() => addSecret(alice, 'hkdf', 'pw', contentKey)).toThrow(NotObscuredError);
    expect(() => lock(alice, { kdf: 'pbkdf2', iterations: 3_000_000 }, 'pw')).toThrow(
      InvalidPermitError,
    );
    expect(() => lock(alice, { kdf: 'scrypt', logN: 20 }, 'pw')).toThrow(InvalidPermitError);
    // A crafted permit asking for 10^9 PBKDF2 iterations is refused before any work is done.
    const aad = encodeDcbor(toCbor([1, tagged(TAG_SALT, salt), 1_000_000_000, 0]));
    const crafted = tagged(TAG_ENCRYPTED_KEY, boxToCbor(sealBox(contentKey, contentKey, aad)));
    const env = encryptSubject(alice, contentKey).addAssertion(
      Envelope.knownValue(HAS_SECRET),
      Envelope.leaf(crafted),
    );
    expect(() => unlockSubject(env, 'pw')).toThrow(InvalidPermitError);
    // An unknown KDF (4, SSH agent) and a non-permit object are refused the same way.
    const ssh = encodeDcbor(toCbor([4, tagged(TAG_SALT, salt)]));
    const env2 = encryptSubject(alice, contentKey)
      .addAssertion(
        Envelope.knownValue(HAS_SECRET),
        Envelope.leaf(tagged(TAG_ENCRYPTED_KEY, boxToCbor(sealBox(contentKey, contentKey, ssh)))),
      )
      .addAssertion(Envelope.knownValue(HAS_SECRET), 'not a key');
    expect(() => unlockSubject(env2, 'pw')).toThrow(InvalidPermitError);
    // More than 16 permits (each a full KDF run) is refused before any work.
    let many = encryptSubject(alice, contentKey);
    for (let i = 0; i < 17; i++) many = addSecret(many, 'hkdf', `pw${i}`, contentKey);
    expect(() => unlockSubject(many, 'pw0')).toThrow(InvalidPermitError);
    // …but a malformed permit does not hide a good one.
    expect(unlockSubject(addSecret(env2, fast, 'pw', contentKey), 'pw').subject().digestHex).toBe(
      alice.subject().digestHex,
    );
  });

  it('refuses every bit flip of a locked envelope with a typed error', () => {
    const locked = lock(alice, fast, 'pw');
    expectAllFlipsRefused(locked.toBytes(), (e) => unlock(e, 'pw'));
  });
});

const bobSeed = new Uint8Array(32).fill(0xb0);
const carolSeed = new Uint8Array(32).fill(0xc0);
const bobPrivate = agreementPrivateKeyFromSeed(bobSeed);
const bobPublic = agreementPublicKey(bobPrivate);
const carolPrivate = agreementPrivateKeyFromSeed(carolSeed);
const carolPublic = agreementPublicKey(carolPrivate);

describe("'hasRecipient' (X25519 sealed message)", () => {
  it('encrypts to a recipient and only that recipient opens it', () => {
    const sealed = encryptToRecipient(alice, bobPublic);
    expect(format(sealed, { flat: true })).toBe("ENCRYPTED [ 'hasRecipient': SealedMessage ]");
    expect(decryptToRecipient(sealed, bobPrivate).isIdenticalTo(alice)).toBe(true);
    expect(() => decryptToRecipient(sealed, carolPrivate)).toThrow(NotRecipientError);
    expect(() => decryptToRecipient(alice, bobPrivate)).toThrow(NoPermitError);
  });

  it('seals one content key to several recipients', () => {
    const sealed = encryptSubjectToRecipients(alice, [bobPublic, carolPublic]);
    expect(decryptSubjectToRecipient(sealed, bobPrivate).subject().digestHex).toBe(
      alice.subject().digestHex,
    );
    expect(recipientContentKey(sealed, bobPrivate)).toEqual(
      recipientContentKey(sealed, carolPrivate),
    );
  });

  it('writes #6.40019([#6.40002([ct, nonce, auth]), #6.40011(ephemeral)]) with a fixed ephemeral key', () => {
    const ephemeral = new Uint8Array(32).fill(0xee);
    const env = addRecipient(encryptSubject(alice, contentKey), bobPublic, contentKey, {
      testEphemeralKey: ephemeral,
      testNonce: nonce,
    });
    const leaf = env
      .assertions()
      .find((a) => a.asPredicate()?.asKnownValue() === 5n)
      ?.asObject()
      ?.asLeaf();
    const hex = bytesToHex(encodeDcbor(leaf ?? null));
    // d99c53 = 40019, 82 = [2], d99c42 = 40002, 83 = [3] (no AAD), …, d99c4b = 40011, 5820 ephemeral
    expect(hex.startsWith('d99c5382d99c4283')).toBe(true);
    expect(hex.endsWith(`d99c4b5820${bytesToHex(agreementPublicKey(ephemeral))}`)).toBe(true);
    expect(recipientContentKey(env, bobPrivate)).toEqual(contentKey);
  });

  it('refuses a sealed message to a low-order point and every bit flip', () => {
    expect(() =>
      addRecipient(encryptSubject(alice, contentKey), new Uint8Array(32), contentKey),
    ).toThrow(InvalidPermitError);
    const sealed = encryptToRecipient(alice, bobPublic);
    expectAllFlipsRefused(sealed.toBytes(), (e) => decryptToRecipient(e, bobPrivate));
  });
});

describe('several permits on one envelope', () => {
  it('a password, a recipient and SSKR shares all open the same content key', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    let env = encryptSubject(alice.wrap(), key);
    env = addSecret(env, fast, 'pw', key);
    env = addRecipient(env, bobPublic, key);
    const groups = sskrAddShares(
      env,
      { groupThreshold: 1, groups: [{ threshold: 2, count: 3 }] },
      key,
      { testRng: new SeededRng([1n, 2n, 3n, 4n]) },
    );
    const shares = groups.flat();
    expect(format(shares[0] as Envelope, { flat: true })).toBe(
      "ENCRYPTED [ 'hasRecipient': SealedMessage, 'hasSecret': EncryptedKey(PBKDF2(SHA256)), 'sskrShare': SSKRShare ]",
    );
    const byPassword = unlockContentKey(env, 'pw');
    const byRecipient = recipientContentKey(env, bobPrivate);
    expect(byPassword).toEqual(key);
    expect(byRecipient).toEqual(key);
    // Every share still carries the password and recipient permits; any one opens alone.
    const one = shares[2] as Envelope;
    expect(unlock(one, 'pw').isIdenticalTo(alice)).toBe(true);
    expect(decryptToRecipient(one, bobPrivate).isIdenticalTo(alice)).toBe(true);
    expect(
      sskrJoinSubject([shares[0] as Envelope, one])
        .unwrap()
        .isIdenticalTo(alice),
    ).toBe(true);
    expect(decryptSubject(env, key).unwrap().isIdenticalTo(alice)).toBe(true);
  });
});
