/**
 * The shape of a sign payload: what the wallet sends a CKM server so that the server can compute
 * the 32-byte digest itself (research/tecdsa.md §2.6 "R0"; ARCHITECTURE.md "Sign"). It travels as
 * CBOR inside wire messages, so it holds only strings, small numbers, booleans, arrays and plain
 * objects: hex strings for quantities and data (as the JSON-RPC `eth_sendTransaction` params),
 * numbers only for chain ids.
 *
 * The limits bound what a hostile peer can make us parse and hash; the wire limit on the whole
 * message applies first.
 * @module
 */
import type { Address, Hex } from 'viem';

/** EIP-2930 access-list entry: an address and the 32-byte storage keys it touches. */
export interface AccessListEntry {
  readonly address: Address;
  readonly storageKeys: readonly Hex[];
}

interface TransactionFields {
  /** Must equal the payload's top-level `chainId` (EIP-155 replay protection). */
  readonly chainId: number;
  /** Hex quantity below 2^64 − 1 (EIP-2681). */
  readonly nonce: Hex;
  /** Gas limit, hex quantity. */
  readonly gas: Hex;
  /** Absent for contract creation. */
  readonly to?: Address;
  /** Wei, hex quantity; absent means 0. */
  readonly value?: Hex;
  /** Calldata or init code, hex bytes; absent means empty. */
  readonly data?: Hex;
}

/** Legacy transaction, always with EIP-155 replay protection. */
export interface LegacyTransactionPayload extends TransactionFields {
  readonly type: 'legacy';
  readonly gasPrice: Hex;
}

/** EIP-2930 transaction (type 0x01). */
export interface Eip2930TransactionPayload extends TransactionFields {
  readonly type: 'eip2930';
  readonly gasPrice: Hex;
  readonly accessList?: readonly AccessListEntry[];
}

/** EIP-1559 transaction (type 0x02). */
export interface Eip1559TransactionPayload extends TransactionFields {
  readonly type: 'eip1559';
  readonly maxFeePerGas: Hex;
  /** At most `maxFeePerGas`. */
  readonly maxPriorityFeePerGas: Hex;
  readonly accessList?: readonly AccessListEntry[];
}

export type TransactionPayload =
  | LegacyTransactionPayload
  | Eip2930TransactionPayload
  | Eip1559TransactionPayload;

/** One member of an EIP-712 struct type, as in `eth_signTypedData_v4`. */
export interface TypedDataField {
  readonly name: string;
  readonly type: string;
}

/** The EIP-712 domain; a present field is part of the domain separator. */
export interface TypedDataDomainPayload {
  readonly name?: string;
  readonly version?: string;
  readonly chainId?: number;
  readonly verifyingContract?: Address;
  readonly salt?: Hex;
}

/**
 * A value inside an EIP-712 message: integers as safe JS numbers or decimal/hex strings,
 * addresses and bytes as hex strings, structs as objects, arrays as arrays.
 */
export type TypedDataValue =
  | string
  | number
  | boolean
  | readonly TypedDataValue[]
  | { readonly [field: string]: TypedDataValue };

/** `eth_signTypedData_v4` JSON. `types.EIP712Domain`, when present, must match `domain`. */
export interface TypedDataPayload {
  readonly types: { readonly [typeName: string]: readonly TypedDataField[] };
  readonly primaryType: string;
  readonly domain: TypedDataDomainPayload;
  readonly message: { readonly [field: string]: TypedDataValue };
}

export type TransactionSignPayload = {
  readonly kind: 'transaction';
  readonly chainId: number;
  readonly transaction: TransactionPayload;
};
/** EIP-191 version 0x45 (`personal_sign`): the raw message bytes. */
export type MessageSignPayload = { readonly kind: 'message'; readonly message: Hex };
export type TypedDataSignPayload = {
  readonly kind: 'typedData';
  readonly typedData: TypedDataPayload;
};

/** One entry of MetaMask's legacy `eth_signTypedData` (v1): a Solidity elementary type. */
export interface TypedDataV1Entry {
  /** `string`, `bytes`, `bytes1`…`bytes32`, `uint8`…`uint256`, `int8`…`int256`, `address`, `bool`. */
  readonly type: string;
  /** Shown to the user and hashed into the schema; non-empty. */
  readonly name: string;
  /** Integers as safe JS numbers or decimal/hex strings, bytes and addresses as hex strings. */
  readonly value: string | number | boolean;
}

/**
 * Legacy `eth_signTypedData` (v1): an array of `{ type, name, value }`, digested as
 * eth-sig-util's `typedSignatureHash` (`ckm/payload/typedDataV1.ts`).
 */
export type TypedDataV1SignPayload = {
  readonly kind: 'typedDataV1';
  readonly typedData: readonly TypedDataV1Entry[];
};

/**
 * The wallet's identity document or rotation record (docs/identity.md), as the hex of its
 * envelope's dCBOR bytes; digested as an envelope ECDSA signature (`ckm/payload/envelope.ts`).
 */
export type EnvelopeSignPayload = { readonly kind: 'envelope'; readonly envelope: Hex };

/** Everything a CKM server agrees to sign. There is deliberately no "digest" kind. */
export type SignPayload =
  | TransactionSignPayload
  | MessageSignPayload
  | TypedDataSignPayload
  | TypedDataV1SignPayload
  | EnvelopeSignPayload;

/** Size limits; see the module doc. */
export const PAYLOAD_LIMITS = {
  /** Transaction `data` (calldata or init code), bytes. EIP-3860 caps init code at 48 KiB. */
  transactionDataBytes: 128 * 1024,
  /** Access-list entries, and storage keys over all entries. */
  accessListEntries: 256,
  accessListStorageKeys: 4096,
  /** EIP-191 message, bytes. */
  messageBytes: 64 * 1024,
  /** EIP-712: struct types, members per struct, length of a type or member name. */
  typedDataTypes: 64,
  typedDataFields: 64,
  typedDataNameLength: 64,
  /** EIP-712: nesting of structs and arrays in the message. */
  typedDataDepth: 16,
  /** EIP-712: array length. */
  typedDataArrayLength: 1024,
  /** EIP-712: values in the message (every struct, array and leaf counts one). */
  typedDataValues: 8192,
  /** EIP-712: characters of all strings, hex strings included, in the message and domain. */
  typedDataChars: 256 * 1024,
  /**
   * Legacy typed data (v1): entries, and the length of an entry's name. Its string and bytes
   * values share the `typedDataChars` budget with the names.
   */
  typedDataV1Entries: 64,
  typedDataV1NameLength: 256,
  /** An identity envelope (document or rotation record), bytes. */
  envelopeBytes: 16 * 1024,
} as const;
