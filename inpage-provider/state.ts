/**
 * The state a page's provider mirrors from the background: what `metamask_getProviderState`
 * returns, and the checks that keep a malformed answer or event from reaching dApps.
 * @module
 */

/** `metamask_getProviderState`'s result (the shape MetaMask's background returns). */
export type ProviderState = {
  readonly isUnlocked: boolean;
  /** EIP-695 chain id, hex with 0x. */
  readonly chainId: string;
  /** `net_version`: the chain id in decimal for every chain we know. */
  readonly networkVersion: string;
  /** The accounts this origin may see, selected first; `[]` when locked or not connected. */
  readonly accounts: readonly string[];
};

const HEX_QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/i;

export function isChainId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 66 && HEX_QUANTITY.test(value);
}

export function isAccountList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((a) => typeof a === 'string');
}

/** The decimal network id of a hex chain id, for wallets that do not report `net_version`. */
export function networkVersionOf(chainId: string): string {
  return BigInt(chainId).toString(10);
}

/** Reads a `metamask_getProviderState` answer; throws a `TypeError` naming the bad field. */
export function parseProviderState(value: unknown): ProviderState {
  if (typeof value !== 'object' || value === null)
    throw new TypeError('"state" expected an object');
  const { isUnlocked, chainId, networkVersion, accounts } = value as Record<string, unknown>;
  if (!isChainId(chainId)) throw new TypeError('"chainId" expected a 0x-prefixed hex string');
  if (!isAccountList(accounts)) throw new TypeError('"accounts" expected an array of strings');
  return {
    isUnlocked: typeof isUnlocked === 'boolean' ? isUnlocked : accounts.length > 0,
    chainId,
    networkVersion:
      typeof networkVersion === 'string' && /^\d+$/.test(networkVersion)
        ? networkVersion
        : networkVersionOf(chainId),
    accounts: [...accounts],
  };
}

/**
 * A `chainChanged` event's data: EIP-1193 sends the hex chain id; MetaMask's own notification
 * carries `{ chainId, networkVersion }`. Both are accepted; `undefined` if neither.
 */
export function parseChainChange(
  data: unknown,
): { chainId: string; networkVersion: string } | undefined {
  if (isChainId(data)) return { chainId: data, networkVersion: networkVersionOf(data) };
  if (typeof data !== 'object' || data === null) return undefined;
  const { chainId, networkVersion } = data as Record<string, unknown>;
  if (!isChainId(chainId)) return undefined;
  return {
    chainId,
    networkVersion:
      typeof networkVersion === 'string' && /^\d+$/.test(networkVersion)
        ? networkVersion
        : networkVersionOf(chainId),
  };
}

export function sameAccounts(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((account, i) => account === b[i]);
}
