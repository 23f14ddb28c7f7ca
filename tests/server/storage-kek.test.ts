/** Loading the key-encryption key: `CKM_KEK`, a KEK file, or the development file in the data folder. */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KekError, type KekErrorReason, loadKek } from '../../server/storage';

const root = mkdtempSync(join(tmpdir(), 'ckm-kek-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const path = () => join(root, `kek-${++files}`);

const KEK = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const KEK_HEX = Buffer.from(KEK).toString('hex');

function kekFile(content: string | Uint8Array, mode = 0o600): string {
  const file = path();
  writeFileSync(file, content, { mode });
  chmodSync(file, mode); // writeFileSync's mode is filtered by the umask
  return file;
}

async function reason(promise: Promise<unknown>): Promise<KekErrorReason> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KekError);
  // A message never carries the key.
  expect((error as KekError).message).not.toContain(KEK_HEX.slice(0, 16));
  return (error as KekError).reason;
}

describe('loadKek from CKM_KEK', () => {
  it('reads 64 hex characters, either case, surrounding whitespace ignored', async () => {
    expect(await loadKek({ env: { CKM_KEK: KEK_HEX } })).toEqual(KEK);
    expect(await loadKek({ env: { CKM_KEK: ` ${KEK_HEX.toUpperCase()}\n` } })).toEqual(KEK);
  });

  it('wins over the development file and does not create it', async () => {
    const dataDir = join(root, 'env-wins');
    expect(await loadKek({ env: { CKM_KEK: KEK_HEX }, dataDir })).toEqual(KEK);
    expect(() => statSync(join(dataDir, 'kek'))).toThrow();
  });

  it.each([
    ['too short', KEK_HEX.slice(2)],
    ['too long', `${KEK_HEX}00`],
    ['not hex', `${KEK_HEX.slice(2)}zz`],
    ['all zero', '0'.repeat(64)],
  ])('refuses a value %s', async (_name, value) => {
    expect(await reason(loadKek({ env: { CKM_KEK: value } }))).toBe('Malformed');
  });

  it('treats an empty CKM_KEK as unset', async () => {
    expect(await reason(loadKek({ env: { CKM_KEK: '' } }))).toBe('Missing');
  });
});

describe('loadKek from a file', () => {
  it('reads 64 hex characters, with or without a newline', async () => {
    expect(await loadKek({ file: kekFile(KEK_HEX) })).toEqual(KEK);
    expect(await loadKek({ file: kekFile(`${KEK_HEX}\n`), env: {} })).toEqual(KEK);
  });

  it('reads 32 raw bytes', async () => {
    const raw = Uint8Array.from({ length: 32 }, (_, i) => 0xe0 + (i % 16));
    expect(await loadKek({ file: kekFile(raw) })).toEqual(raw);
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o700 | 0o020])(
    'refuses mode %o (group or others have access)',
    async (mode) => {
      const file = kekFile(KEK_HEX, mode);
      const error = await loadKek({ file }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KekError);
      expect((error as KekError).reason).toBe('Permissions');
      expect((error as KekError).message).toContain('chmod 600');
    },
  );

  it.each([
    ['31 raw bytes', new Uint8Array(31).fill(0xee)],
    ['32 hex characters (a 16-byte key)', KEK_HEX.slice(0, 32)],
    ['63 hex characters', KEK_HEX.slice(1)],
    ['an all-zero raw key', new Uint8Array(32)],
    ['empty', ''],
  ])('refuses %s', async (_name, content) => {
    expect(await reason(loadKek({ file: kekFile(content) }))).toBe('Malformed');
  });

  it('refuses a folder', async () => {
    const folder = path();
    mkdirSync(folder, { mode: 0o700 });
    expect(await reason(loadKek({ file: folder }))).toBe('Malformed');
  });

  it('refuses a missing file', async () => {
    expect(await reason(loadKek({ file: join(root, 'absent') }))).toBe('Missing');
  });

  it('refuses a file and CKM_KEK together', async () => {
    const file = kekFile(KEK_HEX);
    expect(await reason(loadKek({ file, env: { CKM_KEK: KEK_HEX } }))).toBe('Ambiguous');
  });
});

describe('loadKek development default', () => {
  it('creates <dataDir>/kek with mode 0600 on first start and reads it afterwards', async () => {
    const dataDir = join(root, 'dev', 'server-a');
    const first = await loadKek({ dataDir, env: {} });
    expect(first).toHaveLength(32);
    expect(first.some((byte) => byte !== 0)).toBe(true);
    const file = join(dataDir, 'kek');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(Buffer.from(first).toString('hex'));
    expect(await loadKek({ dataDir })).toEqual(first);
    // Another folder, another key.
    expect(await loadKek({ dataDir: join(root, 'dev', 'server-b') })).not.toEqual(first);
  });

  it('refuses an existing development file others can read', async () => {
    const dataDir = join(root, 'dev-open');
    await loadKek({ dataDir });
    chmodSync(join(dataDir, 'kek'), 0o644);
    expect(await reason(loadKek({ dataDir }))).toBe('Permissions');
  });

  it('without any source, says what to pass', async () => {
    const error = await loadKek({ env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KekError);
    expect((error as KekError).message).toMatchInlineSnapshot(
      `"Missing: no key-encryption key: pass a KEK file or set CKM_KEK (64 hex characters)"`,
    );
  });
});
