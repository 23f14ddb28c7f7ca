/**
 * LEGACY import over loopback HTTP with two real CKM server processes: a seed-phrase account keeps
 * MetaMask's address, each server holds exactly version 1 marked as imported, signing fails over
 * from a killed server to the other, and an import that a dead server breaks is simply started
 * again (a fresh wallet id) once it is back, with the same address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveMnemonicKeys } from '../../background/import/mnemonic';
import { importWallet } from '../../ckm/client/import';
import { fetchTransport } from '../../ckm/client/transport';
import type { CkmWallet } from '../../ckm/client/wallet';
import {
  liveVersionProblems,
  recovered,
  rejection,
  statuses,
  transfer,
  typedErrorProblem,
} from './support/checks';
import { type ServerProcess, serverProcess } from './support/server-process';

const PHRASE = 'test test test test test test test test test test test junk';
const ACCOUNT_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

describe('import with two CKM server processes', { timeout: 120_000 }, () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let wallet: CkmWallet;
  const transport = fetchTransport({ timeoutMs: 20_000 });
  const account1 = () =>
    deriveMnemonicKeys(PHRASE, [1])[0] as ReturnType<typeof deriveMnemonicKeys>[0];

  beforeAll(async () => {
    [a, b] = await Promise.all([serverProcess('server-a'), serverProcess('server-b')]);
    await Promise.all([a.start(), b.start()]);
  });

  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });

  it('an import broken by a dead server fails with a typed error; started again, it gives the same address', async () => {
    await b.kill();
    const first = account1();
    const error = await rejection(
      importWallet({
        privateKey: first.privateKey,
        chainCode: first.chainCode,
        servers: [{ url: a.url }, { url: b.url }],
        threshold: 2,
        transport,
      }),
    );
    expect(typedErrorProblem(error, ['ServerUnavailable', 'Timeout'])).toBeUndefined();
    expect(first.privateKey.every((byte) => byte === 0)).toBe(true);
    await b.start();
    const again = account1();
    wallet = await importWallet({
      privateKey: again.privateKey,
      chainCode: again.chainCode,
      servers: [{ url: a.url }, { url: b.url }],
      threshold: 2,
      transport,
    });
    expect(wallet.address).toBe(ACCOUNT_1);
    const views = await statuses(
      [a.url, b.url],
      transport,
      wallet.state.deviceKeys,
      wallet.state.config.walletId,
    );
    expect(liveVersionProblems(views, 1)).toEqual([]);
    for (const view of views.values()) expect(view.config?.origin).toBe('import');
  });

  it('signs with A; with A killed, signs with B; both recover to the imported address', async () => {
    const withA = await wallet.sign({ payload: transfer(0) });
    expect(withA.server).toBe(2);
    expect(await recovered(withA.signature, withA.digest)).toBe(ACCOUNT_1);
    await a.kill();
    const withB = await wallet.sign({ payload: transfer(1) });
    expect(withB.server).toBe(3);
    expect(await recovered(withB.signature, withB.digest)).toBe(ACCOUNT_1);
  });
});
