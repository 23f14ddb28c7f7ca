/**
 * What the approval prompts show beside the raw request: decoded calldata, typed data as a tree,
 * SIWE fields, and warnings. Computed in the background (pure functions in this folder) and
 * sent to the popup as plain data.
 *
 * The decoders live beside this file: `transaction.ts`, `typedData.ts`, `message.ts`; every
 * warning they raise is built in `warnings.ts`, so its kind and wording live in one place.
 * @module
 */

/**
 * The kinds of warning the decoders raise (see `warnings.ts` for the wording):
 * - `unlimited-approval` (danger): ERC-20 `approve`/`increaseAllowance` of max uint256 or ≥ 2^255.
 * - `approval-for-all` (danger): `setApprovalForAll(operator, true)`.
 * - `transfer-to-token-contract` (danger): tokens sent to the token contract itself.
 * - `undecodable-calldata` (caution): a known selector whose arguments do not decode.
 * - `permit` (danger): an EIP-2612 or DAI-style `Permit` signature.
 * - `permit2` (danger): a Uniswap Permit2 signature (`PermitSingle`, `PermitBatch`, …).
 * - `typed-data-chain-mismatch` (danger): the domain's chain id is not the wallet's chain.
 * - `hidden-characters` (caution): typed-data text holds control or bidirectional characters.
 * - `undeclared-fields` (caution): typed data carries fields its types do not declare; they are
 *   dropped (not shown, not signed), as eth-sig-util's v4 digest ignores them.
 * - `siwe-domain-mismatch` (danger): the SIWE domain (host, port, scheme) is not the origin's.
 * - `siwe-uri-mismatch` (danger): the SIWE URI's origin is not the requesting origin.
 * - `siwe-address-mismatch` (danger): the SIWE address is not the signing account.
 * - `siwe-chain-mismatch` (caution): the SIWE chain id is not the wallet's chain.
 * - `siwe-malformed` (danger): the text claims to be a SIWE message but does not conform.
 */
export type WarningKind =
  | 'unlimited-approval'
  | 'approval-for-all'
  | 'transfer-to-token-contract'
  | 'undecodable-calldata'
  | 'permit'
  | 'permit2'
  | 'typed-data-chain-mismatch'
  | 'hidden-characters'
  | 'undeclared-fields'
  | 'siwe-domain-mismatch'
  | 'siwe-uri-mismatch'
  | 'siwe-address-mismatch'
  | 'siwe-chain-mismatch'
  | 'siwe-malformed';

/** A warning with its plain-language reason. */
export type Warning = {
  /** One of `WarningKind`; typed as `string` so that the popup shows kinds it does not know. */
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
  /** The 4-byte function selector, when the transaction calls a contract with data. */
  readonly selector?: `0x${string}`;
};

export type TypedDataInsight = {
  /** e.g. "Permit (EIP-2612)", "Permit2 PermitSingle", or the primary type. */
  readonly title: string;
  readonly domain: readonly TreeNode[];
  readonly message: readonly TreeNode[];
  readonly warnings: readonly Warning[];
  /** The primary type (v3/v4); absent for v1. */
  readonly primaryType?: string;
};

export type MessageInsight = {
  /** The message as text when it is UTF-8 and printable; else absent (show hex). */
  readonly text?: string;
  /**
   * EIP-4361 fields when the message is a well-formed SIWE message. Keys: `scheme` (when given),
   * `domain`, `address`, `statement` (when given), `uri`, `version`, `chainId`, `nonce`,
   * `issuedAt`, `expirationTime`, `notBefore`, `requestId` (each when given) and `resources`
   * (when given: one URI per line).
   */
  readonly siwe?: Readonly<Record<string, string>>;
  readonly warnings: readonly Warning[];
};
