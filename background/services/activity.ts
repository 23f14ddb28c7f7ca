/**
 * The activity list: every transaction this wallet broadcast, with its status (pending,
 * confirmed, failed, replaced), in `storage.local`. While any is pending, receipts are polled
 * from its chain's RPC; a restarted worker resumes polling at start.
 * @module
 */
import browser from 'webextension-polyfill';
import type { TransactionSignPayload } from '../../ckm/payload/types';
import type { ActivityItem, ActivityStatus } from '../ui-api';
import type { NetworksService } from './networks';

const STORAGE_KEY = 'activity';
const MAX_ITEMS = 200;
const POLL_MS = 2_000;

/** An activity row and what is needed to replace it (speed up / cancel). */
export type ActivityRecord = ActivityItem & { readonly payload: TransactionSignPayload };

export type ActivityService = {
  readonly ready: Promise<void>;
  list(account?: string): readonly ActivityItem[];
  get(id: string): ActivityRecord | undefined;
  add(record: ActivityRecord): Promise<void>;
  setStatus(id: string, status: ActivityStatus): Promise<void>;
  onChange(listener: () => void): void;
};

const view = ({ payload: _payload, ...item }: ActivityRecord): ActivityItem => item;

export function createActivityService(networks: NetworksService): ActivityService {
  let records: ActivityRecord[] = [];
  const listeners = new Set<() => void>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const save = async (next: ActivityRecord[]) => {
    records = next.slice(0, MAX_ITEMS);
    await browser.storage.local.set({ [STORAGE_KEY]: records });
    changed();
  };
  const setStatus = async (id: string, status: ActivityStatus) => {
    if (!records.some((r) => r.id === id && r.status !== status)) return;
    await save(records.map((r) => (r.id === id ? { ...r, status } : r)));
  };

  async function poll(): Promise<void> {
    timer = undefined;
    for (const record of records.filter((r) => r.status === 'pending')) {
      try {
        const receipt = (await networks.request(record.chainId, 'eth_getTransactionReceipt', [
          record.hash,
        ])) as { status?: string } | null;
        if (receipt) {
          await setStatus(record.id, receipt.status === '0x1' ? 'confirmed' : 'failed');
          // Its rivals with the same nonce can never be mined now.
          for (const rival of records.filter(
            (r) =>
              r.status === 'pending' &&
              r.id !== record.id &&
              r.chainId === record.chainId &&
              r.from.toLowerCase() === record.from.toLowerCase() &&
              r.nonce === record.nonce,
          ))
            await setStatus(rival.id, 'replaced');
        }
      } catch {
        // The RPC is down for now; try again at the next poll.
      }
    }
    schedule();
  }
  function schedule(): void {
    if (timer === undefined && records.some((r) => r.status === 'pending'))
      timer = setTimeout(() => void poll(), POLL_MS);
  }

  const ready = browser.storage.local.get(STORAGE_KEY).then((value) => {
    const saved = value[STORAGE_KEY];
    if (Array.isArray(saved)) records = saved as ActivityRecord[];
    schedule();
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
      await save([record, ...records]);
      schedule();
    },
    setStatus,
    onChange: (listener) => void listeners.add(listener),
  };
}
