/**
 * The wallet's self-certifying identity (issue #7; docs/identity.md): an XID derived from the
 * collaborative key's root, its signed identity document, and a rotation record appended at every
 * refresh and server replacement (signed with the shares before and after) and at a migration
 * (signed by the imported key and by the collaborative account's key). The chain is public and
 * lives in `storage.local`; `exportIdentity` hands it out as a file anyone can check with
 * `npm run verify-identity`.
 *
 * The identity starts with the first export, or right after the wallet is created: from then on
 * every key change is recorded. A rotation's first half (the record signed by the old shares and
 * the unsigned new document) is stored before the key changes, so a crash in between is finished
 * at the next use (`finishRotation`) instead of leaving a gap.
 * @module
 */
import browser from 'webextension-polyfill';
import { fromHex, toHex } from '../../ckm/bytes';
import {
  createIdentity,
  finishRotation,
  type PendingRotation,
  rotateOnMigration,
  rotateOnRefresh,
  rotateOnReshare,
} from '../../ckm/client/identity';
import type { CkmWallet } from '../../ckm/client/wallet';
import { isCkmError } from '../../ckm/errors';
import {
  type IdentityChain,
  IdentityError,
  identityFile,
  parseIdentityFile,
} from '../../ckm/wallet-identity';
import { decodeEnvelope } from '../../envelope/decode';
import type { Envelope } from '../../envelope/envelope';
import type { KeyMaintenanceService } from './key-maintenance';
import type { KeyringService } from './keyring';

const STORAGE_KEY = 'identity';
const MAIN = 'main';

type StoredPending = { readonly record: string; readonly document: string };
type Stored = {
  /** Identity files (envelope bytes, hex) by key: `main` or an imported key's wallet id. */
  readonly files: Readonly<Record<string, string>>;
  readonly pending?: Readonly<Record<string, StoredPending>>;
};

export type IdentityService = {
  /** The identity file of the collaborative key, or of imported key `walletId` (made if none). */
  file(walletId?: string): Promise<Envelope>;
  /** Starts the collaborative key's identity if it has none (after creation). */
  start(): Promise<void>;
  /** Records the move of imported key `from` to the collaborative account at `path`. */
  recordMigration(from: CkmWallet, path: readonly number[]): Promise<void>;
};

const toEnvelope = (hex: string) => decodeEnvelope(fromHex(hex) ?? new Uint8Array());

export function createIdentityService(deps: {
  keyring: KeyringService;
  keyMaintenance: KeyMaintenanceService;
}): IdentityService {
  const { keyring, keyMaintenance } = deps;
  let stored: Stored = { files: {} };
  const ready = browser.storage.local.get(STORAGE_KEY).then((value) => {
    const saved = value[STORAGE_KEY] as Stored | undefined;
    if (saved && typeof saved === 'object' && typeof saved.files === 'object') stored = saved;
  });
  /** One identity change at a time. */
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const next = queue.then(run, run);
    queue = next.catch(() => {});
    return next;
  };

  const save = async (next: Stored) => {
    stored = next;
    await browser.storage.local.set({ [STORAGE_KEY]: next });
  };
  const chainOf = (slot: string): IdentityChain | undefined => {
    const hex = stored.files[slot];
    return hex ? parseIdentityFile(toEnvelope(hex)) : undefined;
  };
  const saveChain = (slot: string, chain: IdentityChain) => {
    const { [slot]: _done, ...pending } = stored.pending ?? {};
    return save({
      files: { ...stored.files, [slot]: toHex(identityFile(chain).toBytes()) },
      pending,
    });
  };
  const savePending = (slot: string, p: PendingRotation) =>
    save({
      ...stored,
      pending: {
        ...stored.pending,
        [slot]: {
          record: toHex(p.record.toBytes()),
          document: toHex(p.document.toBytes()),
        },
      },
    });

  /** The chain of `slot`, finishing a rotation a crash interrupted once the key has changed. */
  async function current(wallet: CkmWallet, slot: string): Promise<IdentityChain | undefined> {
    await ready;
    const chain = chainOf(slot);
    const pending = stored.pending?.[slot];
    if (!chain || !pending) return chain;
    try {
      const finished = await finishRotation(wallet, chain, {
        record: toEnvelope(pending.record),
        document: toEnvelope(pending.document),
      });
      await saveChain(slot, finished);
      return finished;
    } catch (error) {
      // The key did not change after all (the refresh failed before it switched), or the record
      // does not follow this chain: the half-done rotation is dropped. Anything else (a server
      // out of reach) keeps it for the next use.
      const stale =
        isCkmError(error, 'InvalidParameters') ||
        (error instanceof IdentityError && error.code === 'ChainBroken');
      if (!stale || !stored.pending) return chain;
      const { [slot]: _dropped, ...rest } = stored.pending;
      await save({ ...stored, pending: rest });
      return chain;
    }
  }

  async function ensure(wallet: CkmWallet, slot: string): Promise<IdentityChain> {
    const chain = await current(wallet, slot);
    if (chain) return chain;
    const created = await createIdentity(wallet);
    await saveChain(slot, created);
    return created;
  }

  keyMaintenance.setRefreshRunner((wallet) =>
    serial(async () => {
      const chain = await current(wallet, MAIN);
      if (!chain) return wallet.refresh();
      const next = await rotateOnRefresh(wallet, chain, {
        onPending: (p) => savePending(MAIN, p),
      });
      await saveChain(MAIN, next);
    }),
  );
  keyMaintenance.setReshareRunner((wallet, r) =>
    serial(async () => {
      const chain = await current(wallet, MAIN);
      if (!chain) return wallet.reshare({ replace: r.party, url: r.url, pinned: r.pinned });
      const next = await rotateOnReshare(
        wallet,
        chain,
        {
          replace: r.party,
          url: r.url,
          pinned: r.pinned,
          newcomer: { name: r.name, identityKey: r.pinned.signingKey },
        },
        { onPending: (p) => savePending(MAIN, p) },
      );
      await saveChain(MAIN, next);
    }),
  );

  return {
    file: (walletId) =>
      serial(async () => {
        const wallet = walletId ? keyring.importedWallet(walletId) : keyring.wallet();
        return identityFile(await ensure(wallet, walletId ?? MAIN));
      }),
    start: () =>
      serial(async () => {
        await ensure(keyring.wallet(), MAIN);
      }),
    recordMigration: (from, path) =>
      serial(async () => {
        const slot = from.state.config.walletId;
        const chain = await ensure(from, slot);
        await saveChain(slot, await rotateOnMigration(from, chain, keyring.wallet(), { path }));
      }),
  };
}
