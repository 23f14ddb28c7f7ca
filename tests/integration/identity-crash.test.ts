/**
 * Identity rotations against real CKM server processes, with kill -9 of a server in the middle
 * (docs/identity.md §7): during the refresh a rotation wraps (before the device switched, and
 * after it switched but before the server confirmed), and during the old key's signature. Each
 * failure is a typed error; resuming as the extension does (`finishRotation` once the wallet holds
 * the new version, a new rotation otherwise) completes the chain, which verifies, and the address
 * never changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIdentity,
  finishRotation,
  type PendingRotation,
  rotateOnRefresh,
} from '../../ckm/client/identity';
import { fetchTransport } from '../../ckm/client/transport';
import { type CkmWallet, createWallet } from '../../ckm/client/wallet';
import { CkmError } from '../../ckm/errors';
import {
  type IdentityChain,
  identityFile,
  parseIdentityDocumentBody,
  verifyIdentityFile,
} from '../../ckm/wallet-identity';
import { decodeEnvelope } from '../../envelope/decode';
import { type CrashPoint, type CrashTiming, FaultyTransport } from './support/faults';
import { type ServerProcess, serverProcess } from './support/server-process';

describe('identity rotations survive kill -9 of a server', { timeout: 900_000 }, () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let faults: FaultyTransport;
  let wallet: CkmWallet;
  let chain: IdentityChain;
  let address: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([serverProcess('server-a'), serverProcess('server-b')]);
    await Promise.all([a.start(), b.start()]);
    faults = new FaultyTransport(fetchTransport({ timeoutMs: 30_000 }));
    wallet = await createWallet({
      servers: [{ url: a.url }, { url: b.url }],
      threshold: 2,
      transport: faults,
    });
    address = wallet.address;
    chain = await createIdentity(wallet);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });

  /** Resumes as background/services/identity.ts does after a failed rotation. */
  async function resume(pending: PendingRotation | undefined): Promise<IdentityChain> {
    if (pending && wallet.state.version === parseIdentityDocumentBody(pending.document).keyVersion)
      return finishRotation(wallet, chain, pending);
    return rotateOnRefresh(wallet, chain);
  }

  const cases: [CrashPoint, CrashTiming][] = [
    ['step2', 'after'],
    ['commit', 'before'],
    ['commit', 'after'],
  ];
  it.each(cases)('kill -9 of server B at the refresh %s (%s)', async (at, timing) => {
    const rotations = chain.rotations.length;
    let pending: PendingRotation | undefined;
    // A commit left over from the case before would otherwise be the one the fault hits.
    await wallet.commitPending({ strict: true });
    faults.arm({ url: b.url, at, timing, kill: () => b.kill() });
    const error = await rotateOnRefresh(wallet, chain, {
      onPending: (p) => {
        pending = p;
      },
    }).catch((e: unknown) => e);
    expect(faults.armed).toBe(false);
    expect(error).toBeInstanceOf(CkmError);
    await b.start();
    // Killed before the device switched: a new rotation; after it switched: the stored half.
    const switched =
      pending !== undefined &&
      wallet.state.version === parseIdentityDocumentBody(pending.document).keyVersion;
    expect(switched).toBe(at === 'commit');
    chain = await resume(pending);
    const summary = verifyIdentityFile(decodeEnvelope(identityFile(chain).toBytes()));
    expect(summary.rotations).toHaveLength(rotations + 1);
    expect(summary.current.keyVersion).toBe(wallet.state.version);
    expect(summary.current.address).toBe(address);
    expect(wallet.address).toBe(address);
  });

  it('kill -9 of the co-signing server during the old key’s signature fails over', async () => {
    faults.arm({ url: a.url, at: 'step2', timing: 'before', kill: () => a.kill() });
    chain = await rotateOnRefresh(wallet, chain).catch(async (error: unknown) => {
      // The refresh needs every server: with A dead it cannot run; A comes back and it is retried.
      expect(error).toBeInstanceOf(CkmError);
      await a.start();
      return rotateOnRefresh(wallet, chain);
    });
    expect(faults.fired).toBeGreaterThanOrEqual(4);
    expect(verifyIdentityFile(identityFile(chain)).current.address).toBe(address);
  });
});
