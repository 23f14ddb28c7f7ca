import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { decodeWire, encodeWire } from '../../ckm/codec';
import { type CkmErrorCode, isCkmError } from '../../ckm/errors';
import {
  checkPinned,
  generatePartyKeys,
  identityId,
  type PartyIdentity,
  parsePartyIdentity,
  partyKeysFromSecrets,
  type ServerIdentityDocument,
  signIdentityDocument,
  verifyIdentityDocument,
} from '../../ckm/identity';

function codeOf(run: () => unknown): CkmErrorCode | 'no error' | 'untyped' {
  try {
    run();
    return 'no error';
  } catch (error) {
    return isCkmError(error) ? error.code : 'untyped';
  }
}

/** A deterministic RNG for tests: counter bytes, different per seed. */
function testRng(seed: number) {
  let counter = seed * 1_000_003;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = (counter++ * 131 + 7) & 0xff;
    return out;
  };
}

const le = (value: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
};
const P = 2n ** 255n - 19n;
/** Small-order u coordinates on Curve25519 and its twist (RFC 7748 §6.1, libsodium's list). */
const LOW_ORDER_U = [
  0n,
  1n,
  P - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
];

const keys = generatePartyKeys(testRng(1));
const document: ServerIdentityDocument = {
  protocol: 'ckm/1',
  name: 'CKM server A',
  identity: keys.identity,
  limits: {
    maxBodyBytes: 1_048_576,
    sessionTtlSeconds: 300,
    maxSessionsPerWallet: 4,
    requestsPerMinute: 120,
  },
  policies: ['payload-digest', 'chain-id-check'],
};

/** The signed document after a trip over the wire, as a client receives it. */
function overWire(signed: unknown): unknown {
  return decodeWire(encodeWire('ckm.identity', signed), 'ckm.identity', 65_536);
}

describe('party keys', () => {
  it('generates keys whose secrets give back the same identity', () => {
    const again = partyKeysFromSecrets(keys.signingSecret, keys.agreementSecret);
    expect(again.identity).toEqual(keys.identity);
    expect(keys.identity.signingKey).toHaveLength(32);
    expect(keys.identity.agreementKey).toHaveLength(32);
    expect(generatePartyKeys().identity).not.toEqual(keys.identity);
  });

  it('refuses secrets of the wrong length', () => {
    expect(codeOf(() => partyKeysFromSecrets(new Uint8Array(31), keys.agreementSecret))).toBe(
      'InvalidIdentity',
    );
    expect(codeOf(() => partyKeysFromSecrets(keys.signingSecret, new Uint8Array(33)))).toBe(
      'InvalidIdentity',
    );
  });

  it('identityId is stable, 64 hex characters, and depends on both keys', () => {
    const id = identityId(keys.identity);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(identityId({ ...keys.identity })).toBe(id);
    const other = generatePartyKeys(testRng(2)).identity;
    expect(identityId({ ...keys.identity, agreementKey: other.agreementKey })).not.toBe(id);
    expect(identityId({ ...keys.identity, signingKey: other.signingKey })).not.toBe(id);
  });
});

describe('parsePartyIdentity', () => {
  const wire = () => ({
    signingKey: new Uint8Array(keys.identity.signingKey),
    agreementKey: new Uint8Array(keys.identity.agreementKey),
  });

  it('accepts a valid identity', () => {
    expect(parsePartyIdentity(wire(), 'peer')).toEqual(keys.identity);
  });

  it('refuses every low-order X25519 key', () => {
    for (const u of LOW_ORDER_U)
      expect(
        codeOf(() => parsePartyIdentity({ ...wire(), agreementKey: le(u) }, 'peer')),
        String(u),
      ).toBe('InvalidIdentity');
  });

  it('refuses non-canonical X25519 encodings (u ≥ p, top bit set)', () => {
    const topBit = new Uint8Array(keys.identity.agreementKey);
    topBit[31] = (topBit[31] as number) | 0x80;
    for (const key of [le(P), le(P + 1n), le(2n ** 255n - 1n), topBit])
      expect(codeOf(() => parsePartyIdentity({ ...wire(), agreementKey: key }, 'peer'))).toBe(
        'InvalidIdentity',
      );
  });

  it('refuses invalid and small-order Ed25519 keys', () => {
    const identityPoint = le(1n); // y = 1: the neutral element
    const notOnCurve = le(2n); // y = 2 has no x on edwards25519
    const nonCanonical = le(P + 1n); // y = p + 1 ≡ 1, only ZIP-215 accepts it
    const order8 = ed25519.Point.fromBytes(
      Uint8Array.from(
        Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'),
      ),
    ).toBytes();
    const mixed = ed25519.Point.fromBytes(keys.identity.signingKey)
      .add(ed25519.Point.fromBytes(order8))
      .toBytes(); // on the curve, not in the prime-order subgroup
    for (const key of [identityPoint, notOnCurve, nonCanonical, order8, mixed])
      expect(codeOf(() => parsePartyIdentity({ ...wire(), signingKey: key }, 'peer'))).toBe(
        'InvalidIdentity',
      );
  });

  it('refuses malformed shapes', () => {
    expect(codeOf(() => parsePartyIdentity(null, 'peer'))).toBe('MalformedMessage');
    expect(codeOf(() => parsePartyIdentity({ signingKey: wire().signingKey }, 'peer'))).toBe(
      'MalformedMessage',
    );
    expect(codeOf(() => parsePartyIdentity({ ...wire(), extra: 1 }, 'peer'))).toBe(
      'MalformedMessage',
    );
    expect(
      codeOf(() => parsePartyIdentity({ ...wire(), signingKey: new Uint8Array(33) }, 'peer')),
    ).toBe('MalformedMessage');
  });
});

describe('checkPinned', () => {
  const other = generatePartyKeys(testRng(3)).identity;

  it('accepts the same keys', () => {
    expect(() =>
      checkPinned(keys.identity, parsePartyIdentity({ ...keys.identity }, 'x'), 'A'),
    ).not.toThrow();
  });

  it('refuses a change of either key', () => {
    const changedSigning: PartyIdentity = { ...keys.identity, signingKey: other.signingKey };
    const changedAgreement: PartyIdentity = { ...keys.identity, agreementKey: other.agreementKey };
    for (const presented of [other, changedSigning, changedAgreement])
      expect(codeOf(() => checkPinned(keys.identity, presented, 'A'))).toBe('IdentityChanged');
  });
});

describe('identity documents', () => {
  it('signs and verifies, also after a trip over the wire', () => {
    const signed = signIdentityDocument(keys, document);
    expect(signed.signature).toHaveLength(64);
    expect(verifyIdentityDocument(signed)).toEqual(signed);
    expect(verifyIdentityDocument(overWire(signed))).toEqual(signed);
  });

  it('verifies regardless of the order of the map keys on the wire', () => {
    const signed = signIdentityDocument(keys, document);
    const reordered = {
      signature: signed.signature,
      document: {
        policies: [...document.policies],
        limits: { ...document.limits },
        identity: {
          agreementKey: keys.identity.agreementKey,
          signingKey: keys.identity.signingKey,
        },
        name: document.name,
        protocol: document.protocol,
      },
    };
    expect(verifyIdentityDocument(overWire(reordered)).document).toEqual(signed.document);
  });

  it('refuses to sign a document of another identity or an invalid document', () => {
    const other = generatePartyKeys(testRng(4));
    expect(codeOf(() => signIdentityDocument(other, document))).toBe('IdentityChanged');
    expect(codeOf(() => signIdentityDocument(keys, { ...document, name: '' }))).toBe(
      'MalformedMessage',
    );
  });

  it('refuses every tampered field (BadSignature)', () => {
    const signed = signIdentityDocument(keys, document);
    const tampered: ServerIdentityDocument[] = [
      { ...document, name: 'CKM server B' },
      { ...document, limits: { ...document.limits, maxBodyBytes: 2_097_152 } },
      { ...document, limits: { ...document.limits, sessionTtlSeconds: 301 } },
      { ...document, limits: { ...document.limits, maxSessionsPerWallet: 5 } },
      { ...document, limits: { ...document.limits, requestsPerMinute: 121 } },
      { ...document, policies: ['payload-digest'] },
      { ...document, policies: ['chain-id-check', 'payload-digest'] },
    ];
    for (const doc of tampered)
      expect(
        codeOf(() => verifyIdentityDocument({ document: doc, signature: signed.signature })),
      ).toBe('BadSignature');
  });

  it('refuses a document re-signed with another key but presenting the original keys', () => {
    const other = generatePartyKeys(testRng(5));
    const forged = signIdentityDocument(other, { ...document, identity: other.identity });
    expect(codeOf(() => verifyIdentityDocument({ document, signature: forged.signature }))).toBe(
      'BadSignature',
    );
    // and a correctly self-signed document of another key is caught by pinning
    const verified = verifyIdentityDocument(forged);
    expect(codeOf(() => checkPinned(keys.identity, verified.document.identity, 'A'))).toBe(
      'IdentityChanged',
    );
  });

  it('refuses a tampered signature', () => {
    const signed = signIdentityDocument(keys, document);
    for (let bit = 0; bit < 512; bit += 37) {
      const signature = new Uint8Array(signed.signature);
      signature[bit >> 3] = (signature[bit >> 3] as number) ^ (1 << (bit & 7));
      expect(codeOf(() => verifyIdentityDocument({ document, signature }))).toBe('BadSignature');
    }
  });

  it('refuses malformed documents with typed errors', () => {
    const signed = signIdentityDocument(keys, document);
    const { signature } = signed;
    const cases: [unknown, CkmErrorCode][] = [
      [null, 'MalformedMessage'],
      [{ document }, 'MalformedMessage'],
      [{ signature }, 'MalformedMessage'],
      [{ document, signature: signature.subarray(0, 63) }, 'MalformedMessage'],
      [{ document, signature, extra: true }, 'MalformedMessage'],
      [{ document: { ...document, protocol: 'ckm/2' }, signature }, 'UnsupportedVersion'],
      [{ document: { ...document, extra: 1 }, signature }, 'MalformedMessage'],
      [{ document: { ...document, name: 'x'.repeat(65) }, signature }, 'MalformedMessage'],
      [{ document: { ...document, name: 'line\nbreak' }, signature }, 'MalformedMessage'],
      [{ document: { ...document, policies: ['A b'] }, signature }, 'MalformedMessage'],
      [{ document: { ...document, policies: ['x', 'x'] }, signature }, 'MalformedMessage'],
      [
        {
          document: { ...document, policies: Array.from({ length: 33 }, (_, i) => `p${i}`) },
          signature,
        },
        'MalformedMessage',
      ],
      [
        { document: { ...document, limits: { ...document.limits, maxBodyBytes: 0 } }, signature },
        'MalformedMessage',
      ],
      [
        { document: { ...document, limits: { ...document.limits, extra: 1 } }, signature },
        'MalformedMessage',
      ],
      [
        {
          document: { ...document, identity: { ...document.identity, agreementKey: le(0n) } },
          signature,
        },
        'InvalidIdentity',
      ],
    ];
    for (const [value, code] of cases)
      expect(codeOf(() => verifyIdentityDocument(value))).toBe(code);
  });
});
