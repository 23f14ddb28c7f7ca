/**
 * The provider ports of open pages, and the EIP-1193 events sent to them. A port belongs to one
 * origin (taken from the browser when it connected); `accountsChanged` and `chainChanged` go
 * only to the origins they concern.
 * @module
 */
import type { Runtime } from 'webextension-polyfill';
import type { PortMessage } from '../provider-protocol';

export type ProviderEvent =
  | 'connect'
  | 'disconnect'
  | 'accountsChanged'
  | 'chainChanged'
  | 'message';

export type ProviderEventsService = {
  /** Registers a page's port; returns its id. It is forgotten when it disconnects. */
  register(port: Runtime.Port, origin: string): string;
  /** Sends an event to every port of `origin`. */
  emitToOrigin(origin: string, event: ProviderEvent, data: unknown): void;
  /** Sends an event to one port (subscriptions' `message`). */
  emitToPort(portId: string, event: ProviderEvent, data: unknown): void;
  /** The origins with at least one open port. */
  origins(): readonly string[];
  /** Called with the origin when a page's port registers. */
  onPortOpened(listener: (origin: string) => void): void;
  /** Called with a port id when its page goes away (subscriptions are dropped then). */
  onPortClosed(listener: (portId: string) => void): void;
};

export function createProviderEventsService(): ProviderEventsService {
  const ports = new Map<string, { port: Runtime.Port; origin: string }>();
  const closedListeners = new Set<(portId: string) => void>();
  const openedListeners = new Set<(origin: string) => void>();
  let next = 0;
  const send = (port: Runtime.Port, event: ProviderEvent, data: unknown) => {
    const message: PortMessage = { type: 'event', event, data };
    try {
      port.postMessage(message);
    } catch {
      // The page went away between our lookup and the post; its onDisconnect cleans up.
    }
  };
  return {
    register(port, origin) {
      const id = `port-${++next}`;
      ports.set(id, { port, origin });
      for (const listener of openedListeners) listener(origin);
      port.onDisconnect.addListener(() => {
        ports.delete(id);
        for (const listener of closedListeners) listener(id);
      });
      return id;
    },
    emitToOrigin(origin, event, data) {
      for (const entry of ports.values())
        if (entry.origin === origin) send(entry.port, event, data);
    },
    emitToPort(portId, event, data) {
      const entry = ports.get(portId);
      if (entry) send(entry.port, event, data);
    },
    origins: () => [...new Set([...ports.values()].map((e) => e.origin))],
    onPortOpened: (listener) => void openedListeners.add(listener),
    onPortClosed: (listener) => void closedListeners.add(listener),
  };
}
