/**
 * `envelope/vault.ts`: the wallet's sealed key share, re-seal, backup kit and SSKR backup. Each
 * user-caused failure is its own class with a `shortMessage`, and never a partial result.
 */
import { describe, expect, it } from 'vitest';
import {
  agreementPrivateKeyFromSeed,
  agreementPublicKey,
  decodeEnvelope,
  Envelope,
  envelopeFromUr,
  envelopeFromUrParts,
  exportBackupKit,
  format,
  IS_A,
  joinBackup,
  KEY_SHARE_TYPE,
  lock,
  NotRecipientError,
  openShare,
  openShareWithKey,
  openVaultKey,
  openWithVaultKey,
  resealShare,
  type SealOptions,
  sealShare,
  sealVaultKey,
  sealWithVaultKey,
  splitBackup,
  unlock,
  VaultCorruptError,
  VaultNotEnoughSharesError,
  VaultPasswordError,
  VaultShareMismatchError,
} from '../../envelope';

/** A fast KDF for the tests that seal many times; one test uses the default Argon2id. */
const FAST: SealOptions = { kdf: { kdf: 'pbkdf2', iterations: 1_000 } };
const PASSWORD = 'correct horse battery staple';

function shareBytes(n = 1_500, seed = 3): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('sealShare / openShare', () => {
  it('round trips with the default Argon2id, and the content names what it is', () => {
    const share = shareBytes();
    const sealed = sealShare(share, PASSWORD);
    expect(openShare(sealed, PASSWORD)).toEqual(share);
    const env = decodeEnvelope(sealed);
    expect(format(env)).toContain("'hasSecret': EncryptedKey(Argon2id)");
    const inner = format(unlock(env, PASSWORD));
    expect(inner).toContain(`'isA': "${KEY_SHARE_TYPE}"`);
    expect(inner).toContain('"formatVersion": 1');
  });

  it('each seal is fresh (content key, salt, nonce)', () => {
    const share = shareBytes();
    expect(sealShare(share, PASSWORD, FAST)).not.toEqual(sealShare(share, PASSWORD, FAST));
  });

  it('a wrong password is a VaultPasswordError', () => {
    const sealed = sealShare(shareBytes(), PASSWORD, FAST);
    const e = thrown(() => openShare(sealed, 'Correct horse battery staple'));
    expect(e).toBeInstanceOf(VaultPasswordError);
    expect((e as VaultPasswordError).shortMessage).toBe('That password is not correct.');
  });

  it('a damaged file is a VaultCorruptError (or, in the password permit, a password error) — never a result', () => {
    const share = shareBytes(200);
    const sealed = sealShare(share, PASSWORD, FAST);
    const kinds = new Set<string>();
    for (let i = 0; i < sealed.length; i++) {
      const bad = Uint8Array.from(sealed);
      bad[i] = (bad[i] as number) ^ 0x01;
      const e = thrown(() => openShare(bad, PASSWORD));
      expect(e instanceof VaultCorruptError || e instanceof VaultPasswordError).toBe(true);
      kinds.add((e as Error).name);
    }
    expect(kinds.has('VaultCorruptError')).toBe(true);
    // the encrypted share itself: always corrupt, never "wrong password"
    const bad = Uint8Array.from(sealed);
    bad[40] = (bad[40] as number) ^ 0x80;
    const e = thrown(() => openShare(bad, PASSWORD));
    expect(e).toBeInstanceOf(VaultCorruptError);
    expect((e as VaultCorruptError).shortMessage).toMatch(/damaged/);
  });

  it('truncated, empty, random, or another envelope: VaultCorruptError', () => {
    const sealed = sealShare(shareBytes(), PASSWORD, FAST);
    for (const bytes of [
      sealed.subarray(0, sealed.length - 1),
      new Uint8Array(0),
      shareBytes(64, 9),
      Envelope.from('hello').toBytes(),
    ]) {
      expect(() => openShare(bytes, PASSWORD)).toThrow(VaultCorruptError);
    }
  });

  it('a password-locked envelope that is not a key share, or of another version: VaultCorruptError', () => {
    const lockPlain = (e: Envelope) => lock(e, FAST.kdf ?? 'pbkdf2', PASSWORD).toBytes();
    const plain = thrown(() => openShare(lockPlain(Envelope.from(shareBytes(32))), PASSWORD));
    expect(plain).toBeInstanceOf(VaultCorruptError);
    expect((plain as VaultCorruptError).details).toMatch(/not a "ckm-key-share"/);
    const v2 = Envelope.from(shareBytes(32))
      .addAssertion(Envelope.knownValue(IS_A), KEY_SHARE_TYPE)
      .addAssertion('formatVersion', 2);
    const future = thrown(() => openShare(lockPlain(v2), PASSWORD));
    expect(future).toBeInstanceOf(VaultCorruptError);
    expect((future as VaultCorruptError).details).toMatch(/unsupported format version 2/);
    const text = Envelope.from('not bytes')
      .addAssertion(Envelope.knownValue(IS_A), KEY_SHARE_TYPE)
      .addAssertion('formatVersion', 1);
    expect(() => openShare(lockPlain(text), PASSWORD)).toThrow(VaultCorruptError);
  });

  it('misuse is a TypeError / RangeError, not a vault error', () => {
    expect(() => sealShare('x' as never, PASSWORD)).toThrow(TypeError);
    expect(() => sealShare(new Uint8Array(0), PASSWORD)).toThrow(RangeError);
    expect(() => sealShare(shareBytes(), '')).toThrow(RangeError);
    expect(() => openShare(new Uint8Array(1), 5 as never)).toThrow(TypeError);
  });

  it('with a recipient, the key opens it too; another key is NotRecipientError', () => {
    const priv = agreementPrivateKeyFromSeed(shareBytes(16, 5));
    const share = shareBytes();
    const sealed = sealShare(share, PASSWORD, { ...FAST, recipient: agreementPublicKey(priv) });
    expect(openShare(sealed, PASSWORD)).toEqual(share);
    expect(openShareWithKey(sealed, priv)).toEqual(share);
    const other = agreementPrivateKeyFromSeed(shareBytes(16, 6));
    expect(() => openShareWithKey(sealed, other)).toThrow(NotRecipientError);
  });
});

describe('resealShare', () => {
  it('the new password opens it, the old one no longer does', () => {
    const share = shareBytes();
    const sealed = sealShare(share, PASSWORD, FAST);
    const resealed = resealShare(sealed, PASSWORD, 'new password', FAST);
    expect(openShare(resealed, 'new password')).toEqual(share);
    expect(() => openShare(resealed, PASSWORD)).toThrow(VaultPasswordError);
    expect(() => resealShare(sealed, 'wrong', 'x', FAST)).toThrow(VaultPasswordError);
    expect(() => resealShare(sealed, PASSWORD, '', FAST)).toThrow(RangeError);
  });
});

describe('exportBackupKit', () => {
  it('bytes, one UR, and QR parts that all decode to the same sealed share', () => {
    const share = shareBytes(3_000);
    const sealed = sealShare(share, PASSWORD, FAST);
    const kit = exportBackupKit(sealed);
    expect(kit.envelope).toEqual(sealed);
    expect(kit.envelope).not.toBe(sealed);
    const root = decodeEnvelope(sealed).digestHex;
    expect(envelopeFromUr(kit.urText).digestHex).toBe(root);
    expect(kit.qrParts.length).toBeGreaterThan(1);
    expect(envelopeFromUrParts([...kit.qrParts].reverse()).digestHex).toBe(root);
    expect(openShare(envelopeFromUrParts(kit.qrParts).toBytes(), PASSWORD)).toEqual(share);
  });

  it('refuses plaintext and damaged bytes', () => {
    expect(() => exportBackupKit(Envelope.from(shareBytes()).toBytes())).toThrow(VaultCorruptError);
    expect(() => exportBackupKit(new Uint8Array([1, 2, 3]))).toThrow(VaultCorruptError);
  });
});

describe('splitBackup / joinBackup (SSKR)', () => {
  const spec = { groupThreshold: 1, groups: [{ threshold: 2, count: 3 }] };
  const share = shareBytes();
  const sealed = sealShare(share, PASSWORD, FAST);

  it('any 2 of 3 rebuild the sealed share, which the password then opens', () => {
    const [group] = splitBackup(sealed, spec);
    expect(group).toHaveLength(3);
    const g = group as Uint8Array[];
    for (const pair of [
      [g[0], g[1]],
      [g[2], g[0]],
      [g[1], g[2], g[1]],
    ]) {
      const joined = joinBackup(pair as Uint8Array[]);
      expect(joined).toEqual(sealed);
      expect(openShare(joined, PASSWORD)).toEqual(share);
    }
    // a share's backup kit round trips through its QR parts
    const kit = exportBackupKit(g[0] as Uint8Array);
    expect(envelopeFromUrParts(kit.qrParts).toBytes()).toEqual(g[0]);
  });

  it('a share from another split is a VaultShareMismatchError', () => {
    const [a] = splitBackup(sealed, spec) as Uint8Array[][];
    const [b] = splitBackup(sealed, spec) as Uint8Array[][]; // same backup, another split
    const [c] = splitBackup(sealShare(shareBytes(100, 8), PASSWORD, FAST), spec) as Uint8Array[][];
    for (const other of [b, c]) {
      const e = thrown(() =>
        joinBackup([(a as Uint8Array[])[0], (other as Uint8Array[])[1]] as Uint8Array[]),
      );
      expect(e).toBeInstanceOf(VaultShareMismatchError);
      expect((e as VaultShareMismatchError).shortMessage).toMatch(/same backup/);
    }
  });

  it('too few shares is VaultNotEnoughSharesError; a damaged share is VaultCorruptError', () => {
    const [g] = splitBackup(sealed, spec) as Uint8Array[][];
    const shares = g as Uint8Array[];
    expect(() => joinBackup([shares[0] as Uint8Array])).toThrow(VaultNotEnoughSharesError);
    expect(() => joinBackup([])).toThrow(VaultNotEnoughSharesError);
    // the first share's copy of the encrypted backup is the one decrypted: damage there is corrupt
    const bad = Uint8Array.from(shares[0] as Uint8Array);
    bad[30] = (bad[30] as number) ^ 0x01;
    expect(() => joinBackup([bad, shares[1] as Uint8Array])).toThrow(VaultCorruptError);
    // every byte of a (small) share: the right sealed share or a vault error, never anything else
    const small = sealShare(shareBytes(16), PASSWORD, FAST);
    const [sg] = splitBackup(small, spec) as Uint8Array[][];
    const ss = sg as Uint8Array[];
    for (let i = 0; i < (ss[1] as Uint8Array).length; i++) {
      const b = Uint8Array.from(ss[1] as Uint8Array);
      b[i] = (b[i] as number) ^ 0x01;
      for (const pair of [
        [ss[0] as Uint8Array, b],
        [b, ss[0] as Uint8Array],
      ]) {
        try {
          expect(joinBackup(pair)).toEqual(small);
        } catch (e) {
          expect(
            e instanceof VaultCorruptError ||
              e instanceof VaultShareMismatchError ||
              e instanceof VaultNotEnoughSharesError,
          ).toBe(true);
        }
      }
    }
    expect(() => joinBackup([shares[0] as Uint8Array, new Uint8Array([0xd8])])).toThrow(
      VaultCorruptError,
    );
  });

  it('a bad spec is a RangeError', () => {
    expect(() =>
      splitBackup(sealed, { groupThreshold: 1, groups: [{ threshold: 3, count: 2 }] }),
    ).toThrow(RangeError);
  });
});

describe('the extension vault: a password-sealed vault key and the state under it', () => {
  const vaultKey = new Uint8Array(32).fill(7);

  it('round-trips the vault key under the password and the state under the vault key', () => {
    const lock = sealVaultKey(vaultKey, PASSWORD, FAST);
    expect(openVaultKey(lock, PASSWORD)).toEqual(vaultKey);
    const state = sealWithVaultKey(shareBytes(), vaultKey);
    expect(openWithVaultKey(state, vaultKey)).toEqual(shareBytes());
  });

  it('a wrong password is VaultPasswordError; a wrong vault key is VaultCorruptError', () => {
    const lock = sealVaultKey(vaultKey, PASSWORD, FAST);
    expect(thrown(() => openVaultKey(lock, 'wrong password'))).toBeInstanceOf(VaultPasswordError);
    const state = sealWithVaultKey(shareBytes(), vaultKey);
    expect(thrown(() => openWithVaultKey(state, new Uint8Array(32).fill(8)))).toBeInstanceOf(
      VaultCorruptError,
    );
  });

  it('refuses one kind of envelope in place of the other, and keys of the wrong size', () => {
    // A sealed key share opened as a vault key: the `isA` differs.
    const share = sealShare(shareBytes(32), PASSWORD, FAST);
    expect(thrown(() => openVaultKey(share, PASSWORD))).toBeInstanceOf(VaultCorruptError);
    expect(thrown(() => sealVaultKey(new Uint8Array(16), PASSWORD, FAST))).toBeInstanceOf(
      RangeError,
    );
    expect(thrown(() => sealWithVaultKey(shareBytes(), new Uint8Array(31)))).toBeInstanceOf(
      RangeError,
    );
    expect(thrown(() => sealWithVaultKey(new Uint8Array(0), vaultKey))).toBeInstanceOf(RangeError);
  });

  it('a damaged state envelope is VaultCorruptError, never a partial result', () => {
    const state = sealWithVaultKey(shareBytes(), vaultKey);
    const at = state.length - 5;
    state[at] = (state[at] as number) ^ 1;
    expect(thrown(() => openWithVaultKey(state, vaultKey))).toBeInstanceOf(VaultCorruptError);
  });
});
