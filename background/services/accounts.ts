/**
 * The accounts: account i is the non-hardened child m/i of the collaborative (DKG) key (tss
 * `derivePath`), so every such account is signed for by the same shares with a public tweak.
 * An imported account (MetaMask, issue #7) is the root of its own imported key (`walletId`),
 * numbered from {@link IMPORTED_INDEX_BASE} so its index can never be a derivation index.
 * Names and addresses are public and live in `storage.local`, so they are listed while locked.
 * @module
 */
import { getAddress } from 'viem';
import browser from 'webextension-polyfill';
import { derivePath, publicKeyToAddress } from '../../tss/index';
import { WalletError } from '../errors';
import type { AccountView } from '../ui-api';
import type { KeyringService } from './keyring';

type Hex = `0x${string}`;
type StoredAccounts = { list: AccountView[]; selected: number };

const STORAGE_KEY = 'accounts';
export const MAX_ACCOUNTS = 100;
/** Imported accounts are numbered from 2^31: no non-hardened child index reaches it. */
export const IMPORTED_INDEX_BASE = 2 ** 31;
const MAX_NAME_LENGTH = 40;

export type AccountsService = {
  readonly ready: Promise<void>;
  list(): readonly AccountView[];
  /** The selected account; undefined before onboarding. */
  selected(): AccountView | undefined;
  byAddress(address: string): AccountView | undefined;
  /** Creates account 0 for a freshly created key (idempotent). */
  initialize(): Promise<AccountView>;
  add(name?: string): Promise<AccountView>;
  /** The address `add` would give next (for a preview). */
  nextAddress(): Hex;
  /** Lists an imported key's account (idempotent for the same wallet id). */
  addImported(args: { walletId: string; address: Hex; name?: string }): Promise<AccountView>;
  /** Marks an imported account as moved to `to` (after "Move to a collaborative key"). */
  markMoved(index: number, to: Hex): Promise<AccountView>;
  rename(index: number, name: string): Promise<AccountView>;
  select(index: number): Promise<void>;
  /** The derivation path of an account, for the signer. */
  pathOf(account: AccountView): readonly number[];
  onSelectedChange(listener: (account: AccountView) => void): void;
};

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH || /[\p{Cc}]/u.test(trimmed))
    throw new WalletError(
      'InvalidInput',
      `An account name is 1 to ${MAX_NAME_LENGTH} printable characters.`,
    );
  return trimmed;
}

export function createAccountsService(keyring: KeyringService): AccountsService {
  let stored: StoredAccounts = { list: [], selected: 0 };
  const listeners = new Set<(account: AccountView) => void>();
  const ready = browser.storage.local.get(STORAGE_KEY).then((value) => {
    const saved = value[STORAGE_KEY] as StoredAccounts | undefined;
    if (saved && Array.isArray(saved.list)) stored = saved;
  });
  const save = async (next: StoredAccounts) => {
    await browser.storage.local.set({ [STORAGE_KEY]: next });
    stored = next;
  };
  const derive = (index: number): Hex => {
    const { share } = keyring.wallet().state;
    return getAddress(
      publicKeyToAddress(derivePath(share.publicKey, share.chainCode, [index]).publicKey),
    );
  };
  const find = (index: number) => {
    const account = stored.list.find((a) => a.index === index);
    if (!account) throw new WalletError('NotFound', `There is no account ${index}.`);
    return account;
  };
  const service: AccountsService = {
    ready,
    list: () => stored.list,
    selected: () => stored.list.find((a) => a.index === stored.selected) ?? stored.list[0],
    byAddress: (address) => {
      const lower = address.toLowerCase();
      return stored.list.find((a) => a.address.toLowerCase() === lower);
    },
    async initialize() {
      await ready;
      const first: AccountView = {
        index: 0,
        name: 'Account 1',
        address: derive(0),
        imported: false,
      };
      const existing = stored.list[0];
      if (existing?.address === first.address) return existing;
      await save({ list: [first], selected: 0 });
      return first;
    },
    nextAddress: () =>
      derive(Math.max(-1, ...stored.list.filter((a) => !a.imported).map((a) => a.index)) + 1),
    async add(name) {
      await ready;
      if (stored.list.filter((a) => !a.imported).length >= MAX_ACCOUNTS)
        throw new WalletError('InvalidInput', `At most ${MAX_ACCOUNTS} accounts.`);
      const index = Math.max(-1, ...stored.list.filter((a) => !a.imported).map((a) => a.index)) + 1;
      const account: AccountView = {
        index,
        name: checkName(name ?? `Account ${index + 1}`),
        address: derive(index),
        imported: false,
      };
      await save({ list: [...stored.list, account], selected: index });
      for (const listener of listeners) listener(account);
      return account;
    },
    async addImported({ walletId, address, name }) {
      await ready;
      const existing = stored.list.find((a) => a.walletId === walletId);
      if (existing) return existing;
      const importedCount = stored.list.filter((a) => a.imported).length;
      if (importedCount >= MAX_ACCOUNTS)
        throw new WalletError('InvalidInput', `At most ${MAX_ACCOUNTS} imported accounts.`);
      const index =
        Math.max(
          IMPORTED_INDEX_BASE - 1,
          ...stored.list.filter((a) => a.imported).map((a) => a.index),
        ) + 1;
      const account: AccountView = {
        index,
        name: checkName(name ?? `Imported ${importedCount + 1}`),
        address: getAddress(address),
        imported: true,
        walletId,
      };
      await save({ list: [...stored.list, account], selected: index });
      for (const listener of listeners) listener(account);
      return account;
    },
    async markMoved(index, to) {
      await ready;
      const moved = { ...find(index), movedTo: getAddress(to) };
      await save({ ...stored, list: stored.list.map((a) => (a.index === index ? moved : a)) });
      return moved;
    },
    async rename(index, name) {
      await ready;
      const renamed = { ...find(index), name: checkName(name) };
      await save({ ...stored, list: stored.list.map((a) => (a.index === index ? renamed : a)) });
      return renamed;
    },
    async select(index) {
      await ready;
      const account = find(index);
      if (stored.selected === index) return;
      await save({ ...stored, selected: index });
      for (const listener of listeners) listener(account);
    },
    pathOf: (account) => (account.imported ? [] : [account.index]),
    onSelectedChange: (listener) => void listeners.add(listener),
  };
  return service;
}
