import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../server/app';

const app = createApp({ name: 'server-a', version: '0.1.0' });

describe('CKM server HTTP', () => {
  it('GET /health answers ok with the server’s name and version', async () => {
    const response = await app.request('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      service: 'ckm-server',
      name: 'server-a',
      version: '0.1.0',
    });
  });

  it('answers CORS preflight so the extension can call it', async () => {
    const response = await app.request('/health', {
      method: 'OPTIONS',
      headers: {
        origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
        'access-control-request-method': 'GET',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,PUT,OPTIONS');
    expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual([
      'content-type',
      'accept',
      'ckm-wallet',
      'ckm-timestamp',
      'ckm-nonce',
      'ckm-signature',
    ]);
  });

  it('every answer carries the CORS headers, errors included', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const crashing = createApp({ name: 'x', version: '0' });
    crashing.get('/crash', () => {
      throw new Error('boom');
    });
    for (const [target, path, status] of [
      [app, '/health', 200],
      [app, '/nope', 404],
      [crashing, '/crash', 500],
    ] as const) {
      const response = await target.request(path, { headers: { origin: 'chrome-extension://x' } });
      expect(response.status).toBe(status);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(response.headers.get('access-control-expose-headers')).toBe('retry-after');
    }
  });

  it('unknown paths get a JSON 404', async () => {
    const response = await app.request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not_found', message: 'No such endpoint.' });
  });

  it('an internal failure is a JSON 500 without its details', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const crashing = createApp({ name: 'x', version: '0' });
    crashing.get('/crash', () => {
      throw new Error('disk path /secret');
    });
    const response = await crashing.request('/crash');
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('secret');
  });
});
