/**
 * SIGTERM: the server stops opening sessions (503, the client fails over) but keeps serving the
 * steps of sessions already running, then exits 0 once none is left.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fetchTransport, type Transport } from '../../ckm/client/transport';
import { createWallet } from '../../ckm/client/wallet';
import { CkmError } from '../../ckm/errors';
import { recovered, transfer } from './support/checks';
import { type ServerProcess, serverProcess } from './support/server-process';

describe('graceful stop', () => {
  let server: ServerProcess;

  afterAll(async () => {
    await server?.dispose();
  });

  it('finishes a running signature after SIGTERM, refuses new sessions, then exits', async () => {
    server = await serverProcess('server-a');
    await server.start();
    const inner = fetchTransport({ timeoutMs: 30_000 });
    let stopped: Promise<void> | undefined;
    let refused: unknown;
    const transport: Transport = {
      async send(request) {
        const response = await inner.send(request);
        if (stopped === undefined && request.url.endsWith('/sessions') && armed) {
          stopped = server.stop(); // SIGTERM now; the process exits when no session runs
          await new Promise((resolve) => setTimeout(resolve, 300));
          refused = await wallet.sign({ payload: transfer(99) }).then(
            () => undefined,
            (error: unknown) => error,
          );
        }
        return response;
      },
    };
    let armed = false;
    const wallet = await createWallet({ servers: [{ url: server.url }], threshold: 2, transport });
    armed = true;
    const result = await wallet.sign({ payload: transfer(1) });
    expect(await recovered(result.signature, result.digest)).toBe(wallet.address);
    expect(refused).toBeInstanceOf(CkmError);
    expect((refused as CkmError).code).toBe('ServerUnavailable');
    expect((refused as CkmError).shortMessage).toContain('stopping');
    await stopped;
    expect(server.output()).toContain('no session running: closing');
    // Structured logs: one JSON object per line (besides the start-up line and the harness's own
    // "[… exited]" note), never the KEK.
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
    for (const line of lines)
      if (!line.startsWith('ckm-server ') && !line.startsWith('['))
        expect(() => JSON.parse(line), line).not.toThrow();
    expect(server.output()).not.toContain('cd'.repeat(32));
  });
});
