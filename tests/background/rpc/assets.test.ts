import { providerErrors } from '@metamask/rpc-errors';
import { type Address, getAddress, type Hex } from 'viem';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ApprovalRequest } from '../../../background/approvals-api';
import { assetMethods } from '../../../background/rpc/methods/assets';
import { routeRequest } from '../../../background/rpc/router';
import type { Services } from '../../../background/rpc/types';
import { type AssetsService, createAssetsService } from '../../../background/services/assets';
import { createNetworksService, type NetworksService } from '../../../background/services/networks';
import {
  createPermissionsService,
  type PermissionsService,
} from '../../../background/services/permissions';
import {
  type Anvil,
  DEV_ACCOUNT,
  networkAt,
  recordingEvents,
  startAnvil,
} from '../support/chain-node';
import { deployErc1155, deployHst, deployNfts, send, TEST_DAPP } from '../support/token-contracts';

const CHAIN = 31337;
const ORIGIN = 'http://127.0.0.1:9011';
const OTHER_ACCOUNT = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
const IMAGE = 'https://metamask.github.io/test-dapp/metamask-fox.svg';

let anvil: Anvil;
let hst: Address;
let nfts: Address;
let erc1155: Address;
let piggybank: Address;

beforeAll(async () => {
  anvil = await startAnvil(CHAIN);
  hst = await deployHst(anvil, 4, 'TST');
  nfts = await deployNfts(anvil, 2);
  erc1155 = await deployErc1155(anvil, DEV_ACCOUNT, [1n, 2n], [5n, 0n]);
  // A contract that is no token at all (the test dApp's piggy bank).
  const { contractAddress } = await send(anvil, { data: TEST_DAPP.piggybankBytecode as Hex });
  piggybank = contractAddress as Address;
});
afterAll(async () => {
  await anvil?.stop();
});

/** The user, as a test double: approves or rejects each prompt, and remembers them. */
function fakeUser(answer: 'approve' | 'reject' = 'approve') {
  const asked: ApprovalRequest[] = [];
  return {
    asked,
    async request(_origin: string, request: ApprovalRequest) {
      asked.push(request);
      if (answer === 'reject') throw providerErrors.userRejectedRequest();
      return {};
    },
  };
}

let networks: NetworksService;
let permissions: PermissionsService;
let assets: AssetsService;

function servicesWith(
  user: ReturnType<typeof fakeUser>,
  selected: Address = DEV_ACCOUNT,
): Services {
  const account = (address: Address) => ({ index: 0, name: 'Account 1', address, imported: false });
  return {
    networks,
    permissions,
    assets,
    approvals: user,
    keyring: { ready: Promise.resolve(), status: () => 'unlocked' },
    accounts: {
      selected: () => account(selected),
      byAddress: (address: string) =>
        [DEV_ACCOUNT, OTHER_ACCOUNT].find((a) => a.toLowerCase() === address.toLowerCase())
          ? account(getAddress(address))
          : undefined,
    },
  } as unknown as Services;
}

beforeEach(async () => {
  fakeBrowser.reset();
  networks = createNetworksService(recordingEvents(), { builtIns: [networkAt(CHAIN, anvil.url)] });
  permissions = createPermissionsService();
  assets = createAssetsService(networks);
  await Promise.all([networks.ready, permissions.ready, assets.ready]);
  await permissions.grant(ORIGIN, [DEV_ACCOUNT]);
});

async function watch(params: unknown, user = fakeUser(), services = servicesWith(user)) {
  return routeRequest(
    { method: 'wallet_watchAsset', params },
    { origin: ORIGIN },
    services,
    assetMethods,
  );
}

describe('wallet_watchAsset: ERC-20 (EIP-747)', () => {
  it('the test dApp watchAssets request: asks the user, stores the token, returns true', async () => {
    const user = fakeUser();
    // As the test dApp sends it: decimals from an input field, as a string.
    const outcome = await watch(
      { type: 'ERC20', options: { address: hst, symbol: 'TST', decimals: '4', image: IMAGE } },
      user,
    );
    expect(outcome).toEqual({ ok: true, result: true });
    expect(user.asked).toEqual([
      {
        kind: 'watchAsset',
        chain: { chainId: CHAIN, name: `Test ${CHAIN}`, symbol: 'ETH' },
        asset: {
          standard: 'ERC20',
          address: getAddress(hst),
          symbol: 'TST',
          decimals: 4,
          image: IMAGE,
        },
      },
    ]);
    expect(assets.list(CHAIN, DEV_ACCOUNT)).toEqual([
      { standard: 'ERC20', address: getAddress(hst), symbol: 'TST', decimals: 4 },
    ]);
  });

  it('reads symbol and decimals from the contract when the request omits them', async () => {
    const user = fakeUser();
    expect(await watch({ type: 'ERC20', options: { address: hst } }, user)).toEqual({
      ok: true,
      result: true,
    });
    expect(assets.list(CHAIN, DEV_ACCOUNT)).toEqual([
      { standard: 'ERC20', address: getAddress(hst), symbol: 'TST', decimals: 4 },
    ]);
  });

  it('an already watched token answers true without asking again; a new symbol asks', async () => {
    await watch({ type: 'ERC20', options: { address: hst } });
    const again = fakeUser();
    expect(await watch({ type: 'ERC20', options: { address: hst, decimals: 4 } }, again)).toEqual({
      ok: true,
      result: true,
    });
    expect(again.asked).toEqual([]);
    const renamed = fakeUser();
    await watch({ type: 'ERC20', options: { address: hst, symbol: 'tst' } }, renamed);
    expect(renamed.asked.map((r) => r.kind)).toEqual(['watchAsset']);
    expect(assets.list(CHAIN, DEV_ACCOUNT).map((a) => a.symbol)).toEqual(['tst']);
  });

  it('the user rejecting is 4001 and stores nothing', async () => {
    const outcome = await watch({ type: 'ERC20', options: { address: hst } }, fakeUser('reject'));
    expect(outcome).toMatchObject({ ok: false, error: { code: 4001 } });
    expect(assets.list(CHAIN, DEV_ACCOUNT)).toEqual([]);
  });

  it.each([
    [
      'decimals that differ from the contract',
      { address: 'HST', decimals: 18 },
      /do not match the contract's \(4\)/,
    ],
    [
      'a symbol that differs from the contract',
      { address: 'HST', symbol: 'USDC' },
      /does not match the contract's \(TST\)/,
    ],
    [
      'an address with no contract',
      { address: '0x000000000000000000000000000000000000dEaD' },
      /no contract/,
    ],
    [
      'a contract that is no ERC-20',
      { address: 'PIGGY' },
      /does not answer balanceOf like an ERC-20/,
    ],
    ['an ERC-1155 contract', { address: '1155' }, /does not answer balanceOf like an ERC-20/],
  ])('refuses %s with -32602', async (_, options, reason) => {
    const address =
      { HST: hst, PIGGY: piggybank, '1155': erc1155 }[options.address] ?? options.address;
    const user = fakeUser();
    const outcome = await watch({ type: 'ERC20', options: { ...options, address } }, user);
    expect(outcome).toMatchObject({ ok: false, error: { code: -32602 } });
    expect(outcome.ok ? '' : outcome.error.message).toMatch(reason);
    expect(user.asked).toEqual([]);
  });
});

describe('wallet_watchAsset: ERC-721 and ERC-1155 (MetaMask MIP-1)', () => {
  it('the test dApp watchNFTButton request: an owned token is stored with the contract symbol', async () => {
    const user = fakeUser();
    expect(await watch({ type: 'ERC721', options: { address: nfts, tokenId: '1' } }, user)).toEqual(
      {
        ok: true,
        result: true,
      },
    );
    expect(user.asked[0]).toMatchObject({
      kind: 'watchAsset',
      asset: { standard: 'ERC721', address: getAddress(nfts), tokenId: '1' },
    });
    const [stored] = assets.list(CHAIN, DEV_ACCOUNT);
    expect(stored).toMatchObject({ standard: 'ERC721', address: getAddress(nfts), tokenId: '1' });
    expect(stored?.symbol).toMatch(/\S/);
  });

  it('refuses an NFT the account does not own, and one that does not exist', async () => {
    const notMine = await watch(
      { type: 'ERC721', options: { address: nfts, tokenId: '1' } },
      fakeUser(),
      await servicesWithOther(),
    );
    expect(notMine).toMatchObject({ ok: false, error: { code: -32602 } });
    expect(notMine.ok ? '' : notMine.error.message).toMatch(/is not owned by/);
    const missing = await watch({ type: 'ERC721', options: { address: nfts, tokenId: '500' } });
    expect(missing.ok ? '' : missing.error.message).toMatch(/does not exist/);
  });

  it('the test dApp ERC-1155 watchAssetButton request: stored when the balance is positive', async () => {
    const user = fakeUser();
    expect(
      await watch({ type: 'ERC1155', options: { address: erc1155, tokenId: '1' } }, user),
    ).toEqual({
      ok: true,
      result: true,
    });
    expect(assets.list(CHAIN, DEV_ACCOUNT)).toEqual([
      { standard: 'ERC1155', address: getAddress(erc1155), symbol: '', tokenId: '1' },
    ]);
    const none = await watch({ type: 'ERC1155', options: { address: erc1155, tokenId: '2' } });
    expect(none.ok ? '' : none.error.message).toMatch(/holds no token 2/);
  });

  it('an ERC-721 request for an ERC-20 contract is refused', async () => {
    const outcome = await watch({ type: 'ERC721', options: { address: hst, tokenId: '1' } });
    expect(outcome).toMatchObject({ ok: false, error: { code: -32602 } });
  });
});

describe('wallet_watchAsset: strict params (-32602 with the reason, before any prompt)', () => {
  it.each<[string, unknown, RegExp]>([
    ['no params', undefined, /expects an object/],
    ['an array (not EIP-747)', [{ type: 'ERC20', options: {} }], /expects an object/],
    ['an unknown type', { type: 'ERC777', options: {} }, /"ERC777" is not supported/],
    ['a lower-case type', { type: 'erc20', options: {} }, /is not supported/],
    ['no options', { type: 'ERC20' }, /"options" must be an object/],
    [
      'an unknown top-level field',
      { type: 'ERC20', options: {}, chainId: 1 },
      /unknown field "chainId"/,
    ],
    [
      'an unknown option',
      { type: 'ERC20', options: { address: DEV_ACCOUNT, name: 'x' } },
      /unknown option "name"/,
    ],
    ['a bad address', { type: 'ERC20', options: { address: '0x1234' } }, /options.address/],
    [
      'a bad checksum',
      { type: 'ERC20', options: { address: DEV_ACCOUNT.replace('Fd6', 'fD6') } },
      /options.address/,
    ],
    [
      'a 12-character symbol',
      { type: 'ERC20', options: { address: DEV_ACCOUNT, symbol: 'ABCDEFGHIJKL' } },
      /options.symbol/,
    ],
    [
      'an empty symbol',
      { type: 'ERC20', options: { address: DEV_ACCOUNT, symbol: '' } },
      /options.symbol/,
    ],
    [
      'decimals 37',
      { type: 'ERC20', options: { address: DEV_ACCOUNT, decimals: 37 } },
      /options.decimals/,
    ],
    [
      'fractional decimals',
      { type: 'ERC20', options: { address: DEV_ACCOUNT, decimals: 1.5 } },
      /options.decimals/,
    ],
    [
      'decimals "4x"',
      { type: 'ERC20', options: { address: DEV_ACCOUNT, decimals: '4x' } },
      /options.decimals/,
    ],
    [
      'a javascript: image',
      { type: 'ERC20', options: { address: DEV_ACCOUNT, image: 'javascript:alert(1)' } },
      /options.image/,
    ],
    [
      'a tokenId on an ERC-20',
      { type: 'ERC20', options: { address: DEV_ACCOUNT, tokenId: '1' } },
      /only for ERC721/,
    ],
    [
      'an ERC-721 without tokenId',
      { type: 'ERC721', options: { address: DEV_ACCOUNT } },
      /needs "options.tokenId"/,
    ],
    [
      'a numeric tokenId',
      { type: 'ERC721', options: { address: DEV_ACCOUNT, tokenId: 1 } },
      /needs "options.tokenId"/,
    ],
    [
      'a hex tokenId',
      { type: 'ERC1155', options: { address: DEV_ACCOUNT, tokenId: '0x1' } },
      /needs "options.tokenId"/,
    ],
    [
      'a tokenId above uint256',
      { type: 'ERC1155', options: { address: DEV_ACCOUNT, tokenId: (1n << 256n).toString() } },
      /needs "options.tokenId"/,
    ],
    [
      'decimals on an NFT',
      { type: 'ERC721', options: { address: DEV_ACCOUNT, tokenId: '1', decimals: 0 } },
      /only for ERC20/,
    ],
  ])('refuses %s', async (_, params, reason) => {
    const user = fakeUser();
    const outcome = await watch(params, user);
    expect(outcome).toMatchObject({ ok: false, error: { code: -32602 } });
    expect(outcome.ok ? '' : outcome.error.message).toMatch(reason);
    expect(user.asked).toEqual([]);
  });

  it('a site that is not connected gets 4100 before anything else', async () => {
    await permissions.revoke(ORIGIN);
    const outcome = await watch({ type: 'ERC20', options: { address: hst } });
    expect(outcome).toMatchObject({ ok: false, error: { code: 4100 } });
  });
});

/** Services where the origin's account is OTHER_ACCOUNT (which owns no NFT 1). */
async function servicesWithOther(): Promise<Services> {
  await permissions.grant(ORIGIN, [OTHER_ACCOUNT]);
  return servicesWith(fakeUser(), OTHER_ACCOUNT);
}
