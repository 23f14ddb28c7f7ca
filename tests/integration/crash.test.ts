/**
 * kill -9 of a CKM server (PGlite storage) at every round of DKG, signing, refresh and re-share,
 * before the request and after the answer: typed errors, successful retries, no share lost, one
 * live key version per server (support/crash-suite.ts). Also checks that the suite's own checks can fail.
 */
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CkmError } from '../../ckm/errors';
import { liveVersionProblems, typedErrorProblem } from './support/checks';
import { type CrashCluster, crashSuite } from './support/crash-suite';
import { crashPointOf } from './support/faults';
import { type ServerProcess, serverProcess } from './support/server-process';

describe('the crash suite checks', () => {
  it('recognises every round from the request path', () => {
    const base = 'http://127.0.0.1:1/v1/wallets/w1';
    const post = (path: string) => crashPointOf({ method: 'POST', url: base + path });
    expect(post('/sessions')).toBe('open');
    expect(post('/sessions/s1/steps/2')).toBe('step2');
    expect(post('/sessions/s1/steps/4')).toBe('step4');
    expect(post('/keys/3/commit')).toBe('commit');
    expect(post('/sessions/s1/steps/5')).toBeUndefined();
    expect(crashPointOf({ method: 'GET', url: base })).toBeUndefined();
    expect(crashPointOf({ method: 'POST', url: 'http://127.0.0.1:1/v1/wallets' })).toBeUndefined();
  });

  it('reports two live versions, a stale version and a wrong version', () => {
    const view = (keys: { version: number; status: 'active' | 'pending' }[]) => ({
      walletId: 'w',
      party: 2,
      keys,
    });
    expect(
      liveVersionProblems(new Map([['a', view([{ version: 2, status: 'active' }])]]), 2),
    ).toEqual([]);
    const bad = new Map([
      [
        'a',
        view([
          { version: 1, status: 'active' },
          { version: 2, status: 'active' },
        ]),
      ],
      ['b', view([{ version: 1, status: 'active' }])],
      [
        'c',
        view([
          { version: 2, status: 'active' },
          { version: 3, status: 'pending' },
        ]),
      ],
      ['d', view([])],
    ]);
    expect(liveVersionProblems(bad, 2)).toEqual([
      'a: 2 active versions',
      'a: also holds 1/active',
      'b: version 1 is active',
      'b: also holds 1/active',
      'c: also holds 3/pending',
      'd: 0 active versions',
    ]);
  });

  it('accepts only a CkmError with an expected code', () => {
    expect(typedErrorProblem(new CkmError('ServerUnavailable', 'x'), ['ServerUnavailable'])).toBe(
      undefined,
    );
    expect(typedErrorProblem(new CkmError('Conflict', 'x'), ['ServerUnavailable'])).toMatch(
      /code Conflict/,
    );
    expect(typedErrorProblem(new Error('x'), ['ServerUnavailable'])).toMatch(/not a CkmError/);
  });
});

describe('kill -9 at every round (PGlite)', () => {
  let cluster: CrashCluster | undefined;
  const newcomers: ServerProcess[] = [];

  beforeAll(async () => {
    const [a, b] = await Promise.all([serverProcess('server-a'), serverProcess('server-b')]);
    const newcomer = async () => {
      const server = await serverProcess(`server-n${newcomers.length + 1}`);
      newcomers.push(server);
      await server.start();
      return server;
    };
    cluster = { a, b, newcomer };
    await Promise.all([a.start(), b.start()]);
  });

  afterAll(async () => {
    await Promise.all([cluster?.a, cluster?.b, ...newcomers].map((server) => server?.dispose()));
  });

  crashSuite('two servers, A killed', () => cluster as CrashCluster);

  it('keeps idle connections for a minute (no "other side closed" while the device computes)', async () => {
    const { a } = cluster as CrashCluster;
    const header = await new Promise<string | undefined>((done, fail) => {
      get(`${a.url}/health`, (response) => {
        response.resume();
        done(String(response.headers['keep-alive']));
      }).once('error', fail);
    });
    expect(header).toBe('timeout=65');
  });
});
