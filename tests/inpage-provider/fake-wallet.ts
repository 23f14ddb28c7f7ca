/**
 * A stand-in for the relay and the background on the provider's page channel: answers requests
 * from a table, and lets a test push events and connection losses.
 */
import type { PageRequest, PageResponse, WireRpcError } from '../../content/page-channel';
import { TO_PAGE } from '../../content/page-channel';
import type { ProviderChannel } from '../../inpage-provider/channel';

export type Handler = (params: unknown) => unknown;

export const STATE = Object.freeze({
  isUnlocked: true,
  chainId: '0x7a69',
  networkVersion: '31337',
  accounts: ['0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266'],
});

export class RpcFailure {
  constructor(readonly error: WireRpcError) {}
}

export type FakeWallet = {
  readonly channel: ProviderChannel;
  /** Every request the provider posted, in order. */
  readonly sent: PageRequest[];
  /** Method → handler; a handler returning `RpcFailure` answers with that error. */
  readonly handlers: Map<string, Handler>;
  /** While true, requests are recorded but not answered. */
  hold: boolean;
  /** Answers a held request now. */
  answer(id: string, outcome: { result: unknown } | { error: WireRpcError }): void;
  event(event: string, data: unknown): void;
  disconnect(permanent?: boolean): void;
  methods(): string[];
};

export function fakeWallet(handlers: Record<string, Handler> = {}): FakeWallet {
  let listener: ((message: PageResponse) => void) | undefined;
  const deliver = (message: PageResponse) => queueMicrotask(() => listener?.(message));
  const wallet: FakeWallet = {
    sent: [],
    handlers: new Map(Object.entries({ metamask_getProviderState: () => STATE, ...handlers })),
    hold: false,
    channel: {
      send(message) {
        wallet.sent.push(message);
        if (wallet.hold) return;
        const handler = wallet.handlers.get(message.method);
        if (!handler) {
          wallet.answer(message.id, {
            error: { code: 4200, message: `The method "${message.method}" is not supported.` },
          });
          return;
        }
        try {
          const result = handler(message.params);
          wallet.answer(
            message.id,
            result instanceof RpcFailure ? { error: result.error } : { result },
          );
        } catch (error) {
          wallet.answer(message.id, { error: { code: -32603, message: String(error) } });
        }
      },
      listen(handler) {
        listener = handler;
      },
    },
    answer(id, outcome) {
      deliver({ target: TO_PAGE, kind: 'response', id, ...outcome } as PageResponse);
    },
    event(event, data) {
      deliver({ target: TO_PAGE, kind: 'event', event, data });
    },
    disconnect(permanent = false) {
      deliver({ target: TO_PAGE, kind: 'disconnect', permanent });
    },
    methods: () => wallet.sent.map((m) => m.method),
  };
  return wallet;
}
