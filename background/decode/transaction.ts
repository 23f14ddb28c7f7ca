/**
 * What a transaction does, in words: calldata decoded with small ABIs for the token standards
 * that move or expose assets, and warnings for the patterns that drain wallets.
 *
 * Standards: ERC-20 (https://eips.ethereum.org/EIPS/eip-20) `transfer`, `transferFrom`,
 * `approve`, and OpenZeppelin's `increaseAllowance`; ERC-721 (https://eips.ethereum.org/EIPS/eip-721)
 * `transferFrom`, both `safeTransferFrom`, `approve`, `setApprovalForAll`; ERC-1155
 * (https://eips.ethereum.org/EIPS/eip-1155) `safeTransferFrom`, `safeBatchTransferFrom`,
 * `setApprovalForAll`.
 *
 * ERC-20 and ERC-721 share the selectors of `transferFrom(address,address,uint256)` (0x23b872dd)
 * and `approve(address,uint256)` (0x095ea7b3): calldata alone cannot tell an amount from a token
 * id. Without a `token.standard` hint the action says so ("… (ERC-20 or ERC-721)") and the
 * unlimited-approval check still runs, since a token id ≥ 2^255 is not a real case.
 *
 * `setApprovalForAll` to a known spender (`ckm/policy/known-spenders.ts`: marketplaces' transfer
 * proxies, Permit2, large DEX routers; the list the servers' approval rule uses too) is how NFT
 * marketplaces work, so it gets no danger warning; the action names the contract instead. Any
 * other operator gets `approval-for-all`, as the servers would refuse it under that rule.
 *
 * Pure: no chain access, no clock. Amounts are raw integers unless the caller passes the token's
 * `decimals` (and `symbol`) as a hint. `TOKEN_ABI` is exported so that the chain checks
 * (`background/safety/chain-warnings.ts`) read spenders and recipients with the same ABI.
 * @module
 */

import {
  type Address,
  decodeFunctionData,
  formatUnits,
  getAddress,
  type Hex,
  isAddressEqual,
  toFunctionSelector,
} from 'viem';
import type { TransactionPayload } from '../../ckm/payload/types';
import { TOKEN_ABI } from '../../ckm/policy/analyze';
import { knownSpender } from '../../ckm/policy/known-spenders';
import type { TransactionInsight, TreeNode, Warning } from './types';
import {
  approvalForAll,
  transferToTokenContract,
  undecodableCalldata,
  unlimitedApproval,
} from './warnings';

/** At or above 2^255 an allowance is "unlimited" in practice (dApps send 2^256−1, 2^255, …). */
export const UNLIMITED_THRESHOLD = 1n << 255n;

/** The token-standard functions the prompts decode: the same table as the servers' rules. */
export { TOKEN_ABI };

/** Selector → the signature it stands for, to tell "unknown" from "known but undecodable". */
const KNOWN_SELECTORS: ReadonlyMap<Hex, string> = new Map(
  TOKEN_ABI.map((item) => {
    const signature = `${item.name}(${item.inputs.map((input) => input.type).join(',')})`;
    return [toFunctionSelector(signature), signature] as const;
  }),
);

export type TokenHint = {
  /** The token's standard, when the caller knows it (a watched asset, `supportsInterface`). */
  readonly standard?: 'ERC20' | 'ERC721' | 'ERC1155';
  readonly symbol?: string;
  readonly decimals?: number;
};

export type DescribeTransactionParameters = Pick<TransactionPayload, 'to' | 'value' | 'data'> & {
  readonly from: Address;
  readonly chainId: number;
  /** What the caller knows about the contract at `to`, if it is a token. */
  readonly token?: TokenHint;
};

export type DescribeTransactionReturnType = TransactionInsight;
/** It never throws: undecodable data is described as a contract call. */
export type DescribeTransactionErrorType = never;

/**
 * Describes a transaction request for the approval prompt. Never throws on odd calldata: what it
 * cannot decode becomes "Contract call" (with a caution when the selector was a known one).
 * @example
 * describeTransaction({ from, to: token, data: encodeFunctionData({ abi, functionName: 'approve', args: [spender, maxUint256] }), chainId: 1 })
 * // → { action: 'Approve (ERC-20 or ERC-721)', args: [...], warnings: [{ kind: 'unlimited-approval', … }] }
 */
export function describeTransaction(
  parameters: DescribeTransactionParameters,
): DescribeTransactionReturnType {
  const { to, data } = parameters;
  const calldata: Hex = data ?? '0x';
  if (to === undefined)
    return {
      action: 'Contract deployment',
      args: [{ label: 'Code size', value: `${(calldata.length - 2) / 2} bytes` }],
      warnings: [],
    };
  if (calldata === '0x') return { action: 'Native transfer', warnings: [] };
  const selector = calldata.slice(0, 10).toLowerCase() as Hex;
  const signature = calldata.length >= 10 ? KNOWN_SELECTORS.get(selector) : undefined;
  if (signature === undefined)
    return {
      action: 'Contract call',
      warnings: [],
      ...(calldata.length >= 10 ? { selector } : {}),
    };
  let decoded: ReturnType<typeof decodeFunctionData<typeof TOKEN_ABI>>;
  try {
    decoded = decodeFunctionData({ abi: TOKEN_ABI, data: calldata });
  } catch {
    return { action: 'Contract call', selector, warnings: [undecodableCalldata(signature)] };
  }
  return {
    ...describeCall(decoded, getAddress(to), parameters.token ?? {}, parameters.chainId),
    selector,
  };
}

type Decoded = ReturnType<typeof decodeFunctionData<typeof TOKEN_ABI>>;

function describeCall(
  call: Decoded,
  contract: Address,
  token: TokenHint,
  chainId: number,
): Omit<TransactionInsight, 'selector'> {
  const warnings: Warning[] = [];
  const recipient = (to: Address): TreeNode => {
    if (isAddressEqual(to, contract)) warnings.push(transferToTokenContract(contract));
    return address('To', to);
  };
  switch (call.functionName) {
    case 'transfer': {
      const [to, amount] = call.args;
      return {
        action: 'ERC-20 transfer',
        args: [recipient(to), tokenAmount('Amount', amount, token)],
        warnings,
      };
    }
    case 'transferFrom': {
      const [from, to, amountOrId] = call.args;
      const args = [address('From', from), recipient(to)];
      if (token.standard === 'ERC721')
        return { action: 'ERC-721 transferFrom', args: [...args, tokenId(amountOrId)], warnings };
      if (token.standard === 'ERC20')
        return {
          action: 'ERC-20 transferFrom',
          args: [...args, tokenAmount('Amount', amountOrId, token)],
          warnings,
        };
      return {
        action: 'transferFrom (ERC-20 or ERC-721)',
        args: [
          ...args,
          { label: 'Amount or token ID', value: amountOrId.toString(), type: 'uint256' },
        ],
        warnings,
      };
    }
    case 'approve': {
      const [spender, amountOrId] = call.args;
      if (token.standard === 'ERC721')
        return {
          action: 'ERC-721 approve',
          args: [address('Approved', spender), tokenId(amountOrId)],
          warnings,
        };
      if (amountOrId >= UNLIMITED_THRESHOLD)
        warnings.push(unlimitedApproval(getAddress(spender), tokenName(contract, token)));
      const amount = tokenAmount(
        token.standard === 'ERC20' ? 'Amount' : 'Amount or token ID',
        amountOrId,
        token,
      );
      return {
        action: token.standard === 'ERC20' ? 'ERC-20 approve' : 'Approve (ERC-20 or ERC-721)',
        args: [address('Spender', spender), amount],
        warnings,
      };
    }
    case 'increaseAllowance': {
      const [spender, added] = call.args;
      if (added >= UNLIMITED_THRESHOLD)
        warnings.push(unlimitedApproval(getAddress(spender), tokenName(contract, token)));
      return {
        action: 'ERC-20 increaseAllowance',
        args: [address('Spender', spender), tokenAmount('Added amount', added, token)],
        warnings,
      };
    }
    case 'safeTransferFrom': {
      if (call.args.length === 5) {
        const [from, to, id, amount, data] = call.args;
        return {
          action: 'ERC-1155 safeTransferFrom',
          args: [
            address('From', from),
            recipient(to),
            tokenId(id),
            { label: 'Amount', value: amount.toString(), type: 'uint256' },
            bytes(data),
          ],
          warnings,
        };
      }
      const [from, to, id] = call.args;
      const args = [address('From', from), recipient(to), tokenId(id)];
      if (call.args.length === 4) args.push(bytes(call.args[3]));
      return { action: 'ERC-721 safeTransferFrom', args, warnings };
    }
    case 'safeBatchTransferFrom': {
      const [from, to, ids, amounts, data] = call.args;
      const count = Math.max(ids.length, amounts.length);
      const items = Array.from(
        { length: count },
        (_, i): TreeNode => ({
          label: `[${i}]`,
          children: [
            { label: 'Token ID', value: ids[i]?.toString() ?? '(missing)', type: 'uint256' },
            { label: 'Amount', value: amounts[i]?.toString() ?? '(missing)', type: 'uint256' },
          ],
        }),
      );
      return {
        action: 'ERC-1155 safeBatchTransferFrom',
        args: [
          address('From', from),
          recipient(to),
          { label: 'Tokens', type: 'uint256[]', children: items },
          bytes(data),
        ],
        warnings,
      };
    }
    case 'setApprovalForAll': {
      const [operator, approved] = call.args;
      const known = knownSpender(chainId, operator);
      if (approved && known === undefined)
        warnings.push(approvalForAll(getAddress(operator), contract));
      const action = approved ? 'setApprovalForAll' : 'setApprovalForAll (revoke)';
      return {
        action: known ? `${action} (${known.name})` : action,
        args: [
          address('Operator', operator),
          { label: 'Approved', value: String(approved), type: 'bool' },
        ],
        warnings,
      };
    }
  }
}

function address(label: string, value: Address): TreeNode {
  return { label, value: getAddress(value), type: 'address' };
}

function tokenId(id: bigint): TreeNode {
  return { label: 'Token ID', value: id.toString(), type: 'uint256' };
}

function bytes(data: Hex): TreeNode {
  return { label: 'Data', value: data, type: 'bytes' };
}

function tokenName(contract: Address, token: TokenHint): string {
  return token.symbol ? `${token.symbol} (${contract})` : contract;
}

/** The raw amount, formatted with the decimals when they are known, "Unlimited" from 2^255. */
export function formatTokenAmount(raw: bigint, token: TokenHint = {}): string {
  if (raw >= UNLIMITED_THRESHOLD) return `Unlimited (${raw})`;
  const { decimals, symbol } = token;
  const unit = symbol ? ` ${symbol}` : '';
  if (decimals === undefined || !Number.isInteger(decimals) || decimals < 0 || decimals > 255)
    return `${raw}${unit}`;
  if (decimals === 0) return `${raw}${unit}`;
  return `${formatUnits(raw, decimals)}${unit} (${raw})`;
}

function tokenAmount(label: string, raw: bigint, token: TokenHint): TreeNode {
  return { label, value: formatTokenAmount(raw, token), type: 'uint256' };
}
