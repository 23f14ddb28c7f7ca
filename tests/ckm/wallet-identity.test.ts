/**
 * The wallet's identity (docs/identity.md) with plain secp256k1 keys standing in for threshold
 * keys (the signature is the same (r, s) either way): documents and records parse back, a chain
 * through a refresh and a migration verifies, the file round trips as bytes and as a UR, and each
 * forgery fails with the code and the part that failed.
 */

import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  appendRotation,
  attachEcdsaSignature,
  envelopeSigningDigest,
  type IdentityChain,
  type IdentityDocument,
  IdentityError,
  type IdentityErrorCode,
  identityDocumentBody,
  identityFile,
  inceptionChain,
  nextRotationBody,
  parseIdentityDocumentBody,
  parseIdentityFile,
  parseRotationRecordBody,
  rotationRecordBody,
  verifyIdentityChain,
  verifyIdentityFile,
  walletXid,
} from '../../ckm/wallet-identity';
import type { Cbor } from '../../envelope/dcbor';
import { decodeEnvelope } from '../../envelope/decode';
import { Envelope } from '../../envelope/envelope';
import { EnvelopeError } from '../../envelope/errors';
import { envelopeFromUr, envelopeToUr } from '../../envelope/ur';
import { xidToUr } from '../../envelope/xid';
import { N } from '../../tss/curve';
import { publicKeyToAddress } from '../../tss/ethereum';

type Key = { secret: Uint8Array; publicKey: Uint8Array };
const keyOf = (label: string): Key => {
  const secret = sha256(utf8ToBytes(label));
  return { secret, publicKey: secp256k1.getPublicKey(secret, true) };
};
const imported = keyOf('imported');
const collaborative = keyOf('collaborative');
const stranger = keyOf('stranger');

/** A fresh (randomized) signature, as two threshold sessions give. */
function signBody(body: Envelope, key: Key) {
  const bytes = secp256k1.sign(envelopeSigningDigest(body), key.secret, {
    prehash: false,
    extraEntropy: true,
  });
  const sig = secp256k1.Signature.fromBytes(bytes, 'compact');
  return { r: sig.r, s: sig.s };
}

function signed(body: Envelope, ...keys: Key[]): Envelope {
  let out = body;
  for (const k of keys) out = attachEcdsaSignature(out, signBody(body, k), k.publicKey);
  return out;
}

const cosigners = [
  { name: 'server-a', identityKey: ed25519.getPublicKey(new Uint8Array(32).fill(1)) },
  { name: 'server-b', identityKey: ed25519.getPublicKey(new Uint8Array(32).fill(2)) },
];

function doc(key: Key, fields: Partial<IdentityDocument> = {}): IdentityDocument {
  return {
    xid: walletXid(imported.publicKey),
    key: key.publicKey,
    address: publicKeyToAddress(secp256k1.Point.fromBytes(key.publicKey)),
    keyVersion: 1,
    cosigners,
    path: [],
    date: 1_800_000_000,
    ...fields,
  };
}

/** inception (imported key) → refresh (same key, v2) → migration (collaborative key at m/3). */
function buildChain(): {
  chain: IdentityChain;
  bodies: [Envelope, Envelope, Envelope, Envelope, Envelope];
} {
  const inceptionBody = identityDocumentBody(doc(imported));
  let chain = inceptionChain(signed(inceptionBody, imported));
  const refreshed = identityDocumentBody(doc(imported, { keyVersion: 2, date: 1_800_000_100 }));
  const refresh = nextRotationBody(chain, {
    reason: 'refresh',
    newDocument: refreshed,
    date: 1_800_000_100,
  });
  chain = appendRotation(chain, signed(refresh, imported, imported), signed(refreshed, imported));
  const migrated = identityDocumentBody(
    doc(collaborative, { keyVersion: 4, path: [3], date: 1_800_000_200 }),
  );
  const migration = nextRotationBody(chain, {
    reason: 'migration',
    newDocument: migrated,
    date: 1_800_000_200,
  });
  chain = appendRotation(
    chain,
    signed(migration, imported, collaborative),
    signed(migrated, collaborative),
  );
  return { chain, bodies: [inceptionBody, refresh, refreshed, migration, migrated] };
}

function failsWith(fn: () => unknown, code: IdentityErrorCode, culprit?: string): IdentityError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}`).toBeInstanceOf(IdentityError);
  expect((error as IdentityError).code).toBe(code);
  if (culprit !== undefined) expect((error as IdentityError).culprit).toBe(culprit);
  return error as IdentityError;
}

/** A body with one assertion replaced (predicate named as text or a known value). */
function replaceAssertion(body: Envelope, predicate: string | bigint, object: Envelope): Envelope {
  const keep = body.assertions().filter((a) => {
    const p = a.asPredicate();
    return typeof predicate === 'bigint'
      ? p?.asKnownValue() !== predicate
      : p?.asLeaf()?.value !== predicate;
  });
  expect(keep.length).toBe(body.assertions().length - 1);
  const pred = typeof predicate === 'bigint' ? Envelope.knownValue(predicate) : predicate;
  return Envelope.node(body.subject(), [...keep, Envelope.assertion(pred, object)]);
}

describe('identity documents and rotation records', () => {
  it('parse back to their fields', () => {
    const fields = doc(collaborative, { path: [3, 7], keyVersion: 9 });
    expect(parseIdentityDocumentBody(identityDocumentBody(fields))).toEqual(fields);
    const record = {
      xid: walletXid(imported.publicKey),
      sequence: 2,
      previous: sha256(new Uint8Array([1])),
      reason: 'migration' as const,
      oldKey: imported.publicKey,
      newKey: collaborative.publicKey,
      document: sha256(new Uint8Array([2])),
      date: 5,
    };
    expect(parseRotationRecordBody(rotationRecordBody(record))).toEqual(record);
  });

  it('refuse to build what would not verify', () => {
    expect(() => identityDocumentBody(doc(imported, { address: doc(stranger).address }))).toThrow(
      /not the address/,
    );
    expect(() => identityDocumentBody(doc(imported, { keyVersion: -1 }))).toThrow(TypeError);
    expect(() => identityDocumentBody(doc(imported, { path: [2 ** 31] }))).toThrow(TypeError);
    expect(() =>
      identityDocumentBody(
        doc(imported, {
          cosigners: [{ name: '', identityKey: ed25519.getPublicKey(new Uint8Array(32).fill(1)) }],
        }),
      ),
    ).toThrow(TypeError);
  });

  it('refuse every malformed document field', () => {
    const body = identityDocumentBody(doc(imported));
    const bad = (b: Envelope) => failsWith(() => parseIdentityDocumentBody(b), 'Malformed');
    bad(body.addAssertion('nickname', 'x')); // unknown assertion
    bad(body.addAssertion('keyVersion', 2)); // two of one field
    bad(replaceAssertion(body, 'ethereumAddress', Envelope.from(doc(stranger).address)));
    bad(replaceAssertion(body, 'keyVersion', Envelope.from('one')));
    bad(replaceAssertion(body, 16n, Envelope.from('2027-01-01')));
    bad(replaceAssertion(body, 8n, Envelope.leaf(new Uint8Array(33)))); // key not tagged
    const keyObject = body
      .assertions()
      .find((a) => a.asPredicate()?.asKnownValue() === 8n)
      ?.asObject() as Envelope;
    const keyLeaf = keyObject.subject();
    // 'key' without 'allow': 'All', or with another permission
    bad(replaceAssertion(body, 8n, keyLeaf));
    bad(
      replaceAssertion(
        body,
        8n,
        keyLeaf.addAssertion(Envelope.knownValue(60), Envelope.knownValue(72)),
      ),
    );
    bad(body.addAssertion('derivationPath', 'm'));
    bad(body.addAssertion('derivationPath', 'm/2147483648'));
    bad(body.addAssertion('derivationPath', "m/1'"));
    bad(body.addAssertion('cosigner', 'server-c')); // a cosigner without a key
    bad(body.addAssertion(Envelope.knownValue(1), 'CkmKeyRotation').addAssertion('x', 1));
    bad(Envelope.node(Envelope.from('not a XID'), body.assertions() as Envelope[]));
    bad(Envelope.from('just a leaf'));
    // an elided assertion: nothing we sign may hide a field
    const [first, ...rest] = body.assertions() as [Envelope, ...Envelope[]];
    bad(Envelope.node(body.subject(), [first.elide(), ...rest]));
  });

  it('refuse every malformed record field', () => {
    const record = rotationRecordBody({
      xid: walletXid(imported.publicKey),
      sequence: 1,
      previous: sha256(new Uint8Array([1])),
      reason: 'refresh',
      oldKey: imported.publicKey,
      newKey: imported.publicKey,
      document: sha256(new Uint8Array([2])),
      date: 5,
    });
    const bad = (b: Envelope) => failsWith(() => parseRotationRecordBody(b), 'Malformed');
    bad(replaceAssertion(record, 'reason', Envelope.from('whim')));
    bad(replaceAssertion(record, 'sequence', Envelope.from(0)));
    bad(replaceAssertion(record, 'previous', Envelope.from(new Uint8Array(32))));
    bad(replaceAssertion(record, 1n, Envelope.from('CkmIdentityFile')));
    bad(replaceAssertion(record, 'newKey', Envelope.from('key')));
    bad(record.addAssertion('note', 'hi'));
    expect(() =>
      rotationRecordBody({ ...parseRotationRecordBody(record), reason: 'whim' as 'refresh' }),
    ).toThrow(TypeError);
  });
});

describe('signatures on identity bodies', () => {
  const body = identityDocumentBody(doc(imported));

  it('normalize a high-S threshold signature to low-S and verify before attaching', () => {
    const { r, s } = signBody(body, imported);
    const low = attachEcdsaSignature(body, { r, s }, imported.publicKey);
    const high = attachEcdsaSignature(body, { r, s: N - s }, imported.publicKey);
    expect(high.isIdenticalTo(low)).toBe(true);
    failsWith(() => attachEcdsaSignature(body, { r, s }, stranger.publicKey), 'BadSignature');
    failsWith(() => attachEcdsaSignature(body, { r: 0n, s }, imported.publicKey), 'BadSignature');
    failsWith(
      () =>
        attachEcdsaSignature(
          identityDocumentBody(doc(imported, { keyVersion: 2 })),
          { r, s },
          imported.publicKey,
        ),
      'BadSignature',
    );
  });
});

describe('identity chain', () => {
  it('verifies from the inception key through a refresh and a migration', () => {
    const { chain } = buildChain();
    const summary = verifyIdentityChain(chain);
    expect(summary.xid).toEqual(walletXid(imported.publicKey));
    expect(summary.xidUr).toBe(xidToUr(summary.xid));
    expect(summary.inceptionKey).toEqual(imported.publicKey);
    expect(summary.current.key).toEqual(collaborative.publicKey);
    expect(summary.current.path).toEqual([3]);
    expect(summary.rotations.map((r) => [r.sequence, r.reason])).toEqual([
      [1, 'refresh'],
      [2, 'migration'],
    ]);
  });

  it('verifies a chain of the inception document alone', () => {
    const only = signed(identityDocumentBody(doc(imported)), imported);
    expect(verifyIdentityChain(inceptionChain(only)).rotations).toEqual([]);
  });

  it('round trips as a file, in binary and as ur:envelope', () => {
    const { chain } = buildChain();
    const file = identityFile(chain);
    const fromBytes = decodeEnvelope(file.toBytes());
    const fromUr = envelopeFromUr(envelopeToUr(file));
    for (const f of [fromBytes, fromUr]) {
      expect(verifyIdentityFile(f).current.key).toEqual(collaborative.publicKey);
      const parsed = parseIdentityFile(f);
      expect(parsed.rotations.map((r) => r.digestHex)).toEqual(
        chain.rotations.map((r) => r.digestHex),
      );
    }
  });

  it('refuses every single-byte change of a file with a typed error', { timeout: 120_000 }, () => {
    const inceptionBody = identityDocumentBody(doc(imported));
    let small = inceptionChain(signed(inceptionBody, imported));
    const next = identityDocumentBody(doc(imported, { keyVersion: 2, date: 1_800_000_100 }));
    const record = nextRotationBody(small, {
      reason: 'refresh',
      newDocument: next,
      date: 1_800_000_100,
    });
    small = appendRotation(small, signed(record, imported, imported), signed(next, imported));
    const bytes = identityFile(small).toBytes();
    for (let i = 0; i < bytes.length; i++) {
      const changed = Uint8Array.from(bytes);
      changed[i] = (changed[i] as number) ^ 0x01;
      let error: unknown;
      try {
        verifyIdentityFile(decodeEnvelope(changed));
      } catch (e) {
        error = e;
      }
      expect(error, `byte ${i}`).toBeInstanceOf(EnvelopeError);
    }
  });

  describe('refuses forgeries', () => {
    const { chain, bodies } = buildChain();
    const [inceptionBody, refresh, refreshed, migration, migrated] = bodies;
    const [r1, r2] = chain.rotations as [Envelope, Envelope];

    it('a same-key rotation signed once', () => {
      const forged = { ...chain, rotations: [signed(refresh, imported), r2] };
      failsWith(() => verifyIdentityChain(forged), 'MissingNewKeySignature', 'rotation 1');
    });

    it('a migration signed by one key only', () => {
      const byOld = { ...chain, rotations: [r1, signed(migration, imported)] };
      failsWith(() => verifyIdentityChain(byOld), 'MissingNewKeySignature', 'rotation 2');
      const byNew = { ...chain, rotations: [r1, signed(migration, collaborative)] };
      failsWith(() => verifyIdentityChain(byNew), 'MissingOldKeySignature', 'rotation 2');
    });

    it('a rotation also signed by an unrelated key', () => {
      const extra = attachEcdsaSignature(r2, signBody(migration, stranger), stranger.publicKey);
      failsWith(
        () => verifyIdentityChain({ ...chain, rotations: [r1, extra] }),
        'BadSignature',
        'rotation 2',
      );
    });

    it('a rotation whose old key is not the current key', () => {
      const fields = parseRotationRecordBody(migration);
      const wrong = rotationRecordBody({ ...fields, oldKey: stranger.publicKey });
      const forged = {
        ...chain,
        rotations: [r1, signed(wrong, stranger, collaborative)],
      };
      failsWith(() => verifyIdentityChain(forged), 'OldKeyMismatch', 'rotation 2');
    });

    it('a broken chain', () => {
      const fields = parseRotationRecordBody(migration);
      const wrong = rotationRecordBody({ ...fields, previous: chain.inception.digest });
      const forged = {
        ...chain,
        rotations: [r1, signed(wrong, imported, collaborative)],
      };
      failsWith(() => verifyIdentityChain(forged), 'ChainBroken', 'rotation 2');
    });

    it('reordered records', () => {
      const forged = { ...chain, rotations: [r2, r1] };
      failsWith(() => verifyIdentityChain(forged), 'Sequence', 'rotation 1');
      const dropped = { ...chain, rotations: [r2] };
      failsWith(() => verifyIdentityChain(dropped), 'Sequence', 'rotation 1');
    });

    it('a field changed after signing', () => {
      const changed = replaceAssertion(migration, 'reason', Envelope.from('recovery'));
      const sigs = r2.assertions() as Envelope[];
      const forged = Envelope.node(changed.wrap(), sigs);
      failsWith(
        () => verifyIdentityChain({ ...chain, rotations: [r1, forged] }),
        'BadSignature',
        'rotation 2',
      );
    });

    it('a current document other than the one the last record names', () => {
      const other = identityDocumentBody(
        doc(collaborative, { keyVersion: 5, path: [3], date: 1_800_000_200 }),
      );
      failsWith(
        () => verifyIdentityChain({ ...chain, current: signed(other, collaborative) }),
        'DocumentMismatch',
        'current',
      );
      failsWith(
        () => verifyIdentityChain({ ...chain, current: signed(migrated, imported) }),
        'BadSignature',
        'current',
      );
      failsWith(
        () => verifyIdentityChain({ ...chain, current: signed(refreshed, imported) }),
        'DocumentMismatch',
        'current',
      );
    });

    it("an inception document whose XID is not its key's", () => {
      const body = identityDocumentBody(doc(stranger));
      failsWith(
        () => verifyIdentityChain(inceptionChain(signed(body, stranger))),
        'XidMismatch',
        'inception',
      );
      const unsigned = {
        ...chain,
        inception: Envelope.node(inceptionBody.wrap(), [
          Envelope.assertion('note', 'no signature'),
        ]),
      };
      failsWith(() => verifyIdentityChain(unsigned), 'Malformed', 'inception');
      failsWith(
        () => verifyIdentityChain({ ...chain, inception: signed(inceptionBody, stranger) }),
        'BadSignature',
        'inception',
      );
    });

    it('a record dated before the part before it', () => {
      const fields = parseRotationRecordBody(migration);
      const early = rotationRecordBody({ ...fields, date: 1 });
      const forged = {
        ...chain,
        rotations: [r1, signed(early, imported, collaborative)],
      };
      failsWith(() => verifyIdentityChain(forged), 'DateOrder', 'rotation 2');
    });

    it('a file with another XID or a foreign assertion', () => {
      const file = identityFile(chain);
      const foreign = file.addAssertion('note', 'x');
      failsWith(() => verifyIdentityFile(foreign), 'Malformed', 'file');
      const otherXid = Envelope.node(
        Envelope.leaf(
          identityDocumentBody(doc(stranger, { xid: walletXid(stranger.publicKey) }))
            .subject()
            .asLeaf() as Cbor,
        ),
        file.assertions() as Envelope[],
      );
      failsWith(() => verifyIdentityFile(otherXid), 'XidMismatch', 'file');
      const withoutRotation = Envelope.node(
        file.subject(),
        file
          .assertions()
          .filter((a) => a.asPredicate()?.asLeaf()?.value !== 'rotation') as Envelope[],
      );
      failsWith(() => verifyIdentityFile(withoutRotation), 'DocumentMismatch', 'current');
    });
  });
});
