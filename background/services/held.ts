/**
 * Transactions a CKM server held under the owner's "above this amount, wait" rule (issue #8,
 * docs/ckm.md §10). The servers keep the hold (by the intent's id, the same on every server); the
 * wallet keeps what is needed to send the transaction once the waiting period is over, with a
 * fresh nonce and fees (the servers match the intent, not the nonce), or to cancel it on every
 * server. Kept in `storage.local`, so a restarted worker or browser still lists them.
 * @module
 */
import browser from 'webextension-polyfill';
import type { HeldTransactionView } from '../ui-api';

type Hex = `0x${string}`;

const STORAGE_KEY = 'heldTransactions';
const MAX_ITEMS = 50;

/** A held transaction and the request to prepare again when it is sent. */
export type HeldRecord = HeldTransactionView & {
  /** The dApp's call (no nonce or fees: those are taken afresh when it is sent). */
  readonly request: {
    readonly to?: Hex;
    readonly value: Hex;
    readonly data: Hex;
    readonly gas?: Hex;
    readonly legacy: boolean;
  };
  /** The wallet the account signs with: an imported account's own, else the main one. */
  readonly walletId?: string;
};

export type HeldService = {
  readonly ready: Promise<void>;
  list(account?: string): readonly HeldTransactionView[];
  get(id: string): HeldRecord | undefined;
  /** Adds a hold, or refreshes the one with the same id (the same intent held again). */
  add(record: HeldRecord): Promise<void>;
  remove(id: string): Promise<void>;
  onChange(listener: () => void): void;
};

/** One id per (chain, hold): the servers' hold id names the intent, which includes the chain. */
export const heldId = (chainId: number, holdId: string): string => `held-${chainId}-${holdId}`;

const view = ({ request: _request, walletId: _walletId, ...item }: HeldRecord) =>
  item as HeldTransactionView;

export function createHeldService(): HeldService {
  let records: HeldRecord[] = [];
  const listeners = new Set<() => void>();
  const save = async (next: HeldRecord[]) => {
    records = next.slice(0, MAX_ITEMS);
    await browser.storage.local.set({ [STORAGE_KEY]: records });
    for (const listener of listeners) listener();
  };
  const ready = browser.storage.local.get(STORAGE_KEY).then((value) => {
    const saved = value[STORAGE_KEY];
    if (Array.isArray(saved)) records = saved as HeldRecord[];
  });
  return {
    ready,
    list: (account) =>
      records
        .filter((r) => account === undefined || r.from.toLowerCase() === account.toLowerCase())
        .map(view),
    get: (id) => records.find((r) => r.id === id),
    async add(record) {
      await ready;
      await save([record, ...records.filter((r) => r.id !== record.id)]);
    },
    async remove(id) {
      await ready;
      if (records.some((r) => r.id === id)) await save(records.filter((r) => r.id !== id));
    },
    onChange: (listener) => void listeners.add(listener),
  };
}
