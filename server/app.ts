/**
 * The CKM server's HTTP surface (Hono). Until the server issue lands (issue 5: enrollment, DKG,
 * sign, refresh, re-share, recovery, metrics), it answers only `GET /health`.
 * @module
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';

export type ServerInfo = {
  /** Operator-chosen name shown to users, e.g. "server-a". */
  readonly name: string;
  readonly version: string;
};

export type HealthResponse = {
  status: 'ok';
  service: 'ckm-server';
  name: string;
  version: string;
};

export function createApp(info: ServerInfo): Hono {
  const app = new Hono();
  // The extension calls servers from its own origin (chrome-extension://…), so every route
  // must answer CORS; credentials are never cookies, so no origin is special.
  app.use('*', cors({ origin: '*', allowMethods: ['GET', 'POST', 'OPTIONS'] }));
  app.get('/health', (c) =>
    c.json({
      status: 'ok',
      service: 'ckm-server',
      name: info.name,
      version: info.version,
    } satisfies HealthResponse),
  );
  app.notFound((c) => c.json({ error: 'not_found', message: 'No such endpoint.' }, 404));
  app.onError((error, c) => {
    console.error('ckm-server: internal error', error);
    return c.json({ error: 'internal', message: 'Internal server error.' }, 500);
  });
  return app;
}
