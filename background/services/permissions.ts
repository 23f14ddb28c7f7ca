/**
 * Which origins may see which accounts (EIP-2255: the `eth_accounts` permission with a
 * `restrictReturnedAccounts` caveat). The origin always comes from the browser (the port's
 * sender), never from a page's message. Stored in `storage.local`.
 * @see https://eips.ethereum.org/EIPS/eip-2255
 * @module
 */
import browser from 'webextension-polyfill';

type Hex = `0x${string}`;

export type Grant = { readonly accounts: readonly Hex[]; readonly connectedAt: number };

/** EIP-2255 permission object, as MetaMask returns it. */
export type Eip2255Permission = {
  readonly invoker: string;
  readonly parentCapability: 'eth_accounts';
  readonly caveats: readonly { type: 'restrictReturnedAccounts'; value: readonly Hex[] }[];
  readonly date: number;
  readonly id: string;
};

export type PermissionsService = {
  readonly ready: Promise<void>;
  /** The accounts `origin` may see (lower-case compare), in grant order; [] when not connected. */
  accountsFor(origin: string): readonly Hex[];
  isConnected(origin: string): boolean;
  grant(origin: string, accounts: readonly Hex[]): Promise<void>;
  revoke(origin: string): Promise<void>;
  list(): readonly (Grant & { origin: string })[];
  eip2255(origin: string): readonly Eip2255Permission[];
  /** Called with the origin whose grant changed. */
  onChange(listener: (origin: string) => void): void;
};

const STORAGE_KEY = 'permissions';

export function createPermissionsService(): PermissionsService {
  let grants: Record<string, Grant> = {};
  const listeners = new Set<(origin: string) => void>();
  const ready = browser.storage.local.get(STORAGE_KEY).then((value) => {
    const saved = value[STORAGE_KEY];
    if (saved && typeof saved === 'object') grants = saved as Record<string, Grant>;
  });
  const save = async (next: Record<string, Grant>, origin: string) => {
    await browser.storage.local.set({ [STORAGE_KEY]: next });
    grants = next;
    for (const listener of listeners) listener(origin);
  };
  const own = (origin: string) => (Object.hasOwn(grants, origin) ? grants[origin] : undefined);
  return {
    ready,
    accountsFor: (origin) => own(origin)?.accounts ?? [],
    isConnected: (origin) => (own(origin)?.accounts.length ?? 0) > 0,
    async grant(origin, accounts) {
      await ready;
      const unique = [...new Map(accounts.map((a) => [a.toLowerCase(), a])).values()];
      if (unique.length === 0) return this.revoke(origin);
      await save(
        {
          ...grants,
          [origin]: { accounts: unique, connectedAt: own(origin)?.connectedAt ?? Date.now() },
        },
        origin,
      );
    },
    async revoke(origin) {
      await ready;
      if (!own(origin)) return;
      const { [origin]: _removed, ...rest } = grants;
      await save(rest, origin);
    },
    list: () => Object.entries(grants).map(([origin, grant]) => ({ origin, ...grant })),
    eip2255(origin) {
      const grant = own(origin);
      if (!grant) return [];
      return [
        {
          invoker: origin,
          parentCapability: 'eth_accounts',
          caveats: [{ type: 'restrictReturnedAccounts', value: grant.accounts }],
          date: grant.connectedAt,
          id: `${origin}#eth_accounts`,
        },
      ];
    },
    onChange: (listener) => void listeners.add(listener),
  };
}
