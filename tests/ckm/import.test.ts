/**
 * LEGACY import (ckm/client/import.ts, ckm/session/import.ts) against real CKM servers in this
 * process and a real anvil: the standard test mnemonic's account 0 key keeps its address, signs a
 * transaction anvil mines, and "Move to a collaborative key" (background/import/migration.ts)
 * leaves it at exactly zero ETH and zero tokens. Then every server check of an import session
 * fires on a hostile request.
 */
import { hexToBytes } from '@noble/curves/utils.js';
import { type Address, encodeFunctionData, formatUnits, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeMigration,
  type MigrationToken,
  planFinalEthTransfer,
  planTokenTransfers,
} from '../../background/import/migration';
import { type OpenSessionRequest, parseOpenSession } from '../../ckm/api';
import { sealMessage } from '../../ckm/channel';
import { ServerConnection } from '../../ckm/client/connection';
import { importWallet } from '../../ckm/client/import';
import { type CkmWallet, createWallet } from '../../ckm/client/wallet';
import { CkmError } from '../../ckm/errors';
import { generatePartyKeys, type PartyKeys } from '../../ckm/identity';
import { serializeSignedTransaction } from '../../ckm/payload';
import type { TransactionSignPayload } from '../../ckm/payload/types';
import { newSessionId, sessionChannelId } from '../../ckm/session/ids';
import { IMPORT_SHARE_TYPE, sealDealtShare } from '../../ckm/session/import';
import { channelEnds, newWalletId, type WalletConfig } from '../../ckm/wallet';
import { mulG, N } from '../../tss/curve';
import { dealerSplitForImport } from '../../tss/index';
import { type Anvil, startAnvil } from '../background/support/chain-node';
import {
  deployErc1155,
  deployHst,
  deployNfts,
  TEST_DAPP,
} from '../background/support/token-contracts';
import { type InProcessCluster, startCluster } from './support/in-process';

const KEY_0 = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const ACCOUNT_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ACCOUNT_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const CHAIN = 31337;

type Receipt = { status: Hex; from: Address };

async function mined(anvil: Anvil, hash: unknown): Promise<Receipt> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const receipt = (await anvil.rpc('eth_getTransactionReceipt', [hash])) as Receipt | null;
    if (receipt) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no receipt for ${String(hash)}`);
}

/** Signs with the CKM wallet (device + one server), broadcasts, waits until mined. */
async function signAndSend(
  wallet: CkmWallet,
  anvil: Anvil,
  payload: TransactionSignPayload,
): Promise<Receipt> {
  const { signature } = await wallet.sign({ payload });
  expect(signature.recovery).toBeLessThan(2);
  const raw = serializeSignedTransaction(payload, {
    r: signature.r,
    s: signature.s,
    recovery: signature.recovery as 0 | 1,
  });
  return mined(anvil, await anvil.rpc('eth_sendRawTransaction', [raw]));
}

async function balanceOf(anvil: Anvil, account: Address): Promise<bigint> {
  return BigInt((await anvil.rpc('eth_getBalance', [account, 'latest'])) as Hex);
}

async function expectCkmError(promise: Promise<unknown>, code: string): Promise<CkmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(CkmError);
  expect((error as CkmError).code, (error as Error).message).toBe(code);
  return error as CkmError;
}

let cluster: InProcessCluster;
let anvil: Anvil;

beforeAll(async () => {
  [cluster, anvil] = await Promise.all([startCluster(2), startAnvil(CHAIN)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([cluster?.close(), anvil?.stop()]);
});

describe('import a MetaMask key and move it to a collaborative key', { timeout: 180_000 }, () => {
  let imported: CkmWallet;

  it('keeps the address, wipes the key bytes, and the servers know the key was imported', async () => {
    const privateKey = hexToBytes(KEY_0);
    const stages: string[] = [];
    imported = await importWallet({
      privateKey,
      servers: cluster.servers.map((s) => ({ url: s.url })),
      threshold: 2,
      transport: cluster.transport,
      onProgress: (p) => stages.push(p.stage),
    });
    importedWallet = imported;
    expect(imported.address).toBe(ACCOUNT_0);
    expect(privateKey.every((b) => b === 0)).toBe(true);
    expect(imported.state.version).toBe(1);
    expect(imported.state.config.origin).toBe('import');
    expect(stages).toContain('import');
    for (const server of cluster.servers) {
      const status = await new ServerConnection(server.url, cluster.transport).status(
        imported.state.deviceKeys,
        imported.state.config.walletId,
      );
      expect(status.keys).toEqual([{ version: 1, status: 'active' }]);
      expect(status.config?.origin).toBe('import');
      expect(status.key?.publicKey.equals(imported.state.share.publicKey)).toBe(true);
    }
  });

  it('signs an EIP-1559 transaction from 0xf39F… that anvil mines', async () => {
    const nonce = (await anvil.rpc('eth_getTransactionCount', [ACCOUNT_0, 'pending'])) as Hex;
    const receipt = await signAndSend(imported, anvil, {
      kind: 'transaction',
      chainId: CHAIN,
      transaction: {
        type: 'eip1559',
        chainId: CHAIN,
        nonce,
        gas: '0x5208',
        maxFeePerGas: '0x77359400',
        maxPriorityFeePerGas: '0x3b9aca00',
        to: ACCOUNT_1,
        value: '0xde0b6b3a7640000',
      },
    });
    expect(receipt.status).toBe('0x1');
    expect(receipt.from.toLowerCase()).toBe(ACCOUNT_0.toLowerCase());
  });

  it('moves every token and all the ETH to a fresh DKG account, leaving exactly zero', async () => {
    const hst = await deployHst(anvil, 2, 'TST');
    const nfts = await deployNfts(anvil, 2);
    const multi = await deployErc1155(anvil, ACCOUNT_0, [1n], [5n]);
    const tokens: MigrationToken[] = [
      { standard: 'ERC20', address: hst, symbol: 'TST', decimals: 2 },
      { standard: 'ERC721', address: nfts, symbol: 'TDN', tokenId: '1' },
      { standard: 'ERC721', address: nfts, symbol: 'TDN', tokenId: '2' },
      { standard: 'ERC1155', address: multi, symbol: '', tokenId: '1' },
      // Watched but not held: skipped.
      { standard: 'ERC1155', address: multi, symbol: '', tokenId: '9' },
    ];
    const target = await createWallet({
      servers: cluster.servers.map((s) => ({ url: s.url })),
      threshold: 2,
      transport: cluster.transport,
    });
    const to = target.address as Address;
    const request = (method: string, params?: unknown[]) => anvil.rpc(method, params);
    const accounts = { from: ACCOUNT_0 as Address, to, chainId: CHAIN };

    const read = async (
      abi: typeof TEST_DAPP.hstAbi,
      address: Address,
      fn: string,
      args: unknown[],
    ) =>
      BigInt(
        (await anvil.rpc('eth_call', [
          { to: address, data: encodeFunctionData({ abi, functionName: fn, args }) },
          'latest',
        ])) as Hex,
      );
    const preview = await describeMigration(request, { ...accounts, tokens });
    expect(preview.transfers.map((t) => t.title)).toEqual([
      'TST',
      'TDN #1',
      'TDN #2',
      'ERC1155 #1',
      'ETH',
    ]);
    const held = await read(TEST_DAPP.hstAbi, hst, 'balanceOf', [ACCOUNT_0]);
    expect(held).toBeGreaterThan(0n);
    expect(preview.transfers[0]?.amount).toBe(formatUnits(held, 2));
    expect(preview.fee).toMatch(/ ETH$/);

    const plan = await planTokenTransfers(request, { ...accounts, tokens });
    expect(plan.transfers).toHaveLength(4);
    for (const transfer of plan.transfers) {
      const tx = transfer.payload.transaction as { maxFeePerGas: Hex; maxPriorityFeePerGas: Hex };
      expect(tx.maxFeePerGas).toBe(tx.maxPriorityFeePerGas);
      expect((await signAndSend(imported, anvil, transfer.payload)).status).toBe('0x1');
    }
    const last = await planFinalEthTransfer(request, {
      ...accounts,
      pricePerGas: plan.pricePerGas,
    });
    const before = await balanceOf(anvil, to);
    expect((await signAndSend(imported, anvil, last.payload)).status).toBe('0x1');

    expect(await balanceOf(anvil, ACCOUNT_0)).toBe(0n);
    expect((await balanceOf(anvil, to)) - before).toBe(last.amount);
    expect(await read(TEST_DAPP.hstAbi, hst, 'balanceOf', [ACCOUNT_0])).toBe(0n);
    expect(await read(TEST_DAPP.hstAbi, hst, 'balanceOf', [to])).toBe(held);
    expect(await read(TEST_DAPP.nftsAbi, nfts, 'balanceOf', [to])).toBe(2n);
    expect(await read(TEST_DAPP.erc1155Abi, multi, 'balanceOf', [ACCOUNT_0, 1n])).toBe(0n);
    expect(await read(TEST_DAPP.erc1155Abi, multi, 'balanceOf', [to, 1n])).toBe(5n);
    // Nothing left to move: the next plan says so.
    await expect(planTokenTransfers(request, { ...accounts, tokens })).rejects.toMatchObject({
      reason: 'NothingToMove',
    });
  });
});

describe('an import session refuses every bad field', { timeout: 120_000 }, () => {
  /** Party 3 is a "server" whose keys the test holds, enrolled nowhere: it can seal as a peer. */
  let deviceKeys: PartyKeys;
  let fakeServer: PartyKeys;
  let config: WalletConfig;
  let dkgConfig: WalletConfig;
  let connection: ServerConnection;
  const secret = BigInt(`0x${KEY_0}`);

  beforeAll(async () => {
    deviceKeys = generatePartyKeys();
    fakeServer = generatePartyKeys();
    const server = cluster.servers[0] as InProcessCluster['servers'][number];
    connection = new ServerConnection(server.url, cluster.transport);
    const { document } = await connection.identity();
    const parties = [
      { index: 1, role: 'device' as const, name: 'device', identity: deviceKeys.identity },
      { index: 2, role: 'server' as const, name: document.name, identity: document.identity },
      { index: 3, role: 'server' as const, name: 'fake', identity: fakeServer.identity },
    ];
    config = { walletId: newWalletId(), threshold: 2, parties, origin: 'import' };
    dkgConfig = { walletId: newWalletId(), threshold: 2, parties };
    await connection.enroll(deviceKeys, config, 2);
    await connection.enroll(deviceKeys, dkgConfig, 2);
  });

  /** A well-formed request for server 2, with `change` applied to the dealt share or fields. */
  function request(
    change: {
      share?: bigint;
      sealAs?: { keys: PartyKeys; index: number };
      to?: number;
      type?: string;
      otherSession?: boolean;
      shareBytes?: Uint8Array;
      commitments?: (c: readonly ReturnType<typeof mulG>[]) => ReturnType<typeof mulG>[];
      publicKey?: ReturnType<typeof mulG>;
      version?: number;
      walletConfig?: WalletConfig;
    } = {},
  ): Extract<OpenSessionRequest, { kind: 'import' }> {
    const wallet = change.walletConfig ?? config;
    const split = dealerSplitForImport(secret, 2, [1, 2, 3], (n) =>
      crypto.getRandomValues(new Uint8Array(n)),
    );
    const sessionId = newSessionId();
    const sid = sessionChannelId(wallet.walletId, change.otherSession ? newSessionId() : sessionId);
    const sender = change.sealAs ?? { keys: deviceKeys, index: 1 };
    const ends = channelEnds(wallet, sender.index, sender.keys, [1, 2, 3]);
    const to = change.to ?? 2;
    const dealt = change.share ?? (split.shares.get(2) as bigint);
    const share =
      change.shareBytes || change.type
        ? sealMessage(
            ends,
            sid,
            to,
            change.type ?? IMPORT_SHARE_TYPE,
            change.shareBytes ?? new Uint8Array(32).fill(1),
          )
        : sealDealtShare(ends, sid, to, dealt);
    return {
      sessionId,
      kind: 'import',
      version: change.version ?? 1,
      publicKey: change.publicKey ?? split.publicKey,
      commitments: change.commitments ? change.commitments(split.commitments) : split.commitments,
      chainCode: new Uint8Array(32),
      share,
    };
  }

  const open = (r: OpenSessionRequest, walletId = config.walletId) =>
    connection.open(deviceKeys, walletId, r);

  it('refuses a wallet enrolled for a DKG, and a DKG on a wallet enrolled for an import', async () => {
    await expectCkmError(
      open(request({ walletConfig: dkgConfig }), dkgConfig.walletId),
      'InvalidParameters',
    );
    await expectCkmError(
      open({ sessionId: newSessionId(), kind: 'dkg', version: 1 }),
      'InvalidParameters',
    );
  });

  it('refuses a version other than 1', async () => {
    await expectCkmError(open(request({ version: 2 })), 'InvalidParameters');
  });

  it('refuses too few or too many commitments, and F_0 other than the public key', async () => {
    await expectCkmError(open(request({ commitments: (c) => c.slice(0, 1) })), 'InvalidParameters');
    await expectCkmError(
      open(request({ commitments: (c) => [...c, mulG(5n)] })),
      'InvalidParameters',
    );
    await expectCkmError(open(request({ publicKey: mulG(7n) })), 'InvalidParameters');
  });

  it('refuses a share sealed to another server, for another session, by a party other than the device, or of another type', async () => {
    await expectCkmError(open(request({ to: 3 })), 'WrongRecipient');
    await expectCkmError(open(request({ otherSession: true })), 'WrongSession');
    await expectCkmError(open(request({ sealAs: { keys: fakeServer, index: 3 } })), 'WrongSender');
    await expectCkmError(open(request({ type: 'dkg1' })), 'MalformedMessage');
  });

  it('refuses a share that is not a canonical non-zero scalar', async () => {
    const big = new Uint8Array(32).fill(0xff);
    await expectCkmError(open(request({ shareBytes: big })), 'InvalidParameters');
    await expectCkmError(open(request({ shareBytes: new Uint8Array(32) })), 'InvalidParameters');
    await expectCkmError(
      open(request({ shareBytes: new Uint8Array(31).fill(1) })),
      'InvalidParameters',
    );
  });

  it('refuses a share that is not on the committed polynomial (Feldman)', async () => {
    const error = await expectCkmError(open(request({ share: 12345n })), 'ProtocolAborted');
    expect(error.culprit).toBe(1);
    await expectCkmError(open(request({ share: N - 1n })), 'ProtocolAborted');
  });

  it('refuses an import once the wallet has a key', async () => {
    const walletId = importedOnce().state.config.walletId;
    const keys = importedOnce().state.deviceKeys;
    const wallet = importedOnce().state.config;
    const split = dealerSplitForImport(secret, 2, [1, 2, 3], (n) =>
      crypto.getRandomValues(new Uint8Array(n)),
    );
    const sessionId = newSessionId();
    const sid = sessionChannelId(walletId, sessionId);
    const share = sealDealtShare(
      channelEnds(wallet, 1, keys, [1, 2, 3]),
      sid,
      2,
      split.shares.get(2) as bigint,
    );
    await expectCkmError(
      connection.open(keys, walletId, {
        sessionId,
        kind: 'import',
        version: 1,
        publicKey: split.publicKey,
        commitments: split.commitments,
        chainCode: new Uint8Array(32),
        share,
      }),
      'Conflict',
    );
  });
});

describe('a re-share keeps the origin', { timeout: 60_000 }, () => {
  it('refuses a re-share that would drop the imported mark', async () => {
    const { config, deviceKeys, share } = importedOnce().state;
    const { origin: _dropped, ...unmarked } = config;
    const server = cluster.servers[0] as InProcessCluster['servers'][number];
    const error = await expectCkmError(
      new ServerConnection(server.url, cluster.transport).open(deviceKeys, config.walletId, {
        sessionId: newSessionId(),
        kind: 'reshare',
        fromVersion: 1,
        version: 2,
        config: unmarked,
        survivors: [1, 2, 3],
        key: {
          publicKey: share.publicKey,
          oldPublicShares: share.publicShares,
          chainCode: share.chainCode,
        },
      }),
      'InvalidParameters',
    );
    expect(error.message).toContain('origin');
  });
});

let importedWallet: CkmWallet | undefined;
function importedOnce(): CkmWallet {
  if (!importedWallet) throw new Error('the import test did not run');
  return importedWallet;
}

describe('parseOpenSession (import)', () => {
  const split = dealerSplitForImport(5n, 2, [1, 2], (n) =>
    crypto.getRandomValues(new Uint8Array(n)),
  );
  const wire = () => ({
    sessionId: 'ab'.repeat(16),
    kind: 'import',
    version: 1,
    publicKey: split.publicKey.toBytes(true),
    commitments: split.commitments.map((c) => c.toBytes(true)),
    chainCode: new Uint8Array(32),
    share: {
      v: 1,
      sid: new Uint8Array(32),
      from: 1,
      to: 2,
      type: IMPORT_SHARE_TYPE,
      nonce: new Uint8Array(24),
      ct: new Uint8Array(48),
      sig: new Uint8Array(64),
    },
  });
  const fails = (change: (w: ReturnType<typeof wire>) => unknown, code = 'MalformedMessage') => {
    const w = wire();
    let error: unknown;
    try {
      parseOpenSession(change(w) ?? w);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CkmError);
    expect((error as CkmError).code).toBe(code);
  };

  it('reads a well-formed request', () => {
    const parsed = parseOpenSession(wire());
    expect(parsed.kind).toBe('import');
  });

  it('refuses bad points, lengths, unknown fields and a malformed share', () => {
    fails((w) => {
      w.publicKey = new Uint8Array(33).fill(9);
    });
    fails((w) => {
      w.commitments = [new Uint8Array(33)];
    });
    fails((w) => ({ ...w, commitments: Array.from({ length: 17 }, () => w.publicKey) }));
    fails((w) => ({ ...w, commitments: 'x' }));
    fails((w) => {
      w.chainCode = new Uint8Array(31);
    });
    fails((w) => ({ ...w, extra: 1 }));
    fails((w) => ({ ...w, share: { ...w.share, sig: new Uint8Array(3) } }));
    fails((w) => ({ ...w, version: 0 }));
  });
});
