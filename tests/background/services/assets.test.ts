import { type Address, encodeFunctionData, getAddress } from 'viem';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import {
  checkedAsset,
  createAssetsService,
  MAX_ASSETS_PER_ACCOUNT,
  readErc20Metadata,
  readErc721Owner,
} from '../../../background/services/assets';
import { createNetworksService, type NetworksService } from '../../../background/services/networks';
import {
  type Anvil,
  DEV_ACCOUNT,
  networkAt,
  recordingEvents,
  startAnvil,
} from '../support/chain-node';
import { deployErc1155, deployHst, deployNfts, send, TEST_DAPP } from '../support/token-contracts';

const CHAIN = 31337;
const OTHER_ACCOUNT = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');

let anvil: Anvil;
let networks: NetworksService;
let hst: Address;
let nfts: Address;
let erc1155: Address;

beforeAll(async () => {
  anvil = await startAnvil(CHAIN);
  fakeBrowser.reset();
  networks = createNetworksService(recordingEvents(), { builtIns: [networkAt(CHAIN, anvil.url)] });
  await networks.ready;
  hst = await deployHst(anvil, 4, 'TST');
  nfts = await deployNfts(anvil, 2);
  erc1155 = await deployErc1155(anvil, DEV_ACCOUNT, [1n, 2n], [5n, 0n]);
});
afterAll(async () => {
  await anvil?.stop();
});
beforeEach(() => {
  fakeBrowser.reset();
});

describe('assets service storage', () => {
  it('starts empty, adds per chain and account, persists in storage.local', async () => {
    const assets = createAssetsService(networks);
    await assets.ready;
    expect(assets.list(CHAIN, DEV_ACCOUNT)).toEqual([]);
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC20',
      address: hst,
      symbol: 'TST',
      decimals: 4,
    });
    expect(assets.list(CHAIN, DEV_ACCOUNT)).toEqual([
      { standard: 'ERC20', address: getAddress(hst), symbol: 'TST', decimals: 4 },
    ]);
    // Account compare is case-insensitive; other accounts and chains are separate.
    expect(assets.list(CHAIN, DEV_ACCOUNT.toLowerCase() as Address)).toHaveLength(1);
    expect(assets.list(CHAIN, OTHER_ACCOUNT)).toEqual([]);
    expect(assets.list(1, DEV_ACCOUNT)).toEqual([]);

    const reloaded = createAssetsService(networks);
    await reloaded.ready;
    expect(reloaded.list(CHAIN, DEV_ACCOUNT)).toEqual(assets.list(CHAIN, DEV_ACCOUNT));
  });

  it('adding the same token again replaces it in place; NFTs are keyed by token id', async () => {
    const assets = createAssetsService(networks);
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC721',
      address: nfts,
      symbol: 'TDN',
      tokenId: '1',
    });
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC721',
      address: nfts,
      symbol: 'TDN',
      tokenId: '2',
    });
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC721',
      address: nfts.toLowerCase() as Address,
      symbol: 'NEW',
      tokenId: '1',
    });
    expect(assets.list(CHAIN, DEV_ACCOUNT).map((a) => [a.tokenId, a.symbol])).toEqual([
      ['1', 'NEW'],
      ['2', 'TDN'],
    ]);
  });

  it('removes by address and token id', async () => {
    const assets = createAssetsService(networks);
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC721',
      address: nfts,
      symbol: 'TDN',
      tokenId: '1',
    });
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC721',
      address: nfts,
      symbol: 'TDN',
      tokenId: '2',
    });
    await assets.remove(CHAIN, DEV_ACCOUNT, nfts, '1');
    expect(assets.list(CHAIN, DEV_ACCOUNT).map((a) => a.tokenId)).toEqual(['2']);
    await assets.remove(CHAIN, DEV_ACCOUNT, nfts, '2');
    expect(assets.list(CHAIN, DEV_ACCOUNT)).toEqual([]);
    const reloaded = createAssetsService(networks);
    await reloaded.ready;
    expect(reloaded.list(CHAIN, DEV_ACCOUNT)).toEqual([]);
  });

  it.each([
    ['an unknown standard', { standard: 'ERC777', address: hst, symbol: 'X', decimals: 1 }],
    ['a bad address', { standard: 'ERC20', address: '0x1234', symbol: 'X', decimals: 1 }],
    ['an ERC-20 without decimals', { standard: 'ERC20', address: hst, symbol: 'X' }],
    [
      'an ERC-20 with a token id',
      { standard: 'ERC20', address: hst, symbol: 'X', decimals: 1, tokenId: '1' },
    ],
    ['an NFT without a token id', { standard: 'ERC721', address: nfts, symbol: 'X' }],
    [
      'a token id with a leading zero',
      { standard: 'ERC1155', address: nfts, symbol: 'X', tokenId: '01' },
    ],
    [
      'a symbol of 12 characters',
      { standard: 'ERC20', address: hst, symbol: 'ABCDEFGHIJKL', decimals: 1 },
    ],
    [
      'a symbol with a control character',
      { standard: 'ERC20', address: hst, symbol: 'A\u202eB', decimals: 1 },
    ],
    ['decimals above 36', { standard: 'ERC20', address: hst, symbol: 'X', decimals: 37 }],
  ])('refuses %s', async (_, asset) => {
    expect(checkedAsset(asset)).toBeUndefined();
    const assets = createAssetsService(networks);
    await expect(
      assets.add(CHAIN, DEV_ACCOUNT, asset as Parameters<typeof assets.add>[2]),
    ).rejects.toMatchObject({ code: 'InvalidInput' });
  });

  it('drops malformed stored entries and ignores an unknown stored version', async () => {
    await fakeBrowser.storage.local.set({
      assets: {
        version: 1,
        lists: {
          [`${CHAIN}:${DEV_ACCOUNT.toLowerCase()}`]: [
            { standard: 'ERC20', address: hst, symbol: 'TST', decimals: 4 },
            { standard: 'ERC20', address: 'nope', symbol: 'BAD', decimals: 4 },
            'garbage',
          ],
        },
      },
    });
    const assets = createAssetsService(networks);
    await assets.ready;
    expect(assets.list(CHAIN, DEV_ACCOUNT).map((a) => a.symbol)).toEqual(['TST']);

    await fakeBrowser.storage.local.set({ assets: { version: 2, lists: {} } });
    const future = createAssetsService(networks);
    await future.ready;
    expect(future.list(CHAIN, DEV_ACCOUNT)).toEqual([]);
  });

  it(`refuses more than ${MAX_ASSETS_PER_ACCOUNT} assets per chain and account`, async () => {
    const lists = {
      [`${CHAIN}:${DEV_ACCOUNT.toLowerCase()}`]: Array.from(
        { length: MAX_ASSETS_PER_ACCOUNT },
        (_, i) => ({ standard: 'ERC1155', address: erc1155, symbol: '', tokenId: String(i) }),
      ),
    };
    await fakeBrowser.storage.local.set({ assets: { version: 1, lists } });
    const assets = createAssetsService(networks);
    await assets.ready;
    await expect(
      assets.add(CHAIN, DEV_ACCOUNT, {
        standard: 'ERC20',
        address: hst,
        symbol: 'TST',
        decimals: 4,
      }),
    ).rejects.toMatchObject({ code: 'InvalidInput' });
    // Replacing one that is already there is still allowed.
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC1155',
      address: erc1155,
      symbol: 'X',
      tokenId: '7',
    });
    expect(assets.list(CHAIN, DEV_ACCOUNT)[7]?.symbol).toBe('X');
  });
});

describe('assets service balances on anvil (the test dApp contracts)', () => {
  it('reads ERC-20 balanceOf with decimals, ERC-721 ownerOf as 1/0, ERC-1155 balanceOf', async () => {
    const assets = createAssetsService(networks);
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC20',
      address: hst,
      symbol: 'TST',
      decimals: 4,
    });
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC721',
      address: nfts,
      symbol: 'TDN',
      tokenId: '1',
    });
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC721',
      address: nfts,
      symbol: 'TDN',
      tokenId: '99',
    });
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC1155',
      address: erc1155,
      symbol: '',
      tokenId: '1',
    });
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC1155',
      address: erc1155,
      symbol: '',
      tokenId: '2',
    });
    const raw = (await anvil.rpc('eth_call', [
      {
        to: hst,
        data: encodeFunctionData({
          abi: TEST_DAPP.hstAbi,
          functionName: 'balanceOf',
          args: [DEV_ACCOUNT],
        }),
      },
      'latest',
    ])) as `0x${string}`;
    const expected = BigInt(raw);
    expect(expected).toBeGreaterThan(0n);
    const balances = await assets.balances(CHAIN, DEV_ACCOUNT);
    expect(balances.map((b) => [b.standard, b.tokenId, b.balance])).toEqual([
      ['ERC20', undefined, (Number(expected) / 10_000).toString()],
      ['ERC721', '1', '1'],
      ['ERC721', '99', '0'],
      ['ERC1155', '1', '5'],
      ['ERC1155', '2', '0'],
    ]);
  });

  it('follows a transfer: the sender sees 0 and the receiver 1', async () => {
    await send(anvil, {
      to: nfts,
      data: encodeFunctionData({
        abi: TEST_DAPP.nftsAbi,
        functionName: 'transferFrom',
        args: [DEV_ACCOUNT, OTHER_ACCOUNT, 2n],
      }),
    });
    const assets = createAssetsService(networks);
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC721',
      address: nfts,
      symbol: 'TDN',
      tokenId: '2',
    });
    await assets.add(CHAIN, OTHER_ACCOUNT, {
      standard: 'ERC721',
      address: nfts,
      symbol: 'TDN',
      tokenId: '2',
    });
    expect((await assets.balances(CHAIN, DEV_ACCOUNT))[0]?.balance).toBe('0');
    expect((await assets.balances(CHAIN, OTHER_ACCOUNT))[0]?.balance).toBe('1');
  });

  it('leaves the balance absent where the chain does not answer', async () => {
    const assets = createAssetsService(networks);
    // No contract at this address: balanceOf returns empty data, which does not decode.
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC20',
      address: '0x000000000000000000000000000000000000dEaD',
      symbol: 'NONE',
      decimals: 18,
    });
    await assets.add(CHAIN, DEV_ACCOUNT, {
      standard: 'ERC20',
      address: hst,
      symbol: 'TST',
      decimals: 4,
    });
    const balances = await assets.balances(CHAIN, DEV_ACCOUNT);
    expect(balances[0]).toEqual({
      standard: 'ERC20',
      address: '0x000000000000000000000000000000000000dEaD',
      symbol: 'NONE',
      decimals: 18,
    });
    expect(balances[1]?.balance).toBeDefined();
    // A chain the wallet does not know: every balance absent, no throw.
    await assets.add(999, DEV_ACCOUNT, {
      standard: 'ERC20',
      address: hst,
      symbol: 'TST',
      decimals: 4,
    });
    expect(await assets.balances(999, DEV_ACCOUNT)).toEqual([
      { standard: 'ERC20', address: getAddress(hst), symbol: 'TST', decimals: 4 },
    ]);
  });

  it('reads ERC-20 metadata and ERC-721 owners from the chain', async () => {
    expect(await readErc20Metadata(networks, CHAIN, hst)).toEqual({ symbol: 'TST', decimals: 4 });
    expect(await readErc20Metadata(networks, CHAIN, erc1155)).toEqual({});
    expect(await readErc721Owner(networks, CHAIN, nfts, 1n)).toBe(DEV_ACCOUNT);
    expect(await readErc721Owner(networks, CHAIN, nfts, 1000n)).toBeUndefined();
  });
});
