import { type Address, encodeFunctionData, getAddress, type Hex, maxUint256, parseAbi } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTypedData } from '../../../background/decode';
import {
  type ChainRpc,
  chainWarnings,
  createDayAgoCache,
  DAY_SECONDS,
  dayAgoBlock,
  transactionParties,
  typedDataParties,
} from '../../../background/safety/chain-warnings';
import { DAPP_ORIGIN, signPermit } from '../decode/test-dapp-payloads';
import {
  type Anvil,
  DEV_ACCOUNT,
  type ScriptedServer,
  startAnvil,
  startScriptedServer,
} from '../support/chain-node';
import { deployHst, deployNfts } from '../support/token-contracts';

const ABI = parseAbi([
  'function transfer(address to, uint256 amount)',
  'function approve(address spender, uint256 amount)',
  'function increaseAllowance(address spender, uint256 addedValue)',
  'function setApprovalForAll(address operator, bool approved)',
  'function safeTransferFrom(address from, address to, uint256 tokenId)',
]);
/** Fresh keys' addresses: no code on any test chain. */
const EOA = getAddress('0x2f318c334780961fb129d2a6c30d0763d9a5c970');
const OTHER_EOA = getAddress('0x9bc5baf874d2da8d216ae9f137804184ee5afef4');

const kinds = (warnings: readonly { kind: string }[]) => warnings.map((w) => w.kind);

async function jsonRpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

/** The wallet's view of a node: its JSON-RPC over HTTP, counting the calls. */
function rpcOf(url: string, calls: string[] = []): ChainRpc {
  return (method, params) => {
    calls.push(method);
    return jsonRpc(url, method, params);
  };
}

function approve(token: Address, spender: Address, amount = maxUint256) {
  return {
    to: token,
    data: encodeFunctionData({ abi: ABI, functionName: 'approve', args: [spender, amount] }),
  };
}

function check(anvil: Anvil, request: { to?: Hex; data?: Hex }, rpc = rpcOf(anvil.url)) {
  return chainWarnings({
    rpc,
    chainId: anvil.chainId,
    ...transactionParties(request),
    now: Date.now(),
    cache: createDayAgoCache(),
  });
}

describe('chainWarnings on a chain younger than a day', () => {
  let anvil: Anvil;
  let token: Address;
  let spenderContract: Address;
  beforeAll(async () => {
    anvil = await startAnvil(31337);
    token = await deployHst(anvil, 18, 'TST');
    spenderContract = await deployHst(anvil, 6, 'SPD');
  });
  afterAll(() => anvil?.stop());

  it('approve to an EOA: spender-is-eoa (danger), and the token is new', async () => {
    const warnings = await check(anvil, approve(token, EOA));
    expect(kinds(warnings)).toEqual(['spender-is-eoa', 'new-contract']);
    expect(warnings[0]).toMatchObject({ severity: 'danger' });
    expect(warnings[0]?.message).toContain(`${EOA} is a plain account`);
    expect(warnings[1]).toMatchObject({ severity: 'caution' });
    expect(warnings[1]?.message).toContain(getAddress(token));
  });

  it('approve to a contract: no spender-is-eoa', async () => {
    const warnings = await check(anvil, approve(token, spenderContract));
    expect(kinds(warnings)).not.toContain('spender-is-eoa');
    // Both contracts are younger than the chain's first day.
    expect(warnings.map((w) => w.message).join(' ')).toContain(getAddress(spenderContract));
  });

  it('increaseAllowance and setApprovalForAll to an EOA: spender-is-eoa', async () => {
    for (const data of [
      encodeFunctionData({ abi: ABI, functionName: 'increaseAllowance', args: [EOA, 5n] }),
      encodeFunctionData({ abi: ABI, functionName: 'setApprovalForAll', args: [EOA, true] }),
    ])
      expect(kinds(await check(anvil, { to: token, data }))).toContain('spender-is-eoa');
  });

  it('a revoke (approve 0, setApprovalForAll false) to an EOA: no spender-is-eoa', async () => {
    for (const data of [
      encodeFunctionData({ abi: ABI, functionName: 'approve', args: [EOA, 0n] }),
      encodeFunctionData({ abi: ABI, functionName: 'setApprovalForAll', args: [EOA, false] }),
    ])
      expect(kinds(await check(anvil, { to: token, data }))).not.toContain('spender-is-eoa');
  });

  it('a plain ETH transfer to an EOA: no warning at all', async () => {
    expect(await check(anvil, { to: EOA, data: '0x' })).toEqual([]);
  });

  it('an ERC-20 transfer to an EOA warns only that the token is new', async () => {
    const data = encodeFunctionData({ abi: ABI, functionName: 'transfer', args: [EOA, 1n] });
    expect(kinds(await check(anvil, { to: token, data }))).toEqual(['new-contract']);
  });

  it('a token sent to a contract: the recipient contract is checked too', async () => {
    const data = encodeFunctionData({
      abi: ABI,
      functionName: 'transfer',
      args: [spenderContract, 1n],
    });
    const warnings = await check(anvil, { to: token, data });
    expect(warnings.filter((w) => w.kind === 'new-contract')).toHaveLength(2);
  });

  it('a Permit signature to an EOA spender: spender-is-eoa', async () => {
    const insight = describeTypedData(JSON.stringify(signPermit), 'v4', DAPP_ORIGIN);
    const parties = typedDataParties(signPermit, insight);
    expect(parties.spenders).toEqual([getAddress(signPermit.message.spender)]);
    const warnings = await chainWarnings({
      rpc: rpcOf(anvil.url),
      chainId: anvil.chainId,
      ...parties,
      now: Date.now(),
      cache: createDayAgoCache(),
    });
    expect(kinds(warnings)).toEqual(['spender-is-eoa']);
  });

  it('typed data that is not a permit has no spender, even with a "spender" field', () => {
    const message = { spender: EOA };
    expect(typedDataParties({ message }, { warnings: [] })).toEqual({
      spenders: [],
      contracts: [],
    });
  });

  it('uses at most one eth_getCode per address at latest, and no search for an EOA', async () => {
    const calls: string[] = [];
    await check(anvil, { to: EOA, data: '0x' }, rpcOf(anvil.url, calls));
    expect(calls).toEqual(['eth_getCode']);
  });
});

describe('chainWarnings on a chain older than a day', () => {
  let anvil: Anvil;
  let aged: Address;
  let nft: Address;
  beforeAll(async () => {
    anvil = await startAnvil(31337);
    aged = await deployHst(anvil, 18, 'OLD');
    // Two days pass (anvil mines one block 2 days later).
    await anvil.rpc('evm_increaseTime', [2 * DAY_SECONDS]);
    await anvil.rpc('evm_mine', []);
    nft = await deployNfts(anvil, 1);
  });
  afterAll(() => anvil?.stop());

  it('a contract deployed two days ago: no new-contract', async () => {
    const data = encodeFunctionData({ abi: ABI, functionName: 'transfer', args: [EOA, 1n] });
    expect(await check(anvil, { to: aged, data })).toEqual([]);
  });

  it('a contract deployed just now: new-contract', async () => {
    const data = encodeFunctionData({
      abi: ABI,
      functionName: 'safeTransferFrom',
      args: [DEV_ACCOUNT, EOA, 1n],
    });
    expect(kinds(await check(anvil, { to: nft, data }))).toEqual(['new-contract']);
  });

  it('an old contract approving a new contract: only the new one is flagged', async () => {
    const warnings = await check(anvil, approve(aged, nft));
    expect(kinds(warnings)).toEqual(['new-contract']);
    expect(warnings[0]?.message).toContain(getAddress(nft));
  });

  it('a node that cannot serve old state: no new-contract, no throw', async () => {
    const real = rpcOf(anvil.url);
    const pruned: ChainRpc = (method, params) =>
      method === 'eth_getCode' && params[1] !== 'latest'
        ? Promise.reject(new Error('missing trie node'))
        : real(method, params);
    expect(await check(anvil, approve(nft, OTHER_EOA), pruned)).toEqual([
      expect.objectContaining({ kind: 'spender-is-eoa' }),
    ]);
  });

  it('the day-ago block is cached per chain', async () => {
    const cache = createDayAgoCache();
    const calls: string[] = [];
    const run = (now: number) =>
      chainWarnings({
        rpc: rpcOf(anvil.url, calls),
        chainId: anvil.chainId,
        spenders: [],
        contracts: [nft],
        now,
        cache,
      });
    const blocks = () => calls.filter((m) => m === 'eth_getBlockByNumber').length;
    const now = Date.now();
    await run(now);
    const first = blocks();
    expect(first).toBeGreaterThanOrEqual(3);
    // A minute later: only the latest block is read again.
    await run(now + 60_000);
    expect(blocks()).toBe(first + 1);
    // After 5 minutes the search runs again.
    await run(now + 5 * 60_000 + 1);
    expect(blocks()).toBeGreaterThan(first + 2);
  });
});

describe('the cache and a chain whose clock jumps', () => {
  let anvil: Anvil;
  afterAll(() => anvil?.stop());

  it('a young chain aged by evm_increaseTime is searched again at once', async () => {
    anvil = await startAnvil(31337);
    const token = await deployHst(anvil, 18, 'TST');
    const cache = createDayAgoCache();
    const run = (now: number) =>
      chainWarnings({
        rpc: rpcOf(anvil.url),
        chainId: anvil.chainId,
        spenders: [],
        contracts: [token],
        now,
        cache,
      });
    const now = Date.now();
    expect(kinds(await run(now))).toEqual(['new-contract']);
    await anvil.rpc('evm_increaseTime', [2 * DAY_SECONDS]);
    await anvil.rpc('evm_mine', []);
    // The same cache, one wall-clock second later: the chain moved two days, so it is not used.
    expect(await run(now + 1_000)).toEqual([]);
  });
});

describe('dayAgoBlock', () => {
  let anvil: Anvil;
  beforeAll(async () => {
    anvil = await startAnvil(31337);
    // 60 blocks an hour apart, then 40 a minute apart: uneven block times.
    await anvil.rpc('anvil_mine', ['0x3c', '0xe10']);
    await anvil.rpc('anvil_mine', ['0x28', '0x3c']);
  });
  afterAll(() => anvil?.stop());

  const timestampOf = async (n: bigint) =>
    BigInt(
      (
        (await anvil.rpc('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])) as {
          timestamp: Hex;
        }
      ).timestamp,
    );

  it('finds the last block at most a day before the latest, within 10 minutes', async () => {
    const calls: string[] = [];
    const found = await dayAgoBlock(rpcOf(anvil.url, calls));
    if (found.young) throw new Error('expected an old chain');
    const latest = (await anvil.rpc('eth_getBlockByNumber', ['latest', false])) as {
      timestamp: Hex;
    };
    const target = BigInt(latest.timestamp) - BigInt(DAY_SECONDS);
    const at = await timestampOf(found.block);
    expect(at <= target).toBe(true);
    expect(target - at < 600n || (await timestampOf(found.block + 1n)) > target).toBe(true);
    expect(calls.length).toBeLessThanOrEqual(2 + 2 * 7);
  });

  it('a chain whose first block is less than a day old is young', async () => {
    const fresh = await startAnvil(31337);
    try {
      expect(await dayAgoBlock(rpcOf(fresh.url))).toEqual({ young: true });
    } finally {
      await fresh.stop();
    }
  });
});

describe('chainWarnings when the node fails', () => {
  let scripted: ScriptedServer;
  beforeAll(async () => {
    scripted = await startScriptedServer(() => ({
      body: { error: { code: -32000, message: 'internal error' } },
    }));
  });
  afterAll(() => scripted?.close());

  const request = approve(getAddress('0x5fbdb2315678afecb367f032d93f642f64180aa3'), EOA);

  it('every call failing: no warning, no throw', async () => {
    scripted.setReply(() => ({ body: { error: { code: -32000, message: 'internal error' } } }));
    const warnings = await chainWarnings({
      rpc: rpcOf(scripted.url),
      chainId: 1,
      ...transactionParties(request),
      now: Date.now(),
      cache: createDayAgoCache(),
    });
    expect(warnings).toEqual([]);
  });

  it('a node that never answers: no warning once the budget is spent', async () => {
    scripted.setReply(() => ({ hang: true }));
    const warnings = await chainWarnings({
      rpc: rpcOf(scripted.url),
      chainId: 1,
      ...transactionParties(request),
      now: Date.now(),
      timeoutMs: 300,
      cache: createDayAgoCache(),
    });
    expect(warnings).toEqual([]);
  });

  it('code that is not hex: nothing is concluded from it', async () => {
    scripted.setReply(() => ({ body: { result: 'nope' } }));
    const warnings = await chainWarnings({
      rpc: rpcOf(scripted.url),
      chainId: 1,
      ...transactionParties(request),
      now: Date.now(),
      cache: createDayAgoCache(),
    });
    expect(warnings).toEqual([]);
  });
});
