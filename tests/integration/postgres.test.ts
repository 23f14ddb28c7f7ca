/**
 * The kill -9 suite on PostgreSQL (Debian's server, started on a loopback port by the test), each
 * CKM server on its own database; then one CKM server run as two processes on one database, the
 * client alternating between them on every request inside one session (DKG, sign, refresh), and
 * one of them killed between two steps of a session that the other one finishes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTransport, type Transport } from '../../ckm/client/transport';
import { CkmWallet, createWallet } from '../../ckm/client/wallet';
import type { CkmError } from '../../ckm/errors';
import { startPostgres, type TestPostgres } from '../support/postgres';
import {
  liveVersionProblems,
  recovered,
  rejection,
  statuses,
  transfer,
  typedErrorProblem,
} from './support/checks';
import { type CrashCluster, crashSuite } from './support/crash-suite';
import { AlternatingTransport, FaultyTransport } from './support/faults';
import { type ServerProcess, serverProcess } from './support/server-process';

let postgres: TestPostgres | undefined;
let cluster: CrashCluster | undefined;
let databaseA = '';
const newcomers: ServerProcess[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  databaseA = await postgres.createDatabase();
  const databaseB = await postgres.createDatabase();
  const [a, b] = await Promise.all([
    serverProcess('server-a', { databaseUrl: databaseA }),
    serverProcess('server-b', { databaseUrl: databaseB }),
  ]);
  const newcomer = async () => {
    const databaseUrl = await (postgres as TestPostgres).createDatabase();
    const server = await serverProcess(`server-n${newcomers.length + 1}`, { databaseUrl });
    newcomers.push(server);
    await server.start();
    return server;
  };
  cluster = { a, b, newcomer };
  await Promise.all([a.start(), b.start()]);
});

afterAll(async () => {
  await Promise.all([cluster?.a, cluster?.b, ...newcomers].map((server) => server?.dispose()));
  await postgres?.stop();
});

// The PGlite run (crash.test.ts) kills both before the request and after the answer. Here, by
// default, after the answer only: the case where PostgreSQL has committed the work the client never
// heard of. CKM_CRASH_FULL=1 runs both.
crashSuite('kill -9 at every round (PostgreSQL)', () => cluster as CrashCluster, {
  timings: process.env.CKM_CRASH_FULL === '1' ? ['before', 'after'] : ['after'],
});

describe('server A as two processes on one PostgreSQL database', () => {
  let twin: ServerProcess;
  let shared: CkmWallet | undefined;

  beforeAll(async () => {
    // Same database and key-encryption key: the identity keys live in the database, so both
    // instances present the same identity, and sessions and the replay cache are shared.
    twin = await serverProcess('server-a', { databaseUrl: databaseA });
    await twin.start();
  });

  afterAll(async () => {
    await twin?.dispose();
  });

  it('runs DKG, signing and refresh with requests alternating between the instances', async () => {
    const { a, b } = cluster as CrashCluster;
    const transport = new AlternatingTransport(fetchTransport({ timeoutMs: 30_000 }), a.url, [
      a.url,
      twin.url,
    ]);
    const wallet = await createWallet({
      servers: [{ url: a.url }, { url: b.url }],
      threshold: 2,
      transport,
    });
    shared = wallet;
    const countsAfterDkg = new Map(transport.counts);
    // identity, enroll, open, steps 2..4, commit: 7 requests, alternating.
    expect(countsAfterDkg.get(a.url)).toBe(4);
    expect(countsAfterDkg.get(twin.url)).toBe(3);

    const signed = await wallet.sign({ payload: transfer(0), servers: [2] });
    expect(signed.server).toBe(2);
    expect(await recovered(signed.signature, signed.digest)).toBe(wallet.address);
    // open + steps 2..4: two each.
    expect(transport.counts.get(a.url)).toBe((countsAfterDkg.get(a.url) ?? 0) + 2);
    expect(transport.counts.get(twin.url)).toBe((countsAfterDkg.get(twin.url) ?? 0) + 2);

    const address = wallet.address;
    await wallet.refresh();
    expect(wallet.address).toBe(address);
    const again = await wallet.sign({ payload: transfer(1), servers: [2] });
    expect(await recovered(again.signature, again.digest)).toBe(address);
    const views = await statuses(
      [a.url, twin.url, b.url],
      transport,
      wallet.state.deviceKeys,
      wallet.state.config.walletId,
    );
    expect(liveVersionProblems(views, 2)).toEqual([]);
  });

  const CASES = [
    { timing: 'before', title: 'before step 3: the twin runs step 3 from the stored session' },
    { timing: 'after', title: 'after answering step 3: the resent step is refused as a replay' },
  ] as const;
  for (const { timing, title } of CASES)
    it(`kill -9 of one instance ${title}`, async () => {
      const { a } = cluster as CrashCluster;
      // A load balancer in front of A: once the first instance is dead, A's requests go to the twin.
      let firstDead = false;
      const inner = fetchTransport({ timeoutMs: 30_000 });
      const balancer: Transport = {
        send: (request) =>
          inner.send(
            firstDead && request.url.startsWith(`${a.url}/`)
              ? { ...request, url: twin.url + request.url.slice(a.url.length) }
              : request,
          ),
      };
      const faulty = new FaultyTransport(balancer);
      const wallet = new CkmWallet((shared as CkmWallet).state, { transport: faulty });
      faulty.arm({
        url: a.url,
        at: 'step3',
        timing,
        kill: async () => {
          await a.kill();
          firstDead = true;
        },
      });
      try {
        const outcome = wallet.sign({ payload: transfer(10), servers: [2] });
        if (timing === 'before') {
          const signed = await outcome;
          expect(await recovered(signed.signature, signed.digest)).toBe(wallet.address);
        } else {
          // The twin shares the replay cache: the same signed request twice is refused, so a
          // balancer may not resend a step blindly (the client re-runs the session instead).
          const error = await rejection(outcome);
          expect(typedErrorProblem(error, ['ServerUnavailable'])).toBeUndefined();
          expect((error as CkmError).shortMessage).toMatch(/replay|already/i);
          const retried = await wallet.sign({ payload: transfer(11), servers: [2] });
          expect(await recovered(retried.signature, retried.digest)).toBe(wallet.address);
        }
        expect(faulty.fired).toBe(1);
      } finally {
        await a.start();
      }
    });
});
