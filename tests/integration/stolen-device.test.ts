/**
 * Issue #8, "stolen device": what a thief who copied an unlocked device (the device share and
 * the device key, exactly the persisted `DeviceWalletState`) can do with a script and no UI,
 * against two real CKM server processes (PGlite) and a real anvil. The owner set a daily limit of
 * 1 ETH and "never co-sign unknown approvals" on both servers first. The thief's 5 ETH drain to
 * a fresh address is refused by each server (typed `PolicyRefused`, rule `dailyLimit`) and the
 * balance stays; 0.5 ETH goes through, is mined, and is in the co-signing server's audit log;
 * raising the limit from the stolen device only queues a loosening (the next drain is still
 * refused); `setApprovalForAll` to a fresh address is refused by both. It also shows the limit
 * of per-server counting (each server counts only what it co-signed, so B still signs up to its
 * own limit: docs/ckm.md §10), and the rules that do not multiply: an allowlist refuses any other
 * recipient on both servers, and a hold the thief's request starts on each server is refused for
 * good on both once the owner cancels it. docs/threat-model.md can cite this file.
 */
import {
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  parseEther,
  parseGwei,
  serializeTransaction,
  type TransactionSerializableEIP1559,
} from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDeviceState, encodeDeviceState } from '../../ckm/client/device-state';
import { fetchTransport } from '../../ckm/client/transport';
import { CkmWallet, createWallet } from '../../ckm/client/wallet';
import { CkmError } from '../../ckm/errors';
import { PolicyRefusedError } from '../../ckm/policy/index';
import type { PolicyRefusal, WalletPolicy } from '../../ckm/policy/types';
import { openSql } from '../../server/storage/open';
import { createSqlStorage } from '../../server/storage/sql-storage';
import type { AuditEntry } from '../../server/storage/types';
import type { ThresholdSignature } from '../../tss/index';
import { type Anvil, startAnvil } from '../background/support/chain-node';
import { rejection } from './support/checks';
import { type ServerProcess, serverProcess } from './support/server-process';

const CHAIN_ID = 31337;
/** Party indices of the two servers (the device is 1). */
const A = 2;
const B = 3;
/** The key-encryption key every `serverProcess` runs with (server-process.ts, not exported). */
const KEK = Uint8Array.from(Buffer.from('cd'.repeat(32), 'hex'));
const ONE_ETH = parseEther('1');

/** The owner's rules: 1 ETH a day, no unknown unlimited approvals; an hour to loosen. */
const OWNER_POLICY: WalletPolicy = {
  dailyLimits: [{ chainId: CHAIN_ID, asset: 'native', amount: ONE_ETH.toString() }],
  allowlist: null,
  blockUnknownApprovals: true,
  holdAbove: [],
  delaySeconds: 3600,
};

const ERC721_ABI = [
  {
    type: 'function',
    name: 'setApprovalForAll',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'operator', type: 'address' },
      { name: 'approved', type: 'bool' },
    ],
    outputs: [],
  },
] as const;

let a: ServerProcess;
let b: ServerProcess;
let anvil: Anvil;
/** The owner's wallet (the device as the owner uses it). */
let owner: CkmWallet;
/** What the device persisted: the thief copies these bytes. */
let persisted: Uint8Array;
/** The thief's script: a wallet client built from the copied bytes alone. */
let thief: CkmWallet;
/** The one recipient on the owner's allowlist (set by the allowlist test). */
let friend: Address;

const transport = fetchTransport({ timeoutMs: 30_000 });

async function balanceOf(address: string): Promise<bigint> {
  return BigInt((await anvil.rpc('eth_getBalance', [address, 'latest'])) as Hex);
}

async function nonceOf(address: string): Promise<number> {
  return Number((await anvil.rpc('eth_getTransactionCount', [address, 'latest'])) as Hex);
}

/** An EIP-1559 transaction from the wallet, as the thief's script would build it. */
async function txFrom(
  from: string,
  fields: { to: Address; value?: bigint; data?: Hex; gas?: bigint },
): Promise<TransactionSerializableEIP1559> {
  return {
    type: 'eip1559',
    chainId: CHAIN_ID,
    nonce: await nonceOf(from),
    to: fields.to,
    value: fields.value ?? 0n,
    ...(fields.data ? { data: fields.data } : {}),
    gas: fields.gas ?? 21_000n,
    maxFeePerGas: parseGwei('20'),
    maxPriorityFeePerGas: parseGwei('1'),
  };
}

/** The CKM sign payload of `tx` (hex quantities, as `eth_sendTransaction` params). */
function payloadOf(tx: TransactionSerializableEIP1559) {
  const hex = (n: bigint | number) => `0x${n.toString(16)}` as Hex;
  return {
    kind: 'transaction' as const,
    chainId: CHAIN_ID,
    transaction: {
      type: 'eip1559' as const,
      chainId: CHAIN_ID,
      nonce: hex(tx.nonce ?? 0),
      gas: hex(tx.gas ?? 0n),
      maxFeePerGas: hex(tx.maxFeePerGas ?? 0n),
      maxPriorityFeePerGas: hex(tx.maxPriorityFeePerGas ?? 0n),
      ...(tx.to ? { to: tx.to } : {}),
      value: hex(tx.value ?? 0n),
      ...(tx.data ? { data: tx.data } : {}),
    },
  };
}

/** `tx` signed with `signature`, sent raw to anvil, and its receipt once mined. */
async function broadcast(tx: TransactionSerializableEIP1559, signature: ThresholdSignature) {
  const raw = serializeTransaction(tx, {
    r: `0x${signature.r.toString(16).padStart(64, '0')}`,
    s: `0x${signature.s.toString(16).padStart(64, '0')}`,
    yParity: signature.recovery & 1,
  });
  const hash = (await anvil.rpc('eth_sendRawTransaction', [raw])) as Hex;
  expect(hash).toBe(keccak256(raw));
  for (let i = 0; i < 400; i++) {
    const receipt = (await anvil.rpc('eth_getTransactionReceipt', [hash])) as {
      status: Hex;
    } | null;
    if (receipt) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${hash} was not mined`);
}

/** The refusal `call` fails with; fails the test unless it is a typed policy refusal. */
async function refusalOf(call: Promise<unknown>): Promise<PolicyRefusal> {
  const error = await rejection(call);
  expect(error, String(error)).toBeInstanceOf(PolicyRefusedError);
  expect((error as CkmError).code).toBe('PolicyRefused');
  return (error as PolicyRefusedError).refusal;
}

/**
 * The wallet's audit log on `server`, newest first, read from its PGlite folder with the
 * server's own storage code: the process is stopped for the read (PGlite allows one process on
 * a folder) and started again on the same data and port.
 */
async function auditOf(
  server: ServerProcess,
  walletId: string,
): Promise<(AuditEntry & { at: number })[]> {
  await server.stop();
  try {
    const sql = await openSql({ dataDir: server.dataDir, kek: KEK });
    const storage = createSqlStorage({ sql, kek: KEK });
    try {
      return await storage.listAudit(walletId, 1000);
    } finally {
      await storage.close();
    }
  } finally {
    await server.start();
  }
}

beforeAll(async () => {
  [a, b, anvil] = await Promise.all([
    serverProcess('server-a'),
    serverProcess('server-b'),
    startAnvil(CHAIN_ID),
  ]);
  await Promise.all([a.start(), b.start()]);
  owner = await createWallet({
    servers: [{ url: a.url }, { url: b.url }],
    threshold: 2,
    transport,
    onStateChange: (state) => {
      persisted = encodeDeviceState(state);
    },
  });
  // After the commits: the bytes the device holds at rest from now on.
  persisted = encodeDeviceState(owner.state);
  await anvil.rpc('anvil_setBalance', [owner.address, `0x${parseEther('10').toString(16)}`]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose(), anvil?.stop()]);
});

describe('a stolen device against the server policy firewall', { timeout: 180_000 }, () => {
  it('the owner sets a 1 ETH daily limit on both servers; from no rules it applies at once', async () => {
    const answers = await owner.setPolicy(OWNER_POLICY);
    expect(answers.map((answer) => answer.party).sort()).toEqual([A, B]);
    for (const answer of answers) {
      expect(answer.error, `${answer.name}: ${answer.error?.message}`).toBeUndefined();
      expect(answer.view?.effective).toEqual(OWNER_POLICY);
      expect(answer.view?.pending).toBeUndefined();
    }
  });

  it('the thief builds a wallet client from the copied device state alone', () => {
    thief = new CkmWallet(decodeDeviceState(persisted), { transport });
    expect(thief.address).toBe(owner.address);
  });

  it('a 5 ETH drain to a fresh address is refused by A and by B (dailyLimit); the balance stays', async () => {
    const before = await balanceOf(owner.address);
    const tx = await txFrom(owner.address, {
      to: privateKeyToAddress(generatePrivateKey()),
      value: parseEther('5'),
    });
    for (const server of [A, B]) {
      const refusal = await refusalOf(thief.sign({ payload: payloadOf(tx), servers: [server] }));
      expect(refusal).toMatchObject({
        rule: 'dailyLimit',
        asset: { chainId: CHAIN_ID, asset: 'native' },
        limit: ONE_ETH.toString(),
        spent: '0',
        requested: parseEther('5').toString(),
      });
    }
    // Without a server choice the client asks each in turn: a refusal is final, not a failover.
    expect((await refusalOf(thief.sign({ payload: payloadOf(tx) }))).rule).toBe('dailyLimit');
    expect(await balanceOf(owner.address)).toBe(before);
    expect(await nonceOf(owner.address)).toBe(tx.nonce);
  });

  it('0.5 ETH (under the limit) is co-signed, mined, and in the co-signer’s audit log', async () => {
    const recipient = privateKeyToAddress(generatePrivateKey());
    const tx = await txFrom(owner.address, { to: recipient, value: parseEther('0.5') });
    const signed = await thief.sign({ payload: payloadOf(tx), servers: [A] });
    expect(signed.server).toBe(A);
    const receipt = await broadcast(tx, signed.signature);
    expect(receipt.status).toBe('0x1');
    expect(await balanceOf(recipient)).toBe(parseEther('0.5'));

    const log = await auditOf(a, owner.state.config.walletId);
    const digest = Buffer.from(signed.digest).toString('hex');
    const rows = log.filter((row) => row.digest === digest);
    expect(rows.map((row) => `${row.action}/${row.outcome}`)).toContain('sign.open/ok');
    // The row names what left: the amount in wei (docs/ckm.md §10, the audit of a co-signature).
    expect(rows.some((row) => row.detail?.includes(parseEther('0.5').toString()))).toBe(true);
    // The refused drain is in the log too, with the rule that refused it.
    expect(
      log.some(
        (row) =>
          row.action === 'sign.open' &&
          row.outcome === 'refused' &&
          (row.detail ?? '').includes('dailyLimit'),
      ),
    ).toBe(true);
  });

  it('A counts what it co-signed: 0.6 ETH more is over the limit there', async () => {
    const tx = await txFrom(owner.address, {
      to: privateKeyToAddress(generatePrivateKey()),
      value: parseEther('0.6'),
    });
    const refusal = await refusalOf(thief.sign({ payload: payloadOf(tx), servers: [A] }));
    expect(refusal).toMatchObject({
      rule: 'dailyLimit',
      spent: parseEther('0.5').toString(),
      requested: parseEther('0.6').toString(),
    });
  });

  it('raising the limit from the stolen device only queues it; the next drain is still refused by both', async () => {
    const looser: WalletPolicy = {
      ...OWNER_POLICY,
      dailyLimits: [{ chainId: CHAIN_ID, asset: 'native', amount: parseEther('100').toString() }],
    };
    const before = Date.now();
    const answers = await thief.setPolicy(looser);
    expect(answers).toHaveLength(2);
    for (const answer of answers) {
      expect(answer.error, `${answer.name}: ${answer.error?.message}`).toBeUndefined();
      expect(answer.view?.effective).toEqual(OWNER_POLICY);
      expect(answer.view?.pending?.policy).toEqual(looser);
      // The waiting period in force before the change: an hour.
      expect(answer.view?.pending?.readyAt ?? 0).toBeGreaterThanOrEqual(before + 3_500_000);
    }
    const balance = await balanceOf(owner.address);
    const tx = await txFrom(owner.address, {
      to: privateKeyToAddress(generatePrivateKey()),
      value: parseEther('5'),
    });
    for (const server of [A, B])
      expect(
        (await refusalOf(thief.sign({ payload: payloadOf(tx), servers: [server] }))).rule,
      ).toBe('dailyLimit');
    expect(await balanceOf(owner.address)).toBe(balance);

    // The owner sees the queued loosening in Settings and cancels it on both servers.
    const cancelled = await owner.cancelPolicyChange();
    for (const answer of cancelled) {
      expect(answer.error).toBeUndefined();
      expect(answer.view?.pending).toBeUndefined();
      expect(answer.view?.effective).toEqual(OWNER_POLICY);
    }
  });

  it('setApprovalForAll to a fresh address is refused by both (unknownApproval); a revoke is not', async () => {
    const operator = privateKeyToAddress(generatePrivateKey());
    // Any NFT contract address: the servers judge the calldata, not the chain.
    const collection = privateKeyToAddress(generatePrivateKey());
    const tx = await txFrom(owner.address, {
      to: collection,
      data: encodeFunctionData({
        abi: ERC721_ABI,
        functionName: 'setApprovalForAll',
        args: [operator, true],
      }),
      gas: 100_000n,
    });
    for (const server of [A, B]) {
      const refusal = await refusalOf(thief.sign({ payload: payloadOf(tx), servers: [server] }));
      expect(refusal).toMatchObject({ rule: 'unknownApproval', approval: 'forAll' });
      expect((refusal as { spender: string }).spender.toLowerCase()).toBe(operator.toLowerCase());
    }
    // The same call with `false` takes a permission away: nothing to refuse.
    const revoke = {
      ...tx,
      data: encodeFunctionData({
        abi: ERC721_ABI,
        functionName: 'setApprovalForAll',
        args: [operator, false],
      }),
    };
    const signed = await thief.sign({ payload: payloadOf(revoke), servers: [B] });
    expect(signed.server).toBe(B);
  });

  it('a refusal is typed and names the rule (the popup explains it from this)', async () => {
    const tx = await txFrom(owner.address, {
      to: privateKeyToAddress(generatePrivateKey()),
      value: parseEther('2'),
    });
    const error = await rejection(thief.sign({ payload: payloadOf(tx), servers: [B] }));
    expect(error).toBeInstanceOf(CkmError);
    expect((error as CkmError).code).toBe('PolicyRefused');
    expect((error as CkmError).shortMessage.length).toBeGreaterThan(0);
  });

  it('each server counts only what it co-signed: B, which co-signed no value today, still allows up to its own limit', async () => {
    // The limit of per-server enforcement (docs/ckm.md §10): with 2-of-3 a thief reaches each
    // server's limit separately. A refuses 0.6 ETH more (above); B signs 0.9 ETH.
    const tx = await txFrom(owner.address, {
      to: privateKeyToAddress(generatePrivateKey()),
      value: parseEther('0.9'),
    });
    expect((await thief.sign({ payload: payloadOf(tx), servers: [B] })).server).toBe(B);
  });

  it('an allowlist (a tightening: at once) does not multiply: any other recipient is refused by both', async () => {
    friend = privateKeyToAddress(generatePrivateKey());
    const answers = await owner.setPolicy({ ...OWNER_POLICY, allowlist: [friend] });
    for (const answer of answers) {
      expect(answer.error).toBeUndefined();
      expect(answer.view?.effective.allowlist).toEqual([friend]);
      expect(answer.view?.pending).toBeUndefined();
    }
    const stranger = privateKeyToAddress(generatePrivateKey());
    const tx = await txFrom(owner.address, { to: stranger, value: parseEther('0.1') });
    for (const server of [A, B]) {
      const refusal = await refusalOf(thief.sign({ payload: payloadOf(tx), servers: [server] }));
      expect(refusal.rule).toBe('allowlist');
      expect((refusal as { recipient: string }).recipient.toLowerCase()).toBe(
        stranger.toLowerCase(),
      );
    }
    // The owner's own recipient still works (on B, whose day is not used up).
    const toFriend = await txFrom(owner.address, { to: friend, value: parseEther('0.05') });
    expect((await thief.sign({ payload: payloadOf(toFriend), servers: [B] })).server).toBe(B);
  });

  it('a hold (a tightening: at once) is started by the thief’s request on each server, and the owner’s cancel makes both refuse it for good', async () => {
    const answers = await owner.setPolicy({
      ...OWNER_POLICY,
      allowlist: [friend],
      holdAbove: [{ chainId: CHAIN_ID, asset: 'native', amount: parseEther('0.01').toString() }],
    });
    for (const answer of answers) expect(answer.view?.pending).toBeUndefined();
    const tx = await txFrom(owner.address, { to: friend, value: parseEther('0.02') });
    const holds = new Set<string>();
    for (const server of [A, B]) {
      const refusal = await refusalOf(thief.sign({ payload: payloadOf(tx), servers: [server] }));
      expect(refusal).toMatchObject({ rule: 'hold', status: 'waiting' });
      // An hour from now: the waiting period in force.
      expect((refusal as { readyAt: number }).readyAt).toBeGreaterThan(Date.now() + 3_500_000);
      holds.add((refusal as { holdId: string }).holdId);
    }
    // The same intent has the same hold id on every server.
    expect(holds.size).toBe(1);
    const [holdId] = [...holds] as [string];
    // Asked again (a new nonce changes nothing: the hold is on the intent), still waiting.
    const again = { ...tx, nonce: (tx.nonce ?? 0) + 1 };
    expect(await refusalOf(thief.sign({ payload: payloadOf(again), servers: [A] }))).toMatchObject({
      rule: 'hold',
      status: 'waiting',
      holdId,
    });

    // The owner sees the hold in Settings and cancels it on every server.
    const cancelled = await owner.cancelHold(holdId);
    for (const answer of cancelled) {
      expect(answer.error, `${answer.name}: ${answer.error?.message}`).toBeUndefined();
      expect(answer.view?.holds.find((h) => h.holdId === holdId)?.status).toBe('cancelled');
    }
    for (const server of [A, B])
      expect(
        await refusalOf(thief.sign({ payload: payloadOf(tx), servers: [server] })),
      ).toMatchObject({ rule: 'hold', status: 'cancelled', holdId });
  });
});
