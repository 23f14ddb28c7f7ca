/**
 * Checks a DKG configuration before any randomness is drawn.
 * @module
 */
import { TssError } from '../errors';
import { MAX_PARTIES, MIN_PARTIES, SEED_BYTES } from '../params';
import type { DkgConfig } from './types';

function assertIndexSet(values: readonly number[], field: string): void {
  const seen = new Set<number>();
  for (const value of values) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_PARTIES)
      throw new TssError('InvalidParameters', `"${field}" expected indices in 1..${MAX_PARTIES}`);
    if (seen.has(value)) throw new TssError('DuplicateParty', `"${field}" lists a party twice`);
    seen.add(value);
  }
}

/** The peers of `self`, ascending. */
export function validateDkgConfig(config: DkgConfig): readonly number[] {
  const { parties, threshold, self, mode } = config;
  assertIndexSet(parties, 'parties');
  const n = parties.length;
  if (n < MIN_PARTIES || n > MAX_PARTIES)
    throw new TssError(
      'InvalidParameters',
      `"parties" expected ${MIN_PARTIES}..${MAX_PARTIES} parties`,
    );
  if (!Number.isInteger(threshold) || threshold < MIN_PARTIES || threshold > n)
    throw new TssError(
      'InvalidParameters',
      `"threshold" expected an integer in ${MIN_PARTIES}..${n}`,
    );
  if (!parties.includes(self))
    throw new TssError('InvalidParameters', '"self" is not one of "parties"');
  if (!(config.context instanceof Uint8Array))
    throw new TssError('InvalidParameters', '"context" expected bytes');
  if (mode.kind === 'reshare') {
    assertIndexSet(mode.survivors, 'survivors');
    if (mode.survivors.length < 1 || mode.survivors.some((s) => !parties.includes(s)))
      throw new TssError(
        'InvalidParameters',
        '"survivors" must be a non-empty subset of "parties"',
      );
    if (mode.survivors.some((s) => !mode.oldPublicShares.has(s)))
      throw new TssError('InvalidParameters', '"oldPublicShares" must include every survivor');
    if (!(mode.chainCode instanceof Uint8Array) || mode.chainCode.length !== SEED_BYTES)
      throw new TssError('InvalidParameters', '"chainCode" expected 32 bytes');
    const survivor = mode.survivors.includes(self);
    if (survivor !== (mode.oldSecretShare !== undefined))
      throw new TssError(
        'InvalidParameters',
        survivor ? 'a survivor must bring its old share' : 'a newcomer has no old share',
      );
  }
  return [...parties].filter((p) => p !== self).sort((a, b) => a - b);
}

/** True if `party` starts the DKG from the constant 0 (a newcomer in a re-share). */
export function startsFromZero(config: DkgConfig, party: number): boolean {
  return config.mode.kind === 'reshare' && !config.mode.survivors.includes(party);
}
