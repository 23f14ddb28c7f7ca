/**
 * What the approval prompts show beside the raw request: decoded calldata, typed data as a tree,
 * SIWE fields, and warnings. Computed in the background (pure functions in this folder) and
 * sent to the popup as plain data.
 *
 * INTERFACE FIRST: the decoders (issue #6 item 6) fill these in; the shapes may grow.
 * @module
 */

/** A warning with its plain-language reason. */
export type Warning = {
  readonly kind: string;
  readonly severity: 'caution' | 'danger';
  readonly message: string;
};

/** A labelled value in a readable tree (typed data, decoded arguments). */
export type TreeNode = {
  readonly label: string;
  /** A leaf's display text (addresses checksummed, amounts with their raw value). */
  readonly value?: string;
  readonly type?: string;
  readonly children?: readonly TreeNode[];
};

export type TransactionInsight = {
  /** e.g. "ERC-20 transfer", "ERC-721 safeTransferFrom", "setApprovalForAll", "Contract call". */
  readonly action: string;
  /** Decoded arguments; absent for a plain transfer or unknown calldata. */
  readonly args?: readonly TreeNode[];
  readonly warnings: readonly Warning[];
};

export type TypedDataInsight = {
  /** e.g. "Permit (EIP-2612)", "Permit2 PermitSingle", or the primary type. */
  readonly title: string;
  readonly domain: readonly TreeNode[];
  readonly message: readonly TreeNode[];
  readonly warnings: readonly Warning[];
};

export type MessageInsight = {
  /** The message as text when it is UTF-8 and printable; else absent (show hex). */
  readonly text?: string;
  /** EIP-4361 fields when the message is a SIWE message. */
  readonly siwe?: Readonly<Record<string, string>>;
  readonly warnings: readonly Warning[];
};
