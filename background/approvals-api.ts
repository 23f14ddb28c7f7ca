/**
 * What an approval prompt receives and answers: types only, shared by the background's approval
 * queue (`services/approvals.ts`) and the popup's prompts.
 * @module
 */
import type { MessageInsight, TransactionInsight, TypedDataInsight } from './decode/types';

type Hex = `0x${string}`;

export type ChainView = {
  readonly chainId: number;
  readonly name: string;
  readonly symbol: string;
};

/** The transaction as the prompt shows it; quantities are hex strings. */
export type TransactionView = {
  readonly from: Hex;
  readonly to?: Hex;
  readonly value: Hex;
  readonly data: Hex;
  readonly nonce: Hex;
  readonly gas: Hex;
  /** EIP-1559 fees; or `gasPrice` where the chain has no EIP-1559. */
  readonly maxFeePerGas?: Hex;
  readonly maxPriorityFeePerGas?: Hex;
  readonly gasPrice?: Hex;
};

export type ApprovalRequest =
  | { readonly kind: 'connect'; readonly accounts: readonly Hex[] }
  | { readonly kind: 'unlock' }
  | {
      readonly kind: 'message';
      readonly account: Hex;
      readonly chain: ChainView;
      readonly message: Hex;
      readonly insight: MessageInsight;
    }
  | {
      readonly kind: 'typedData';
      readonly account: Hex;
      readonly chain: ChainView;
      readonly version: 'v1' | 'v3' | 'v4';
      /** The request's typed data, as JSON text. */
      readonly json: string;
      readonly insight: TypedDataInsight;
    }
  | {
      readonly kind: 'transaction';
      readonly account: Hex;
      readonly chain: ChainView;
      readonly transaction: TransactionView;
      readonly insight: TransactionInsight;
    }
  | { readonly kind: 'switchChain'; readonly from: ChainView; readonly to: ChainView }
  | {
      readonly kind: 'addChain';
      readonly chain: ChainView;
      readonly rpcUrl: string;
      readonly blockExplorerUrl?: string;
    }
  | {
      readonly kind: 'watchAsset';
      readonly chain: ChainView;
      readonly asset: {
        readonly standard: 'ERC20' | 'ERC721' | 'ERC1155';
        readonly address: Hex;
        readonly symbol?: string;
        readonly decimals?: number;
        readonly tokenId?: string;
        readonly image?: string;
      };
    };

export type ApprovalKind = ApprovalRequest['kind'];

/** What the user's "approve" carries back, per kind. */
export type ApprovalResults = {
  connect: { readonly accounts: readonly Hex[] };
  unlock: Record<string, never>;
  message: Record<string, never>;
  typedData: Record<string, never>;
  transaction: {
    /** The user's edits; each absent field keeps the proposed value. */
    readonly nonce?: Hex;
    readonly maxFeePerGas?: Hex;
    readonly maxPriorityFeePerGas?: Hex;
    readonly gasPrice?: Hex;
  };
  switchChain: Record<string, never>;
  addChain: Record<string, never>;
  watchAsset: Record<string, never>;
};

export type ApprovalResultOf<K extends ApprovalKind> = ApprovalResults[K];

/** One queued prompt, as the popup lists it. */
export type ApprovalItem = {
  readonly id: string;
  readonly origin: string;
  readonly createdAt: number;
  readonly request: ApprovalRequest;
  /**
   * The origin is on the local phishing list (issue #8): the prompt shows why and can be
   * approved only with "continue anyway" (`resolveApproval.continueAnyway`), which is logged.
   */
  readonly phishing?: { readonly listedDomain: string };
};
