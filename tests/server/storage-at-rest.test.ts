/** Sealing secrets at rest (XChaCha20-Poly1305, row-bound associated data), errors, and opening. */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  type OpenStorageOptions,
  openAtRest,
  openStorage,
  rowAad,
  StorageConflictError,
  StorageCorruptError,
  StorageError,
  StorageNotFoundError,
  StorageUnavailableError,
  sealAtRest,
} from '../../server/storage';
import type { RowIdentity } from '../../server/storage/at-rest';

const KEK = new Uint8Array(32).fill(0x42);
const row: RowIdentity = {
  table: 'key_versions',
  fields: ['w1', 1, new Uint8Array([2, 3])],
  label: 'key_versions(wallet w1, version 1)',
};
const plaintext = new TextEncoder().encode('a share');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function corrupt(call: () => unknown): StorageCorruptError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(StorageCorruptError);
    return error as StorageCorruptError;
  }
  throw new Error('expected StorageCorruptError');
}

describe('at-rest associated data', () => {
  it('is "ckm/at-rest/v1" ‖ table ‖ fields, each with a 4-byte length', () => {
    expect(hex(rowAad({ table: 'sessions', fields: ['s', 5] }))).toBe(
      [
        '0000000e',
        hex(new TextEncoder().encode('ckm/at-rest/v1')),
        '00000008',
        hex(new TextEncoder().encode('sessions')),
        '00000001',
        '73',
        '00000008',
        '0000000000000005',
      ].join(''),
    );
  });

  it('never gives two identities the same bytes', () => {
    const a = rowAad({ table: 'sessions', fields: ['ab', 'c'] });
    const b = rowAad({ table: 'sessions', fields: ['a', 'bc'] });
    const c = rowAad({ table: 'key_versions', fields: ['ab', 'c'] });
    expect(hex(a)).not.toBe(hex(b));
    expect(hex(a)).not.toBe(hex(c));
  });
});

describe('sealAtRest / openAtRest', () => {
  it('is nonce ‖ XChaCha20-Poly1305(kek, nonce, aad) of the plaintext', () => {
    const nonce = new Uint8Array(24).fill(7);
    const sealed = sealAtRest(KEK, row, plaintext, () => nonce);
    const expected = xchacha20poly1305(KEK, nonce, rowAad(row)).encrypt(plaintext);
    expect(hex(sealed)).toBe(hex(nonce) + hex(expected));
    expect(sealed).toHaveLength(24 + plaintext.length + 16);
    expect(openAtRest(KEK, row, sealed)).toEqual(plaintext);
  });

  it('uses a fresh random nonce each time', () => {
    expect(hex(sealAtRest(KEK, row, plaintext))).not.toBe(hex(sealAtRest(KEK, row, plaintext)));
  });

  it('does not open under another row identity, naming the row it was read as', () => {
    const sealed = sealAtRest(KEK, row, plaintext);
    const other: RowIdentity = { ...row, fields: ['w1', 2, new Uint8Array([2, 3])], label: 'v2' };
    expect(corrupt(() => openAtRest(KEK, other, sealed)).row).toBe('v2');
    corrupt(() => openAtRest(KEK, { ...row, table: 'sessions' }, sealed));
    corrupt(() => openAtRest(KEK, { ...row, fields: ['w1', 1, new Uint8Array([2, 4])] }, sealed));
  });

  it('does not open under another KEK, nor after a flipped bit', () => {
    const sealed = sealAtRest(KEK, row, plaintext);
    corrupt(() => openAtRest(new Uint8Array(32).fill(1), row, sealed));
    for (const index of [0, 23, 24, sealed.length - 1]) {
      const tampered = Uint8Array.from(sealed);
      tampered[index] = (tampered[index] as number) ^ 1;
      corrupt(() => openAtRest(KEK, row, tampered));
    }
  });

  it('refuses a truncated value', () => {
    const error = corrupt(() => openAtRest(KEK, row, new Uint8Array(39)));
    expect(error.message).toMatchInlineSnapshot(
      `"Corrupt: key_versions(wallet w1, version 1) is truncated (shorter than nonce and tag)"`,
    );
  });

  it('refuses a KEK of the wrong type or length', () => {
    expect(() => sealAtRest(new Uint8Array(31), row, plaintext)).toThrow(RangeError);
    expect(() => openAtRest('k' as unknown as Uint8Array, row, plaintext)).toThrow(TypeError);
  });
});

describe('storage errors', () => {
  it('carry a code and a short message, one subclass per code', () => {
    const cases: [StorageError, string][] = [
      [new StorageConflictError('x exists'), 'Conflict'],
      [new StorageNotFoundError('x missing'), 'NotFound'],
      [new StorageCorruptError('row r'), 'Corrupt'],
      [new StorageUnavailableError('down'), 'Unavailable'],
    ];
    for (const [error, code] of cases) {
      expect(error).toBeInstanceOf(StorageError);
      expect(error.code).toBe(code);
      expect(error.message).toBe(`${code}: ${error.shortMessage}`);
    }
    expect(new StorageCorruptError('sessions(s1)').shortMessage).toMatchInlineSnapshot(
      `"sessions(s1) does not decrypt under this key-encryption key (wrong key, moved or tampered)"`,
    );
  });
});

describe('openStorage', () => {
  it('refuses both or neither of dataDir and databaseUrl, and a bad KEK', async () => {
    await expect(
      openStorage({
        dataDir: '/tmp/x',
        databaseUrl: 'postgres://h/d',
        kek: KEK,
      } as unknown as OpenStorageOptions),
    ).rejects.toThrow(TypeError);
    await expect(openStorage({ kek: KEK } as unknown as OpenStorageOptions)).rejects.toThrow(
      TypeError,
    );
    await expect(openStorage({ dataDir: '/tmp/x', kek: new Uint8Array(16) })).rejects.toThrow(
      RangeError,
    );
  });

  it('reports an unreachable PostgreSQL as StorageUnavailableError without the URL password', async () => {
    const error = await openStorage({
      databaseUrl: 'postgres://ckm:hunter2@127.0.0.1:1/ckm',
      kek: KEK,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('migrations', () => {
  it('are numbered 1, 2, 3… in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });
});
