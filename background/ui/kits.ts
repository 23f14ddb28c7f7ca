/**
 * Kits the popup shows or saves (issue #7): the backup of this device's keys, sealed under the
 * password (as a file, UR text and QR parts, or SSKR shares), and the recovery key made at
 * creation. Also the reverse: the sealed bytes of a backup the user brings to a fresh profile.
 * @module
 */

import {
  VaultCorruptError,
  VaultNotEnoughSharesError,
  VaultPasswordError,
  VaultShareMismatchError,
} from '../../envelope/errors';
import { envelopeFromUr } from '../../envelope/ur';
import {
  type BackupKit,
  exportBackupKit,
  joinBackup,
  openShare,
  sealShare,
  splitBackup,
} from '../../envelope/vault';
import { WalletError } from '../errors';
import type { BackupInput, KitView } from '../ui-api';

/** Largest backup accepted from the popup (a device state is a few KiB per key). */
const MAX_BACKUP_BYTES = 8 << 20;
const MAX_TEXT = 12 << 20;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(base64: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    throw new WalletError('InvalidInput', 'That file could not be read.');
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A day stamp for file names (UTC). */
function day(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function kitView(kit: BackupKit, fileName: string): KitView {
  return {
    fileName,
    fileBase64: bytesToBase64(kit.envelope),
    urText: kit.urText,
    qrParts: kit.qrParts,
  };
}

/** The backup of `bundle` (device-backup bytes) sealed under `password`, as a kit. */
export function backupKit(bundle: Uint8Array, password: string, now: number): KitView {
  return kitView(
    exportBackupKit(sealShare(bundle, password)),
    `ckm-wallet-backup-${day(now)}.envelope`,
  );
}

/** The same backup split `threshold`-of-`count` (one group), one kit per share. */
export function backupShareKits(
  bundle: Uint8Array,
  password: string,
  spec: { threshold: number; count: number },
  now: number,
): KitView[] {
  checkSpec(spec);
  const shares =
    splitBackup(sealShare(bundle, password), {
      groupThreshold: 1,
      groups: [{ threshold: spec.threshold, count: spec.count }],
    })[0] ?? [];
  return shares.map((share, i) =>
    kitView(
      exportBackupKit(share),
      `ckm-wallet-backup-${day(now)}-share-${i + 1}-of-${spec.count}.envelope`,
    ),
  );
}

export function checkSpec(spec: { threshold: unknown; count: unknown }): void {
  const { threshold, count } = spec;
  if (
    !Number.isInteger(threshold) ||
    !Number.isInteger(count) ||
    (count as number) < 2 ||
    (count as number) > 16 ||
    (threshold as number) < 1 ||
    (threshold as number) > (count as number)
  )
    throw new WalletError('InvalidInput', 'Choose k of n shares, with 1 ≤ k ≤ n and 2 ≤ n ≤ 16.');
}

function envelopeBytesOfUr(text: unknown, what: string): Uint8Array {
  if (typeof text !== 'string' || text.length > MAX_TEXT)
    throw new WalletError('InvalidInput', `${what} is not a ur:envelope text.`);
  try {
    return envelopeFromUr(text.trim()).toBytes();
  } catch {
    throw new WalletError('InvalidInput', `${what} is not a ur:envelope text.`);
  }
}

/** The sealed backup's Envelope bytes from what the user brought. */
export function sealedBackupOf(input: BackupInput): Uint8Array {
  if (typeof input !== 'object' || input === null)
    throw new WalletError('InvalidInput', 'Choose a backup file, or paste its text or shares.');
  switch (input.kind) {
    case 'file': {
      if (typeof input.base64 !== 'string' || input.base64.length > MAX_TEXT)
        throw new WalletError('InvalidInput', 'That file is not a CKM Wallet backup.');
      const bytes = base64ToBytes(input.base64);
      if (bytes.length === 0 || bytes.length > MAX_BACKUP_BYTES)
        throw new WalletError('InvalidInput', 'That file is not a CKM Wallet backup.');
      // A text file holding the UR is accepted too.
      const text = new TextDecoder().decode(bytes.subarray(0, 12)).toLowerCase();
      if (text.startsWith('ur:envelope'))
        return envelopeBytesOfUr(new TextDecoder().decode(bytes), 'That file');
      return bytes;
    }
    case 'ur':
      return envelopeBytesOfUr(input.text, 'That text');
    case 'shares': {
      if (!Array.isArray(input.texts) || input.texts.length === 0 || input.texts.length > 16)
        throw new WalletError('InvalidInput', 'Paste 1 to 16 shares.');
      const shares = input.texts.map((t, i) => envelopeBytesOfUr(t, `Share ${i + 1}`));
      try {
        return joinBackup(shares);
      } catch (cause) {
        if (cause instanceof VaultNotEnoughSharesError)
          throw new WalletError('InvalidInput', 'Not enough shares yet: add another.', { cause });
        if (cause instanceof VaultShareMismatchError)
          throw new WalletError('InvalidInput', 'These shares come from different backups.', {
            cause,
          });
        if (cause instanceof VaultCorruptError)
          throw new WalletError('InvalidInput', 'A share is damaged.', { cause });
        throw cause;
      }
    }
    default:
      throw new WalletError('InvalidInput', 'Choose a backup file, or paste its text or shares.');
  }
}

/** Opens a sealed backup with its password. @throws {WalletError} `WrongPassword`, `InvalidInput` */
export function openBackup(sealed: Uint8Array, password: string): Uint8Array {
  if (typeof password !== 'string' || password.length === 0)
    throw new WalletError('WrongPassword', 'Wrong password for this backup. Nothing was changed.');
  try {
    return openShare(sealed, password);
  } catch (cause) {
    if (cause instanceof VaultPasswordError)
      throw new WalletError(
        'WrongPassword',
        'Wrong password for this backup. Nothing was changed.',
        {
          cause,
        },
      );
    if (cause instanceof VaultCorruptError)
      throw new WalletError('InvalidInput', 'That is not a CKM Wallet backup, or it is damaged.', {
        cause,
      });
    throw cause;
  }
}
