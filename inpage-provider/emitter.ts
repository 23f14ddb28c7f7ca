/**
 * The event-emitter surface dApps call on `window.ethereum`. MetaMask's provider is a Node.js
 * `EventEmitter` (through `@metamask/safe-event-emitter`), so dApps written against it use
 * `on`, `once`, `off`, `addListener`, `removeListener`, `removeAllListeners`, `listenerCount`,
 * `listeners` and sometimes `prependListener` or `emit`; this class gives the same behaviour
 * (Node's order and duplicate rules) without Node.
 *
 * One divergence from Node, as in safe-event-emitter: a listener that throws does not stop the
 * other listeners or the provider; its error is re-thrown on a fresh task, so the page's console
 * and `window.onerror` still see it.
 * @see https://nodejs.org/api/events.html
 * @module
 */

export type Listener = (...args: never[]) => unknown;

type Entry = { readonly listener: Listener; readonly once: boolean };

function assertListener(listener: unknown): asserts listener is Listener {
  if (typeof listener !== 'function')
    throw new TypeError(`"listener" expected a function, got ${typeof listener}`);
}

/** Node-compatible event emitter (the subset dApps use), with listener errors isolated. */
export class ProviderEventEmitter {
  readonly #events = new Map<string | symbol, Entry[]>();
  #maxListeners = 100;

  #add(event: string | symbol, listener: unknown, once: boolean, prepend: boolean): this {
    assertListener(listener);
    const entries = this.#events.get(event) ?? [];
    const entry = { listener, once };
    this.#events.set(event, prepend ? [entry, ...entries] : [...entries, entry]);
    return this;
  }

  on(event: string | symbol, listener: Listener): this {
    return this.#add(event, listener, false, false);
  }

  addListener(event: string | symbol, listener: Listener): this {
    return this.#add(event, listener, false, false);
  }

  prependListener(event: string | symbol, listener: Listener): this {
    return this.#add(event, listener, false, true);
  }

  once(event: string | symbol, listener: Listener): this {
    return this.#add(event, listener, true, false);
  }

  prependOnceListener(event: string | symbol, listener: Listener): this {
    return this.#add(event, listener, true, true);
  }

  #removeEntry(event: string | symbol, entry: Entry): void {
    const rest = (this.#events.get(event) ?? []).filter((e) => e !== entry);
    if (rest.length === 0) this.#events.delete(event);
    else this.#events.set(event, rest);
  }

  /** Removes the most recently added registration of `listener` (Node's rule). */
  removeListener(event: string | symbol, listener: Listener): this {
    const entries = this.#events.get(event) ?? [];
    const entry = entries.findLast((e) => e.listener === listener);
    if (entry) this.#removeEntry(event, entry);
    return this;
  }

  off(event: string | symbol, listener: Listener): this {
    return this.removeListener(event, listener);
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.#events.clear();
    else this.#events.delete(event);
    return this;
  }

  listenerCount(event: string | symbol): number {
    return this.#events.get(event)?.length ?? 0;
  }

  listeners(event: string | symbol): Listener[] {
    return (this.#events.get(event) ?? []).map((entry) => entry.listener);
  }

  rawListeners(event: string | symbol): Listener[] {
    return this.listeners(event);
  }

  eventNames(): (string | symbol)[] {
    return [...this.#events.keys()];
  }

  /** Kept for Node compatibility; the provider never warns about many listeners. */
  setMaxListeners(n: number): this {
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`"n" expected a non-negative integer, got ${n}`);
    this.#maxListeners = n;
    return this;
  }

  getMaxListeners(): number {
    return this.#maxListeners;
  }

  /**
   * Calls every listener of `event` in order with `args`; returns whether there was one. The
   * list is copied first, so listeners added or removed meanwhile take effect next time.
   */
  emit(event: string | symbol, ...args: unknown[]): boolean {
    const entries = this.#events.get(event);
    if (!entries || entries.length === 0) return false;
    for (const entry of entries) {
      if (entry.once) this.#removeEntry(event, entry);
      try {
        (entry.listener as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
    return true;
  }
}
