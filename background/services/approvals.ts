/**
 * The approval queue: every request that needs the user waits here until the approval window
 * (`popup.html?approval=1`, one window for the whole queue) approves or rejects it. Closing the
 * window rejects everything still queued (EIP-1193 4001), so a dApp never waits forever.
 *
 * A request from a site on the phishing list (`services/phishing.ts`) carries `phishing` (and a
 * `phishing-site` warning in its insight) and is approved only with "continue anyway", which is
 * logged first; without it `resolve` answers `PhishingSite` and the prompt stays queued. Unlock
 * prompts are not gated: unlocking grants the site nothing, and what it asks next is gated.
 * @module
 */
import { providerErrors } from '@metamask/rpc-errors';
import browser from 'webextension-polyfill';
import type {
  ApprovalItem,
  ApprovalKind,
  ApprovalRequest,
  ApprovalResultOf,
} from '../approvals-api';
import { phishingSite } from '../decode/warnings';
import { WalletError } from '../errors';
import type { PhishingService } from './phishing';

type RequestOf<K extends ApprovalKind> = Extract<ApprovalRequest, { kind: K }>;

/** What a completed approval reports to the prompt (a signature: who co-signed, how long). */
export type Completion = { readonly cosigner?: { readonly name: string; readonly ms: number } };

export type ApprovalsService = {
  /** Queues a prompt and resolves with the user's answer; rejects with 4001 on reject. */
  request<K extends ApprovalKind>(
    origin: string,
    request: RequestOf<K>,
  ): Promise<ApprovalResultOf<K>>;
  /**
   * Like `request`, and runs `perform` with the answer before the prompt is released: the
   * prompt's "approve" returns only when `perform` is done (and shows its completion), and a
   * failure of `perform` reaches both the prompt and the caller.
   */
  requestAndRun<K extends ApprovalKind, T>(
    origin: string,
    request: RequestOf<K>,
    perform: (result: ApprovalResultOf<K>) => Promise<{ value: T; completion: Completion }>,
  ): Promise<T>;
  list(): readonly ApprovalItem[];
  has(origin: string, kind: ApprovalKind): boolean;
  /**
   * The prompt's answer. Resolves when the request's work is done. A request from a listed
   * site needs `continueAnyway` (else `PhishingSite`, and it stays queued).
   */
  resolve(
    id: string,
    result: unknown,
    options?: { readonly continueAnyway?: boolean },
  ): Promise<Completion>;
  reject(id: string): void;
  /**
   * Closes the approval window if nothing is queued (the prompt asks once it has shown its
   * last completion). The window is forgotten before it closes, so a request queued in between
   * opens a new window instead of being lost with the old one. Returns whether it closed.
   */
  closeWindowIfIdle(): Promise<boolean>;
  /** Resolves every queued prompt of `kind` (e.g. `unlock` once the wallet is unlocked). */
  resolveAll(kind: ApprovalKind): void;
  onChange(listener: () => void): void;
};

type Entry = {
  item: ApprovalItem;
  run: (result: unknown) => Promise<Completion>;
  fail: (error: Error) => void;
};

export type WindowOpener = {
  /** Opens (or focuses) the approval window. */
  open(): Promise<void>;
  /** Forgets the window, then closes it (no `onClosed` for it). */
  close(): Promise<void>;
  /** Called when the user closes the window. */
  onClosed(listener: () => void): void;
};

/** What the queue needs of the phishing list. */
export type PhishingGate = Pick<PhishingService, 'check' | 'logContinue'>;

export function createApprovalsService(
  opener: WindowOpener = browserWindowOpener(),
  phishing?: PhishingGate,
): ApprovalsService {
  const queue: Entry[] = [];
  const listeners = new Set<() => void>();
  let next = 0;
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const take = (id: string) => {
    const index = queue.findIndex((e) => e.item.id === id);
    if (index < 0) throw new WalletError('NotFound', 'That request is no longer waiting.');
    const [entry] = queue.splice(index, 1);
    changed();
    return entry as Entry;
  };
  opener.onClosed(() => {
    for (const entry of queue.splice(0)) entry.fail(providerErrors.userRejectedRequest());
    changed();
  });

  function enqueue<T>(
    origin: string,
    request: ApprovalRequest,
    perform: (result: unknown) => Promise<{ value: T; completion: Completion }>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listed = request.kind === 'unlock' ? undefined : phishing?.check(origin);
      const item: ApprovalItem = {
        id: `approval-${++next}`,
        origin,
        createdAt: Date.now(),
        request: listed ? withPhishingWarning(request, origin, listed.listedDomain) : request,
        ...(listed ? { phishing: { listedDomain: listed.listedDomain } } : {}),
      };
      queue.push({
        item,
        fail: reject,
        run: async (result) => {
          try {
            const done = await perform(result);
            resolve(done.value);
            return done.completion;
          } catch (error) {
            reject(error);
            throw error;
          }
        },
      });
      changed();
      opener.open().catch((error: unknown) => {
        // No window, no way to ask: fail the request rather than leave it queued forever.
        const index = queue.findIndex((e) => e.item.id === item.id);
        if (index >= 0) queue.splice(index, 1);
        changed();
        reject(
          providerErrors.unauthorized({
            message: `CKM Wallet could not open its approval window: ${String(error)}`,
          }),
        );
      });
    });
  }

  return {
    request: (origin, request) =>
      enqueue(origin, request, async (result) => ({ value: result as never, completion: {} })),
    requestAndRun: (origin, request, perform) =>
      enqueue(origin, request, (result) => perform(result as never)),
    list: () => queue.map((e) => e.item),
    has: (origin, kind) =>
      queue.some((e) => e.item.origin === origin && e.item.request.kind === kind),
    async resolve(id, result, options = {}) {
      const listed = queue.find((e) => e.item.id === id)?.item;
      if (listed?.phishing) {
        if (options.continueAnyway !== true)
          throw new WalletError(
            'PhishingSite',
            `${listed.origin} is on the phishing list (${listed.phishing.listedDomain}). Reject it, or choose "continue anyway" if you are sure.`,
          );
        await phishing?.logContinue(listed.origin, listed.request.kind);
      }
      // The prompt closes its own window when the queue is empty, after showing the completion.
      return take(id).run(result);
    },
    reject(id) {
      take(id).fail(providerErrors.userRejectedRequest());
    },
    async closeWindowIfIdle() {
      if (queue.length > 0) return false;
      await opener.close();
      return true;
    },
    resolveAll(kind) {
      for (const entry of queue.filter((e) => e.item.request.kind === kind)) {
        take(entry.item.id);
        void entry.run({});
      }
    },
    onChange: (listener) => void listeners.add(listener),
  };
}

/** The request with the `phishing-site` warning first in its insight, when it has one. */
function withPhishingWarning(
  request: ApprovalRequest,
  origin: string,
  listedDomain: string,
): ApprovalRequest {
  if (!('insight' in request)) return request;
  const warnings = [phishingSite(origin, listedDomain), ...request.insight.warnings];
  // Each kind keeps its own insight type; TypeScript cannot correlate the union members here.
  return { ...request, insight: { ...request.insight, warnings } } as ApprovalRequest;
}

/** The real window: a 360×600 popup window of `popup.html?approval=1`. */
export function browserWindowOpener(): WindowOpener {
  let windowId: number | undefined;
  let opening: Promise<void> | undefined;
  const closedListeners = new Set<() => void>();
  browser.windows.onRemoved.addListener((id) => {
    if (id !== windowId) return;
    windowId = undefined;
    for (const listener of closedListeners) listener();
  });
  return {
    open() {
      opening ??= (async () => {
        if (windowId !== undefined) {
          try {
            await browser.windows.update(windowId, { focused: true });
            return;
          } catch {
            windowId = undefined;
          }
        }
        const created = await browser.windows.create({
          url: browser.runtime.getURL('/popup.html?approval=1'),
          type: 'popup',
          width: 360,
          height: 632,
          focused: true,
        });
        windowId = created.id;
      })().finally(() => {
        opening = undefined;
      });
      return opening;
    },
    async close() {
      const id = windowId;
      windowId = undefined;
      if (id !== undefined) await browser.windows.remove(id).catch(() => {});
    },
    onClosed: (listener) => void closedListeners.add(listener),
  };
}
