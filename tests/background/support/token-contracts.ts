/**
 * The test dApp's own token contracts (`@metamask/test-dapp@9.9.0` `dist/constants.json`: the
 * HST ERC-20, the "NFTs" ERC-721 and the ERC-1155 it deploys), deployed on a test anvil from its
 * first unlocked dev account, as the dApp deploys them through a wallet.
 * @module
 */
import { readFileSync } from 'node:fs';
import { type Abi, type Address, encodeDeployData, encodeFunctionData, type Hex } from 'viem';
import { type Anvil, DEV_ACCOUNT } from './chain-node';

type Constants = Record<string, unknown> & {
  hstAbi: Abi;
  hstBytecode: Hex;
  nftsAbi: Abi;
  nftsBytecode: Hex;
  erc1155Abi: Abi;
  erc1155Bytecode: Hex;
};

export const TEST_DAPP = JSON.parse(
  readFileSync(
    new URL('../../../node_modules/@metamask/test-dapp/dist/constants.json', import.meta.url),
    'utf8',
  ),
) as Constants;

type Receipt = { status: Hex; contractAddress: Address | null };

/** Sends a transaction from the dev account (anvil mines it at once); fails on a revert. */
export async function send(
  anvil: Anvil,
  tx: { to?: Address; data: Hex; from?: Address },
): Promise<Receipt> {
  const hash = await anvil.rpc('eth_sendTransaction', [{ from: DEV_ACCOUNT, ...tx }]);
  // anvil mines at once, but the receipt can trail the hash by a moment: poll for it.
  for (let attempt = 0; attempt < 200; attempt++) {
    const receipt = (await anvil.rpc('eth_getTransactionReceipt', [hash])) as Receipt | null;
    if (receipt) {
      if (receipt.status !== '0x1') throw new Error('transaction reverted');
      return receipt;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no receipt for ${hash}`);
}

async function deploy(anvil: Anvil, data: Hex): Promise<Address> {
  const { contractAddress } = await send(anvil, { data });
  if (!contractAddress) throw new Error('no contract address');
  return contractAddress;
}

/** The test dApp's `createToken`: HST(initialAmount, name, decimals, symbol). */
export function deployHst(anvil: Anvil, decimals: number, symbol: string): Promise<Address> {
  return deploy(
    anvil,
    encodeDeployData({
      abi: TEST_DAPP.hstAbi,
      bytecode: TEST_DAPP.hstBytecode,
      args: [10n, 'TST', decimals, symbol],
    }),
  );
}

/** The test dApp's `deployNFTsButton` then `mintButton` (`mintNFTs(count)`, ids from 1). */
export async function deployNfts(anvil: Anvil, mint: number): Promise<Address> {
  const address = await deploy(
    anvil,
    encodeDeployData({ abi: TEST_DAPP.nftsAbi, bytecode: TEST_DAPP.nftsBytecode }),
  );
  await send(anvil, {
    to: address,
    data: encodeFunctionData({
      abi: TEST_DAPP.nftsAbi,
      functionName: 'mintNFTs',
      args: [BigInt(mint)],
    }),
  });
  return address;
}

/** The test dApp's `deployERC1155Button` then `batchMintButton` (`mintBatch(to, ids, amounts, '0x')`). */
export async function deployErc1155(
  anvil: Anvil,
  to: Address,
  ids: readonly bigint[],
  amounts: readonly bigint[],
): Promise<Address> {
  const address = await deploy(
    anvil,
    encodeDeployData({ abi: TEST_DAPP.erc1155Abi, bytecode: TEST_DAPP.erc1155Bytecode }),
  );
  await send(anvil, {
    to: address,
    data: encodeFunctionData({
      abi: TEST_DAPP.erc1155Abi,
      functionName: 'mintBatch',
      args: [to, ids, amounts, '0x'],
    }),
  });
  return address;
}
