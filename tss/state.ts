/**
 * Single-use protocol states (after FROST's round packages and 0xCarbon's `PhaseCalledOutOfOrder`):
 * every state carries a literal `phase`, and a step consumes its input. A state used twice, or
 * in the wrong step, throws `PhaseOutOfOrder` instead of silently reusing secret nonces.
 * @module
 */
import { TssError } from './errors';

const spent = new WeakSet<object>();

/** Marks `state` spent after checking its phase; throws if it was spent or is the wrong phase. */
export function consume<S extends { readonly phase: string }>(state: S, expected: S['phase']): S {
  if (typeof state !== 'object' || state === null || state.phase !== expected)
    throw new TssError('PhaseOutOfOrder', `expected a state in phase "${expected}"`);
  if (spent.has(state))
    throw new TssError('PhaseOutOfOrder', `the "${expected}" state was already used`);
  spent.add(state);
  return state;
}

/** Whether `state` was consumed by a step (its secrets may already be wiped). */
export function isSpent(state: object): boolean {
  return spent.has(state);
}
