/**
 * The whole local stack behind `npm start`: the built extension, anvil, two CKM servers with
 * their own data folders, the MetaMask test dApp, and (where a display exists) Chromium with the
 * extension loaded. Everything listens on loopback only.
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { anvilArgs, anvilBinaryPath, DEV_CHAIN_ID } from './anvil';
import { CHROMIUM_ARGS, chromiumPath } from './chromium';
import { assertPortsFree, type PortClaim } from './ports';
import { type ServiceProcess, spawnService } from './processes';
import { type StaticServer, serveStatic } from './static-server';
import { httpOk, jsonRpc, waitFor } from './wait';

const require = createRequire(import.meta.url);

export const HOST = '127.0.0.1';
export const PORTS = Object.freeze({ anvil: 8545, serverA: 7101, serverB: 7102, testDapp: 9011 });

export type BrowserMode = 'auto' | 'none' | 'headless';

export type StackOptions = {
  /** Project root (holds package.json). */
  root: string;
  browser: BrowserMode;
  /** Chromium profile folder; default `.ckm/chromium-profile`. */
  profileDir?: string;
};

export type Stack = {
  readonly urls: Readonly<Record<'anvil' | 'serverA' | 'serverB' | 'testDapp', string>>;
  readonly extensionDir: string;
  readonly processes: readonly ServiceProcess[];
  /** Resolves with the first service (not the browser, which a person may close) that exits. */
  readonly childExited: Promise<ServiceProcess>;
  stop(): Promise<void>;
};

const CLAIMS: readonly PortClaim[] = [
  { port: PORTS.anvil, service: 'anvil (dev chain)' },
  { port: PORTS.serverA, service: 'CKM server A' },
  { port: PORTS.serverB, service: 'CKM server B' },
  { port: PORTS.testDapp, service: 'the test dApp' },
];

export function hasDisplay(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Builds the extension with WXT into `.output/chrome-mv3`. */
export async function buildExtension(root: string): Promise<string> {
  const build = spawnService({
    name: 'build',
    command: process.execPath,
    args: [join(root, 'node_modules', 'wxt', 'bin', 'wxt.mjs'), 'build'],
    cwd: root,
  });
  const { code } = await build.exited;
  if (code !== 0) throw new Error(`the extension build failed (wxt build exited with ${code})`);
  const dir = join(root, '.output', 'chrome-mv3');
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`no manifest.json in ${dir}`);
  return dir;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { root } = options;
  await assertPortsFree(HOST, CLAIMS);
  const extensionDir = await buildExtension(root);

  const processes: ServiceProcess[] = [];
  let dapp: StaticServer | undefined;
  const stop = async () => {
    await dapp?.close();
    await Promise.all(processes.map((child) => child.stop()));
  };

  try {
    const urls = {
      anvil: `http://${HOST}:${PORTS.anvil}`,
      serverA: `http://${HOST}:${PORTS.serverA}`,
      serverB: `http://${HOST}:${PORTS.serverB}`,
      testDapp: `http://${HOST}:${PORTS.testDapp}`,
    } as const;

    processes.push(
      spawnService({
        name: 'anvil',
        command: anvilBinaryPath(),
        args: anvilArgs(HOST, PORTS.anvil),
      }),
    );
    for (const [name, port] of [
      ['server-a', PORTS.serverA],
      ['server-b', PORTS.serverB],
    ] as const) {
      const dataDir = join(root, '.ckm', name);
      mkdirSync(dataDir, { recursive: true });
      processes.push(
        spawnService({
          name,
          command: process.execPath,
          args: [
            '--import',
            'tsx',
            join(root, 'server', 'main.ts'),
            '--host',
            HOST,
            '--port',
            String(port),
            '--data-dir',
            dataDir,
            '--name',
            name,
          ],
          cwd: root,
        }),
      );
    }
    dapp = await serveStatic({
      root: join(dirname(require.resolve('@metamask/test-dapp/package.json')), 'dist'),
      host: HOST,
      port: PORTS.testDapp,
      service: 'the test dApp',
    });

    const childExited = Promise.race(processes.map((child) => child.exited.then(() => child)));
    const readiness = Promise.all([
      waitFor(
        'anvil',
        urls.anvil,
        async () => (await jsonRpc(urls.anvil, 'eth_chainId')) === `0x${DEV_CHAIN_ID.toString(16)}`,
      ),
      waitFor('CKM server A', urls.serverA, () => httpOk(`${urls.serverA}/health`)),
      waitFor('CKM server B', urls.serverB, () => httpOk(`${urls.serverB}/health`)),
    ]);
    const early = await Promise.race([readiness.then(() => undefined), childExited]);
    if (early) throw new Error(`${early.name} exited during start-up (see its output above)`);

    const browser =
      options.browser === 'auto' ? (hasDisplay() ? 'window' : 'none') : options.browser;
    if (browser !== 'none') {
      const profileDir = resolve(options.profileDir ?? join(root, '.ckm', 'chromium-profile'));
      mkdirSync(profileDir, { recursive: true });
      processes.push(
        spawnService({
          name: 'chromium',
          command: chromiumPath(),
          args: [
            ...CHROMIUM_ARGS,
            ...(browser === 'headless' ? ['--headless', '--remote-debugging-port=0'] : []),
            `--user-data-dir=${profileDir}`,
            `--disable-extensions-except=${extensionDir}`,
            `--load-extension=${extensionDir}`,
            urls.testDapp,
          ],
          echo: false,
        }),
      );
      if (browser === 'headless') {
        // Chromium writes its DevTools port here once it is up; tests connect through it.
        const portFile = join(profileDir, 'DevToolsActivePort');
        await waitFor('Chromium', portFile, async () => existsSync(portFile));
      }
    }
    return {
      urls,
      extensionDir,
      processes,
      childExited,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
