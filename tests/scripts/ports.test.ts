import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertPortsFree, PortInUseError } from '../../scripts/stack/ports';

describe('port pre-flight', () => {
  it('passes for free ports and names the port and service that is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const taken = (blocker.address() as { port: number }).port;
    const free = createServer();
    await new Promise<void>((done) => free.listen(0, '127.0.0.1', done));
    const freePort = (free.address() as { port: number }).port;
    await new Promise((done) => free.close(done));
    try {
      await expect(
        assertPortsFree('127.0.0.1', [{ port: freePort, service: 'a' }]),
      ).resolves.toBeUndefined();
      const check = assertPortsFree('127.0.0.1', [
        { port: freePort, service: 'a' },
        { port: taken, service: 'CKM server B' },
      ]);
      await expect(check).rejects.toBeInstanceOf(PortInUseError);
      await expect(check).rejects.toThrow(
        `Port ${taken} on 127.0.0.1 (for CKM server B) is already in use`,
      );
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });
});
