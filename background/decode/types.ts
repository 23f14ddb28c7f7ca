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
 *
 * Raised in the background from the chain and lists, not by the pure decoders (issue #8):
 * - `spender-is-eoa` (danger): an approval's spender (approve, setApprovalForAll, Permit,
 *   Permit2) is an account with no code, so a person, not a contract, could take the tokens.
 * - `new-contract` (caution): the contract called, paid or approved was deployed less than a
 *   day ago.
 * - `phishing-site` (danger): the requesting site is on the local phishing list.
 * - `simulation-reverted` (danger): simulating the transaction shows it would fail.
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
  | 'siwe-malformed'
  | 'spender-is-eoa'
  | 'new-contract'
  | 'phishing-site'
  | 'simulation-reverted';

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
  /** What the transaction would change in the account's balances, from the chain (issue #8). */
  readonly preview?: SimulationPreview;
};

/** One balance change of the signing account that a simulation predicts. */
export type BalanceChange = {
  readonly standard: 'native' | 'ERC20' | 'ERC721' | 'ERC1155';
  /** The token contract; absent for the native coin. */
  readonly address?: `0x${string}`;
  /** "ETH", the token's symbol, or a shortened address when the token has none. */
  readonly symbol: string;
  /** ERC-20 (and native) decimals, when known. */
  readonly decimals?: number;
  /** ERC-721 / ERC-1155 token id (decimal). */
  readonly tokenId?: string;
  /**
   * The signed change in the smallest unit, as a decimal integer string: "-1000000000000000000"
   * for 1 ETH out, "1" for one NFT in. The native change leaves out the network fee (shown apart).
   */
  readonly amount: string;
  /** For people: "−1 ETH", "+250 USDC", "+1 NFT #7 (0xAb…cd)". */
  readonly display: string;
};

/**
 * The balance-change preview: `ok` with the changes (possibly none) when the chain could simulate
 * the transaction; `reverted` when the simulation shows it would fail; `unavailable` with the
 * reason when the chain supports neither `eth_simulateV1` nor `debug_traceCall` (the prompt says
 * "could not simulate" rather than showing nothing).
 */
export type SimulationPreview =
  | {
      readonly status: 'ok';
      readonly method: 'eth_simulateV1' | 'debug_traceCall';
      readonly changes: readonly BalanceChange[];
    }
  | {
      readonly status: 'reverted';
      readonly method: 'eth_simulateV1' | 'debug_traceCall';
      readonly reason: string;
    }
  | { readonly status: 'unavailable'; readonly reason: string };

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
