/**
 * Golden transcripts: with seeded RNGs, a 2-of-3 DKG, a signature, a refresh and another
 * signature produce exactly these message digests. A change here is a protocol change: bump
 * PROTOCOL_VERSION and regenerate with `UPDATE_GOLDEN=1 npx vitest run tests/tss/golden.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import type { KeyShare } from '../../tss/keyshare';
import { PROTOCOL_VERSION } from '../../tss/params';
import { refreshConfig } from '../../tss/refresh/config';
import { encodeMessage, type MessageType } from '../../tss/wire';
import { rngsFor, runDkg, runSign, type Stage } from './support/simulate';

const FILE = join(import.meta.dirname, 'vectors', 'golden-transcripts.json');

type Golden = { protocolVersion: number; phases: Record<string, string[]> };

function record(log: string[]) {
  return (stage: Stage, from: number, to: number, message: unknown) => {
    const digest = bytesToHex(sha256(encodeMessage(stage as MessageType, message as object)));
    log.push(`${stage} ${from}->${to} ${digest}`);
    return message;
  };
}

function transcript(): Golden {
  const phases: Record<string, string[]> = { dkg: [], sign: [], refresh: [], signAfterRefresh: [] };
  const parties = [1, 2, 3];
  const shares = runDkg(
    { parties, threshold: 2 },
    rngsFor(parties, 'golden-dkg'),
    record(phases.dkg as string[]),
  );
  const digest = new Uint8Array(32).fill(0x42);
  runSign(
    shares,
    { signers: [1, 2], digest, path: [0, 1] },
    rngsFor([1, 2], 'golden-sign'),
    record(phases.sign as string[]),
  );
  const refreshed = runDkg(
    {
      parties,
      threshold: 2,
      mode: (p) => refreshConfig(shares.get(p) as KeyShare, new Uint8Array([1])).mode,
    },
    rngsFor(parties, 'golden-refresh'),
    record(phases.refresh as string[]),
  );
  runSign(
    refreshed,
    { signers: [2, 3], digest },
    rngsFor([2, 3], 'golden-sign-2'),
    record(phases.signAfterRefresh as string[]),
  );
  return { protocolVersion: PROTOCOL_VERSION, phases };
}

describe('golden transcripts', () => {
  it(`match the pinned digests for PROTOCOL_VERSION ${PROTOCOL_VERSION}`, () => {
    const actual = transcript();
    if (process.env.UPDATE_GOLDEN === '1')
      writeFileSync(FILE, `${JSON.stringify(actual, null, 2)}\n`);
    const pinned = JSON.parse(readFileSync(FILE, 'utf8')) as Golden;
    expect(pinned.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(actual).toEqual(pinned);
  }, 180_000);
});
