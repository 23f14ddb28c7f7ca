import { describe, expect, it } from 'vitest';
import { isPageResponse, parsePageRequest, TO_CONTENT, TO_PAGE } from '../../content/page-channel';

const request = (fields: Record<string, unknown>) => ({
  target: TO_CONTENT,
  kind: 'request',
  id: 'a1',
  method: 'eth_chainId',
  ...fields,
});

/** Values a hostile page can post (after noble's getTypeTests). */
const HOSTILE: unknown[] = [
  undefined,
  null,
  0,
  Number.NaN,
  '',
  'request',
  true,
  [],
  [request({})],
  new Uint8Array(4),
  Object.create({ target: TO_CONTENT, kind: 'request', id: 'x', method: 'eth_chainId' }),
];

describe('page channel: parsePageRequest', () => {
  it('accepts a request with absent, array or object params', () => {
    for (const params of [undefined, [], [1, 'a'], { a: 1 }, Object.create(null)]) {
      const parsed = parsePageRequest(request({ params }));
      expect(parsed.ok).toBe(true);
    }
  });

  it('copies only id, method and params', () => {
    const parsed = parsePageRequest(request({ origin: 'https://evil.example', params: [] }));
    expect(parsed).toEqual({
      ok: true,
      request: { target: TO_CONTENT, kind: 'request', id: 'a1', method: 'eth_chainId', params: [] },
    });
  });

  it('drops, without an answer, anything that is not an answerable request on this channel', () => {
    for (const value of HOSTILE)
      expect(parsePageRequest(value)).toMatchObject({ ok: false, id: undefined });
    for (const id of [undefined, '', 7, 'x'.repeat(129), {}])
      expect(parsePageRequest(request({ id }))).toMatchObject({ ok: false, id: undefined });
    expect(parsePageRequest({ ...request({}), target: TO_PAGE })).toMatchObject({
      ok: false,
      id: undefined,
    });
    expect(parsePageRequest({ ...request({}), kind: 'response' })).toMatchObject({
      ok: false,
      id: undefined,
    });
  });

  it('rejects, with an answer, a request whose method or params are malformed', () => {
    for (const method of [undefined, '', 5, 'm'.repeat(257), ['eth_chainId']])
      expect(parsePageRequest(request({ method }))).toEqual({
        ok: false,
        id: 'a1',
        reason: '"method" expected a string of 1..256 characters',
      });
    for (const params of [null, 5, 'x', true, new Date(0), new Map()])
      expect(parsePageRequest(request({ params }))).toEqual({
        ok: false,
        id: 'a1',
        reason: '"params" expected an array or an object',
      });
  });
});

describe('page channel: isPageResponse', () => {
  it('accepts results, errors, events and disconnects', () => {
    expect(isPageResponse({ target: TO_PAGE, kind: 'response', id: 'a', result: null })).toBe(true);
    expect(
      isPageResponse({
        target: TO_PAGE,
        kind: 'response',
        id: 'a',
        error: { code: 1, message: 'm' },
      }),
    ).toBe(true);
    expect(
      isPageResponse({ target: TO_PAGE, kind: 'event', event: 'chainChanged', data: '0x1' }),
    ).toBe(true);
    expect(isPageResponse({ target: TO_PAGE, kind: 'disconnect' })).toBe(true);
    expect(isPageResponse({ target: TO_PAGE, kind: 'disconnect', permanent: true })).toBe(true);
    expect(isPageResponse({ target: TO_PAGE, kind: 'disconnect', permanent: false })).toBe(true);
  });

  it('refuses anything else', () => {
    for (const value of HOSTILE) expect(isPageResponse(value)).toBe(false);
    expect(isPageResponse({ target: TO_PAGE, kind: 'response', id: 'a' })).toBe(false);
    expect(isPageResponse({ target: TO_PAGE, kind: 'response', id: 1, result: 1 })).toBe(false);
    expect(isPageResponse({ target: TO_PAGE, kind: 'event' })).toBe(false);
    expect(isPageResponse({ target: TO_CONTENT, kind: 'disconnect' })).toBe(false);
    expect(isPageResponse({ target: TO_PAGE, kind: 'other' })).toBe(false);
    expect(isPageResponse({ target: TO_PAGE, kind: 'disconnect', permanent: 'yes' })).toBe(false);
  });
});
