/**
 * "Move to a collaborative key": empties an imported account (a key that once existed whole, see
 * `ckm/client/import.ts`) into a fresh DKG account, leaving nothing behind: every watched token
 * first, then all the ETH minus exactly the fee of that last transfer.
 *
 * Why the fee is exact: every transaction is EIP-1559 with `maxFeePerGas == maxPriorityFeePerGas
 * == P`, P at least the current base fee plus a margin. The price paid per gas is
 * min(maxFeePerGas, baseFee + maxPriorityFeePerGas) = min(P, baseFee + P) = P (EIP-1559,
 * "effective_gas_price"), whatever the base fee is when it is mined, as long as it is ≤ P. A plain
 * ETH transfer to an account without code uses exactly 21000 gas (Yellow Paper G_transaction), so
 * its fee is exactly 21000·P, known before it is signed: value = balance − 21000·P leaves 0.
 *
 * Why two steps ({@link planTokenTransfers}, then {@link planFinalEthTransfer} once those are
 * mined): a token transfer's gas used is only bounded by its estimate (refunds, warm slots), so the
 * ETH left after the token transfers is known only once they are mined. Reading the balance then
 * makes the last transfer exact; planning it up front would leave dust or fail.
 *
 * The chain is reached through one JSON-RPC function bound to the chain (the background passes
 * `(method, params) => networks.request(chainId, method, params)`). The results are sign payloads
 * (`ckm/payload`), signed by the imported account's key and broadcast in nonce order.
 * @see https://eips.ethereum.org/EIPS/eip-1559
 * @module
 */
import {
  type Address,
  decodeFunctionResult,
  encodeFunctionData,
  formatEther,
  formatUnits,
  getAddress,
  type Hex,
  isAddress,
  isAddressEqual,
  parseAbi,
  toHex,
} from 'viem';
import type { TransactionSignPayload } from '../../ckm/payload/types';
import { WalletError } from '../errors';
import type { MigrationPreview, TokenView } from '../ui-api';

/** One JSON-RPC call on the migration's chain. */
export type ChainRequest = (method: string, params?: unknown[]) => Promise<unknown>;

/** A watched token of the imported account (as `assets.list` returns them). */
export type MigrationToken = Omit<TokenView, 'balance'>;

/** Gas of a plain value transfer to an account without code (Yellow Paper G_transaction). */
export const TRANSFER_GAS = 21_000n;
/** P = baseFee·(100 + margin)/100 + tip: two blocks of the largest base-fee rise (12.5 % each). */
export const BASE_FEE_MARGIN_PERCENT = 27n;
/** Token transfers get this much more gas than estimated (the unused part is not paid). */
export const GAS_ESTIMATE_MARGIN_PERCENT = 10n;

export type MigrationErrorReason =
  | 'InvalidInput'
  | 'InsufficientFunds'
  | 'NothingToMove'
  | 'DestinationHasCode'
  | 'ChainError';

/** Why a migration cannot be planned; `InvalidInput` or `ChainError` for the popup. */
export class MigrationError extends WalletError {
  readonly reason: MigrationErrorReason;
  constructor(reason: MigrationErrorReason, message: string, options: { cause?: unknown } = {}) {
    super(reason === 'ChainError' ? 'ChainError' : 'InvalidInput', message, options);
    this.reason = reason;
  }
}

export type MigrationAccounts = {
  /** The imported account being emptied. */
  readonly from: Address;
  /** The collaborative (DKG) account receiving everything. */
  readonly to: Address;
  readonly chainId: number;
};

export type PlannedTransfer = {
  readonly payload: TransactionSignPayload;
  /** What moves, for people: the token's symbol (or "ETH") and the raw amount. */
  readonly symbol: string;
  readonly amount: bigint;
  readonly decimals: number;
  readonly token?: MigrationToken;
};

export type TokenTransferPlan = {
  /** The price per gas P of every transaction of this migration. */
  readonly pricePerGas: bigint;
  /** In nonce order; each must be mined before {@link planFinalEthTransfer}. */
  readonly transfers: readonly PlannedTransfer[];
  /** The nonce the final ETH transfer will take. */
  readonly nextNonce: bigint;
  /** Σ gas·P: the most the token transfers can cost. */
  readonly maxTokenFees: bigint;
  /** The account's ETH balance when planned. */
  readonly balance: bigint;
};

const TOKEN_ABI = parseAbi([
  'function balanceOf(address account) view returns (uint256)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'function ownerOf(uint256 tokenId) view returns (address)',
  'function safeTransferFrom(address from, address to, uint256 tokenId)',
  'function balanceOf(address account, uint256 id) view returns (uint256)',
  'function safeTransferFrom(address from, address to, uint256 id, uint256 amount, bytes data)',
]);

async function call<T>(request: ChainRequest, method: string, params: unknown[]): Promise<T> {
  try {
    return (await request(method, params)) as T;
  } catch (cause) {
    throw new MigrationError('ChainError', `the chain did not answer ${method}`, { cause });
  }
}

function quantity(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value))
    throw new MigrationError('ChainError', `the chain answered ${what} with something else`);
  return BigInt(value);
}

function assertAccounts(accounts: MigrationAccounts): void {
  const { from, to, chainId } = accounts;
  if (!isAddress(from, { strict: false }) || !isAddress(to, { strict: false }))
    throw new MigrationError('InvalidInput', '"from" and "to" must be addresses');
  if (isAddressEqual(from, to))
    throw new MigrationError('InvalidInput', '"to" must be another account than "from"');
  if (!Number.isSafeInteger(chainId) || chainId < 1)
    throw new MigrationError('InvalidInput', '"chainId" must be a positive integer');
}

/**
 * P for this migration: the latest base fee plus {@link BASE_FEE_MARGIN_PERCENT}, plus the node's
 * suggested tip (`eth_maxPriorityFeePerGas`, 0 when the node has none).
 */
export async function migrationGasPrice(request: ChainRequest): Promise<bigint> {
  const block = await call<{ baseFeePerGas?: unknown } | null>(request, 'eth_getBlockByNumber', [
    'latest',
    false,
  ]);
  if (!block || block.baseFeePerGas === undefined)
    throw new MigrationError('ChainError', 'the chain has no EIP-1559 base fee');
  const baseFee = quantity(block.baseFeePerGas, 'the base fee');
  let tip = 0n;
  try {
    tip = quantity(await request('eth_maxPriorityFeePerGas', []), 'eth_maxPriorityFeePerGas');
  } catch {
    // Not every node suggests a tip; P above the base fee still gets mined.
  }
  return (baseFee * (100n + BASE_FEE_MARGIN_PERCENT)) / 100n + tip;
}

/** The raw balance of `token` held by `owner` (0 for an NFT it does not own). */
async function tokenBalance(
  request: ChainRequest,
  token: MigrationToken,
  owner: Address,
): Promise<bigint> {
  const read = async (data: Hex) =>
    call<Hex>(request, 'eth_call', [{ to: token.address, data }, 'latest']);
  switch (token.standard) {
    case 'ERC20': {
      const data = await read(
        encodeFunctionData({ abi: TOKEN_ABI, functionName: 'balanceOf', args: [owner] }),
      );
      return decodeFunctionResult({ abi: TOKEN_ABI, functionName: 'balanceOf', data }) as bigint;
    }
    case 'ERC721': {
      const id = BigInt(token.tokenId ?? '-1');
      const data = await read(
        encodeFunctionData({ abi: TOKEN_ABI, functionName: 'ownerOf', args: [id] }),
      ).catch(() => undefined); // ownerOf reverts for a token that does not exist
      if (!data) return 0n;
      const holder = decodeFunctionResult({ abi: TOKEN_ABI, functionName: 'ownerOf', data });
      return isAddressEqual(holder, owner) ? 1n : 0n;
    }
    case 'ERC1155': {
      const id = BigInt(token.tokenId ?? '-1');
      const data = await read(
        encodeFunctionData({ abi: TOKEN_ABI, functionName: 'balanceOf', args: [owner, id] }),
      );
      return decodeFunctionResult({
        abi: TOKEN_ABI,
        functionName: 'balanceOf',
        args: [owner, id],
        data,
      }) as bigint;
    }
  }
}

/** The calldata moving `amount` of `token` from `from` to `to`. */
function transferData(token: MigrationToken, from: Address, to: Address, amount: bigint): Hex {
  switch (token.standard) {
    case 'ERC20':
      return encodeFunctionData({ abi: TOKEN_ABI, functionName: 'transfer', args: [to, amount] });
    case 'ERC721':
      return encodeFunctionData({
        abi: TOKEN_ABI,
        functionName: 'safeTransferFrom',
        args: [from, to, BigInt(token.tokenId as string)],
      });
    case 'ERC1155':
      return encodeFunctionData({
        abi: TOKEN_ABI,
        functionName: 'safeTransferFrom',
        args: [from, to, BigInt(token.tokenId as string), amount, '0x'],
      });
  }
}

function payloadOf(
  chainId: number,
  nonce: bigint,
  gas: bigint,
  pricePerGas: bigint,
  to: Address,
  value: bigint,
  data?: Hex,
): TransactionSignPayload {
  return {
    kind: 'transaction',
    chainId,
    transaction: {
      type: 'eip1559',
      chainId,
      nonce: toHex(nonce),
      gas: toHex(gas),
      maxFeePerGas: toHex(pricePerGas),
      maxPriorityFeePerGas: toHex(pricePerGas),
      to: getAddress(to),
      value: toHex(value),
      ...(data ? { data } : {}),
    },
  };
}

function checkTokens(tokens: readonly MigrationToken[]): void {
  if (!Array.isArray(tokens) || tokens.length > 500)
    throw new MigrationError('InvalidInput', '"tokens" must be a list of at most 500 assets');
  for (const token of tokens) {
    if (!isAddress(token?.address ?? '', { strict: false }))
      throw new MigrationError('InvalidInput', 'a token has no valid contract address');
    if (!['ERC20', 'ERC721', 'ERC1155'].includes(token.standard))
      throw new MigrationError('InvalidInput', 'a token has an unknown standard');
    if (token.standard !== 'ERC20' && !/^(0|[1-9][0-9]{0,77})$/.test(token.tokenId ?? ''))
      throw new MigrationError('InvalidInput', 'an NFT has no valid token id');
  }
}

/**
 * Step one: a transfer of every watched token with a balance, each with its estimated gas (plus
 * {@link GAS_ESTIMATE_MARGIN_PERCENT}) and consecutive nonces from the account's pending nonce, all
 * at price P. Refuses when the ETH balance cannot pay all of them and the final transfer, or when
 * `to` has code (the final transfer would then not cost exactly 21000 gas).
 * @example
 * const plan = await planTokenTransfers(request, { from, to, chainId, tokens });
 * for (const t of plan.transfers) await signSendAndWait(t.payload);
 * const last = await planFinalEthTransfer(request, { from, to, chainId, pricePerGas: plan.pricePerGas });
 */
export async function planTokenTransfers(
  request: ChainRequest,
  args: MigrationAccounts & { readonly tokens: readonly MigrationToken[] },
): Promise<TokenTransferPlan> {
  assertAccounts(args);
  checkTokens(args.tokens);
  const { from, to, chainId } = args;
  const code = await call<Hex>(request, 'eth_getCode', [to, 'latest']);
  if (code !== '0x')
    throw new MigrationError(
      'DestinationHasCode',
      'the collaborative account has contract code; a plain transfer to it has no exact fee',
    );
  const pricePerGas = await migrationGasPrice(request);
  const nonce = quantity(
    await call(request, 'eth_getTransactionCount', [from, 'pending']),
    'eth_getTransactionCount',
  );
  const balance = quantity(await call(request, 'eth_getBalance', [from, 'latest']), 'the balance');
  const transfers: PlannedTransfer[] = [];
  let maxTokenFees = 0n;
  for (const token of args.tokens) {
    const amount = await tokenBalance(request, token, from);
    if (amount === 0n) continue;
    const data = transferData(token, from, to, amount);
    const estimate = quantity(
      await call(request, 'eth_estimateGas', [{ from, to: token.address, data }]),
      'eth_estimateGas',
    );
    const gas = (estimate * (100n + GAS_ESTIMATE_MARGIN_PERCENT)) / 100n;
    maxTokenFees += gas * pricePerGas;
    transfers.push({
      payload: payloadOf(
        chainId,
        nonce + BigInt(transfers.length),
        gas,
        pricePerGas,
        token.address,
        0n,
        data,
      ),
      symbol: token.symbol,
      amount,
      decimals: token.standard === 'ERC20' ? (token.decimals ?? 0) : 0,
      token,
    });
  }
  const finalFee = TRANSFER_GAS * pricePerGas;
  if (balance < maxTokenFees + finalFee)
    throw new MigrationError(
      transfers.length === 0 && balance === 0n ? 'NothingToMove' : 'InsufficientFunds',
      transfers.length === 0 && balance === 0n
        ? 'the account holds no ETH and no watched token'
        : `the account’s ${formatEther(balance)} ETH cannot pay the network fees (${formatEther(maxTokenFees + finalFee)} ETH at most)`,
    );
  return {
    pricePerGas,
    transfers,
    nextNonce: nonce + BigInt(transfers.length),
    maxTokenFees,
    balance,
  };
}

/**
 * Step two, once every token transfer is mined: the whole balance minus exactly 21000·P to `to`.
 * Uses the account's pending nonce and reads the base fee again: P is raised (never lowered) if
 * the base fee has risen past the planned one.
 */
export async function planFinalEthTransfer(
  request: ChainRequest,
  args: MigrationAccounts & { readonly pricePerGas?: bigint },
): Promise<PlannedTransfer> {
  assertAccounts(args);
  const { from, to, chainId } = args;
  const current = await migrationGasPrice(request);
  const pricePerGas =
    args.pricePerGas !== undefined && args.pricePerGas > current ? args.pricePerGas : current;
  const nonce = quantity(
    await call(request, 'eth_getTransactionCount', [from, 'pending']),
    'eth_getTransactionCount',
  );
  const balance = quantity(await call(request, 'eth_getBalance', [from, 'pending']), 'the balance');
  const fee = TRANSFER_GAS * pricePerGas;
  if (balance <= fee)
    throw new MigrationError(
      'InsufficientFunds',
      `the account’s ${formatEther(balance)} ETH does not pay the transfer’s fee of ${formatEther(fee)} ETH`,
    );
  return {
    payload: payloadOf(chainId, nonce, TRANSFER_GAS, pricePerGas, to, balance - fee),
    symbol: 'ETH',
    amount: balance - fee,
    decimals: 18,
  };
}

/**
 * What the popup shows before the move: each token transfer, then the ETH (the balance minus the
 * largest possible fees, so the real amount is at least this), and the total fee at most.
 */
export async function describeMigration(
  request: ChainRequest,
  args: MigrationAccounts & {
    readonly tokens: readonly MigrationToken[];
    /** The chain's native symbol, "ETH" by default. */
    readonly nativeSymbol?: string;
  },
): Promise<MigrationPreview> {
  const plan = await planTokenTransfers(request, args);
  const finalFee = TRANSFER_GAS * plan.pricePerGas;
  const symbol = args.nativeSymbol ?? 'ETH';
  return {
    from: getAddress(args.from),
    to: getAddress(args.to),
    chainId: args.chainId,
    transfers: [
      ...plan.transfers.map((t) => ({
        title:
          t.token?.standard === 'ERC20'
            ? t.symbol
            : `${t.symbol || t.token?.standard} #${t.token?.tokenId}`,
        amount: formatUnits(t.amount, t.decimals),
      })),
      { title: symbol, amount: formatEther(plan.balance - plan.maxTokenFees - finalFee) },
    ],
    fee: `${formatEther(plan.maxTokenFees + finalFee)} ${symbol}`,
  };
}
