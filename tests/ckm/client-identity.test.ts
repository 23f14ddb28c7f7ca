/**
 * The identity flows against real CKM servers in this process (docs/identity.md): a wallet's
 * inception document, a rotation around a refresh and around a server replacement, a migration to
 * another wallet's child key; the file verifies after each; a rotation survives a crash between
 * its halves; and a server refuses to sign an identity envelope that is not about its wallet's key
 * at the requested path, even when the device asks.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerConnection } from '../../ckm/client/connection';
import {
  createIdentity,
  finishRotation,
  type PendingRotation,
  rotateOnMigration,
  rotateOnRefresh,
  rotateOnReshare,
} from '../../ckm/client/identity';
import { importWallet } from '../../ckm/client/import';
import { type CkmWallet, createWallet } from '../../ckm/client/wallet';
import { CkmError } from '../../ckm/errors';
import {
  type IdentityChain,
  IdentityError,
  identityDocumentBody,
  identityFile,
  verifyIdentityChain,
  verifyIdentityFile,
  walletXid,
} from '../../ckm/wallet-identity';
import { decodeEnvelope } from '../../envelope/decode';
import { derivePath } from '../../tss/derivation';
import { publicKeyToAddress } from '../../tss/ethereum';
import { type InProcessCluster, startCluster } from './support/in-process';

const rootKey = (w: CkmWallet) => w.state.share.publicKey.toBytes(true);
const keyAt = (w: CkmWallet, path: number[]) =>
  derivePath(w.state.share.publicKey, w.state.share.chainCode, path).publicKey;

async function refusal(promise: Promise<unknown>): Promise<CkmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CkmError);
  return error as CkmError;
}

describe('wallet identity over a CKM wallet', { timeout: 300_000 }, () => {
  let cluster: InProcessCluster;
  let wallet: CkmWallet;
  let other: CkmWallet;
  let chain: IdentityChain;
  let clock = 1_800_000_000;
  const now = () => clock++;

  beforeAll(async () => {
    cluster = await startCluster(3);
    const servers = cluster.servers.slice(0, 2).map((s) => ({ url: s.url }));
    wallet = await createWallet({ servers, threshold: 2, transport: cluster.transport });
    other = await createWallet({ servers, threshold: 2, transport: cluster.transport });
  }, 300_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('creates the inception document, signed by the root key', async () => {
    chain = await createIdentity(wallet, { now });
    const summary = verifyIdentityChain(chain);
    expect(summary.xid).toEqual(walletXid(rootKey(wallet)));
    expect(summary.current.address).toBe(wallet.address);
    expect(summary.current.keyVersion).toBe(1);
    expect(summary.current.cosigners.map((c) => c.name)).toEqual(['server-a', 'server-b']);
  });

  it('rotates around a refresh: signed before and after, same key, next version', async () => {
    chain = await rotateOnRefresh(wallet, chain, { now });
    expect(wallet.state.version).toBe(2);
    const summary = verifyIdentityChain(chain);
    expect(summary.rotations.map((r) => r.reason)).toEqual(['refresh']);
    expect(summary.current.keyVersion).toBe(2);
    expect(chain.rotations[0]?.assertions()).toHaveLength(2);
  });

  it('finishes a rotation whose second half a crash interrupted', async () => {
    let pending: PendingRotation | undefined;
    const crash = new Error('crash after the old key signed');
    const error = await rotateOnRefresh(wallet, chain, {
      now,
      onPending: (p) => {
        pending = p;
        throw crash;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(crash);
    expect(wallet.state.version).toBe(2);
    // Before the key changed, the new document's version is not the wallet's: refused.
    const early = await refusal(finishRotation(wallet, chain, pending as PendingRotation));
    expect(early.code).toBe('InvalidParameters');
    // Later: the refresh is run again and completes; the stored half-signed record is finished.
    await wallet.refresh();
    chain = await finishRotation(wallet, chain, pending as PendingRotation, { now });
    expect(verifyIdentityChain(chain).current.keyVersion).toBe(3);
    // Finishing it twice is refused before any signing: it no longer follows the chain.
    const twice = await finishRotation(wallet, chain, pending as PendingRotation).catch(
      (e: unknown) => e,
    );
    expect(twice).toBeInstanceOf(IdentityError);
    expect((twice as IdentityError).code).toBe('ChainBroken');
  });

  it('rotates around a server replacement: the new document lists the new server', async () => {
    const c = cluster.servers[2];
    if (!c) throw new Error('three servers expected');
    const { document } = await new ServerConnection(c.url, cluster.transport).identity();
    const newcomer = { name: document.name, identityKey: document.identity.signingKey };
    const replace = wallet.state.config.parties.find((p) => p.name === 'server-b')?.index ?? -1;
    chain = await rotateOnReshare(wallet, chain, { replace, url: c.url, newcomer }, { now });
    const summary = verifyIdentityChain(chain);
    expect(summary.current.cosigners.map((s) => s.name)).toEqual(['server-a', 'server-c']);
    expect(summary.rotations.map((r) => r.reason)).toEqual(['refresh', 'refresh', 'reshare']);
    expect(summary.current.address).toBe(wallet.address);
  });

  it('migrates to another wallet’s child key; the file verifies from bytes', async () => {
    chain = await rotateOnMigration(wallet, chain, other, { path: [1] }, { now });
    const summary = verifyIdentityFile(decodeEnvelope(identityFile(chain).toBytes()));
    expect(summary.xid).toEqual(walletXid(rootKey(wallet)));
    expect(summary.current.key).toEqual(keyAt(other, [1]).toBytes(true));
    expect(summary.current.address).toBe(publicKeyToAddress(keyAt(other, [1])));
    expect(summary.current.path).toEqual([1]);
    expect(summary.rotations.at(-1)?.reason).toBe('migration');
    // The old wallet cannot rotate an identity it no longer holds.
    expect((await refusal(rotateOnRefresh(wallet, chain, { now }))).code).toBe('InvalidParameters');
  });

  it('moves an imported key’s identity to a DKG account, signed by both keys', async () => {
    const privateKey = new Uint8Array(32).fill(0x42);
    const expectedKey = secp256k1.getPublicKey(privateKey, true);
    const imported = await importWallet({
      privateKey,
      servers: cluster.servers.slice(0, 2).map((s) => ({ url: s.url })),
      threshold: 2,
      transport: cluster.transport,
    });
    let importedChain = await createIdentity(imported, { now });
    expect(verifyIdentityChain(importedChain).xid).toEqual(walletXid(expectedKey));
    importedChain = await rotateOnMigration(imported, importedChain, other, { path: [2] }, { now });
    const summary = verifyIdentityFile(identityFile(importedChain));
    expect(summary.inceptionKey).toEqual(expectedKey);
    expect(summary.current.address).toBe(publicKeyToAddress(keyAt(other, [2])));
    const [record] = importedChain.rotations;
    expect(record?.assertions()).toHaveLength(2);
  });

  describe('a server signs an identity envelope only for its key at the path', () => {
    const documentFor = (key: Uint8Array, path: number[] = []) =>
      identityDocumentBody({
        xid: walletXid(key),
        key,
        address: publicKeyToAddress(keyAt(other, path)),
        keyVersion: 1,
        cosigners: [],
        path,
        date: 1,
      });
    const payload = (body: ReturnType<typeof documentFor>) => ({
      kind: 'envelope' as const,
      envelope: bytesToHex(body.toBytes()),
    });

    it('signs a document for its own key', async () => {
      const result = await other.sign({ payload: payload(documentFor(rootKey(other))) });
      expect(result.signature.publicKey.toBytes(true)).toEqual(rootKey(other));
    });

    it('refuses a document about another wallet’s key', async () => {
      const foreign = identityDocumentBody({
        xid: walletXid(rootKey(wallet)),
        key: rootKey(wallet),
        address: wallet.address as `0x${string}`,
        keyVersion: 1,
        cosigners: [],
        path: [],
        date: 1,
      });
      const error = await refusal(other.sign({ payload: payload(foreign) }));
      expect(error.code).toBe('PolicyRefused');
    });

    it('refuses a child-key document signed at another path', async () => {
      const child = documentFor(keyAt(other, [1]).toBytes(true), [1]);
      await expect(other.sign({ payload: payload(child), path: [1] })).resolves.toBeDefined();
      const error = await refusal(other.sign({ payload: payload(child), path: [2] }));
      expect(error.code).toBe('PolicyRefused');
    });

    it('refuses an envelope that is not an identity body', async () => {
      const signed = await createIdentity(other, { now });
      const error = await refusal(
        other.sign({
          payload: { kind: 'envelope', envelope: bytesToHex(signed.inception.toBytes()) },
        }),
      );
      expect(error.code).toBe('InvalidPayload');
    });
  });
});
