/**
 * What a backup kit holds (issue #7): every key this device has a share of — the collaborative
 * key and each imported key — as their device states (`ckm/client/device-state.ts`). The kit
 * seals these bytes under the wallet's password (`envelope/vault.ts` `sealShare`), so a lost
 * laptop never loses an imported account either.
 *
 * Strict both ways: bytes that do not decode to states this code wrote are `VaultCorrupt`.
 * @module
 */
import { decodeDeviceState, encodeDeviceState } from '../../ckm/client/device-state';
import type { DeviceWalletState } from '../../ckm/client/wallet';
import { asObject, decodeWire, encodeWire, readArray, readBytes } from '../../ckm/codec';
import { WalletError } from '../errors';

const TYPE = 'device-backup';
/** Up to 100 imported keys of a few KiB each. */
const MAX_BACKUP_BYTES = 8 << 20;
export const MAX_IMPORTED_KEYS = 100;

export type DeviceBackup = {
  readonly main: DeviceWalletState;
  readonly imported: readonly DeviceWalletState[];
};

export function encodeDeviceBackup(backup: DeviceBackup): Uint8Array {
  return encodeWire(TYPE, {
    main: encodeDeviceState(backup.main),
    imported: backup.imported.map(encodeDeviceState),
  });
}

/** @throws {WalletError} `VaultCorrupt` when the bytes are not a device backup */
export function decodeDeviceBackup(bytes: Uint8Array): DeviceBackup {
  try {
    const body = asObject(decodeWire(bytes, TYPE, MAX_BACKUP_BYTES), TYPE, ['main', 'imported']);
    return {
      main: decodeDeviceState(readBytes(body, 'main', { min: 1, max: MAX_BACKUP_BYTES })),
      imported: readArray(body, 'imported', { min: 0, max: MAX_IMPORTED_KEYS }, (entry, path) => {
        if (!(entry instanceof Uint8Array)) throw new TypeError(`"${path}" expected bytes`);
        return decodeDeviceState(entry);
      }),
    };
  } catch (cause) {
    throw new WalletError('VaultCorrupt', 'This backup is damaged or not a CKM Wallet backup.', {
      cause,
    });
  }
}
