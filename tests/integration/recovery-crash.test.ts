/**
 * kill -9 of a CKM server (real processes, PGlite) at every step of a recovery without a backup
 * (its start, the re-share's open and steps, the commits) and of a restore from a backup: the call
 * fails typed, the server restarts on the same data, the retry (or, once the new device state was
 * persisted, `completeRecovery` / `completeRestore`) finishes, the address never changes, the old
 * device identity is refused, and every server holds exactly one live key version, the device's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse, Transport } from '../../ckm/client/transport';
import { fetchTransport } from '../../ckm/client/transport';
import {
  type CkmWallet,
  completeRecovery,
  completeRestore,
  createWallet,
  type DeviceWalletState,
  recoverWithServers,
  restoreFromBackup,
  startRecovery,
} from '../../ckm/client/wallet';
import { CkmError } from '../../ckm/errors';
import { generatePartyKeys } from '../../ckm/identity';
import {
  liveVersionProblems,
  recovered,
  rejection,
  statuses,
  transfer,
  typedErrorProblem,
} from './support/checks';
import { type CrashPoint, type CrashTiming, FaultyTransport } from './support/faults';
import { type ServerProcess, serverProcess } from './support/server-process';

type Point = CrashPoint | 'start';

/** Kills a server once when the recovery's start reaches it (before, or after it answered). */
class StartFault implements Transport {
  readonly #inner: Transport;
  #armed: { url: string; timing: CrashTiming; kill: () => Promise<void> } | undefined;
  constructor(inner: Transport) {
    this.#inner = inner;
  }
  arm(fault: { url: string; timing: CrashTiming; kill: () => Promise<void> }): void {
    this.#armed = fault;
  }
  get armed(): boolean {
    return this.#armed !== undefined;
  }
  async send(request: HttpRequest): Promise<HttpResponse> {
    const fault = this.#armed;
    const isStart =
      request.method === 'POST' &&
      /^\/v1\/wallets\/[^/]+\/recovery$/.test(new URL(request.url).pathname);
    if (!fault || !isStart || !request.url.startsWith(`${fault.url}/`))
      return this.#inner.send(request);
    this.#armed = undefined;
    try {
      if (fault.timing === 'after') await this.#inner.send(request);
    } finally {
      await fault.kill();
    }
    return this.#inner.send(request);
  }
}

const ROWS: readonly (readonly [Point, CrashTiming])[] = [
  ['start', 'before'],
  ['start', 'after'],
  ['open', 'before'],
  ['step2', 'before'],
  ['step3', 'before'],
  ['step4', 'before'],
  ['commit', 'before'],
  ['commit', 'after'],
];

describe('kill -9 during recovery and restore (PGlite)', { timeout: 400_000 }, () => {
  let a: ServerProcess;
  let b: ServerProcess;
  const faults = new FaultyTransport(fetchTransport({ timeoutMs: 120_000 }));
  const transport = new StartFault(faults);
  const recoveryKeys = generatePartyKeys();
  let nonce = 0;
  /** The wallet the next recovery row recovers (each row's result is the next row's lost device). */
  let lost: CkmWallet | undefined;
  /** The wallet the next restore row restores. */
  let backedUp: CkmWallet | undefined;

  beforeAll(async () => {
    [a, b] = await Promise.all([serverProcess('server-a'), serverProcess('server-b')]);
    await Promise.all([a.start(), b.start()]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  }, 60_000);

  const servers = () => [{ url: a.url }, { url: b.url }];

  async function expectSigns(wallet: CkmWallet, server: number, address: string) {
    const result = await wallet.sign({ payload: transfer(nonce++), servers: [server] });
    expect(result.server).toBe(server);
    expect(await recovered(result.signature, result.digest)).toBe(address);
  }

  /** The old identity is refused, the new wallet signs with each server, one live version each. */
  async function expectMoved(moved: CkmWallet, old: CkmWallet, address: string) {
    expect(moved.address).toBe(address);
    expect(moved.state.uncommitted).toEqual([]);
    for (const server of moved.state.urls.keys()) await expectSigns(moved, server, address);
    const views = await statuses(
      [a.url, b.url],
      transport,
      moved.state.deviceKeys,
      moved.state.config.walletId,
    );
    expect(liveVersionProblems(views, moved.state.version)).toEqual([]);
    const refused = await rejection(
      statuses([b.url], transport, old.state.deviceKeys, old.state.config.walletId),
    );
    expect(typedErrorProblem(refused, ['Unauthorized'])).toBeUndefined();
  }

  /**
   * Rows build on each other (each row's moved wallet is the next row's old one). After a failed
   * row, the next starts afresh: A up again, and a new wallet (the old one may hold a pending
   * recovery or an unfinished move).
   */
  let clean = true;
  async function prelude() {
    if (clean) return;
    const up = await fetch(`${a.url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (!up) await a.start();
    lost = undefined;
    backedUp = undefined;
    clean = true;
  }

  function row(name: string, run: () => Promise<void>) {
    it(name, async () => {
      await prelude();
      clean = false;
      await run();
      clean = true;
    });
  }

  function expectCrash(error: unknown) {
    expect(faults.armed || transport.armed, `the fault never fired: ${String(error)}`).toBe(false);
    expect(typedErrorProblem(error, ['ServerUnavailable'])).toBeUndefined();
  }

  for (const [at, timing] of ROWS)
    row(
      `recovery: kill -9 A ${timing === 'before' ? 'before' : 'after answering'} ${at}`,
      async () => {
        lost ??= await createWallet({
          servers: servers(),
          threshold: 2,
          transport,
          recoveryKey: recoveryKeys.identity.signingKey,
          recoveryDelaySeconds: 1,
        });
        const old = lost;
        const address = old.address;
        const target = {
          walletId: old.state.config.walletId,
          servers: servers(),
          recoveryKeys,
          deviceKeys: generatePartyKeys(),
          transport,
        };
        if (at === 'start') {
          transport.arm({ url: a.url, timing, kill: () => a.kill() });
          expectCrash(await rejection(startRecovery(target)));
          await a.start();
        }
        const started = await startRecovery(target);
        const readyAt = Math.max(...started.map((s) => s.readyAt));
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, readyAt - Date.now() + 50)));
        let saved: DeviceWalletState | undefined;
        let moved: CkmWallet;
        if (at === 'start') moved = await recoverWithServers(target);
        else {
          faults.arm({ url: a.url, at, timing, kill: () => a.kill() });
          expectCrash(
            await rejection(
              recoverWithServers({
                ...target,
                onStateChange: (state) => {
                  saved = state;
                },
              }),
            ),
          );
          await a.start();
          if (at === 'commit') {
            expect(saved?.uncommitted).toContain(2);
            moved = await completeRecovery({
              state: saved as DeviceWalletState,
              recoveryKeys,
              transport,
            });
          } else {
            expect(saved).toBeUndefined();
            moved = await recoverWithServers(target);
          }
        }
        await expectMoved(moved, old, address);
        lost = moved;
      },
    );

  for (const [at, timing] of ROWS.filter(([point]) => point !== 'start'))
    row(
      `restore: kill -9 A ${timing === 'before' ? 'before' : 'after answering'} ${at}`,
      async () => {
        backedUp ??= await createWallet({ servers: servers(), threshold: 2, transport });
        const old = backedUp;
        const address = old.address;
        const backup = old.state;
        let saved: DeviceWalletState | undefined;
        faults.arm({ url: a.url, at: at as CrashPoint, timing, kill: () => a.kill() });
        expectCrash(
          await rejection(
            restoreFromBackup({
              state: backup,
              transport,
              onStateChange: (state) => {
                saved = state;
              },
            }),
          ),
        );
        await a.start();
        let moved: CkmWallet;
        if (at === 'commit') {
          expect(saved?.uncommitted).toContain(2);
          moved = await completeRestore({
            state: saved as DeviceWalletState,
            backupDeviceKeys: backup.deviceKeys,
            transport,
          });
        } else {
          expect(saved).toBeUndefined();
          moved = await restoreFromBackup({ state: backup, transport });
        }
        await expectMoved(moved, old, address);
        backedUp = moved;
      },
    );

  it('the fault wrapper can fail: an unarmed start passes through', async () => {
    expect(transport.armed).toBe(false);
    const error = await rejection(
      startRecovery({
        walletId: '0'.repeat(32),
        servers: servers(),
        recoveryKeys,
        deviceKeys: generatePartyKeys(),
        transport,
      }),
    );
    expect(error).toBeInstanceOf(CkmError);
    expect((error as CkmError).code).toBe('Unauthorized');
  });
});
