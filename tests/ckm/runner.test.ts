import { describe, expect, it } from 'vitest';
import { type RemoteParty, runSession } from '../../ckm/client/runner';
import { CkmError } from '../../ckm/errors';
import { generatePartyKeys } from '../../ckm/identity';

const device = () => ({
  ends: { self: 1, selfKeys: generatePartyKeys(), peers: new Map() },
  inboundTypes: () => [],
  first: () => [],
  next: () => {
    // A slow local step: a server's failure arrives meanwhile.
    const until = Date.now() + 50;
    while (Date.now() < until);
    return [];
  },
});

describe('runSession', () => {
  it('a server failing at once (while the device computes) rejects the run, typed, never unhandled', async () => {
    const failing: RemoteParty = {
      index: 2,
      next: () => Promise.reject(new CkmError('ServerUnavailable', 'down')),
    };
    await expect(
      runSession({
        sid: new Uint8Array(32),
        device: device(),
        servers: [failing],
        opened: new Map(),
      }),
    ).rejects.toMatchObject({ code: 'ServerUnavailable' });
  });

  it('cancels the other servers’ requests when one fails, and honours the caller’s signal', async () => {
    let aborted = false;
    const slow: RemoteParty = {
      index: 3,
      next: (_step, _inbound, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new CkmError('Cancelled', 'aborted'));
          });
        }),
    };
    const failing: RemoteParty = {
      index: 2,
      next: () => Promise.reject(new CkmError('ServerUnavailable', 'down')),
    };
    await expect(
      runSession({
        sid: new Uint8Array(32),
        device: device(),
        servers: [failing, slow],
        opened: new Map(),
      }),
    ).rejects.toMatchObject({ code: 'ServerUnavailable' });
    expect(aborted).toBe(true);
    const controller = new AbortController();
    controller.abort();
    await expect(
      runSession({
        sid: new Uint8Array(32),
        device: device(),
        servers: [],
        opened: new Map(),
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ code: 'Cancelled' });
  });
});
