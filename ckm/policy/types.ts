/**
 * The server policy firewall's vocabulary (issue #8, docs/ckm.md §10): the rules an owner sets on
 * every server for one wallet, what a server answers when a sign payload breaks them, and what it
 * reports to the owner's settings screen. Types and constants only; the rules' logic is in
 * `evaluate.ts`, their wire form in `codec.ts`, the loosen/tighten timing in `change.ts`.
 *
 * Amounts are decimal strings of the asset's smallest unit (wei, token base units, NFT count), so
 * they travel through CBOR and JSON unchanged and never lose precision.
 * @module
 */
import type { Address } from 'viem';

/** An asset on a chain: the chain's native coin, or a token contract (ERC-20, ERC-721, ERC-1155). */
export type AssetRef = {
  readonly chainId: number;
  /** `'native'` or the token contract's address (checksummed). */
  readonly asset: 'native' | Address;
};

/** An amount of an asset: a decimal integer string in the smallest unit (wei, base units, count). */
export type AssetAmount = AssetRef & { readonly amount: string };

/**
 * One wallet's rules on one server. The default ({@link DEFAULT_POLICY}) restricts nothing.
 * Every server enforces its own copy on what it co-signs; the settings screen writes the same
 * rules to every server.
 */
export type WalletPolicy = {
  /**
   * The most of each asset that may leave in any rolling 24 h, counted over what this server
   * co-signed. An asset without an entry has no limit. Counted: a transaction's value, ERC-20
   * `transfer`/`transferFrom` from the wallet, ERC-20 approvals and Permit/Permit2 amounts (an
   * approval is an outflow the spender can take), ERC-721/1155 transfers (count of items).
   */
  readonly dailyLimits: readonly AssetAmount[];
  /**
   * When not null: value and tokens may go only to these addresses, and approvals only to these
   * spenders (or known marketplaces). `null` means any recipient.
   */
  readonly allowlist: readonly Address[] | null;
  /**
   * Never co-sign an unlimited ERC-20 approval, an unlimited Permit / Permit2, or
   * `setApprovalForAll(…, true)` for a spender that is neither a known marketplace
   * (`known-spenders.ts`) nor on the allowlist.
   */
  readonly blockUnknownApprovals: boolean;
  /**
   * Outflows above these amounts are held: the first request starts a waiting period of
   * `delaySeconds`; the owner can cancel it; after it, the same request (same intent) is
   * co-signed once.
   */
  readonly holdAbove: readonly AssetAmount[];
  /** The waiting period of a hold and of any loosening of this policy, in seconds. */
  readonly delaySeconds: number;
};

/** A wallet without rules: nothing restricted; a waiting period of one day once rules exist. */
export const DEFAULT_POLICY: WalletPolicy = Object.freeze({
  dailyLimits: Object.freeze([]) as readonly AssetAmount[],
  allowlist: null,
  blockUnknownApprovals: false,
  holdAbove: Object.freeze([]) as readonly AssetAmount[],
  delaySeconds: 86_400,
});

/** Bounds on what a policy may hold (a hostile device must not make the server store much). */
export const POLICY_LIMITS = Object.freeze({
  minDelaySeconds: 1,
  maxDelaySeconds: 31 * 86_400,
  maxAssetEntries: 64,
  maxAllowlist: 256,
  /** 2^256 − 1 has 78 digits. */
  maxAmountDigits: 78,
});

/** Which rule refused (or held) a payload. */
export type PolicyRule = 'dailyLimit' | 'allowlist' | 'unknownApproval' | 'hold';

/**
 * Why a server will not co-sign, as data the popup can explain. Travels in the error body of a
 * `PolicyRefused` answer (`ckm/api.ts` `parseErrorBody`).
 */
export type PolicyRefusal =
  | {
      readonly rule: 'dailyLimit';
      readonly asset: AssetRef;
      /** The daily limit, what this server co-signed in the last 24 h, and what was asked. */
      readonly limit: string;
      readonly spent: string;
      readonly requested: string;
    }
  | { readonly rule: 'allowlist'; readonly recipient: Address }
  | {
      readonly rule: 'unknownApproval';
      readonly spender: Address;
      /** `erc20`: approve/increaseAllowance; `permit`/`permit2`: signatures; `forAll`: setApprovalForAll. */
      readonly approval: 'erc20' | 'permit' | 'permit2' | 'forAll';
      readonly asset: AssetRef;
    }
  | {
      readonly rule: 'hold';
      readonly asset: AssetRef;
      readonly threshold: string;
      readonly requested: string;
      /** The hold's id (hex of its intent hash: the same on every server). */
      readonly holdId: string;
      /** When the servers will co-sign it (ms since the epoch); `cancelled` when the owner refused it. */
      readonly readyAt: number;
      readonly status: 'waiting' | 'cancelled';
    };

/** A held request as the settings screen lists it. */
export type HoldView = {
  readonly holdId: string;
  readonly createdAt: number;
  readonly readyAt: number;
  readonly status: 'waiting' | 'ready' | 'cancelled' | 'used';
  /** One line for people, e.g. "Send 5 ETH to 0xAb…cd on chain 1". */
  readonly summary: string;
};

/** What a server reports to the owner: the rules in force, a loosening waiting, holds, usage. */
export type PolicyView = {
  /** The rules in force now. */
  readonly effective: WalletPolicy;
  /** A looser change that takes effect at `readyAt` unless cancelled. */
  readonly pending?: { readonly policy: WalletPolicy; readonly readyAt: number };
  /** What this server co-signed in the last 24 h, for each asset with a daily limit. */
  readonly spent: readonly AssetAmount[];
  readonly holds: readonly HoldView[];
};
