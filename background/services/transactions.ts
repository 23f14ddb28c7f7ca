/**
 * `eth_sendTransaction` from request to broadcast: validate the dApp's fields, fill what it left
 * out from the chain (nonce, gas, EIP-1559 fees or a legacy gas price), let the user review and
 * edit fees and nonce, sign with the threshold key, broadcast with `eth_sendRawTransaction`, and
 * record it in the activity list. Speed up and cancel are same-nonce replacements.
 * @module
 */
import { rpcErrors } from '@metamask/rpc-errors';
import { getAddress, type Hex, isAddress, keccak256, toHex } from 'viem';
import { parseSignPayload } from '../../ckm/payload';
import type { TransactionPayload, TransactionSignPayload } from '../../ckm/payload/types';
import type { TransactionView } from '../approvals-api';
import { describeTransaction } from '../decode/index';
import type { TransactionInsight } from '../decode/types';
import { isWalletError, WalletError } from '../errors';
import { chainWarnings, transactionParties, withWarnings } from '../safety/chain-warnings';
import { simulateBalanceChanges, withPreview } from '../simulation/simulate';
import type { AccountView, ActivityItem } from '../ui-api';
import type { ActivityService } from './activity';
import type { AssetsService } from './assets';
import { type HeldService, heldId } from './held';
import type { NetworksService } from './networks';
import type { Signed, SignerService } from './signer';

const MAX_DATA_BYTES = 256 * 1024;
const GWEI = 1_000_000_000n;
/** Replacement fees must beat the old ones by 10 % (geth's and reth's default price bump). */
const REPLACEMENT_BUMP_PERCENT = 110n;

/** The dApp's transaction after validation; absent fields are filled from the chain. */
export type TransactionRequest = {
  readonly from: Hex;
  readonly to?: Hex;
  readonly value: bigint;
  readonly data: Hex;
  readonly gas?: bigint;
  readonly nonce?: bigint;
  readonly gasPrice?: bigint;
  readonly maxFeePerGas?: bigint;
  readonly maxPriorityFeePerGas?: bigint;
  readonly chainId?: number;
  /** `legacy` when the dApp asked for type 0 or gave only a gas price. */
  readonly legacy: boolean;
};

const invalid = (message: string) => rpcErrors.invalidParams({ message });

function quantity(value: unknown, field: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value !== 'string' || value.length > 66 || !/^0x[0-9a-fA-F]+$/.test(value))
    throw invalid(`"${field}" must be a hex quantity.`);
  return BigInt(value);
}

/** Validates `eth_sendTransaction`'s first parameter; every error names the field. */
export function parseTransactionRequest(params: unknown): TransactionRequest {
  if (!Array.isArray(params) || params.length < 1)
    throw invalid('eth_sendTransaction expects [transaction].');
  const tx = params[0] as Record<string, unknown>;
  if (typeof tx !== 'object' || tx === null || Array.isArray(tx))
    throw invalid('The transaction must be an object.');
  const known = new Set([
    'from',
    'to',
    'value',
    'data',
    'input',
    'gas',
    'gasLimit',
    'gasPrice',
    'maxFeePerGas',
    'maxPriorityFeePerGas',
    'nonce',
    'type',
    'chainId',
    'accessList',
  ]);
  for (const key of Object.keys(tx))
    if (!known.has(key)) throw invalid(`The transaction has an unsupported field "${key}".`);
  if (typeof tx.from !== 'string' || !isAddress(tx.from, { strict: false }))
    throw invalid('"from" must be an address.');
  let to: Hex | undefined;
  if (tx.to !== undefined && tx.to !== null && tx.to !== '') {
    if (typeof tx.to !== 'string' || !isAddress(tx.to, { strict: false }))
      throw invalid('"to" must be an address.');
    to = getAddress(tx.to);
  }
  const data = tx.data ?? tx.input ?? '0x';
  if (tx.data !== undefined && tx.input !== undefined && tx.data !== tx.input)
    throw invalid('"data" and "input" differ.');
  if (typeof data !== 'string' || !/^0x(?:[0-9a-fA-F]{2})*$/.test(data))
    throw invalid('"data" must be hex bytes.');
  if (data.length > 2 + 2 * MAX_DATA_BYTES)
    throw invalid(`"data" is larger than ${MAX_DATA_BYTES} bytes.`);
  if (to === undefined && data === '0x')
    throw invalid('A transaction without "to" must carry contract code in "data".');
  const opt = (key: string) =>
    tx[key] === undefined || tx[key] === null ? undefined : quantity(tx[key], key);
  const type = tx.type === undefined ? undefined : Number(quantity(tx.type, 'type'));
  if (type !== undefined && type !== 0 && type !== 1 && type !== 2)
    throw invalid('"type" must be 0x0, 0x1 or 0x2.');
  const gasPrice = opt('gasPrice');
  const maxFeePerGas = opt('maxFeePerGas');
  const maxPriorityFeePerGas = opt('maxPriorityFeePerGas');
  if (gasPrice !== undefined && (maxFeePerGas !== undefined || maxPriorityFeePerGas !== undefined))
    throw invalid('Give either "gasPrice" or the EIP-1559 fees, not both.');
  if (
    maxFeePerGas !== undefined &&
    maxPriorityFeePerGas !== undefined &&
    maxPriorityFeePerGas > maxFeePerGas
  )
    throw invalid('"maxPriorityFeePerGas" cannot exceed "maxFeePerGas".');
  const gas = opt('gas') ?? opt('gasLimit');
  const nonce = opt('nonce');
  const chainId = tx.chainId === undefined ? undefined : Number(quantity(tx.chainId, 'chainId'));
  if (tx.accessList !== undefined && (!Array.isArray(tx.accessList) || tx.accessList.length > 0))
    throw invalid('"accessList" is not supported yet (send an empty list or none).');
  return {
    from: getAddress(tx.from),
    ...(to ? { to } : {}),
    value: opt('value') ?? 0n,
    data: data as Hex,
    ...(gas !== undefined ? { gas } : {}),
    ...(nonce !== undefined ? { nonce } : {}),
    ...(gasPrice !== undefined ? { gasPrice } : {}),
    ...(maxFeePerGas !== undefined ? { maxFeePerGas } : {}),
    ...(maxPriorityFeePerGas !== undefined ? { maxPriorityFeePerGas } : {}),
    ...(chainId !== undefined ? { chainId } : {}),
    legacy: type === 0 || type === 1 || (gasPrice !== undefined && maxFeePerGas === undefined),
  };
}

export type PreparedTransaction = {
  readonly view: TransactionView;
  readonly insight: TransactionInsight;
  readonly chainId: number;
};

export type TransactionsService = {
  /** Fills the missing fields from the chain; the result is what the prompt shows. */
  prepare(request: TransactionRequest, chainId: number): Promise<PreparedTransaction>;
  /** Applies the user's edits, signs, broadcasts, records; returns the hash. */
  send(args: {
    account: AccountView;
    origin: string;
    prepared: PreparedTransaction;
    edits: { nonce?: Hex; maxFeePerGas?: Hex; maxPriorityFeePerGas?: Hex; gasPrice?: Hex };
    replaces?: Hex;
    title?: string;
  }): Promise<Signed<Hex>>;
  /** Same nonce, fees +10 % (at least), same call. */
  speedUp(id: string, account: AccountView): Promise<ActivityItem>;
  /** Same nonce, fees +10 %, 0 ETH to oneself. */
  cancel(id: string, account: AccountView): Promise<ActivityItem>;
};

const hex = (value: bigint): Hex => toHex(value);

export function createTransactionsService(deps: {
  networks: NetworksService;
  signer: SignerService;
  activity: ActivityService;
  /** Watched tokens name the contract a call goes to (standard, symbol, decimals). */
  assets?: Pick<AssetsService, 'list'>;
  /** Where a transaction a server held is kept (issue #8). */
  held?: Pick<HeldService, 'add'>;
}): TransactionsService {
  const { networks, signer, activity } = deps;
  const tokenHint = (chainId: number, from: Hex, to: Hex | undefined) => {
    const asset =
      to === undefined
        ? undefined
        : deps.assets
            ?.list(chainId, from)
            .find((a) => a.address.toLowerCase() === to.toLowerCase());
    if (!asset) return {};
    return {
      token: {
        standard: asset.standard,
        symbol: asset.symbol,
        ...(asset.decimals !== undefined ? { decimals: asset.decimals } : {}),
      },
    };
  };
  const rpc = (chainId: number, method: string, params: unknown[]) =>
    networks.request(chainId, method, params);

  async function nextNonce(chainId: number, from: Hex): Promise<bigint> {
    const chain = BigInt((await rpc(chainId, 'eth_getTransactionCount', [from, 'pending'])) as Hex);
    // Our own pending transactions may not be in this node's pool (another RPC, a restart).
    let next = chain;
    for (const a of activity.list(from))
      if (a.chainId === chainId && a.status === 'pending' && BigInt(a.nonce) >= next)
        next = BigInt(a.nonce) + 1n;
    return next;
  }

  async function fees(
    chainId: number,
    request: TransactionRequest,
  ): Promise<
    | { gasPrice: bigint; maxFeePerGas?: undefined; maxPriorityFeePerGas?: undefined }
    | { gasPrice?: undefined; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }
  > {
    if (request.legacy)
      return {
        gasPrice: request.gasPrice ?? BigInt((await rpc(chainId, 'eth_gasPrice', [])) as Hex),
      };
    const block = (await rpc(chainId, 'eth_getBlockByNumber', ['latest', false])) as {
      baseFeePerGas?: Hex;
    } | null;
    if (!block?.baseFeePerGas)
      // No EIP-1559 on this chain: a legacy transaction with the node's gas price.
      return {
        gasPrice: request.maxFeePerGas ?? BigInt((await rpc(chainId, 'eth_gasPrice', [])) as Hex),
      };
    const baseFee = BigInt(block.baseFeePerGas);
    let priority = request.maxPriorityFeePerGas;
    if (priority === undefined) {
      try {
        priority = BigInt((await rpc(chainId, 'eth_maxPriorityFeePerGas', [])) as Hex);
      } catch {
        priority = GWEI;
      }
    }
    const maxFee = request.maxFeePerGas ?? baseFee * 2n + priority;
    return { maxFeePerGas: maxFee, maxPriorityFeePerGas: priority > maxFee ? maxFee : priority };
  }

  async function estimate(chainId: number, request: TransactionRequest): Promise<bigint> {
    if (request.gas !== undefined) return request.gas;
    const call = {
      from: request.from,
      ...(request.to ? { to: request.to } : {}),
      value: hex(request.value),
      data: request.data,
    };
    const estimated = BigInt((await rpc(chainId, 'eth_estimateGas', [call])) as Hex);
    // A plain transfer costs exactly what was estimated; a call may cost more when state moves.
    return request.data === '0x' ? estimated : (estimated * 12n) / 10n;
  }

  function payloadOf(view: TransactionView, chainId: number): TransactionSignPayload {
    const common = {
      chainId,
      nonce: view.nonce,
      gas: view.gas,
      ...(view.to ? { to: view.to } : {}),
      value: view.value,
      data: view.data,
    };
    const transaction: TransactionPayload =
      view.gasPrice !== undefined
        ? { type: 'legacy', ...common, gasPrice: view.gasPrice }
        : {
            type: 'eip1559',
            ...common,
            maxFeePerGas: view.maxFeePerGas as Hex,
            maxPriorityFeePerGas: view.maxPriorityFeePerGas as Hex,
          };
    return parseSignPayload({
      kind: 'transaction',
      chainId,
      transaction,
    }) as TransactionSignPayload;
  }

  function applyEdits(view: TransactionView, edits: Record<string, unknown>): TransactionView {
    const edited: Record<string, Hex> = {};
    for (const key of ['nonce', 'maxFeePerGas', 'maxPriorityFeePerGas', 'gasPrice'] as const) {
      const value = edits[key];
      if (value === undefined) continue;
      if (view[key] === undefined)
        throw new WalletError('InvalidInput', `"${key}" does not apply to this transaction.`);
      try {
        edited[key] = hex(quantity(value, key));
      } catch {
        throw new WalletError('InvalidInput', `"${key}" must be a hex quantity.`);
      }
    }
    const next = { ...view, ...edited };
    if (
      next.maxFeePerGas !== undefined &&
      BigInt(next.maxPriorityFeePerGas ?? '0x0') > BigInt(next.maxFeePerGas)
    )
      throw new WalletError('InvalidInput', 'The priority fee cannot exceed the max fee.');
    return next;
  }

  async function broadcast(
    account: AccountView,
    origin: string,
    view: TransactionView,
    chainId: number,
    title: string,
    replaces?: Hex,
  ): Promise<Signed<Hex>> {
    const payload = payloadOf(view, chainId);
    const signed = await signer.signTransaction(account, payload);
    const hash = (await rpc(chainId, 'eth_sendRawTransaction', [signed.value])) as Hex;
    if (hash.toLowerCase() !== keccak256(signed.value).toLowerCase())
      throw new WalletError('ChainError', 'The node answered with another transaction hash.');
    await activity.add({
      id: hash,
      hash,
      chainId,
      from: account.address,
      ...(view.to ? { to: view.to } : {}),
      value: view.value,
      nonce: Number(BigInt(view.nonce)),
      origin,
      status: 'pending',
      submittedAt: Date.now(),
      title,
      ...(signed.completion.cosigner ? { cosigner: signed.completion.cosigner } : {}),
      ...(replaces ? { replaces } : {}),
      payload,
    });
    return { value: hash, completion: signed.completion };
  }

  async function replace(id: string, account: AccountView, cancel: boolean): Promise<ActivityItem> {
    const record = activity.get(id);
    if (record?.status !== 'pending')
      throw new WalletError('NotFound', 'That transaction is no longer pending.');
    const tx = record.payload.transaction;
    const bump = (value: Hex) => hex((BigInt(value) * REPLACEMENT_BUMP_PERCENT + 99n) / 100n);
    const base: TransactionView = {
      from: account.address,
      ...(cancel ? { to: account.address } : tx.to ? { to: tx.to } : {}),
      value: cancel ? '0x0' : (tx.value ?? '0x0'),
      data: cancel ? '0x' : (tx.data ?? '0x'),
      nonce: tx.nonce,
      gas: cancel ? hex(21_000n) : tx.gas,
      ...(tx.type === 'eip1559'
        ? {
            maxFeePerGas: bump(tx.maxFeePerGas),
            maxPriorityFeePerGas: bump(tx.maxPriorityFeePerGas),
          }
        : { gasPrice: bump(tx.gasPrice) }),
    };
    const { value: hash } = await broadcast(
      account,
      record.origin,
      base,
      record.chainId,
      cancel ? 'Cancel' : `${record.title} (sped up)`,
      record.hash,
    );
    const item = activity.list().find((a) => a.hash === hash);
    if (!item) throw new WalletError('NotFound', 'The replacement was not recorded.');
    return item;
  }

  /**
   * A server held the transaction under the owner's "above this amount, wait" rule: keep it so
   * the user can send it once the waiting period is over, or cancel it (`services/held.ts`).
   */
  async function keepIfHeld(
    error: unknown,
    account: AccountView,
    origin: string,
    view: TransactionView,
    chainId: number,
    title: string,
  ): Promise<void> {
    const refusal = isWalletError(error, 'PolicyRefused') ? error.policy : undefined;
    if (!deps.held || refusal?.rule !== 'hold' || refusal.status !== 'waiting') return;
    await deps.held.add({
      id: heldId(chainId, refusal.holdId),
      holdId: refusal.holdId,
      chainId,
      from: account.address,
      ...(view.to ? { to: view.to } : {}),
      value: view.value,
      origin,
      title,
      createdAt: Date.now(),
      readyAt: refusal.readyAt,
      request: {
        ...(view.to ? { to: view.to } : {}),
        value: view.value,
        data: view.data,
        gas: view.gas,
        legacy: view.gasPrice !== undefined,
      },
      ...(account.walletId ? { walletId: account.walletId } : {}),
    });
  }

  return {
    async prepare(request, chainId) {
      if (request.chainId !== undefined && request.chainId !== chainId)
        throw invalid(
          `The transaction is for chain ${request.chainId}, but this site is on chain ${chainId}. Switch chains first.`,
        );
      // The balance-change preview runs beside the fee and nonce lookups; it never throws.
      const preview = simulateBalanceChanges({
        rpc: (method, params) => rpc(chainId, method, params),
        chainId,
        from: request.from,
        tx: {
          ...(request.to ? { to: request.to } : {}),
          value: request.value,
          data: request.data,
          ...(request.gas !== undefined ? { gas: request.gas } : {}),
        },
        nativeSymbol: networks.get(chainId)?.nativeCurrency.symbol ?? 'ETH',
      });
      // So do the chain's warnings (spender-is-eoa, new-contract); they never throw either.
      const chained = chainWarnings({
        rpc: (method, params) => rpc(chainId, method, params),
        chainId,
        ...transactionParties({ ...(request.to ? { to: request.to } : {}), data: request.data }),
        now: Date.now(),
      });
      const [nonce, gas, fee] = await Promise.all([
        request.nonce ?? nextNonce(chainId, request.from),
        estimate(chainId, request),
        fees(chainId, request),
      ]);
      const view: TransactionView = {
        from: request.from,
        ...(request.to ? { to: request.to } : {}),
        value: hex(request.value),
        data: request.data,
        nonce: hex(nonce),
        gas: hex(gas),
        ...(fee.gasPrice !== undefined
          ? { gasPrice: hex(fee.gasPrice) }
          : {
              maxFeePerGas: hex(fee.maxFeePerGas),
              maxPriorityFeePerGas: hex(fee.maxPriorityFeePerGas),
            }),
      };
      const insight = describeTransaction({
        from: request.from,
        ...(request.to ? { to: request.to } : {}),
        value: view.value,
        data: request.data,
        chainId,
        ...tokenHint(chainId, request.from, request.to),
      });
      const previewed = withPreview(insight, await preview);
      return { view, insight: withWarnings(previewed, await chained), chainId };
    },
    async send({ account, origin, prepared, edits, replaces, title }) {
      const view = applyEdits(prepared.view, edits);
      const label = title ?? prepared.insight.action;
      try {
        return await broadcast(account, origin, view, prepared.chainId, label, replaces);
      } catch (error) {
        await keepIfHeld(error, account, origin, view, prepared.chainId, label);
        throw error;
      }
    },
    speedUp: (id, account) => replace(id, account, false),
    cancel: (id, account) => replace(id, account, true),
  };
}
