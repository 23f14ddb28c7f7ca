/**
 * "Move to a collaborative key" planning against a real anvil. The transactions are sent from
 * anvil's unlocked dev accounts exactly as planned (fields unchanged), so the exact-zero property
 * and every refusal are checked on a real chain without the CKM servers (tests/ckm/import.test.ts
 * signs them with the threshold key).
 */
import { type Address, getAddress, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChainRequest,
  describeMigration,
  MigrationError,
  type MigrationErrorReason,
  type MigrationToken,
  migrationGasPrice,
  type PlannedTransfer,
  planFinalEthTransfer,
  planTokenTransfers,
  TRANSFER_GAS,
} from '../../../background/import/migration';
import { type Anvil, DEV_ACCOUNT, deployEmitter, startAnvil } from '../support/chain-node';
import { deployHst } from '../support/token-contracts';

const CHAIN = 31337;
/** anvil dev accounts 2..5 of the test mnemonic (unlocked, 10000 ETH each). */
const A2 = getAddress('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
const A3 = getAddress('0x90f79bf6eb2c4f870365e785982e1f101e93b906');
const A4 = getAddress('0x15d34aaf54267db7d7c367839aaf71a00a2c6a65');
const A5 = getAddress('0x9965507d1a55bcc2695c58ba16fb4d0ef7d7f4dc');
const EMPTY = getAddress('0x000000000000000000000000000000000000dead');

let anvil: Anvil;
let request: ChainRequest;

beforeAll(async () => {
  anvil = await startAnvil(CHAIN);
  request = (method, params) => anvil.rpc(method, params);
}, 60_000);

afterAll(async () => {
  await anvil?.stop();
});

type Receipt = { status: Hex; gasUsed: Hex; effectiveGasPrice: Hex };

/** Sends a planned transaction from an unlocked account with exactly its fields; waits for it. */
async function send(from: Address, transfer: PlannedTransfer): Promise<Receipt> {
  const tx = transfer.payload.transaction;
  if (tx.type !== 'eip1559') throw new Error('expected EIP-1559');
  const hash = await anvil.rpc('eth_sendTransaction', [
    {
      from,
      to: tx.to,
      value: tx.value,
      data: tx.data,
      nonce: tx.nonce,
      gas: tx.gas,
      maxFeePerGas: tx.maxFeePerGas,
      maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
      type: '0x2',
    },
  ]);
  return receiptOf(hash);
}

async function receiptOf(hash: unknown): Promise<Receipt> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const receipt = (await anvil.rpc('eth_getTransactionReceipt', [hash])) as Receipt | null;
    if (receipt) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('not mined');
}

const balance = async (account: Address) =>
  BigInt((await anvil.rpc('eth_getBalance', [account, 'latest'])) as Hex);

async function reasonOf(promise: Promise<unknown>): Promise<MigrationErrorReason | undefined> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationError);
    return (error as MigrationError).reason;
  }
  return undefined;
}

describe('migration plan', { timeout: 60_000 }, () => {
  it('pays exactly P per gas: maxFeePerGas = maxPriorityFeePerGas = P ≥ base fee', async () => {
    const price = await migrationGasPrice(request);
    const block = (await anvil.rpc('eth_getBlockByNumber', ['latest', false])) as {
      baseFeePerGas: Hex;
    };
    expect(price).toBeGreaterThan(BigInt(block.baseFeePerGas));
  });

  it('moves ERC-20 tokens, then all the ETH: the account ends at exactly zero', async () => {
    const token = await deployHst(anvil, 4, 'MIG');
    // The dev account holds the supply; give A2 some.
    const transfer = await planTokenTransfers(request, {
      from: DEV_ACCOUNT,
      to: A2,
      chainId: CHAIN,
      tokens: [{ standard: 'ERC20', address: token, symbol: 'MIG', decimals: 4 }],
    });
    expect(transfer.transfers).toHaveLength(1);
    await send(DEV_ACCOUNT, transfer.transfers[0] as PlannedTransfer);

    const tokens: MigrationToken[] = [
      { standard: 'ERC20', address: token, symbol: 'MIG', decimals: 4 },
    ];
    const before = await balance(A3);
    const plan = await planTokenTransfers(request, { from: A2, to: A3, chainId: CHAIN, tokens });
    expect(plan.transfers).toHaveLength(1);
    const tx = (plan.transfers[0] as PlannedTransfer).payload.transaction as {
      maxFeePerGas: Hex;
      maxPriorityFeePerGas: Hex;
    };
    expect(BigInt(tx.maxFeePerGas)).toBe(plan.pricePerGas);
    expect(tx.maxPriorityFeePerGas).toBe(tx.maxFeePerGas);
    const receipt = await send(A2, plan.transfers[0] as PlannedTransfer);
    expect(receipt.status).toBe('0x1');
    expect(BigInt(receipt.effectiveGasPrice)).toBe(plan.pricePerGas);

    const last = await planFinalEthTransfer(request, {
      from: A2,
      to: A3,
      chainId: CHAIN,
      pricePerGas: plan.pricePerGas,
    });
    const lastReceipt = await send(A2, last);
    expect(BigInt(lastReceipt.gasUsed)).toBe(TRANSFER_GAS);
    expect(await balance(A2)).toBe(0n);
    expect((await balance(A3)) - before).toBe(last.amount);
    // Nothing is left: a second plan refuses.
    expect(
      await reasonOf(planTokenTransfers(request, { from: A2, to: A3, chainId: CHAIN, tokens })),
    ).toBe('NothingToMove');
  });

  it('describes the move for the popup: tokens, then ETH minus the fees, and the fee', async () => {
    const preview = await describeMigration(request, {
      from: A4,
      to: A5,
      chainId: CHAIN,
      tokens: [],
      nativeSymbol: 'ETH',
    });
    expect(preview.transfers).toHaveLength(1);
    expect(preview.transfers[0]?.title).toBe('ETH');
    expect(Number(preview.transfers[0]?.amount)).toBeLessThan(10_000);
    expect(Number(preview.transfers[0]?.amount)).toBeGreaterThan(9_999.99);
    expect(preview.fee).toMatch(/^0\.0000\d+ ETH$/);
    expect(preview.from).toBe(A4);
  });

  it('refuses when the balance cannot pay the fees, and an empty account', async () => {
    // Leave A4 with less than one transfer's fee.
    const price = await migrationGasPrice(request);
    const keep = TRANSFER_GAS * price - 1n;
    const drain = (await balance(A4)) - keep - TRANSFER_GAS * price * 2n;
    const hash = await anvil.rpc('eth_sendTransaction', [
      {
        from: A4,
        to: A5,
        value: `0x${drain.toString(16)}`,
        gas: '0x5208',
        maxFeePerGas: `0x${(price * 2n).toString(16)}`,
        maxPriorityFeePerGas: `0x${(price * 2n).toString(16)}`,
      },
    ]);
    await receiptOf(hash);
    expect(await balance(A4)).toBe(keep);
    expect(
      await reasonOf(planTokenTransfers(request, { from: A4, to: A5, chainId: CHAIN, tokens: [] })),
    ).toBe('InsufficientFunds');
    expect(
      await reasonOf(planFinalEthTransfer(request, { from: A4, to: A5, chainId: CHAIN })),
    ).toBe('InsufficientFunds');
    expect(
      await reasonOf(
        planTokenTransfers(request, { from: EMPTY, to: A5, chainId: CHAIN, tokens: [] }),
      ),
    ).toBe('NothingToMove');
  });

  it('refuses a destination with code (its transfer would not cost exactly 21000 gas)', async () => {
    const contract = await deployEmitter(anvil, `0x${'11'.repeat(32)}`);
    expect(
      await reasonOf(
        planTokenTransfers(request, { from: A5, to: contract, chainId: CHAIN, tokens: [] }),
      ),
    ).toBe('DestinationHasCode');
  });

  it('refuses bad input: same account, bad addresses, chain id, tokens', async () => {
    const base = { from: A5, to: A3, chainId: CHAIN, tokens: [] as MigrationToken[] };
    const cases: Parameters<typeof planTokenTransfers>[1][] = [
      { ...base, to: A5 },
      { ...base, from: '0x1234' as Address },
      { ...base, to: 'nope' as Address },
      { ...base, chainId: 0 },
      { ...base, chainId: 1.5 },
      { ...base, tokens: [{ standard: 'ERC20', address: '0x12' as Address, symbol: 'X' }] },
      {
        ...base,
        tokens: [{ standard: 'ERC777' as 'ERC20', address: A2, symbol: 'X' }],
      },
      { ...base, tokens: [{ standard: 'ERC721', address: A2, symbol: 'X', tokenId: '01' }] },
      { ...base, tokens: [{ standard: 'ERC1155', address: A2, symbol: 'X' }] },
    ];
    for (const args of cases)
      expect(await reasonOf(planTokenTransfers(request, args))).toBe('InvalidInput');
    expect(
      await reasonOf(planFinalEthTransfer(request, { from: A5, to: A5, chainId: CHAIN })),
    ).toBe('InvalidInput');
  });

  it('a chain that fails or answers nonsense is a ChainError', async () => {
    const failing: ChainRequest = async () => {
      throw new Error('down');
    };
    expect(
      await reasonOf(planTokenTransfers(failing, { from: A5, to: A3, chainId: CHAIN, tokens: [] })),
    ).toBe('ChainError');
    const noBaseFee: ChainRequest = async (method, params) =>
      method === 'eth_getBlockByNumber' ? { number: '0x1' } : anvil.rpc(method, params);
    expect(await reasonOf(migrationGasPrice(noBaseFee))).toBe('ChainError');
    const garbage: ChainRequest = async (method, params) =>
      method === 'eth_getBalance' ? 'lots' : anvil.rpc(method, params);
    expect(
      await reasonOf(planTokenTransfers(garbage, { from: A5, to: A3, chainId: CHAIN, tokens: [] })),
    ).toBe('ChainError');
  });
});
