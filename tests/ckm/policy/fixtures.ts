/**
 * Shared fixtures of the policy engine's tests: addresses, policies and sign payloads built with
 * viem's encoders and parsed by `parseSignPayload`, as a server receives them.
 */
import {
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  isAddress,
  parseAbi,
  toHex,
} from 'viem';
import { expect } from 'vitest';
import { type CkmErrorCode, isCkmError } from '../../../ckm/errors';
import { parseSignPayload, type SignPayload } from '../../../ckm/payload';
import { DEFAULT_POLICY, type WalletPolicy } from '../../../ckm/policy';

export const WALLET: Address = getAddress('0x1111111111111111111111111111111111111111');
export const ALICE: Address = getAddress('0xa11cea11cea11cea11cea11cea11cea11cea11ce');
export const BOB: Address = getAddress('0xb0bb0bb0bb0bb0bb0bb0bb0bb0bb0bb0bb0bb0bb');
export const TOKEN: Address = getAddress('0x70c0000000000000000000000000000000000000');
export const NFT: Address = getAddress('0x4e46540000000000000000000000000000000000');
export const DRAINER: Address = getAddress('0xdddddddddddddddddddddddddddddddddddddddd');
/** Permit2 and OpenSea's conduit, from `known-spenders.ts`. */
export const PERMIT2: Address = getAddress('0x000000000022d473030f116ddee9f6b43ac78ba3');
export const CONDUIT: Address = getAddress('0x1e0049783f008a0085193e00003d00cd54003c71');
/** `address` with the case of one checksummed letter flipped: a broken EIP-55 checksum. */
export function badChecksum(address: Address): string {
  const i = address.slice(2).search(/[a-fA-F]/) + 2;
  const c = address.charAt(i);
  const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  const bad = `${address.slice(0, i)}${flipped}${address.slice(i + 1)}`;
  if (isAddress(bad, { strict: true })) throw new Error('the flip kept a valid checksum');
  return bad;
}

export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_UINT160 = (1n << 160n) - 1n;

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
  'function approve(address token, address spender, uint160 amount, uint48 expiration)',
]);

export type TxOptions = {
  readonly to?: Address;
  readonly value?: bigint;
  readonly data?: Hex;
  readonly nonce?: number;
  readonly chainId?: number;
  readonly maxFeePerGas?: bigint;
  readonly type?: 'eip1559' | 'legacy';
};

/** A parsed transaction payload. */
export function tx(options: TxOptions = {}): SignPayload {
  const chainId = options.chainId ?? 1;
  const fees =
    options.type === 'legacy'
      ? { type: 'legacy', gasPrice: toHex(options.maxFeePerGas ?? 10n ** 9n) }
      : {
          type: 'eip1559',
          maxFeePerGas: toHex(options.maxFeePerGas ?? 2n * 10n ** 9n),
          maxPriorityFeePerGas: toHex(10n ** 9n),
        };
  return parseSignPayload({
    kind: 'transaction',
    chainId,
    transaction: {
      ...fees,
      chainId,
      nonce: toHex(options.nonce ?? 0),
      gas: toHex(100_000),
      ...('to' in options ? (options.to === undefined ? {} : { to: options.to }) : { to: BOB }),
      ...(options.value === undefined ? {} : { value: toHex(options.value) }),
      ...(options.data === undefined ? {} : { data: options.data }),
    },
  });
}

/** A token call `functionName(args)` sent to `to` (the token contract by default). */
export function call(data: Hex, options: Omit<TxOptions, 'data'> = {}): SignPayload {
  return tx({ to: TOKEN, ...options, data });
}

export function encode(
  functionName:
    | 'transfer'
    | 'transferFrom'
    | 'approve'
    | 'increaseAllowance'
    | 'safeTransferFrom'
    | 'safeBatchTransferFrom'
    | 'setApprovalForAll',
  args: readonly unknown[],
): Hex {
  // The ABI's overloads are told apart by their arguments, as in viem.
  return encodeFunctionData({
    abi: TOKEN_ABI,
    functionName,
    args,
  } as Parameters<typeof encodeFunctionData>[0]);
}

export function policy(overrides: Partial<WalletPolicy> = {}): WalletPolicy {
  return { ...DEFAULT_POLICY, ...overrides };
}

export function expectCkmError(run: () => unknown, code: CkmErrorCode, message?: string | RegExp) {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isCkmError(thrown), `expected CkmError ${code}, got ${String(thrown)}`).toBe(true);
  if (!isCkmError(thrown)) return;
  expect(thrown.code).toBe(code);
  if (message !== undefined) expect(thrown.shortMessage).toMatch(message);
}

const PERMIT_TYPES = {
  EIP712Domain: [
    { name: 'name', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'chainId', type: 'uint256' },
    { name: 'verifyingContract', type: 'address' },
  ],
};

/** EIP-2612 permit of `value` on TOKEN to `spender`. */
export function eip2612(spender: Address, value: bigint, chainId = 1): SignPayload {
  return parseSignPayload({
    kind: 'typedData',
    typedData: {
      types: {
        ...PERMIT_TYPES,
        Permit: [
          { name: 'owner', type: 'address' },
          { name: 'spender', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'Permit',
      domain: { name: 'Token', version: '1', chainId, verifyingContract: TOKEN },
      message: {
        owner: WALLET,
        spender,
        value: value.toString(),
        nonce: 0,
        deadline: 2_000_000_000,
      },
    },
  });
}

/** DAI-style permit (`allowed`) on TOKEN to `spender`. */
export function daiPermit(spender: Address, allowed: boolean): SignPayload {
  return parseSignPayload({
    kind: 'typedData',
    typedData: {
      types: {
        ...PERMIT_TYPES,
        Permit: [
          { name: 'holder', type: 'address' },
          { name: 'spender', type: 'address' },
          { name: 'nonce', type: 'uint256' },
          { name: 'expiry', type: 'uint256' },
          { name: 'allowed', type: 'bool' },
        ],
      },
      primaryType: 'Permit',
      domain: { name: 'Dai Stablecoin', version: '1', chainId: 1, verifyingContract: TOKEN },
      message: { holder: WALLET, spender, nonce: 0, expiry: 0, allowed },
    },
  });
}

const PERMIT2_DOMAIN_TYPES = {
  EIP712Domain: [
    { name: 'name', type: 'string' },
    { name: 'chainId', type: 'uint256' },
    { name: 'verifyingContract', type: 'address' },
  ],
};
const PERMIT2_DOMAIN = { name: 'Permit2', chainId: 1, verifyingContract: PERMIT2 };

type Grant = { readonly token: Address; readonly amount: bigint };

/** Permit2 AllowanceTransfer `PermitSingle` or `PermitBatch` (more than one grant). */
export function permit2Allowance(spender: Address, grants: readonly Grant[]): SignPayload {
  const details = grants.map((g, i) => ({
    token: g.token,
    amount: g.amount.toString(),
    expiration: 2_000_000_000,
    nonce: i,
  }));
  const batch = grants.length > 1;
  return parseSignPayload({
    kind: 'typedData',
    typedData: {
      types: {
        ...PERMIT2_DOMAIN_TYPES,
        [batch ? 'PermitBatch' : 'PermitSingle']: [
          { name: 'details', type: batch ? 'PermitDetails[]' : 'PermitDetails' },
          { name: 'spender', type: 'address' },
          { name: 'sigDeadline', type: 'uint256' },
        ],
        PermitDetails: [
          { name: 'token', type: 'address' },
          { name: 'amount', type: 'uint160' },
          { name: 'expiration', type: 'uint48' },
          { name: 'nonce', type: 'uint48' },
        ],
      },
      primaryType: batch ? 'PermitBatch' : 'PermitSingle',
      domain: PERMIT2_DOMAIN,
      message: { details: batch ? details : details[0], spender, sigDeadline: 2_000_000_000 },
    },
  });
}

/** Permit2 SignatureTransfer `PermitTransferFrom` or `PermitBatchTransferFrom`. */
export function permit2Transfer(spender: Address, grants: readonly Grant[]): SignPayload {
  const permitted = grants.map((g) => ({ token: g.token, amount: g.amount.toString() }));
  const batch = grants.length > 1;
  return parseSignPayload({
    kind: 'typedData',
    typedData: {
      types: {
        ...PERMIT2_DOMAIN_TYPES,
        [batch ? 'PermitBatchTransferFrom' : 'PermitTransferFrom']: [
          { name: 'permitted', type: batch ? 'TokenPermissions[]' : 'TokenPermissions' },
          { name: 'spender', type: 'address' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
        TokenPermissions: [
          { name: 'token', type: 'address' },
          { name: 'amount', type: 'uint256' },
        ],
      },
      primaryType: batch ? 'PermitBatchTransferFrom' : 'PermitTransferFrom',
      domain: PERMIT2_DOMAIN,
      message: {
        permitted: batch ? permitted : permitted[0],
        spender,
        nonce: 0,
        deadline: 2_000_000_000,
      },
    },
  });
}

export function message(text: string): SignPayload {
  return parseSignPayload({ kind: 'message', message: toHex(text) });
}
