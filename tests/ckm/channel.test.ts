import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it, vi } from 'vitest';
import { lengthPrefixed, u32be } from '../../ckm/bytes';
import {
  type ChannelEnds,
  MAX_PAYLOAD_BYTES,
  openMessage,
  openRound,
  parseSealedMessage,
  type SealedMessage,
  sealMessage,
} from '../../ckm/channel';
import { decodeWire, encodeWire } from '../../ckm/codec';
import { type CkmError, type CkmErrorCode, isCkmError } from '../../ckm/errors';
import { generatePartyKeys, type PartyKeys, partyKeysFromSecrets } from '../../ckm/identity';

/** Lets one test make X25519 return an all-zero secret (the primitives are frozen objects). */
const zeroSharedSecret = vi.hoisted(() => ({ on: false }));
vi.mock('../../ckm/primitives', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../ckm/primitives')>();
  const primitives = {
    ...real.primitives,
    x25519: (secret: Uint8Array, publicKey: Uint8Array) =>
      zeroSharedSecret.on ? new Uint8Array(32) : real.primitives.x25519(secret, publicKey),
  };
  return { ...real, primitives };
});

function errorOf(run: () => unknown): CkmError | undefined {
  try {
    run();
  } catch (error) {
    if (isCkmError(error)) return error;
    throw error;
  }
  return undefined;
}
const codeOf = (run: () => unknown): CkmErrorCode | undefined => errorOf(run)?.code;

function testRng(seed: number) {
  let counter = seed * 7_919;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = (counter++ * 197 + seed) & 0xff;
    return out;
  };
}

const keys = new Map<number, PartyKeys>([1, 2, 3].map((i) => [i, generatePartyKeys(testRng(i))]));
function endsOf(self: number): ChannelEnds {
  const peers = new Map(
    [...keys].filter(([i]) => i !== self).map(([i, k]) => [i, k.identity] as const),
  );
  return { self, selfKeys: keys.get(self) as PartyKeys, peers };
}
const ends = new Map([1, 2, 3].map((i) => [i, endsOf(i)]));
const at = (i: number) => ends.get(i) as ChannelEnds;

const sidA = new Uint8Array(32).fill(0xa1);
const sidB = new Uint8Array(32).fill(0xb2);
const payload = (from: number, to: number, round: string) =>
  encodeWire(round, { from, to, data: new Uint8Array(40).fill(from * 16 + to) });

/** As the relay sees it: through the wire codec. */
const relay = (sealed: SealedMessage): unknown =>
  decodeWire(encodeWire('relay', sealed), 'relay', 1_000_000);

describe('seal and open among three parties', () => {
  it('every ordered pair opens what the other sealed', () => {
    for (const from of [1, 2, 3])
      for (const to of [1, 2, 3]) {
        if (from === to) continue;
        const sealed = sealMessage(at(from), sidA, to, 'dkg1', payload(from, to, 'dkg1'));
        const opened = openMessage(at(to), sidA, 'dkg1', relay(sealed));
        expect(opened.from).toBe(from);
        expect(opened.payload).toEqual(payload(from, to, 'dkg1'));
      }
  });

  it('openRound collects one message per expected sender, in any order', () => {
    const round = [3, 2].map((from) =>
      relay(sealMessage(at(from), sidA, 1, 'sign1', payload(from, 1, 'sign1'))),
    );
    const opened = openRound(at(1), sidA, 'sign1', [2, 3], round);
    expect([...opened.keys()].sort()).toEqual([2, 3]);
    expect(opened.get(2)).toEqual(payload(2, 1, 'sign1'));
    expect(opened.get(3)).toEqual(payload(3, 1, 'sign1'));
  });

  it('the ciphertext hides the payload (length + 16-byte tag)', () => {
    const plain = new Uint8Array(100).fill(0x41);
    const sealed = sealMessage(at(2), sidA, 3, 'dkg2', plain);
    expect(sealed.ct).toHaveLength(116);
    expect(Buffer.from(sealed.ct).includes(Buffer.from(plain.subarray(0, 8)))).toBe(false);
  });

  it('a fresh nonce per message: the same payload seals differently', () => {
    const a = sealMessage(at(2), sidA, 3, 'dkg2', payload(2, 3, 'dkg2'));
    const b = sealMessage(at(2), sidA, 3, 'dkg2', payload(2, 3, 'dkg2'));
    expect(a.nonce).not.toEqual(b.nonce);
    expect(a.ct).not.toEqual(b.ct);
  });
});

describe('directional keys (TOB-SILA-6)', () => {
  it('k_{i→j} differs from k_{j→i}: the same nonce and plaintext give different ciphertexts', () => {
    const fixed = () => new Uint8Array(24).fill(9); // force the same nonce on purpose
    const plain = new Uint8Array(32).fill(1);
    const ab = sealMessage(at(2), sidA, 3, 't', plain, fixed);
    const ba = sealMessage(at(3), sidA, 2, 't', plain, fixed);
    expect(ab.nonce).toEqual(ba.nonce);
    expect(ab.ct).not.toEqual(ba.ct);
    // keys also differ per session
    const abOtherSession = sealMessage(at(2), sidB, 3, 't', plain, fixed);
    expect(abOtherSession.ct).not.toEqual(ab.ct);
  });

  it('a message whose ciphertext is taken from the other direction does not open', () => {
    // Party 3 signs, over its own header, a ciphertext that 2 made for 3 (2→3 key). Even with a
    // valid signature the 3→2 key cannot decrypt it: DecryptionFailed, blamed on 3.
    const plain = new Uint8Array(16).fill(5);
    const twoToThree = sealMessage(at(2), sidA, 3, 't', plain);
    const header = lengthPrefixed(Uint8Array.of(1), sidA, u32be(3), u32be(2), 't');
    const sig = ed25519.sign(
      lengthPrefixed('ckm/channel/v1/sig', header, twoToThree.nonce, twoToThree.ct),
      (keys.get(3) as PartyKeys).signingSecret,
    );
    const reflected = { ...twoToThree, from: 3, to: 2, sig };
    const error = errorOf(() => openMessage(at(2), sidA, 't', reflected));
    expect(error?.code).toBe('DecryptionFailed');
    expect(error?.culprit).toBe(3);
  });

  it('the documented construction is what is implemented (independent re-derivation)', async () => {
    const { hkdf } = await import('@noble/hashes/hkdf.js');
    const { sha256 } = await import('@noble/hashes/sha2.js');
    const k2 = keys.get(2) as PartyKeys;
    const k3 = keys.get(3) as PartyKeys;
    const sealed = sealMessage(at(2), sidA, 3, 'dkg1', new Uint8Array([1, 2, 3]));
    const key = hkdf(
      sha256,
      x25519.getSharedSecret(k3.agreementSecret, k2.identity.agreementKey),
      sidA,
      lengthPrefixed(
        'ckm/channel/v1',
        k2.identity.signingKey,
        k3.identity.signingKey,
        k2.identity.agreementKey,
        k3.identity.agreementKey,
        u32be(2),
        u32be(3),
      ),
      32,
    );
    const header = lengthPrefixed(Uint8Array.of(1), sidA, u32be(2), u32be(3), 'dkg1');
    expect(xchacha20poly1305(key, sealed.nonce, header).decrypt(sealed.ct)).toEqual(
      new Uint8Array([1, 2, 3]),
    );
    expect(
      ed25519.verify(
        sealed.sig,
        lengthPrefixed('ckm/channel/v1/sig', header, sealed.nonce, sealed.ct),
        k2.identity.signingKey,
      ),
    ).toBe(true);
  });
});

describe('tampering with every field', () => {
  const sealed = sealMessage(at(2), sidA, 3, 'dkg2', payload(2, 3, 'dkg2'));
  const flip = (bytes: Uint8Array, bit: number) => {
    const out = new Uint8Array(bytes);
    out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
    return out;
  };
  const open = (message: unknown) => codeOf(() => openMessage(at(3), sidA, 'dkg2', message));

  it('control: the untouched message opens', () => {
    expect(open(relay(sealed))).toBeUndefined();
  });

  it('sid: any flipped bit → WrongSession', () => {
    for (let bit = 0; bit < 256; bit += 17)
      expect(open({ ...sealed, sid: flip(sealed.sid, bit) })).toBe('WrongSession');
  });

  it('from: another sender → BadSignature (the signature is the sender’s), unknown → WrongSender', () => {
    expect(open({ ...sealed, from: 1 })).toBe('BadSignature');
    expect(open({ ...sealed, from: 3 })).toBe('WrongSender'); // self
    expect(open({ ...sealed, from: 4 })).toBe('WrongSender'); // not a peer
    expect(open({ ...sealed, from: 0 })).toBe('MalformedMessage');
    expect(open({ ...sealed, from: 2.5 })).toBe('MalformedMessage');
  });

  it('to: re-targeting → WrongRecipient at the wrong party, BadSignature when the header is rewritten', () => {
    expect(open({ ...sealed, to: 1 })).toBe('WrongRecipient');
    // The relay hands 2's message for 3 to party 1, rewriting `to` so the check passes.
    expect(codeOf(() => openMessage(at(1), sidA, 'dkg2', { ...sealed, to: 1 }))).toBe(
      'BadSignature',
    );
    // Without rewriting, party 1 refuses it outright.
    expect(codeOf(() => openMessage(at(1), sidA, 'dkg2', sealed))).toBe('WrongRecipient');
  });

  it('type: any change → refused; with a matching expectation → BadSignature', () => {
    expect(open({ ...sealed, type: 'dkg3' })).toBe('MalformedMessage');
    expect(codeOf(() => openMessage(at(3), sidA, 'dkg3', { ...sealed, type: 'dkg3' }))).toBe(
      'BadSignature',
    );
    expect(open({ ...sealed, type: '' })).toBe('MalformedMessage');
  });

  it('nonce, ct, sig: any flipped bit → BadSignature', () => {
    for (let bit = 0; bit < 24 * 8; bit += 13)
      expect(open({ ...sealed, nonce: flip(sealed.nonce, bit) })).toBe('BadSignature');
    for (let bit = 0; bit < sealed.ct.length * 8; bit += 97)
      expect(open({ ...sealed, ct: flip(sealed.ct, bit) })).toBe('BadSignature');
    for (let bit = 0; bit < 512; bit += 7)
      expect(open({ ...sealed, sig: flip(sealed.sig, bit) })).toBe('BadSignature');
  });

  it('v: another version → UnsupportedVersion', () => {
    expect(open({ ...sealed, v: 2 })).toBe('UnsupportedVersion');
    expect(open({ ...sealed, v: '1' })).toBe('MalformedMessage');
  });

  it('shape: missing, extra, wrong-length and oversize fields → typed errors', () => {
    const { sig: _sig, ...noSig } = sealed;
    expect(open(noSig)).toBe('MalformedMessage');
    expect(open({ ...sealed, extra: 1 })).toBe('MalformedMessage');
    expect(open({ ...sealed, nonce: sealed.nonce.subarray(0, 12) })).toBe('MalformedMessage');
    expect(open({ ...sealed, sid: new Uint8Array(33) })).toBe('MalformedMessage');
    expect(open({ ...sealed, ct: new Uint8Array(15) })).toBe('MalformedMessage');
    expect(open({ ...sealed, ct: new Uint8Array(MAX_PAYLOAD_BYTES + 17) })).toBe('TooLarge');
    expect(open({ ...sealed, sig: 'x'.repeat(64) })).toBe('MalformedMessage');
    for (const value of [null, undefined, 1, 'sealed', [], new Uint8Array(10)])
      expect(open(value)).toBe('MalformedMessage');
  });

  it('parseSealedMessage returns copies of the byte fields', () => {
    const parsed = parseSealedMessage(sealed);
    expect(parsed).toEqual(sealed);
    expect(parsed.ct).not.toBe(sealed.ct);
  });
});

describe('sessions and rounds', () => {
  const round1To1 = () =>
    [2, 3].map((from) => sealMessage(at(from), sidA, 1, 'sign1', payload(from, 1, 'sign1')));

  it('replaying a message in the same round → Replayed', () => {
    const [from2, from3] = round1To1();
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [2, 3], [from2, from3, from2]))).toBe(
      'Replayed',
    );
    // a second, freshly sealed message from the same sender is refused too
    const again = sealMessage(at(2), sidA, 1, 'sign1', payload(2, 1, 'sign1'));
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [2, 3], [from2, from3, again]))).toBe(
      'Replayed',
    );
  });

  it('a message of session A presented in session B → WrongSession', () => {
    const fromA = round1To1();
    expect(codeOf(() => openRound(at(1), sidB, 'sign1', [2, 3], fromA))).toBe('WrongSession');
    // with the sid rewritten to B, the signature no longer verifies
    const rewritten = fromA.map((m) => ({ ...m, sid: sidB }));
    expect(codeOf(() => openRound(at(1), sidB, 'sign1', [2, 3], rewritten))).toBe('BadSignature');
  });

  it('a dropped message → MissingMessage naming the party', () => {
    const [from2] = round1To1();
    const error = errorOf(() => openRound(at(1), sidA, 'sign1', [2, 3], [from2]));
    expect(error?.code).toBe('MissingMessage');
    expect(error?.message).toContain('party 3');
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [2, 3], []))).toBe('MissingMessage');
  });

  it('a round-2 message offered at round 1 → refused', () => {
    const [from2] = round1To1();
    const round2From3 = sealMessage(at(3), sidA, 1, 'sign2', payload(3, 1, 'sign2'));
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [2, 3], [from2, round2From3]))).toBe(
      'MalformedMessage',
    );
  });

  it('a message from a peer outside the round → WrongSender', () => {
    const [from2, from3] = round1To1();
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [2], [from2, from3]))).toBe('WrongSender');
  });

  it('swapping the `to` of a message (to another party) → refused', () => {
    const forThree = sealMessage(at(2), sidA, 3, 'sign1', payload(2, 3, 'sign1'));
    const from3 = sealMessage(at(3), sidA, 1, 'sign1', payload(3, 1, 'sign1'));
    // offered to party 1 as is: not addressed to 1
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [2, 3], [forThree, from3]))).toBe(
      'WrongRecipient',
    );
    // with `to` swapped to 1: the signature covers `to`
    expect(
      codeOf(() => openRound(at(1), sidA, 'sign1', [2, 3], [{ ...forThree, to: 1 }, from3])),
    ).toBe('BadSignature');
  });

  it('refuses bad round parameters as InvalidParameters', () => {
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [2, 2], []))).toBe('InvalidParameters');
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [1], []))).toBe('InvalidParameters');
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [4], []))).toBe('InvalidParameters');
    expect(codeOf(() => openRound(at(1), sidA, 'sign1', [2], {} as unknown as unknown[]))).toBe(
      'MalformedMessage',
    );
    expect(codeOf(() => openRound(at(1), new Uint8Array(31), 'sign1', [2], []))).toBe(
      'InvalidParameters',
    );
  });
});

describe('sealMessage refusals', () => {
  it('refuses unknown receivers, self, bad types, bad sids and oversize payloads', () => {
    const ok = new Uint8Array(1);
    expect(codeOf(() => sealMessage(at(1), sidA, 1, 't', ok))).toBe('InvalidParameters');
    expect(codeOf(() => sealMessage(at(1), sidA, 4, 't', ok))).toBe('InvalidParameters');
    expect(codeOf(() => sealMessage(at(1), sidA, 2, 'bad type', ok))).toBe('InvalidParameters');
    expect(codeOf(() => sealMessage({ ...at(1), self: 0 }, sidA, 2, 't', ok))).toBe(
      'InvalidParameters',
    );
    expect(codeOf(() => sealMessage(at(1), sidA, 2, 't', [1] as unknown as Uint8Array))).toBe(
      'InvalidParameters',
    );
    expect(codeOf(() => sealMessage(at(1), sidA, 2, 'x'.repeat(65), ok))).toBe('InvalidParameters');
    expect(codeOf(() => sealMessage(at(1), new Uint8Array(16), 2, 't', ok))).toBe(
      'InvalidParameters',
    );
    expect(
      codeOf(() => sealMessage(at(1), sidA, 2, 't', new Uint8Array(MAX_PAYLOAD_BYTES + 1))),
    ).toBe('TooLarge');
    expect(codeOf(() => sealMessage(at(1), sidA, 2, 't', new Uint8Array(MAX_PAYLOAD_BYTES)))).toBe(
      undefined,
    );
  });

  it('refuses a peer whose agreement key is of low order', () => {
    const bad: ChannelEnds = {
      ...at(1),
      peers: new Map([
        [
          2,
          {
            signingKey: (keys.get(2) as PartyKeys).identity.signingKey,
            agreementKey: new Uint8Array(32),
          },
        ],
      ]),
    };
    expect(codeOf(() => sealMessage(bad, sidA, 2, 't', new Uint8Array(1)))).toBe('InvalidIdentity');
  });

  it('refuses an all-zero shared secret even if X25519 returned one', () => {
    // X25519 refuses low-order keys itself; this checks our own guard behind it (RFC 7748 §6.1).
    // Fresh copies of party 1's secrets: the shared secret of at(1)'s own buffers is already kept.
    const k1 = keys.get(1) as PartyKeys;
    const fresh = () => ({
      ...at(1),
      selfKeys: partyKeysFromSecrets(k1.signingSecret, k1.agreementSecret),
    });
    const ends1 = fresh();
    zeroSharedSecret.on = true;
    try {
      expect(codeOf(() => sealMessage(ends1, sidA, 2, 't', new Uint8Array(1)))).toBe(
        'InvalidIdentity',
      );
      // A refused secret is not kept: asking again asks X25519 again.
      expect(codeOf(() => sealMessage(ends1, sidA, 2, 't', new Uint8Array(1)))).toBe(
        'InvalidIdentity',
      );
    } finally {
      zeroSharedSecret.on = false;
    }
    expect(codeOf(() => sealMessage(ends1, sidA, 2, 't', new Uint8Array(1)))).toBeUndefined();
  });

  it('keeps the shared secret per secret buffer: a kept one is never used for another secret', () => {
    // Party 1's secrets copied: a second buffer holding the same secret computes its own, which
    // opens the same messages; a different secret in another buffer gets a different key.
    const k1 = keys.get(1) as PartyKeys;
    const copy = { ...at(1), selfKeys: partyKeysFromSecrets(k1.signingSecret, k1.agreementSecret) };
    const sealed = sealMessage(copy, sidA, 2, 't', new Uint8Array([7]));
    expect(openMessage(at(2), sidA, 't', sealed).payload).toEqual(new Uint8Array([7]));
    // Party 1's signing key with another agreement secret, towards the same peer 2: if the
    // secret kept for party 1's buffer were used, this would open; it must not.
    const stranger = generatePartyKeys(testRng(99));
    const other = { ...k1, agreementSecret: stranger.agreementSecret };
    const forged = sealMessage({ ...at(1), selfKeys: other }, sidA, 2, 't', new Uint8Array([7]));
    const error = errorOf(() => openMessage(at(2), sidA, 't', forged));
    expect(error?.code).toBe('DecryptionFailed');
    expect(error?.culprit).toBe(1);
  });
});
