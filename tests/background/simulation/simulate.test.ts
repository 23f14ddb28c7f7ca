/**
 * The balance-change preview against a real anvil: eth_simulateV1 (anvil has it), the
 * debug_traceCall fallback behind a proxy that refuses eth_simulateV1, and the ways it ends
 * `unavailable`. The numbers are checked against the balances anvil shows after mining the same
 * transaction from its unlocked dev account.
 */
import { type Address, encodeFunctionData, getAddress, type Hex, parseEther } from 'viem';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createNetworksService, type NetworksService } from '../../../background/services/networks';
import { CANNOT_SIMULATE, simulateBalanceChanges } from '../../../background/simulation/simulate';
import {
  createTokenMetadataCache,
  MAX_LOOKUPS,
  readTokenMetadata,
} from '../../../background/simulation/token-metadata';
import {
  type Anvil,
  DEV_ACCOUNT,
  deadUrl,
  emitterCreationCode,
  networkAt,
  recordingEvents,
  sendAndMine,
  startAnvil,
} from '../support/chain-node';
import { type RpcProxy, startRpcProxy } from '../support/rpc-proxy';
import { deployErc1155, deployHst, deployNfts, send, TEST_DAPP } from '../support/token-contracts';

const CHAIN = 31337;
/** The same anvil behind the proxy. */
const PROXIED = 31338;
/** A network whose RPC is gone. */
const DEAD = 31339;
const OTHER = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
const ME = getAddress(DEV_ACCOUNT);

let anvil: Anvil;
let proxy: RpcProxy;
let networks: NetworksService;
let hst: Address;
let nfts: Address;
let erc1155: Address;
let swapper: Address;

/**
 * A "swap" without a DEX: runtime code that keeps the ETH it is paid and sends the caller 2 HST
 * (`token.transfer(CALLER, 2)`), so that one call both sends and receives.
 * PUSH4 a9059cbb PUSH1 e0 SHL PUSH1 0 MSTORE  CALLER PUSH1 4 MSTORE  PUSH1 2 PUSH1 24 MSTORE
 * PUSH1 0 PUSH1 0 PUSH1 44 PUSH1 0 PUSH1 0 PUSH20 token GAS CALL POP STOP
 */
function swapperCreationCode(token: Address): Hex {
  const runtime = `63a9059cbb60e01b6000523360045260026024526000600060446000600073${token.slice(2).toLowerCase()}5af15000`;
  const size = (runtime.length / 2).toString(16).padStart(2, '0');
  return `0x60${size}600c60003960${size}6000f3${runtime}`;
}

const rpcOf =
  (chainId: number) =>
  (method: string, params: unknown[]): Promise<unknown> =>
    networks.request(chainId, method, params);

const hstCall = (to: Address, amount: bigint) =>
  encodeFunctionData({ abi: TEST_DAPP.hstAbi, functionName: 'transfer', args: [to, amount] });

type Case = { name: string; tx: { to?: Address; value: bigint; data: Hex } };

function cases(): Record<string, Case> {
  return {
    eth: { name: 'ETH send', tx: { to: OTHER, value: parseEther('1.5'), data: '0x' } },
    erc20: { name: 'ERC-20 transfer', tx: { to: hst, value: 0n, data: hstCall(OTHER, 3n) } },
    erc721: {
      name: 'ERC-721 transfer',
      tx: {
        to: nfts,
        value: 0n,
        data: encodeFunctionData({
          abi: TEST_DAPP.nftsAbi,
          functionName: 'transferFrom',
          args: [ME, OTHER, 1n],
        }),
      },
    },
    erc1155: {
      name: 'ERC-1155 batch transfer',
      tx: {
        to: erc1155,
        value: 0n,
        data: encodeFunctionData({
          abi: TEST_DAPP.erc1155Abi,
          functionName: 'safeBatchTransferFrom',
          args: [ME, OTHER, [1n, 2n], [2n, 1n], '0x'],
        }),
      },
    },
    swap: { name: 'swap-like call', tx: { to: swapper, value: parseEther('0.25'), data: '0x' } },
    deploy: {
      name: 'contract deployment with value',
      tx: { value: 5n, data: emitterCreationCode(`0x${'ab'.repeat(32)}`) },
    },
  };
}

beforeAll(async () => {
  anvil = await startAnvil(CHAIN);
  proxy = await startRpcProxy(anvil.url);
  fakeBrowser.reset();
  networks = createNetworksService(recordingEvents(), {
    builtIns: [
      networkAt(CHAIN, anvil.url),
      networkAt(PROXIED, proxy.url, 'Proxied'),
      networkAt(DEAD, await deadUrl(), 'Gone'),
    ],
  });
  await networks.ready;
  hst = getAddress(await deployHst(anvil, 4, 'TST'));
  nfts = getAddress(await deployNfts(anvil, 2));
  erc1155 = getAddress(await deployErc1155(anvil, ME, [1n, 2n], [5n, 3n]));
  const { contractAddress } = await sendAndMine(anvil, { data: swapperCreationCode(hst) });
  if (!contractAddress) throw new Error('the swapper was not deployed');
  swapper = getAddress(contractAddress);
  await send(anvil, { to: hst, data: hstCall(swapper, 6n) });
});
afterAll(async () => {
  await proxy?.close();
  await anvil?.stop();
});
beforeEach(() => proxy.configure({}));

/** What each case must show, in either method. */
function expectedChanges(key: string) {
  switch (key) {
    case 'eth':
      return [
        {
          standard: 'native',
          symbol: 'ETH',
          decimals: 18,
          amount: '-1500000000000000000',
          display: '\u22121.5 ETH',
        },
      ];
    case 'erc20':
      return [
        {
          standard: 'ERC20',
          address: hst,
          symbol: 'TST',
          decimals: 4,
          amount: '-3',
          display: '\u22120.0003 TST',
        },
      ];
    case 'erc721':
      return [
        {
          standard: 'ERC721',
          address: nfts,
          symbol: 'TDN',
          tokenId: '1',
          amount: '-1',
          display: '\u22121 NFT #1 (TDN)',
        },
      ];
    case 'erc1155':
      return [
        { standard: 'ERC1155', address: erc1155, tokenId: '1', amount: '-2' },
        { standard: 'ERC1155', address: erc1155, tokenId: '2', amount: '-1' },
      ];
    case 'deploy':
      return [{ standard: 'native', amount: '-5', display: '\u22120.000000000000000005 ETH' }];
    default:
      return [
        { standard: 'native', amount: '-250000000000000000', display: '\u22120.25 ETH' },
        { standard: 'ERC20', address: hst, amount: '2', display: '+0.0002 TST' },
      ];
  }
}

describe.each([
  { method: 'eth_simulateV1' as const, chainId: CHAIN },
  { method: 'debug_traceCall' as const, chainId: PROXIED },
])('$method', ({ method, chainId }) => {
  beforeEach(() => {
    if (chainId === PROXIED) proxy.configure({ refuse: ['eth_simulateV1'] });
  });

  for (const key of ['eth', 'erc20', 'erc721', 'erc1155', 'swap', 'deploy'])
    it(`previews ${key}`, async () => {
      const { tx } = cases()[key] as Case;
      const preview = await simulateBalanceChanges({
        rpc: rpcOf(chainId),
        chainId,
        from: ME,
        tx,
        metadataCache: createTokenMetadataCache(),
      });
      // anvil 1.7.1's eth_simulateV1 refuses a call without "to" ("missing keys: [to]"): the
      // refusal falls back to the trace, which simulates the deployment.
      const expected = key === 'deploy' ? 'debug_traceCall' : method;
      expect(preview).toMatchObject({ status: 'ok', method: expected });
      expect(preview.status === 'ok' && preview.changes).toHaveLength(expectedChanges(key).length);
      expect(preview).toMatchObject({ changes: expectedChanges(key) });
      if (chainId === PROXIED) expect(proxy.calls).toContain('debug_traceCall');
    });

  it('says a reverting transfer would fail, with the contract reason', async () => {
    const preview = await simulateBalanceChanges({
      rpc: rpcOf(chainId),
      chainId,
      from: ME,
      tx: { to: hst, value: 0n, data: hstCall(OTHER, 10n ** 9n) },
    });
    expect(preview).toEqual({
      status: 'reverted',
      method,
      reason: 'ERC20: transfer amount exceeds balance',
    });
  });

  it('shows nothing for a call that moves nothing of the account', async () => {
    const preview = await simulateBalanceChanges({
      rpc: rpcOf(chainId),
      chainId,
      from: ME,
      tx: {
        to: hst,
        value: 0n,
        data: encodeFunctionData({
          abi: TEST_DAPP.hstAbi,
          functionName: 'approve',
          args: [OTHER, 5n],
        }),
      },
    });
    expect(preview).toEqual({ status: 'ok', method, changes: [] });
  });
});

describe('the preview equals what anvil shows after mining', () => {
  type Receipt = { gasUsed: Hex; effectiveGasPrice: Hex; status: Hex };
  const balance = async (address: Address) =>
    BigInt((await anvil.rpc('eth_getBalance', [address, 'latest'])) as Hex);
  const hstBalance = async (address: Address) =>
    BigInt(
      (await anvil.rpc('eth_call', [
        {
          to: hst,
          data: encodeFunctionData({
            abi: TEST_DAPP.hstAbi,
            functionName: 'balanceOf',
            args: [address],
          }),
        },
        'latest',
      ])) as Hex,
    );
  const ownerOf = async (id: bigint) =>
    getAddress(
      `0x${(
        (await anvil.rpc('eth_call', [
          {
            to: nfts,
            data: encodeFunctionData({
              abi: TEST_DAPP.nftsAbi,
              functionName: 'ownerOf',
              args: [id],
            }),
          },
          'latest',
        ])) as Hex
      ).slice(26)}`,
    );

  for (const chainId of [CHAIN, PROXIED])
    it(`ETH, ERC-20, NFT and a swap (${chainId === CHAIN ? 'eth_simulateV1' : 'debug_traceCall'})`, async () => {
      if (chainId === PROXIED) proxy.configure({ refuse: ['eth_simulateV1'] });
      // The same gas limit in both: anvil's estimate for the swap is just enough for the outer
      // call with its token transfer failing (the swapper ignores the failure).
      const GAS = 300_000n;
      const preview = (tx: Case['tx']) =>
        simulateBalanceChanges({ rpc: rpcOf(chainId), chainId, from: ME, tx: { ...tx, gas: GAS } });
      const mine = async (tx: Case['tx']) => {
        const receipt = (await sendAndMine(anvil, {
          to: tx.to,
          value: `0x${tx.value.toString(16)}`,
          data: tx.data,
          gas: `0x${GAS.toString(16)}`,
        })) as unknown as Receipt;
        expect(receipt.status).toBe('0x1');
        return BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
      };
      const amountOf = (p: Awaited<ReturnType<typeof preview>>, standard: string) => {
        if (p.status !== 'ok') throw new Error(`no preview: ${JSON.stringify(p)}`);
        const change = p.changes.find((c) => c.standard === standard);
        return change === undefined ? 0n : BigInt(change.amount);
      };

      // ETH: the balance moves by the previewed value plus the fee.
      const eth = { to: OTHER, value: parseEther('0.7'), data: '0x' as Hex };
      const ethPreview = await preview(eth);
      let before = await balance(ME);
      let fee = await mine(eth);
      expect((await balance(ME)) - before + fee).toBe(amountOf(ethPreview, 'native'));
      expect(amountOf(ethPreview, 'native')).toBe(-parseEther('0.7'));

      // ERC-20.
      const erc20 = { to: hst, value: 0n, data: hstCall(OTHER, 1n) };
      const erc20Preview = await preview(erc20);
      let tokensBefore = await hstBalance(ME);
      before = await balance(ME);
      fee = await mine(erc20);
      expect((await hstBalance(ME)) - tokensBefore).toBe(amountOf(erc20Preview, 'ERC20'));
      expect(amountOf(erc20Preview, 'ERC20')).toBe(-1n);
      expect((await balance(ME)) - before + fee).toBe(amountOf(erc20Preview, 'native'));

      // NFT: the next token this account still owns goes to OTHER.
      const id = (await ownerOf(2n)) === ME ? 2n : 1n;
      expect(await ownerOf(id)).toBe(ME);
      const nft = {
        to: nfts,
        value: 0n,
        data: encodeFunctionData({
          abi: TEST_DAPP.nftsAbi,
          functionName: 'transferFrom',
          args: [ME, OTHER, id],
        }),
      };
      const nftPreview = await preview(nft);
      expect(nftPreview).toMatchObject({
        status: 'ok',
        changes: [{ standard: 'ERC721', address: nfts, tokenId: id.toString(), amount: '-1' }],
      });
      await mine(nft);
      expect(await ownerOf(id)).toBe(OTHER);

      // Both ways at once.
      const swap = { to: swapper, value: parseEther('0.1'), data: '0x' as Hex };
      const swapPreview = await preview(swap);
      tokensBefore = await hstBalance(ME);
      before = await balance(ME);
      fee = await mine(swap);
      expect((await hstBalance(ME)) - tokensBefore).toBe(amountOf(swapPreview, 'ERC20'));
      expect(amountOf(swapPreview, 'ERC20')).toBe(2n);
      expect((await balance(ME)) - before + fee).toBe(amountOf(swapPreview, 'native'));
      expect(amountOf(swapPreview, 'native')).toBe(-parseEther('0.1'));
    });
});

describe('when the chain cannot simulate', () => {
  const simulate = (chainId: number, timeoutMs?: number) =>
    simulateBalanceChanges({
      rpc: rpcOf(chainId),
      chainId,
      from: ME,
      tx: { to: OTHER, value: 1n, data: '0x' },
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });

  it('neither method: unavailable, "cannot simulate"', async () => {
    proxy.configure({ refuse: ['eth_simulateV1', 'debug_traceCall'] });
    expect(await simulate(PROXIED)).toEqual({ status: 'unavailable', reason: CANNOT_SIMULATE });
  });

  it('a node that refuses eth_simulateV1 (not as missing) falls back to the trace', async () => {
    proxy.configure({
      reply: (method) =>
        method === 'eth_simulateV1'
          ? { body: { error: { code: -32000, message: 'simulation disabled' } } }
          : undefined,
    });
    expect(await simulate(PROXIED)).toMatchObject({ status: 'ok', method: 'debug_traceCall' });
  });

  it('that refusal is the reason when the trace is missing too', async () => {
    proxy.configure({
      refuse: ['debug_traceCall'],
      reply: (method) =>
        method === 'eth_simulateV1'
          ? { body: { error: { code: -32000, message: 'simulation disabled' } } }
          : undefined,
    });
    expect(await simulate(PROXIED)).toEqual({
      status: 'unavailable',
      reason: 'The network could not run eth_simulateV1: simulation disabled.',
    });
  });

  it('the RPC is down: unavailable, it cannot be reached', async () => {
    const preview = await simulate(DEAD);
    expect(preview.status).toBe('unavailable');
    expect(preview.status === 'unavailable' && preview.reason).toBe(
      'The RPC of Gone (chain id 31339) cannot be reached.',
    );
  });

  it('a garbage eth_simulateV1 answer: unavailable, no throw, no trust', async () => {
    proxy.configure({
      reply: (method) =>
        method === 'eth_simulateV1' ? { body: { result: [{ calls: 'lots' }] } } : undefined,
    });
    expect(await simulate(PROXIED)).toEqual({
      status: 'unavailable',
      reason:
        'The network\'s answer to eth_simulateV1 is not valid ("result[0].calls" expected an array of at most 10000 items).',
    });
  });

  it('a garbage trace answer: unavailable', async () => {
    proxy.configure({
      refuse: ['eth_simulateV1'],
      reply: (method) =>
        method === 'debug_traceCall'
          ? { body: { result: { type: 'CALL', value: 'x' } } }
          : undefined,
    });
    const preview = await simulate(PROXIED);
    expect(preview).toMatchObject({ status: 'unavailable' });
    expect(preview.status === 'unavailable' && preview.reason).toMatch(
      /debug_traceCall is not valid/,
    );
  });

  it('not JSON-RPC at all: unavailable', async () => {
    proxy.configure({
      reply: (method) =>
        method === 'eth_simulateV1' ? { raw: '<html>hi</html>', status: 200 } : undefined,
    });
    expect(await simulate(PROXIED)).toMatchObject({ status: 'unavailable' });
  });

  it('no time budget at all: unavailable before asking', async () => {
    const asked = proxy.calls.length;
    expect(await simulate(PROXIED, 0)).toEqual({
      status: 'unavailable',
      reason: 'The network did not answer the simulation within 0 s.',
    });
    expect(proxy.calls.length).toBe(asked);
  });

  it('a silent RPC: unavailable once the time budget is spent', async () => {
    proxy.configure({
      reply: (method) => (method === 'eth_simulateV1' ? { hang: true } : undefined),
    });
    expect(await simulate(PROXIED, 300)).toEqual({
      status: 'unavailable',
      reason: 'The network did not answer the simulation within 0.3 s.',
    });
  });
});

describe('token names', () => {
  const transfer = () =>
    simulateBalanceChanges({
      rpc: rpcOf(PROXIED),
      chainId: PROXIED,
      from: ME,
      tx: { to: hst, value: 0n, data: hstCall(OTHER, 1n) },
      metadataCache: cache,
      timeoutMs: 1500,
    });
  let cache = createTokenMetadataCache();
  const ethCalls = () => proxy.calls.filter((m) => m === 'eth_call').length;

  it('a token whose symbol() fails is named by its address; the answer is cached', async () => {
    cache = createTokenMetadataCache();
    proxy.configure({
      reply: (method) =>
        method === 'eth_call'
          ? { body: { error: { code: 3, message: 'execution reverted' } } }
          : undefined,
    });
    expect(await transfer()).toMatchObject({
      status: 'ok',
      changes: [{ symbol: '0x5FbD…0aa3', amount: '-1', display: '\u22121 0x5FbD…0aa3' }],
    });
    expect(hst).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3');
    proxy.configure({});
    const asked = ethCalls();
    expect(await transfer()).toMatchObject({ changes: [{ symbol: '0x5FbD…0aa3' }] });
    expect(ethCalls()).toBe(asked);
  });

  it(`names at most ${MAX_LOOKUPS} tokens per preview`, async () => {
    const tokens = [];
    for (let i = 0; i < MAX_LOOKUPS + 1; i++)
      tokens.push({ address: await deployHst(anvil, 2, `T${i}`), standard: 'ERC20' as const });
    const asked = ethCalls();
    const names = await readTokenMetadata({
      rpc: rpcOf(PROXIED),
      chainId: PROXIED,
      tokens,
      cache: createTokenMetadataCache(),
    });
    expect(names.size).toBe(MAX_LOOKUPS);
    tokens.slice(0, MAX_LOOKUPS).forEach(({ address }, i) => {
      expect(names.get(address.toLowerCase() as Address)).toEqual({ symbol: `T${i}`, decimals: 2 });
    });
    expect(names.has(tokens[MAX_LOOKUPS]?.address.toLowerCase() as Address)).toBe(false);
    expect(ethCalls() - asked).toBe(2 * MAX_LOOKUPS);
  });

  it('an RPC that does not answer eth_call leaves nothing cached', async () => {
    cache = createTokenMetadataCache();
    proxy.configure({ reply: (method) => (method === 'eth_call' ? { hang: true } : undefined) });
    expect(await transfer()).toMatchObject({
      status: 'ok',
      changes: [{ symbol: '0x5FbD…0aa3', display: '\u22121 0x5FbD…0aa3' }],
    });
    proxy.configure({});
    expect(await transfer()).toMatchObject({
      changes: [{ symbol: 'TST', decimals: 4, display: '\u22120.0001 TST' }],
    });
  });
});
