import { describe, expect, it } from 'vitest';
import { WIRE } from '../../ckm/api';
import { ServerConnection } from '../../ckm/client/connection';
import type { HttpRequest, Transport } from '../../ckm/client/transport';
import { encodeWire } from '../../ckm/codec';
import { CkmError } from '../../ckm/errors';
import { generatePartyKeys } from '../../ckm/identity';

const WALLET = 'ab'.repeat(16);
const status = encodeWire(WIRE.status, {
  walletId: WALLET,
  party: 2,
  keys: [{ version: 1, status: 'active' }],
});

/** Fails the first `failures` sends with `error`, then answers a status. */
function flaky(error: () => Error, failures: number): Transport & { sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  return {
    sent,
    async send(request) {
      sent.push(request);
      if (sent.length <= failures) throw error();
      return { status: 200, headers: {}, body: status };
    },
  };
}

const stale = () =>
  new CkmError('ServerUnavailable', 'unreachable', {
    cause: Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    }),
  });

describe('ServerConnection', () => {
  it('sends once more, signed afresh, when a reused connection was already closed', async () => {
    const transport = flaky(stale, 1);
    const connection = new ServerConnection('http://127.0.0.1:1', transport);
    const answer = await connection.status(generatePartyKeys(), WALLET);
    expect(answer.keys).toEqual([{ version: 1, status: 'active' }]);
    expect(transport.sent).toHaveLength(2);
    expect(transport.sent[0]?.headers['ckm-nonce']).not.toBe(
      transport.sent[1]?.headers['ckm-nonce'],
    );
  });

  it('does not retry a server that is down, nor a second stale failure', async () => {
    const down = flaky(
      () => new CkmError('ServerUnavailable', 'refused', { cause: { code: 'ECONNREFUSED' } }),
      5,
    );
    await expect(
      new ServerConnection('http://127.0.0.1:1', down).status(generatePartyKeys(), WALLET),
    ).rejects.toMatchObject({ code: 'ServerUnavailable' });
    expect(down.sent).toHaveLength(1);
    const twice = flaky(stale, 2);
    await expect(
      new ServerConnection('http://127.0.0.1:1', twice).status(generatePartyKeys(), WALLET),
    ).rejects.toMatchObject({ code: 'ServerUnavailable' });
    expect(twice.sent).toHaveLength(2);
  });

  it('turns a server error body into a typed CkmError, and a 5xx into ServerUnavailable', async () => {
    const refusing: Transport = {
      async send() {
        return {
          status: 409,
          headers: {},
          body: encodeWire(WIRE.error, { code: 'Conflict', message: 'no', culprit: 3 }),
        };
      },
    };
    await expect(
      new ServerConnection('http://127.0.0.1:1', refusing).status(generatePartyKeys(), WALLET),
    ).rejects.toMatchObject({ code: 'Conflict', culprit: 3 });
    const broken: Transport = {
      async send() {
        return { status: 502, headers: {}, body: new Uint8Array([1, 2, 3]) };
      },
    };
    await expect(
      new ServerConnection('http://127.0.0.1:1', broken).status(generatePartyKeys(), WALLET),
    ).rejects.toMatchObject({ code: 'ServerUnavailable' });
  });
});
