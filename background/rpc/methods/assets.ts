/**
 * `wallet_watchAsset`: a site suggests a token for the wallet to show (EIP-747 for ERC-20, and
 * MetaMask's MIP-1 extension for ERC-721 and ERC-1155 with a `tokenId`). The request is checked
 * strictly (-32602 with the reason), then against the chain (an ERC-20 must answer `balanceOf`,
 * and gives its `symbol`/`decimals` when the site did not; an NFT must be owned by the account, as
 * MetaMask requires), then the user approves, and the asset is stored for the origin's account.
 * @see https://eips.ethereum.org/EIPS/eip-747
 * @see https://github.com/MetaMask/metamask-improvement-proposals/blob/main/MIPs/mip-1.md
 * @module
 */
import { providerErrors, rpcErrors } from '@metamask/rpc-errors';
import { type Address, getAddress, isAddress, isAddressEqual } from 'viem';
import type { ApprovalRequest } from '../../approvals-api';
import {
  canonicalTokenId,
  isDisplaySafe,
  MAX_DECIMALS,
  MAX_NFT_SYMBOL_LENGTH,
  MAX_SYMBOL_LENGTH,
  readErc20Balance,
  readErc20Metadata,
  readErc721Owner,
  readErc721Symbol,
  readErc1155Balance,
  type WatchedAsset,
} from '../../services/assets';
import { toChainView } from '../../services/networks';
import type { MethodTable, Services } from '../types';
import { ensureUnlocked, visibleAccounts } from './access';

const invalid = (message: string) => rpcErrors.invalidParams({ message });
const OPTION_KEYS = new Set(['address', 'symbol', 'decimals', 'image', 'tokenId']);
const MAX_IMAGE_LENGTH = 2048;

type Standard = WatchedAsset['standard'];

/** The request after the checks that need no chain. */
type WatchRequest = {
  readonly standard: Standard;
  readonly address: Address;
  readonly symbol?: string;
  readonly decimals?: number;
  readonly image?: string;
  readonly tokenId?: string;
};

/**
 * EIP-747 params: `{ type, options: { address, symbol?, decimals?, image?, tokenId? } }`.
 * @throws -32602 naming the field and what it must be.
 */
export function parseWatchAssetParams(params: unknown): WatchRequest {
  if (!isRecord(params))
    throw invalid('wallet_watchAsset expects an object { type, options } as params (EIP-747).');
  for (const key of Object.keys(params))
    if (key !== 'type' && key !== 'options')
      throw invalid(`wallet_watchAsset: unknown field "${printable(key)}" in params.`);
  const { type, options } = params;
  if (type !== 'ERC20' && type !== 'ERC721' && type !== 'ERC1155')
    throw invalid(
      `wallet_watchAsset: asset type ${typeof type === 'string' ? `"${printable(type)}"` : 'missing'} is not supported; use ERC20, ERC721 or ERC1155.`,
    );
  if (!isRecord(options)) throw invalid('wallet_watchAsset: "options" must be an object.');
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.has(key))
      throw invalid(`wallet_watchAsset: unknown option "${printable(key)}".`);

  const { address, symbol, decimals, image, tokenId } = options;
  if (typeof address !== 'string' || !isAddress(address))
    throw invalid(
      'wallet_watchAsset: "options.address" must be a contract address (20 bytes of hex, with a valid EIP-55 checksum if mixed case).',
    );
  const request: {
    -readonly [K in keyof WatchRequest]: WatchRequest[K];
  } = { standard: type, address: getAddress(address) };

  if (symbol !== undefined) {
    const max = type === 'ERC20' ? MAX_SYMBOL_LENGTH : MAX_NFT_SYMBOL_LENGTH;
    if (
      typeof symbol !== 'string' ||
      symbol.length === 0 ||
      symbol.length > max ||
      !isDisplaySafe(symbol)
    )
      throw invalid(
        `wallet_watchAsset: "options.symbol" must be text of 1 to ${max} characters without control characters.`,
      );
    request.symbol = symbol;
  }

  if (decimals !== undefined) {
    if (type !== 'ERC20')
      throw invalid(`wallet_watchAsset: "options.decimals" is only for ERC20 tokens, not ${type}.`);
    // MetaMask's test dApp sends the decimals as a decimal string ("4"); EIP-747 as a number.
    const value =
      typeof decimals === 'number'
        ? decimals
        : typeof decimals === 'string' && /^[0-9]{1,2}$/.test(decimals)
          ? Number(decimals)
          : Number.NaN;
    if (!Number.isInteger(value) || value < 0 || value > MAX_DECIMALS)
      throw invalid(
        `wallet_watchAsset: "options.decimals" must be an integer from 0 to ${MAX_DECIMALS}.`,
      );
    request.decimals = value;
  }

  if (image !== undefined) {
    if (typeof image !== 'string' || image.length > MAX_IMAGE_LENGTH || !isImageUrl(image))
      throw invalid(
        `wallet_watchAsset: "options.image" must be an http(s), ipfs or data:image URL of at most ${MAX_IMAGE_LENGTH} characters.`,
      );
    request.image = image;
  }

  if (type === 'ERC20') {
    if (tokenId !== undefined)
      throw invalid('wallet_watchAsset: "options.tokenId" is only for ERC721 and ERC1155 assets.');
  } else {
    const id = canonicalTokenId(tokenId);
    if (id === undefined)
      throw invalid(
        `wallet_watchAsset: ${type} needs "options.tokenId", a decimal string of a uint256 (e.g. "1").`,
      );
    request.tokenId = id;
  }
  return request;
}

/**
 * The asset to store, after the chain checks: an ERC-20 that answers like one (with its symbol
 * and decimals, from the request or the contract, and consistent between them), or an NFT the
 * account owns.
 * @throws -32602 with the reason when the contract refutes the request.
 */
export async function checkOnChain(
  request: WatchRequest,
  chainId: number,
  account: Address,
  services: Pick<Services, 'networks'>,
): Promise<WatchedAsset> {
  const { networks } = services;
  const { address, standard } = request;
  const chainName = networks.get(chainId)?.name ?? `chain ${chainId}`;
  const code = await networks.request(chainId, 'eth_getCode', [address, 'latest']);
  if (typeof code !== 'string' || code === '0x' || code === '0x0')
    throw invalid(`wallet_watchAsset: there is no contract at ${address} on ${chainName}.`);

  if (standard === 'ERC20') {
    try {
      await readErc20Balance(networks, chainId, address, account);
    } catch {
      throw invalid(
        `wallet_watchAsset: the contract at ${address} does not answer balanceOf like an ERC-20 token.`,
      );
    }
    const onChain = await readErc20Metadata(networks, chainId, address);
    if (
      request.decimals !== undefined &&
      onChain.decimals !== undefined &&
      request.decimals !== onChain.decimals
    )
      throw invalid(
        `wallet_watchAsset: the decimals in the request (${request.decimals}) do not match the contract's (${onChain.decimals}).`,
      );
    const chainSymbol =
      onChain.symbol !== undefined &&
      onChain.symbol.length > 0 &&
      onChain.symbol.length <= MAX_SYMBOL_LENGTH &&
      isDisplaySafe(onChain.symbol)
        ? onChain.symbol
        : undefined;
    if (
      request.symbol !== undefined &&
      chainSymbol !== undefined &&
      request.symbol.toUpperCase() !== chainSymbol.toUpperCase()
    )
      throw invalid(
        `wallet_watchAsset: the symbol in the request (${request.symbol}) does not match the contract's (${chainSymbol}).`,
      );
    const symbol = request.symbol ?? chainSymbol;
    const decimals = request.decimals ?? onChain.decimals;
    if (symbol === undefined)
      throw invalid(
        `wallet_watchAsset: the contract at ${address} does not report a usable symbol; pass "options.symbol".`,
      );
    if (decimals === undefined || decimals > MAX_DECIMALS)
      throw invalid(
        `wallet_watchAsset: the contract at ${address} does not report its decimals; pass "options.decimals".`,
      );
    return { standard, address, symbol, decimals };
  }

  const tokenId = request.tokenId ?? '0';
  if (standard === 'ERC721') {
    let owner: Address | undefined;
    try {
      owner = await readErc721Owner(networks, chainId, address, BigInt(tokenId));
    } catch {
      throw invalid(
        `wallet_watchAsset: the contract at ${address} does not answer ownerOf like an ERC-721 collection.`,
      );
    }
    if (owner === undefined)
      throw invalid(`wallet_watchAsset: token ${tokenId} of ${address} does not exist.`);
    if (!isAddressEqual(owner, account))
      throw invalid(
        `wallet_watchAsset: token ${tokenId} of ${address} is not owned by ${account}.`,
      );
    const chainSymbol = await readErc721Symbol(networks, chainId, address);
    const symbol =
      request.symbol ??
      (chainSymbol !== undefined &&
      chainSymbol.length <= MAX_NFT_SYMBOL_LENGTH &&
      isDisplaySafe(chainSymbol)
        ? chainSymbol
        : '');
    return { standard, address, symbol, tokenId };
  }

  let balance: bigint;
  try {
    balance = await readErc1155Balance(networks, chainId, address, account, BigInt(tokenId));
  } catch {
    throw invalid(
      `wallet_watchAsset: the contract at ${address} does not answer balanceOf like an ERC-1155 collection.`,
    );
  }
  if (balance === 0n)
    throw invalid(`wallet_watchAsset: ${account} holds no token ${tokenId} of ${address}.`);
  return { standard, address, symbol: request.symbol ?? '', tokenId };
}

export const assetMethods = {
  /**
   * EIP-747. Resolves `true` once the user approves and the asset is stored; 4001 on reject.
   * The asset is stored for the origin's account: its selected account if permitted, else its
   * first permitted account (`visibleAccounts`).
   */
  wallet_watchAsset: {
    policy: 'connected',
    handle: async ({ params }, { origin }, services) => {
      const request = parseWatchAssetParams(params);
      await ensureUnlocked(origin, services);
      const [account] = visibleAccounts(origin, services);
      if (account === undefined)
        throw providerErrors.unauthorized({
          message: `${origin} has no account to watch this asset for.`,
        });
      const network = services.networks.chainOf(origin);
      const asset = await checkOnChain(request, network.chainId, account, services);
      await services.assets.ready;
      const known = services.assets
        .list(network.chainId, account)
        .find((a) => isAddressEqual(a.address, asset.address) && a.tokenId === asset.tokenId);
      if (known && known.symbol === asset.symbol && known.decimals === asset.decimals) return true;
      const approval: Extract<ApprovalRequest, { kind: 'watchAsset' }> = {
        kind: 'watchAsset',
        chain: toChainView(network),
        asset: {
          ...asset,
          ...(request.image === undefined ? {} : { image: request.image }),
        },
      };
      await services.approvals.request(origin, approval);
      await services.assets.add(network.chainId, account, asset);
      return true;
    },
  },
} as const satisfies MethodTable;

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isImageUrl(text: string): boolean {
  if (/^data:image\/[a-z0-9.+-]+[;,]/i.test(text)) return true;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' || url.protocol === 'ipfs:';
  } catch {
    return false;
  }
}

/** A key or type from the page, safe and short for an error message. */
function printable(text: string): string {
  const safe = text.replace(/[^\x20-\x7e]/g, '?').replaceAll('"', "'");
  return safe.length > 32 ? `${safe.slice(0, 32)}…` : safe;
}
