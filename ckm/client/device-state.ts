/**
 * The device's secret state (`DeviceWalletState`) as bytes, for the extension's vault: the wallet
 * configuration, the server URLs, the device identity secrets, the key share and the commit
 * bookkeeping. Strict both ways, like every other wire type of `ckm/`: a stored state that fails
 * to decode is `MalformedMessage`, never a half-read wallet.
 * @module
 */
import { decodeKeyShare, encodeKeyShare } from '../../tss/index';
import { bytesEqual } from '../bytes';
import { asInt, asObject, decodeWire, encodeWire, readArray, readBytes, readInt } from '../codec';
import { CkmError } from '../errors';
import { KEY_BYTES, partyKeysFromSecrets } from '../identity';
import { parseWalletConfig, walletConfigToWire } from '../wallet';
import type { DeviceWalletState } from './wallet';

const TYPE = 'device-state';
/** A key share is a few KiB per peer; 15 servers and their URLs stay far below this. */
export const MAX_DEVICE_STATE_BYTES = 1 << 20;
const MAX_URL_LENGTH = 2048;
const FIELDS = [
  'config',
  'urls',
  'signingSecret',
  'agreementSecret',
  'version',
  'share',
  'uncommitted',
];

export function encodeDeviceState(state: DeviceWalletState): Uint8Array {
  return encodeWire(TYPE, {
    config: walletConfigToWire(state.config),
    urls: [...state.urls].map(([party, url]) => [party, url]),
    signingSecret: state.deviceKeys.signingSecret,
    agreementSecret: state.deviceKeys.agreementSecret,
    version: state.version,
    share: encodeKeyShare(state.share),
    uncommitted: [...state.uncommitted],
  });
}

/**
 * @throws {CkmError} `MalformedMessage` when the bytes are not a consistent device state: the
 * share must belong to the configuration's device and the URLs to its servers.
 */
export function decodeDeviceState(bytes: Uint8Array): DeviceWalletState {
  const body = asObject(decodeWire(bytes, TYPE, MAX_DEVICE_STATE_BYTES), TYPE, FIELDS);
  const config = parseWalletConfig(body.fields.config);
  const servers = new Set(config.parties.filter((p) => p.role === 'server').map((p) => p.index));
  const urls = new Map(
    readArray(body, 'urls', { min: 1, max: 16 }, (entry, path) => {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[1] !== 'string')
        throw new CkmError('MalformedMessage', `"${path}" expected [party, url]`);
      const party = asInt(entry[0], `${path}[0]`, { min: 2, max: 255 });
      const url = entry[1];
      if (!servers.has(party) || url.length === 0 || url.length > MAX_URL_LENGTH)
        throw new CkmError('MalformedMessage', `"${path}" is not one of the wallet's servers`);
      return [party, url] as const;
    }),
  );
  if (urls.size !== servers.size)
    throw new CkmError('MalformedMessage', `"${TYPE}.urls" must name every server once`);
  const deviceKeys = partyKeysFromSecrets(
    readBytes(body, 'signingSecret', KEY_BYTES),
    readBytes(body, 'agreementSecret', KEY_BYTES),
  );
  const device = config.parties.find((p) => p.role === 'device');
  let share: DeviceWalletState['share'];
  try {
    share = decodeKeyShare(readBytes(body, 'share', { min: 1, max: MAX_DEVICE_STATE_BYTES }));
  } catch (cause) {
    throw new CkmError('MalformedMessage', `"${TYPE}.share" is not a key share`, { cause });
  }
  if (
    !device ||
    share.self !== device.index ||
    !bytesEqual(device.identity.signingKey, deviceKeys.identity.signingKey)
  )
    throw new CkmError('MalformedMessage', `"${TYPE}" share or keys are not this device's`);
  const uncommitted = readArray(body, 'uncommitted', { min: 0, max: 16 }, (entry, path) => {
    const party = asInt(entry, path, { min: 2, max: 255 });
    if (!servers.has(party)) throw new CkmError('MalformedMessage', `"${path}" is not a server`);
    return party;
  });
  return {
    config,
    urls,
    deviceKeys,
    version: readInt(body, 'version', { min: 1, max: 2 ** 31 }),
    share,
    uncommitted,
  };
}
