/**
 * From what a simulation saw (value transfers and event logs) to the account's net balance
 * changes, and from those to the lines a prompt shows.
 *
 * Token movements come from the standard events, told apart by topic count because ERC-20 and
 * ERC-721 share `Transfer`'s signature:
 * - ERC-20 `Transfer(address indexed from, address indexed to, uint256 value)`: 3 topics, value
 *   in data (EIP-20).
 * - ERC-721 `Transfer(address indexed from, address indexed to, uint256 indexed tokenId)`:
 *   4 topics, empty data (EIP-721).
 * - ERC-1155 `TransferSingle(operator, from, to, id, value)` and `TransferBatch(operator, from,
 *   to, ids[], values[])`: operator, from, to indexed; ids and values in data (EIP-1155).
 * - `eth_simulateV1` with `traceTransfers` reports native value as an ERC-20-shaped `Transfer`
 *   from 0xEeee…EEeE (execution-apis, eth_simulateV1 "traceTransfers").
 * A log of a standard event that does not have its standard shape is skipped, not guessed at.
 *
 * Only the account's own changes count, netted per (standard, token, token id); a change that
 * nets to zero (a round trip) is dropped. The native change is value only: the fee is shown
 * apart by the prompt.
 * @module
 */
import { type Address, decodeAbiParameters, formatUnits, getAddress, type Hex } from 'viem';
import type { BalanceChange } from '../decode/types';
import type { Log } from './rpc-answer';

export type Standard = BalanceChange['standard'];

/** One transfer the simulation saw (addresses lower-case). */
export type Movement = {
  readonly standard: Standard;
  /** The token contract; absent for the native coin. */
  readonly token?: Address;
  readonly tokenId?: bigint;
  readonly from: Address;
  readonly to: Address;
  readonly amount: bigint;
};

/** The account's net change of one asset, in the smallest unit. */
export type NetChange = {
  readonly standard: Standard;
  readonly token?: Address;
  readonly tokenId?: bigint;
  readonly amount: bigint;
};

/** What a prompt needs to name a token; both parts may be unknown. */
export type TokenMetadata = { readonly symbol?: string; readonly decimals?: number };

/** The pseudo-address `eth_simulateV1` logs native transfers from (lower-case). */
export const NATIVE_TRANSFER_ADDRESS = '0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';

/** keccak256("Transfer(address,address,uint256)"). */
const TRANSFER = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
/** keccak256("TransferSingle(address,address,address,uint256,uint256)"). */
const TRANSFER_SINGLE = '0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62';
/** keccak256("TransferBatch(address,address,address,uint256[],uint256[])"). */
const TRANSFER_BATCH = '0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb';

/** The U+2212 minus sign: a hyphen reads as a dash in a proportional font. */
const MINUS = '\u2212';

/** An indexed address topic: 12 zero bytes, then the address; anything else is not one. */
function topicAddress(topic: Hex | undefined): Address | undefined {
  if (topic === undefined || !/^0x0{24}[0-9a-f]{40}$/.test(topic)) return undefined;
  return `0x${topic.slice(26)}`;
}

/**
 * The transfers one log records, or none when it is not a standard transfer event.
 * @example
 * movementsOfLog({ address: usdc, topics: [TRANSFER, from, to], data: amount })
 * // → [{ standard: 'ERC20', token: usdc, from, to, amount }]
 */
export function movementsOfLog(log: Log): readonly Movement[] {
  const [signature, a, b, c] = log.topics;
  const data = log.data;
  if (signature === TRANSFER) {
    const from = topicAddress(a);
    const to = topicAddress(b);
    if (!from || !to) return [];
    if (log.topics.length === 3 && data.length === 66) {
      const amount = BigInt(data);
      if (log.address === NATIVE_TRANSFER_ADDRESS)
        return [{ standard: 'native', from, to, amount }];
      return [{ standard: 'ERC20', token: log.address, from, to, amount }];
    }
    if (log.topics.length === 4 && data === '0x' && c !== undefined)
      return [{ standard: 'ERC721', token: log.address, tokenId: BigInt(c), from, to, amount: 1n }];
    return [];
  }
  if (log.topics.length !== 4) return [];
  const from = topicAddress(b);
  const to = topicAddress(c);
  if (!from || !to) return [];
  if (signature === TRANSFER_SINGLE && data.length === 2 + 128) {
    const tokenId = BigInt(`0x${data.slice(2, 66)}`);
    const amount = BigInt(`0x${data.slice(66)}`);
    return [{ standard: 'ERC1155', token: log.address, tokenId, from, to, amount }];
  }
  if (signature === TRANSFER_BATCH) {
    let ids: readonly bigint[];
    let values: readonly bigint[];
    try {
      [ids, values] = decodeAbiParameters([{ type: 'uint256[]' }, { type: 'uint256[]' }], data);
    } catch {
      return [];
    }
    if (ids.length !== values.length) return [];
    return ids.map((tokenId, i) => ({
      standard: 'ERC1155' as const,
      token: log.address,
      tokenId,
      from,
      to,
      amount: values[i] as bigint,
    }));
  }
  return [];
}

/**
 * The account's net change per asset: out counts negative, in positive, zero nets dropped; in
 * the order each asset first moved, the native coin first.
 */
export function netChanges(movements: readonly Movement[], account: Address): NetChange[] {
  const me = account.toLowerCase();
  const nets = new Map<string, { change: Omit<NetChange, 'amount'>; amount: bigint }>();
  for (const m of movements) {
    const sign = (m.from === me ? -1n : 0n) + (m.to === me ? 1n : 0n);
    if (sign === 0n) continue;
    const key = `${m.standard}:${m.token ?? ''}:${m.tokenId ?? ''}`;
    const entry = nets.get(key) ?? {
      change: {
        standard: m.standard,
        ...(m.token !== undefined ? { token: m.token } : {}),
        ...(m.tokenId !== undefined ? { tokenId: m.tokenId } : {}),
      },
      amount: 0n,
    };
    entry.amount += sign * m.amount;
    nets.set(key, entry);
  }
  const changes = [...nets.values()]
    .filter((entry) => entry.amount !== 0n)
    .map((entry) => ({ ...entry.change, amount: entry.amount }));
  return [
    ...changes.filter((c) => c.standard === 'native'),
    ...changes.filter((c) => c.standard !== 'native'),
  ];
}

/** "0xAbCd…eF12": a token with no symbol is named by its checksummed address. */
export function shortAddress(address: Address): string {
  const checksummed = getAddress(address);
  return `${checksummed.slice(0, 6)}…${checksummed.slice(-4)}`;
}

/**
 * One change as the prompt shows it.
 * @example
 * toBalanceChange({ standard: 'native', amount: -10n ** 18n }, {}, 'ETH').display // → '−1 ETH'
 * toBalanceChange({ standard: 'ERC721', token, tokenId: 7n, amount: 1n }, {}, 'ETH').display
 * // → '+1 NFT #7 (0xAbCd…eF12)'
 */
export function toBalanceChange(
  change: NetChange,
  metadata: TokenMetadata,
  nativeSymbol: string,
): BalanceChange {
  const sign = change.amount < 0n ? MINUS : '+';
  const size = change.amount < 0n ? -change.amount : change.amount;
  const base = { standard: change.standard, amount: change.amount.toString() };
  if (change.standard === 'native' || change.token === undefined)
    return {
      ...base,
      symbol: nativeSymbol,
      decimals: 18,
      display: `${sign}${formatUnits(size, 18)} ${nativeSymbol}`,
    };
  const address = getAddress(change.token);
  const symbol = metadata.symbol ?? shortAddress(change.token);
  if (change.standard === 'ERC20') {
    const { decimals } = metadata;
    // Without decimals the amount stays in the token's smallest unit rather than a guess.
    const shown = decimals === undefined ? size.toString() : formatUnits(size, decimals);
    return {
      ...base,
      address,
      symbol,
      ...(decimals !== undefined ? { decimals } : {}),
      display: `${sign}${shown} ${symbol}`,
    };
  }
  const tokenId = (change.tokenId ?? 0n).toString();
  const what = change.standard === 'ERC721' ? 'NFT' : '×';
  return {
    ...base,
    address,
    symbol,
    tokenId,
    display: `${sign}${size} ${what} #${tokenId} (${symbol})`,
  };
}
