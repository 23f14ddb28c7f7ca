/**
 * Request-rate limits per client address and per wallet: a fixed one-minute window per key, in
 * this process's memory. Several instances behind a load balancer each apply their own window;
 * the limit is a guard against floods, not an accounting system. Bounded: the oldest keys are
 * dropped first when the table is full.
 * @module
 */
import { setBounded } from '../ckm/bounded-map';

export type RateDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterSeconds: number };

const WINDOW_MS = 60_000;
const MAX_KEYS = 100_000;

export class RateLimiter {
  readonly #limit: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(requestsPerMinute: number, now: () => number = Date.now) {
    this.#limit = requestsPerMinute;
    this.#now = now;
  }

  take(key: string): RateDecision {
    const now = this.#now();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      window = setBounded(this.#windows, key, { start: now, count: 0 }, MAX_KEYS);
    }
    window.count++;
    if (window.count <= this.#limit) return { allowed: true };
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000)),
    };
  }
}
