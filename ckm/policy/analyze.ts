/**
 * What a sign payload would do to the wallet's assets, as far as its own bytes say: the outflows,
 * recipients and approvals the policy rules (`evaluate.ts`) count. No chain access and no clock, so
 * every server reaches the same answer from the same payload.
 *
 * Decoded (small ABIs, viem's `decodeFunctionData`):
 * - a transaction's value (to `to`; for a contract creation, to the address CREATE will give it),
 * - ERC-20 `transfer`, `transferFrom` from the wallet, `approve`, `increaseAllowance`
 *   (https://eips.ethereum.org/EIPS/eip-20),
 * - ERC-721 `safeTransferFrom` (both) from the wallet (https://eips.ethereum.org/EIPS/eip-721),
 *   ERC-1155 `safeTransferFrom` and `safeBatchTransferFrom` from the wallet
 *   (https://eips.ethereum.org/EIPS/eip-1155), `setApprovalForAll(…, true)`,
 * - Permit2's `approve(token, spender, uint160, uint48)` transaction,
 * - EIP-712 permits: EIP-2612 `Permit` (https://eips.ethereum.org/EIPS/eip-2612), DAI's `Permit`
 *   with `allowed`, Permit2 `PermitSingle`/`PermitBatch` (AllowanceTransfer) and
 *   `PermitTransferFrom`/`PermitBatchTransferFrom` and their witness forms (SignatureTransfer).
 *
 * Decisions, each conservative for the wallet's owner:
 * - ERC-20 and ERC-721 share `transferFrom` (0x23b872dd) and `approve` (0x095ea7b3); calldata cannot
 *   tell an amount from a token id, so the number counts as an amount of that token. The owner sets
 *   a limit in the token's own units; for an NFT collection, a limit on it counts token ids, which
 *   only ever over-counts.
 * - An approval is an outflow of its amount: the spender can take it without another signature.
 *   An approval of 0 is a revoke and counts nothing (so that revoking a drainer's allowance is never
 *   refused). The price: ERC-721 `approve(spender, 0)` of the item with id 0 is read as a revoke too.
 * - A transfer's recipient counts even when the amount is 0: for ERC-721 `transferFrom` that
 *   "amount" is the id of the item, and item 0 is an item.
 * - "Unlimited" is at least half the amount's range: 2^255 for uint256 amounts (as
 *   `background/decode` `UNLIMITED_THRESHOLD`), 2^159 for Permit2's uint160; DAI's `allowed: true`
 *   and `setApprovalForAll(…, true)` always are.
 * - A permit counts whoever its `owner` is: one that names another owner is useless on chain, and
 *   counting it costs nothing.
 * - Malformed calldata under a known selector decodes to nothing beyond the value: the contract
 *   would revert on it as well. Unknown calldata is a contract call: only its value counts.
 * - A permit whose domain lacks `chainId` or `verifyingContract` (for EIP-2612/DAI) counts nothing:
 *   no token that binds its permits to a chain and itself would accept it.
 * - A permit of another shape than the standard ones (other member names or types) counts nothing:
 *   its type hash is not the one the standard contracts check.
 *
 * What the bytes cannot say: a call to a router or a multicall that moves tokens under an earlier
 * allowance, or any contract's own logic, counts only its value here. That is why approvals count
 * as outflows when they are given, and why `blockUnknownApprovals` exists; the wallet's balance-change
 * preview (issue #8 §1) shows the rest to the user.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import {
  type Address,
  decodeFunctionData,
  getAddress,
  getContractAddress,
  type Hex,
  isAddress,
  isAddressEqual,
  parseAbi,
} from 'viem';
import { payloadDigest } from '../payload';
import type {
  SignPayload,
  TransactionSignPayload,
  TypedDataPayload,
  TypedDataValue,
} from '../payload/types';
import type { AssetAmount } from './types';

export type Outflow = AssetAmount & {
  readonly kind: 'value' | 'transfer' | 'approval' | 'permit' | 'nft';
};

export type ApprovalEffect = {
  readonly chainId: number;
  readonly token: Address;
  readonly spender: Address;
  readonly approval: 'erc20' | 'permit' | 'permit2' | 'forAll';
  /** ≥ half the amount's range (2^255 for uint256), always true for `setApprovalForAll(…, true)`. */
  readonly unlimited: boolean;
};

export type PayloadEffects = {
  /** Summed per (chainId, asset) by `evaluatePolicy`. */
  readonly outflows: readonly Outflow[];
  /** Value and token recipients (not approval spenders: those are in `approvals`). */
  readonly recipients: readonly { readonly chainId: number; readonly address: Address }[];
  readonly approvals: readonly ApprovalEffect[];
  /** (chainId, from, nonce) for transactions: a re-sign of the same nonce replaces the earlier ledger entry. */
  readonly ledgerKey: string;
};

/** Largest uint256: DAI's `allowed: true` allowance. */
const MAX_UINT256 = (1n << 256n) - 1n;

/** The token-standard functions both the servers' rules and the wallet's prompts decode (ERC-20, ERC-721, ERC-1155). */
export const TOKEN_ABI = parseAbi([
  'function transfer(address to, uint256 amount)',
  'function transferFrom(address from, address to, uint256 amountOrTokenId)',
  'function approve(address spender, uint256 amountOrTokenId)',
  'function increaseAllowance(address spender, uint256 addedValue)',
  'function safeTransferFrom(address from, address to, uint256 tokenId)',
  'function safeTransferFrom(address from, address to, uint256 tokenId, bytes data)',
  'function safeTransferFrom(address from, address to, uint256 id, uint256 amount, bytes data)',
  'function safeBatchTransferFrom(address from, address to, uint256[] ids, uint256[] amounts, bytes data)',
  'function setApprovalForAll(address operator, bool approved)',
]);

/** Permit2 AllowanceTransfer `approve` (selector 0x87517c45): a different overload of `approve`. */
const PERMIT2_ABI = parseAbi([
  'function approve(address token, address spender, uint160 amount, uint48 expiration)',
]);
const PERMIT2_APPROVE = '0x87517c45';

const PERMIT2_ALLOWANCE = new Set(['PermitSingle', 'PermitBatch']);
const PERMIT2_TRANSFER = new Set([
  'PermitTransferFrom',
  'PermitBatchTransferFrom',
  'PermitWitnessTransferFrom',
  'PermitBatchWitnessTransferFrom',
]);
const INTEGER_TYPE =
  /^uint(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)$/;

/** ≥ half the range of a `bits`-bit amount. */
function isUnlimited(amount: bigint, bits: number): boolean {
  return amount >= 1n << BigInt(bits - 1);
}

/** Collects effects; recipients are deduplicated. */
class Effects {
  readonly outflows: Outflow[] = [];
  readonly recipients: { chainId: number; address: Address }[] = [];
  readonly approvals: ApprovalEffect[] = [];

  outflow(chainId: number, asset: 'native' | Address, amount: bigint, kind: Outflow['kind']) {
    if (amount > 0n) this.outflows.push({ chainId, asset, amount: amount.toString(), kind });
  }

  recipient(chainId: number, address: Address) {
    const checksummed = getAddress(address);
    if (!this.recipients.some((r) => r.chainId === chainId && r.address === checksummed))
      this.recipients.push({ chainId, address: checksummed });
  }

  approval(effect: ApprovalEffect) {
    this.approvals.push({
      ...effect,
      token: getAddress(effect.token),
      spender: getAddress(effect.spender),
    });
  }

  done(ledgerKey: string): PayloadEffects {
    return {
      outflows: this.outflows,
      recipients: this.recipients,
      approvals: this.approvals,
      ledgerKey,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Transactions

function analyzeTransaction(payload: TransactionSignPayload, from: Address, out: Effects): void {
  const { chainId, transaction: tx } = payload;
  const value = BigInt(tx.value ?? '0x0');
  if (tx.to === undefined) {
    // Contract creation: the value goes to the new contract, at the CREATE address (Yellow Paper
    // §7: keccak256(rlp([sender, nonce]))[12:]).
    if (value > 0n) {
      out.outflow(chainId, 'native', value, 'value');
      out.recipient(chainId, getContractAddress({ from, nonce: BigInt(tx.nonce) }));
    }
    return;
  }
  const to = getAddress(tx.to);
  if (value > 0n) {
    out.outflow(chainId, 'native', value, 'value');
    out.recipient(chainId, to);
  }
  const data: Hex = tx.data ?? '0x';
  if (data.length < 10) return;
  if (data.slice(0, 10).toLowerCase() === PERMIT2_APPROVE) {
    // Any contract with this selector is read as Permit2: counting its approval is the safer reading.
    analyzePermit2Approve(data, chainId, out);
    return;
  }
  let call: ReturnType<typeof decodeFunctionData<typeof TOKEN_ABI>>;
  try {
    call = decodeFunctionData({ abi: TOKEN_ABI, data });
  } catch {
    return; // unknown selector or malformed arguments: a contract call, its value only
  }
  const fromWallet = (owner: Address) => isAddressEqual(owner, from);
  switch (call.functionName) {
    case 'transfer': {
      const [recipient, amount] = call.args;
      out.outflow(chainId, to, amount, 'transfer');
      out.recipient(chainId, recipient);
      return;
    }
    case 'transferFrom': {
      const [owner, recipient, amount] = call.args;
      if (!fromWallet(owner)) return;
      out.outflow(chainId, to, amount, 'transfer');
      out.recipient(chainId, recipient);
      return;
    }
    case 'safeTransferFrom': {
      const [owner, recipient] = call.args;
      if (!fromWallet(owner)) return;
      // ERC-1155 moves `amount` of `id`; ERC-721 moves one item.
      const count = call.args.length === 5 ? call.args[3] : 1n;
      out.outflow(chainId, to, count, 'nft');
      out.recipient(chainId, recipient);
      return;
    }
    case 'safeBatchTransferFrom': {
      const [owner, recipient, , amounts] = call.args;
      const total = amounts.reduce((sum, amount) => sum + amount, 0n);
      if (!fromWallet(owner)) return;
      out.outflow(chainId, to, total, 'nft');
      out.recipient(chainId, recipient);
      return;
    }
    case 'approve':
    case 'increaseAllowance': {
      const [spender, amount] = call.args;
      if (amount === 0n) return; // a revoke (approve) or a no-op (increaseAllowance)
      out.approval({
        chainId,
        token: to,
        spender,
        approval: 'erc20',
        unlimited: isUnlimited(amount, 256),
      });
      out.outflow(chainId, to, amount, 'approval');
      return;
    }
    case 'setApprovalForAll': {
      const [operator, approved] = call.args;
      if (approved)
        out.approval({
          chainId,
          token: to,
          spender: operator,
          approval: 'forAll',
          unlimited: true,
        });
      return;
    }
  }
}

function analyzePermit2Approve(data: Hex, chainId: number, out: Effects): void {
  let args: readonly [Address, Address, bigint, number];
  try {
    args = decodeFunctionData({ abi: PERMIT2_ABI, data }).args;
  } catch {
    return;
  }
  const [token, spender, amount] = args;
  if (amount === 0n) return;
  out.approval({
    chainId,
    token,
    spender,
    approval: 'permit2',
    unlimited: isUnlimited(amount, 160),
  });
  out.outflow(chainId, getAddress(token), amount, 'approval');
}

// ---------------------------------------------------------------------------------------------
// Typed data (permits)

function member(value: TypedDataValue | undefined, name: string): TypedDataValue | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as { readonly [field: string]: TypedDataValue };
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

function integer(value: TypedDataValue | undefined): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value !== 'string' || value.length > 80) return undefined;
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) return undefined;
  return BigInt(value);
}

function address(value: TypedDataValue | undefined): Address | undefined {
  return typeof value === 'string' && isAddress(value, { strict: false })
    ? getAddress(value)
    : undefined;
}

/** The bit width of a struct member's uint type (256 when absent or not a uint). */
function bitsOf(typedData: TypedDataPayload, typeName: string, name: string): number {
  const type = typedData.types[typeName]?.find((m) => m.name === name)?.type ?? 'uint256';
  return Number(INTEGER_TYPE.exec(type)?.[1] ?? 256);
}

function hasMembers(typedData: TypedDataPayload, members: readonly [string, string][]): boolean {
  const declared = new Map((typedData.types.Permit ?? []).map((m) => [m.name, m.type]));
  return members.every(([name, type]) => declared.get(name) === type);
}

function analyzeTypedData(typedData: TypedDataPayload, out: Effects): void {
  const { domain, message, primaryType } = typedData;
  const chainId = domain.chainId;
  if (chainId === undefined) return;
  if (domain.name === 'Permit2') {
    if (PERMIT2_ALLOWANCE.has(primaryType))
      analyzePermit2(typedData, chainId, 'details', 'PermitDetails', out);
    else if (PERMIT2_TRANSFER.has(primaryType))
      analyzePermit2(typedData, chainId, 'permitted', 'TokenPermissions', out);
    return;
  }
  if (primaryType !== 'Permit' || domain.verifyingContract === undefined) return;
  const token = getAddress(domain.verifyingContract);
  const spender = address(member(message, 'spender'));
  if (spender === undefined) return;
  if (
    hasMembers(typedData, [
      ['owner', 'address'],
      ['spender', 'address'],
      ['value', 'uint256'],
      ['deadline', 'uint256'],
    ])
  ) {
    const value = integer(member(message, 'value'));
    if (value === undefined || value === 0n) return;
    out.approval({
      chainId,
      token,
      spender,
      approval: 'permit',
      unlimited: isUnlimited(value, 256),
    });
    out.outflow(chainId, token, value, 'permit');
  } else if (
    hasMembers(typedData, [
      ['holder', 'address'],
      ['spender', 'address'],
      ['expiry', 'uint256'],
      ['allowed', 'bool'],
    ])
  ) {
    // DAI: `allowed` sets the allowance to max uint256, `!allowed` to 0 (a revoke).
    if (member(message, 'allowed') !== true) return;
    out.approval({ chainId, token, spender, approval: 'permit', unlimited: true });
    out.outflow(chainId, token, MAX_UINT256, 'permit');
  }
}

/** Permit2: `details` (AllowanceTransfer) or `permitted` (SignatureTransfer), one or a list. */
function analyzePermit2(
  typedData: TypedDataPayload,
  chainId: number,
  itemsField: 'details' | 'permitted',
  itemType: string,
  out: Effects,
): void {
  const spender = address(member(typedData.message, 'spender'));
  if (spender === undefined) return;
  const raw = member(typedData.message, itemsField);
  const items = Array.isArray(raw) ? (raw as readonly TypedDataValue[]) : [raw];
  const bits = bitsOf(typedData, itemType, 'amount');
  for (const item of items) {
    const token = address(member(item, 'token'));
    const amount = integer(member(item, 'amount'));
    if (token === undefined || amount === undefined || amount === 0n) continue;
    out.approval({
      chainId,
      token,
      spender,
      approval: 'permit2',
      unlimited: isUnlimited(amount, bits),
    });
    out.outflow(chainId, token, amount, 'permit');
  }
}

// ---------------------------------------------------------------------------------------------
// API

/**
 * What `payload`, signed by `from`, would let leave the wallet, as far as its bytes say. Never
 * throws on a parsed payload (`parseSignPayload`): what it cannot decode counts nothing.
 * @example
 * analyzePayload(payload, wallet.address).outflows; // [{ chainId: 1, asset: 'native', amount: '10', kind: 'value' }]
 */
export function analyzePayload(payload: SignPayload, from: Address): PayloadEffects {
  const out = new Effects();
  switch (payload.kind) {
    case 'transaction':
      analyzeTransaction(payload, from, out);
      return out.done(
        `tx:${payload.chainId}:${from.toLowerCase()}:${BigInt(payload.transaction.nonce)}`,
      );
    case 'typedData':
      analyzeTypedData(payload.typedData, out);
      return out.done(`intent:${intentId(payload)}`);
    default:
      return out.done(`intent:${intentId(payload)}`);
  }
}

/**
 * Hex SHA-256 of the payload's intent: a transaction without its nonce, gas and fee fields (chain,
 * `to`, value, data and fee family: `legacy` for legacy and EIP-2930, `eip1559`), or the digest
 * for messages and typed data. The same on every server, and the same when a wallet re-signs a
 * held transaction with a fresh nonce or fees: it names a hold.
 * @example intentId(payload) === hold.holdId
 */
export function intentId(payload: SignPayload): string {
  let intent: readonly unknown[];
  if (payload.kind === 'transaction') {
    const tx = payload.transaction;
    intent = [
      'transaction',
      payload.chainId,
      tx.type === 'eip1559' ? 'eip1559' : 'legacy',
      tx.to === undefined ? null : tx.to.toLowerCase(),
      BigInt(tx.value ?? '0x0').toString(),
      (tx.data ?? '0x').toLowerCase(),
    ];
  } else {
    intent = [payload.kind, bytesToHex(payloadDigest(payload))];
  }
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(['ckm-intent-v1', ...intent]))));
}
