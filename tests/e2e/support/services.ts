/**
 * What the wallet's end-to-end tests run against, all real and on loopback: anvil (the dev chain
 * on 8545, chain 31337, and optionally a second one), two CKM server processes on the ports the
 * extension offers by default (7101, 7102), and MetaMask's test dApp, unchanged.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { anvilBinaryPath } from '../../../scripts/stack/anvil';
import { type StaticServer, serveStatic } from '../../../scripts/stack/static-server';
import { jsonRpc, waitFor } from '../../../scripts/stack/wait';
import { type ServerProcess, serverProcess } from '../../integration/support/server-process';

const require = createRequire(import.meta.url);

export type Anvil = { readonly url: string; readonly chainId: number; stop(): Promise<void> };

export async function startAnvil(port: number, chainId: number): Promise<Anvil> {
  const child: ChildProcess = spawn(
    anvilBinaryPath(),
    ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--silent'],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    'anvil',
    url,
    async () => (await jsonRpc(url, 'eth_chainId')) === `0x${chainId.toString(16)}`,
  );
  return {
    url,
    chainId,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
      }),
  };
}

export type LocalServices = {
  readonly anvil: Anvil;
  readonly servers: readonly ServerProcess[];
  readonly dapp: StaticServer;
  stop(): Promise<void>;
};

export async function startLocalServices(): Promise<LocalServices> {
  const started: { stop(): Promise<void> }[] = [];
  try {
    const anvil = await startAnvil(8545, 31337);
    started.push(anvil);
    const servers = await Promise.all(
      (
        [
          ['server-a', 7101],
          ['server-b', 7102],
        ] as const
      ).map(async ([name, port]) => {
        const server = await serverProcess(name, { port });
        started.push({ stop: () => server.dispose() });
        await server.start();
        return server;
      }),
    );
    const dapp = await serveStatic({
      root: join(dirname(require.resolve('@metamask/test-dapp/package.json')), 'dist'),
      host: '127.0.0.1',
    });
    started.push({ stop: () => dapp.close() });
    return {
      anvil,
      servers,
      dapp,
      stop: async () => {
        await Promise.all(started.map((s) => s.stop().catch(() => {})));
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.stop().catch(() => {})));
    throw error;
  }
}

/** Gives `address` `ether` ETH on anvil. */
export async function fund(anvil: Anvil, address: string, ether = 100n): Promise<void> {
  await jsonRpc(anvil.url, 'anvil_setBalance', [address, `0x${(ether * 10n ** 18n).toString(16)}`]);
}
