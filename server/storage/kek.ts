/**
 * Loading the key-encryption key (KEK) that seals shares, session states and server keys at rest
 * (see `at-rest.ts`). The KEK never goes into the database and is never logged.
 *
 * Sources, exactly one of:
 * - `--kek-file PATH`: 32 raw bytes, or 64 hex characters (surrounding whitespace ignored). The
 *   file must not be readable or writable by group or others (mode & 0o077 === 0).
 * - `CKM_KEK`: 64 hex characters in the environment.
 * - Development default, when neither is given and a data folder is: `<dataDir>/kek`, created
 *   with mode 0600 on first start. It sits beside the database it protects, so it only guards
 *   against a leaked database dump. Production should pass a file or variable from a secret
 *   store (systemd credentials, a Kubernetes secret, a vault agent) kept apart from the data.
 * @module
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KEK_LENGTH } from './at-rest';
import { KekError } from './errors';
import type { LoadKekOptions } from './types';

export const KEK_ENV = 'CKM_KEK';
export const DEV_KEK_FILE = 'kek';

const HEX_KEK = /^[0-9a-fA-F]{64}$/;

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** An all-zero key is a placeholder someone forgot to replace, not a secret. */
function refuseZero(kek: Uint8Array, source: string): Uint8Array {
  if (kek.every((byte) => byte === 0))
    throw new KekError('Malformed', `${source} holds an all-zero key; generate a random one`);
  return kek;
}

function parseHex(text: string, source: string): Uint8Array {
  const hex = text.trim();
  if (!HEX_KEK.test(hex))
    throw new KekError(
      'Malformed',
      `${source} expected 64 hex characters (32 bytes), got ${hex.length} characters`,
    );
  return refuseZero(hexToBytes(hex), source);
}

/** 32 raw bytes, or 64 hex characters. */
function parseKekFile(content: Uint8Array, source: string): Uint8Array {
  const isHexText = content.every(
    (byte) =>
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x46) ||
      (byte >= 0x61 && byte <= 0x66),
  );
  if (content.length === KEK_LENGTH) {
    // 32 hex characters would be a 16-byte key mistaken for a raw one (half the strength);
    // random bytes are all hex digits with probability (22/256)^32, about 10^-34.
    if (isHexText)
      throw new KekError(
        'Malformed',
        `${source} holds 32 hex characters (16 bytes); need 32 bytes`,
      );
    return refuseZero(Uint8Array.from(content), source);
  }
  return parseHex(new TextDecoder().decode(content), source);
}

async function readKekFile(path: string): Promise<Uint8Array> {
  const source = `KEK file ${path}`;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    throw new KekError(
      'Missing',
      `${source} cannot be read (${(error as NodeJS.ErrnoException).code})`,
      {
        cause: error,
      },
    );
  }
  if (!info.isFile()) throw new KekError('Malformed', `${source} is not a regular file`);
  const mode = info.mode & 0o777;
  if ((mode & 0o077) !== 0)
    throw new KekError(
      'Permissions',
      `${source} is accessible by group or others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 on it`,
    );
  return parseKekFile(await readFile(path), source);
}

/** `<dataDir>/kek`: read it, or create it (0600) with a fresh random key on first start. */
async function devKek(dataDir: string): Promise<Uint8Array> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, DEV_KEK_FILE);
  try {
    const kek = crypto.getRandomValues(new Uint8Array(KEK_LENGTH));
    // 'wx' fails if it exists, so two first starts never overwrite each other's key.
    await writeFile(path, `${bytesToHex(kek)}\n`, { flag: 'wx', mode: 0o600 });
    return kek;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readKekFile(path);
  }
}

/**
 * Loads the 32-byte KEK from `file`, else `CKM_KEK` in `env`, else the development file in
 * `dataDir`. Giving both a file and `CKM_KEK` is refused: data sealed under one would not open
 * under the other, and guessing which was meant is how keys get lost.
 * @example const kek = await loadKek({ file: values['kek-file'], env: process.env, dataDir });
 */
export async function loadKek(options: LoadKekOptions): Promise<Uint8Array> {
  const fromEnv = options.env?.[KEK_ENV];
  const hasEnv = fromEnv !== undefined && fromEnv !== '';
  if (options.file !== undefined && hasEnv)
    throw new KekError('Ambiguous', `both a KEK file and ${KEK_ENV} are set; give exactly one`);
  if (options.file !== undefined) return readKekFile(options.file);
  if (hasEnv) return parseHex(fromEnv, KEK_ENV);
  if (options.dataDir !== undefined) return devKek(options.dataDir);
  throw new KekError(
    'Missing',
    `no key-encryption key: pass a KEK file or set ${KEK_ENV} (64 hex characters)`,
  );
}
