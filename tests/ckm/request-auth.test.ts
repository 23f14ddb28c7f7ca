import { describe, expect, it } from 'vitest';
import { type CkmErrorCode, isCkmError } from '../../ckm/errors';
import { generatePartyKeys } from '../../ckm/identity';
import {
  MemoryReplayCache,
  REQUEST_HEADERS,
  readRequestWallet,
  signRequest,
  verifyRequest,
} from '../../ckm/request-auth';

function codeOf(run: () => unknown): CkmErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (isCkmError(error)) return error.code;
    throw error;
  }
  return undefined;
}

async function asyncCodeOf(run: () => Promise<unknown>): Promise<CkmErrorCode | undefined> {
  try {
    await run();
  } catch (error) {
    if (isCkmError(error)) return error.code;
    throw error;
  }
  return undefined;
}

const device = generatePartyKeys();
const otherDevice = generatePartyKeys();
const walletId = '0123456789abcdef0123456789abcdef';
const now = 1_764_086_400_000;
const body = new TextEncoder().encode('{"kind":"sign"}');
const path = '/v1/wallets/0123456789abcdef0123456789abcdef/sessions?x=1';
const signed = signRequest({ keys: device, walletId, method: 'post', path, body, now });
const lookup = (headers: Record<string, string>) => (name: string) => headers[name];

type VerifyArgs = Parameters<typeof verifyRequest>[0];
const valid: VerifyArgs = {
  method: 'POST',
  path,
  body,
  headers: lookup(signed),
  deviceSigningKey: device.identity.signingKey,
  now,
  skewMs: 30_000,
};

describe('signRequest', () => {
  it('produces the four headers in their documented formats', () => {
    expect(Object.keys(signed).sort()).toEqual(Object.values(REQUEST_HEADERS).sort());
    expect(signed[REQUEST_HEADERS.wallet]).toBe(walletId);
    expect(signed[REQUEST_HEADERS.timestamp]).toBe(String(now));
    expect(signed[REQUEST_HEADERS.nonce]).toMatch(/^[0-9a-f]{32}$/);
    expect(signed[REQUEST_HEADERS.signature]).toMatch(/^[0-9a-f]{128}$/);
  });

  it('uses a fresh nonce per request', () => {
    const again = signRequest({ keys: device, walletId, method: 'POST', path, body, now });
    expect(again[REQUEST_HEADERS.nonce]).not.toBe(signed[REQUEST_HEADERS.nonce]);
  });

  it('refuses bad arguments', () => {
    const base = { keys: device, walletId, method: 'POST', path, body, now };
    expect(codeOf(() => signRequest({ ...base, walletId: 'ABC' }))).toBe('InvalidParameters');
    expect(codeOf(() => signRequest({ ...base, method: 'PO ST' }))).toBe('InvalidParameters');
    expect(codeOf(() => signRequest({ ...base, path: 'relative' }))).toBe('InvalidParameters');
    expect(codeOf(() => signRequest({ ...base, path: '/a b' }))).toBe('InvalidParameters');
    expect(codeOf(() => signRequest({ ...base, now: -1 }))).toBe('InvalidParameters');
    expect(codeOf(() => signRequest({ ...base, now: 1.5 }))).toBe('InvalidParameters');
    expect(codeOf(() => signRequest({ ...base, body: 'x' as unknown as Uint8Array }))).toBe(
      'InvalidParameters',
    );
  });
});

describe('verifyRequest', () => {
  it('accepts a valid request (method case does not matter)', () => {
    expect(verifyRequest(valid)).toEqual({
      walletId,
      timestamp: now,
      nonce: signed[REQUEST_HEADERS.nonce],
    });
    expect(verifyRequest({ ...valid, method: 'post' }).walletId).toBe(walletId);
  });

  it('refuses any change of method, path, body, wallet, timestamp or nonce (Unauthorized)', () => {
    const withHeader = (name: string, value: string) => lookup({ ...signed, [name]: value });
    const changed: VerifyArgs[] = [
      { ...valid, method: 'PUT' },
      { ...valid, path: `${path}2` },
      { ...valid, path: path.replace('?x=1', '') },
      { ...valid, body: new TextEncoder().encode('{"kind":"dkg"}') },
      { ...valid, body: new Uint8Array(0) },
      { ...valid, headers: withHeader(REQUEST_HEADERS.wallet, 'f'.repeat(32)) },
      { ...valid, headers: withHeader(REQUEST_HEADERS.timestamp, String(now + 1)) },
      { ...valid, headers: withHeader(REQUEST_HEADERS.nonce, '0'.repeat(32)) },
      {
        ...valid,
        headers: withHeader(
          REQUEST_HEADERS.signature,
          `${signed[REQUEST_HEADERS.signature].slice(0, 127)}${signed[REQUEST_HEADERS.signature].endsWith('0') ? '1' : '0'}`,
        ),
      },
    ];
    for (const args of changed) expect(codeOf(() => verifyRequest(args))).toBe('Unauthorized');
  });

  it('refuses another device key (Unauthorized), also an invalid one', () => {
    expect(
      codeOf(() => verifyRequest({ ...valid, deviceSigningKey: otherDevice.identity.signingKey })),
    ).toBe('Unauthorized');
    expect(codeOf(() => verifyRequest({ ...valid, deviceSigningKey: new Uint8Array(31) }))).toBe(
      'Unauthorized',
    );
  });

  it('refuses malformed or missing headers (Unauthorized, naming the header)', () => {
    const malformed: [string, string | undefined][] = [
      [REQUEST_HEADERS.wallet, undefined],
      [REQUEST_HEADERS.wallet, walletId.toUpperCase()],
      [REQUEST_HEADERS.wallet, `${walletId}0`],
      [REQUEST_HEADERS.timestamp, undefined],
      [REQUEST_HEADERS.timestamp, `0${now}`],
      [REQUEST_HEADERS.timestamp, `${now}.0`],
      [REQUEST_HEADERS.timestamp, '-1'],
      [REQUEST_HEADERS.timestamp, '99999999999999999'],
      [REQUEST_HEADERS.timestamp, '9999999999999999'], // 16 digits, beyond 2^53
      [REQUEST_HEADERS.nonce, undefined],
      [REQUEST_HEADERS.nonce, 'g'.repeat(32)],
      [REQUEST_HEADERS.signature, undefined],
      [REQUEST_HEADERS.signature, signed[REQUEST_HEADERS.signature].slice(2)],
      [REQUEST_HEADERS.signature, signed[REQUEST_HEADERS.signature].toUpperCase()],
    ];
    for (const [name, value] of malformed) {
      const headers = { ...signed } as Record<string, string>;
      if (value === undefined) delete headers[name];
      else headers[name] = value;
      let message = '';
      try {
        verifyRequest({ ...valid, headers: lookup(headers) });
      } catch (error) {
        expect(isCkmError(error, 'Unauthorized'), `${name}=${value}`).toBe(true);
        message = (error as Error).message;
      }
      expect(message).toContain(name);
    }
  });

  it('refuses a request line it cannot describe', () => {
    expect(codeOf(() => verifyRequest({ ...valid, path: 'no-slash' }))).toBe('Unauthorized');
    expect(codeOf(() => verifyRequest({ ...valid, method: '' }))).toBe('Unauthorized');
    expect(codeOf(() => verifyRequest({ ...valid, body: 'x' as unknown as Uint8Array }))).toBe(
      'Unauthorized',
    );
  });

  it('refuses a timestamp outside the skew window (ClockSkew), accepts its edges', () => {
    expect(codeOf(() => verifyRequest({ ...valid, now: now + 30_001 }))).toBe('ClockSkew');
    expect(codeOf(() => verifyRequest({ ...valid, now: now - 30_001 }))).toBe('ClockSkew');
    expect(verifyRequest({ ...valid, now: now + 30_000 }).timestamp).toBe(now);
    expect(verifyRequest({ ...valid, now: now - 30_000 }).timestamp).toBe(now);
  });

  it('checks the signature before the clock: a forged stale request is Unauthorized', () => {
    expect(
      codeOf(() =>
        verifyRequest({
          ...valid,
          now: now + 60_000,
          deviceSigningKey: otherDevice.identity.signingKey,
        }),
      ),
    ).toBe('Unauthorized');
  });
});

describe('readRequestWallet', () => {
  it('reads a valid wallet header and refuses anything else', () => {
    expect(readRequestWallet(lookup(signed))).toBe(walletId);
    expect(codeOf(() => readRequestWallet(() => undefined))).toBe('Unauthorized');
    expect(codeOf(() => readRequestWallet(() => '../../etc'))).toBe('Unauthorized');
    expect(codeOf(() => readRequestWallet(() => ` ${walletId}`))).toBe('Unauthorized');
  });
});

describe('MemoryReplayCache', () => {
  it('refuses a second use of a nonce and forgets it after expiry', async () => {
    let clock = 1_000;
    const cache = new MemoryReplayCache({ now: () => clock });
    expect(await cache.remember(walletId, 'n1', 2_000)).toBe(true);
    expect(await cache.remember(walletId, 'n1', 2_000)).toBe(false);
    expect(await cache.remember('other', 'n1', 2_000)).toBe(true); // per wallet
    expect(await cache.remember(walletId, 'n2', 2_000)).toBe(true);
    clock = 1_999;
    expect(await cache.remember(walletId, 'n1', 3_000)).toBe(false);
    clock = 2_000;
    expect(await cache.remember(walletId, 'n1', 3_000)).toBe(true);
    expect(cache.size).toBe(1); // the others expired and were dropped
  });

  it('does not confuse (wallet, nonce) pairs that concatenate alike', async () => {
    const cache = new MemoryReplayCache({ now: () => 0 });
    expect(await cache.remember('ab', 'c', 10)).toBe(true);
    expect(await cache.remember('a', 'bc', 10)).toBe(true);
  });

  it('is bounded: full of live entries it fails closed, expired entries make room', async () => {
    let clock = 0;
    const cache = new MemoryReplayCache({ maxEntries: 3, now: () => clock });
    expect(await cache.remember('w', 'a', 100)).toBe(true);
    expect(await cache.remember('w', 'b', 50)).toBe(true);
    expect(await cache.remember('w', 'c', 100)).toBe(true);
    expect(await asyncCodeOf(() => cache.remember('w', 'd', 100))).toBe('RateLimited');
    expect(await cache.remember('w', 'a', 100)).toBe(false); // still remembered
    clock = 60; // 'b' expired, though not at the front
    expect(await cache.remember('w', 'd', 100)).toBe(true);
    expect(cache.size).toBe(3);
  });

  it('refuses a bad bound', () => {
    expect(codeOf(() => new MemoryReplayCache({ maxEntries: 0 }))).toBe('InvalidParameters');
  });

  it('works with verifyRequest: a replayed request is caught by the cache', async () => {
    const cache = new MemoryReplayCache({ now: () => now });
    const first = verifyRequest(valid);
    expect(await cache.remember(first.walletId, first.nonce, now + 60_000)).toBe(true);
    const replay = verifyRequest(valid);
    expect(await cache.remember(replay.walletId, replay.nonce, now + 60_000)).toBe(false);
  });
});
