/**
 * The kill -9 suite, shared by the PGlite (crash.test.ts) and PostgreSQL (postgres.test.ts) runs:
 * for every ceremony and every round of it, server A is SIGKILLed just before the request for that
 * round, or just after it answered (the answer lost). Then:
 * - the client call fails with a typed CkmError (or, for signing, fails over to B unseen);
 * - A restarts on the same data and the retry succeeds;
 * - no share is lost (A signs again) and every server holds exactly one live key version, the one
 *   the device uses.
 *
 * One row per (ceremony, round, timing); the ceremonies are DKG, signing, refresh and re-share (the
 * other server's share moves to a newcomer), each a function of the cluster and the fault in
 * CEREMONIES. Rows share one wallet, in order: a DKG row's retry makes the wallet the next rows use.
 */
import { describe, expect, it } from 'vitest';
import { fetchTransport } from '../../../ckm/client/transport';
import { CkmWallet, createWallet, type DeviceWalletState } from '../../../ckm/client/wallet';
import type { CkmErrorCode } from '../../../ckm/errors';
import { generatePartyKeys } from '../../../ckm/identity';
import {
  liveVersionProblems,
  recovered,
  rejection,
  statuses,
  transfer,
  typedErrorProblem,
} from './checks';
import { CRASH_POINTS, type CrashPoint, type CrashTiming, FaultyTransport } from './faults';
import type { ServerProcess } from './server-process';

/**
 * Server A (the one killed, party 2) and server B (party 3). `newcomer` starts a fresh server for
 * a re-share to move a share to (without it, the re-share rows are left out).
 */
export type CrashCluster = {
  readonly a: ServerProcess;
  readonly b: ServerProcess;
  readonly newcomer?: () => Promise<ServerProcess>;
};

/** What a client sees when the server it talks to dies: the connection is refused or reset. */
const CRASH_CODES: readonly CkmErrorCode[] = ['ServerUnavailable'];

type Context = {
  readonly cluster: () => CrashCluster;
  readonly transport: FaultyTransport;
  /** The wallet the sign and refresh rows use: the last one a DKG row made. */
  wallet: CkmWallet | undefined;
  nonce: number;
};

type Ceremony = {
  readonly points: readonly CrashPoint[];
  readonly run: (context: Context, at: CrashPoint, timing: CrashTiming) => Promise<void>;
};

const CEREMONIES = {
  dkg: { points: CRASH_POINTS, run: crashDuringDkg },
  sign: { points: ['open', 'step2', 'step3', 'step4'], run: crashDuringSign },
  refresh: { points: CRASH_POINTS, run: crashDuringRefresh },
  reshare: { points: CRASH_POINTS, run: crashDuringReshare },
} as const satisfies Record<string, Ceremony>;

export type CeremonyName = keyof typeof CEREMONIES;

export function crashSuite(
  label: string,
  cluster: () => CrashCluster,
  options: { ceremonies?: readonly CeremonyName[]; timings?: readonly CrashTiming[] } = {},
): void {
  const context: Context = {
    cluster,
    transport: new FaultyTransport(fetchTransport({ timeoutMs: 30_000 })),
    wallet: undefined,
    nonce: 0,
  };
  const ceremonies = options.ceremonies ?? (['dkg', 'sign', 'refresh', 'reshare'] as const);
  const timings = options.timings ?? (['before', 'after'] as const);
  describe(label, () => {
    for (const name of ceremonies) {
      const ceremony: Ceremony = CEREMONIES[name];
      for (const at of ceremony.points)
        for (const timing of timings)
          it(`${name}: kill -9 A ${timing === 'before' ? 'before' : 'after answering'} ${at}`, () =>
            withServerLogs(context, () => ceremony.run(context, at, timing)));
    }
  });
}

// ── Ceremonies ──────────────────────────────────────────────────────────────────────────────

/**
 * DKG: createWallet rejects. Before the commit, the failed wallet has no active key anywhere and a
 * retry (a new wallet) succeeds. At the commit the key exists and the device state was saved
 * before any commit (onStateChange), so the retry is resuming that state and committing.
 */
async function crashDuringDkg(context: Context, at: CrashPoint, timing: CrashTiming) {
  const { a, b } = context.cluster();
  const { transport } = context;
  const servers = [{ url: a.url }, { url: b.url }];
  const deviceKeys = generatePartyKeys();
  let saved: DeviceWalletState | undefined;
  armKillA(context, at, timing);
  const error = await rejection(
    createWallet({
      servers,
      threshold: 2,
      transport,
      deviceKeys,
      onStateChange: (state) => {
        saved = state;
      },
    }),
  );
  expectCrash(context, error);
  const failedWalletId = transport.lastWalletId as string;
  await a.start();
  if (at === 'commit') {
    expect(saved?.version).toBe(1);
    const wallet = new CkmWallet(saved as DeviceWalletState, { transport });
    await wallet.commitPending({ strict: true });
    expect(wallet.state.uncommitted).toEqual([]);
    await expectSigns(context, wallet, 2);
    context.wallet = wallet;
  } else {
    expect(saved).toBeUndefined();
    const views = await statuses([a.url, b.url], transport, deviceKeys, failedWalletId);
    for (const [url, view] of views)
      expect(
        view.keys.filter((k) => k.status === 'active'),
        url,
      ).toEqual([]);
    context.wallet = await createWallet({ servers, threshold: 2, transport });
  }
  await expectOneLiveVersion(context, context.wallet);
}

/** Signing: the same call fails over to B; with only A allowed it fails typed; A signs after restart. */
async function crashDuringSign(context: Context, at: CrashPoint, timing: CrashTiming) {
  const { a } = context.cluster();
  const wallet = await walletFor(context);
  armKillA(context, at, timing);
  const fired = context.transport.fired;
  const failedOver = await wallet.sign({ payload: transfer(context.nonce++) });
  expect(context.transport.fired).toBe(fired + 1);
  expect(failedOver.server).toBe(3);
  expect(await recovered(failedOver.signature, failedOver.digest)).toBe(wallet.address);
  const error = await rejection(wallet.sign({ payload: transfer(context.nonce++), servers: [2] }));
  expect(typedErrorProblem(error, CRASH_CODES)).toBeUndefined();
  await a.start();
  await expectSigns(context, wallet, 2);
  await expectOneLiveVersion(context, wallet);
}

/**
 * Refresh: rejects typed; after the restart both servers sign (each with the version it has
 * active; commitPending brings a server that missed the commit forward); the retry succeeds; in
 * the end every server has exactly one active version, the device's, and the address is the same.
 */
async function crashDuringRefresh(context: Context, at: CrashPoint, timing: CrashTiming) {
  const { a } = context.cluster();
  const wallet = await walletFor(context);
  const address = wallet.address;
  const version = wallet.state.version;
  armKillA(context, at, timing);
  expectCrash(context, await rejection(wallet.refresh()));
  // The device switches only after every party finished: at the commit it already has.
  expect(wallet.state.version).toBe(at === 'commit' ? version + 1 : version);
  await a.start();
  await expectSigns(context, wallet, 2);
  await expectSigns(context, wallet, 3);
  await wallet.refresh();
  expect(wallet.state.version).toBe(at === 'commit' ? version + 2 : version + 1);
  expect(wallet.state.uncommitted).toEqual([]);
  expect(wallet.address).toBe(address);
  await expectOneLiveVersion(context, wallet);
  await expectSigns(context, wallet, 2);
}

/**
 * Re-share (the other server's share moves to a newcomer, A stays): rejects typed; after the
 * restart A signs (in the old configuration, or in the new one once told to commit); the retry
 * succeeds; the address is the same and A and the newcomer hold one live version, the device's.
 */
async function crashDuringReshare(context: Context, at: CrashPoint, timing: CrashTiming) {
  const { a, newcomer } = context.cluster();
  if (!newcomer) throw new Error('the cluster has no newcomer servers');
  const wallet = await walletFor(context);
  const address = wallet.address;
  const version = wallet.state.version;
  const leaving = [...wallet.state.urls].find(([, url]) => url !== a.url)?.[0] as number;
  const next = await newcomer();
  armKillA(context, at, timing);
  expectCrash(context, await rejection(wallet.reshare({ replace: leaving, url: next.url })));
  expect(wallet.state.version).toBe(at === 'commit' ? version + 1 : version);
  await a.start();
  await expectSigns(context, wallet, 2);
  if (at !== 'commit') await wallet.reshare({ replace: leaving, url: next.url });
  expect(wallet.state.version).toBe(version + 1);
  expect(wallet.state.urls.has(leaving)).toBe(false);
  expect(wallet.address).toBe(address);
  await wallet.commitPending({ strict: true });
  await expectOneLiveVersion(context, wallet);
  for (const index of wallet.state.urls.keys()) await expectSigns(context, wallet, index);
}

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────

function armKillA(context: Context, at: CrashPoint, timing: CrashTiming): void {
  const { a } = context.cluster();
  context.transport.arm({ url: a.url, at, timing, kill: () => a.kill() });
}

/** The fault fired and the caller got a typed error. */
function expectCrash(context: Context, error: unknown): void {
  expect(context.transport.armed, `the fault never fired; the call failed: ${causes(error)}`).toBe(
    false,
  );
  expect(typedErrorProblem(error, CRASH_CODES)).toBeUndefined();
}

/** An error and its causes, for a failure message (network errors hide the reason in `cause`). */
function causes(error: unknown): string {
  const chain: string[] = [];
  for (let e = error; e !== undefined && chain.length < 5; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    chain.push(`${String(e)}${typeof code === 'string' ? ` [${code}]` : ''}`);
    if (typeof e !== 'object' || e === null) break;
  }
  return chain.join(' <- ');
}

/** Runs a row; if it fails, the servers' recent output is added to the error. */
async function withServerLogs(context: Context, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const { a, b } = context.cluster();
    const tail = (server: ServerProcess) =>
      `--- ${server.name} ---\n${server.output().split('\n').slice(-15).join('\n')}`;
    if (error instanceof Error) error.message += `\n${tail(a)}\n${tail(b)}`;
    throw error;
  }
}

async function walletFor(context: Context): Promise<CkmWallet> {
  if (!context.wallet) {
    const { a, b } = context.cluster();
    context.wallet = await createWallet({
      servers: [{ url: a.url }, { url: b.url }],
      threshold: 2,
      transport: context.transport,
    });
  }
  return context.wallet;
}

async function expectSigns(context: Context, wallet: CkmWallet, server: number): Promise<void> {
  const result = await wallet.sign({ payload: transfer(context.nonce++), servers: [server] });
  expect(result.server).toBe(server);
  expect(await recovered(result.signature, result.digest)).toBe(wallet.address);
}

async function expectOneLiveVersion(context: Context, wallet: CkmWallet): Promise<void> {
  const views = await statuses(
    [...wallet.state.urls.values()],
    context.transport,
    wallet.state.deviceKeys,
    wallet.state.config.walletId,
  );
  expect(liveVersionProblems(views, wallet.state.version)).toEqual([]);
}
