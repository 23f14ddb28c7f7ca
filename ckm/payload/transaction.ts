/**
 * Transactions in a sign payload: parse the JSON/CBOR form strictly, and turn it into viem's
 * `TransactionSerializable` so that viem's `serializeTransaction` builds the signing preimage
 * (EIP-155 for legacy, EIP-2718 envelopes for EIP-2930 and EIP-1559). No RLP here.
 * @see https://eips.ethereum.org/EIPS/eip-155
 * @see https://eips.ethereum.org/EIPS/eip-2930
 * @see https://eips.ethereum.org/EIPS/eip-1559
 * @module
 */
import type { AccessList, TransactionSerializable } from 'viem';
import { CkmError } from '../errors';
import {
  assertRecord,
  invalid,
  isPlainObject,
  own,
  parseAddress,
  parseArray,
  parseChainId,
  parseFixedHex,
  parseHexBytes,
  parseQuantity,
} from './fields';
import {
  type AccessListEntry,
  PAYLOAD_LIMITS,
  type TransactionPayload,
  type TransactionSignPayload,
} from './types';

/**
 * Divergence from EIP-2681 (nonce < 2^64 − 1): we stop at 2^53 − 1 because viem types a nonce as a
 * JS number; no account will ever reach it.
 */
const MAX_NONCE = BigInt(Number.MAX_SAFE_INTEGER);

const COMMON_FIELDS = ['type', 'chainId', 'nonce', 'gas', 'to', 'value', 'data'] as const;
const FIELDS_BY_TYPE = {
  legacy: [...COMMON_FIELDS, 'gasPrice'],
  eip2930: [...COMMON_FIELDS, 'gasPrice', 'accessList'],
  eip1559: [...COMMON_FIELDS, 'maxFeePerGas', 'maxPriorityFeePerGas', 'accessList'],
} as const;

/** Types we know but do not sign yet, with the reason shown to the caller. */
const REFUSED_TYPES: Readonly<Record<string, string>> = {
  eip4844: 'EIP-4844 blob transactions are not supported',
  eip7702: 'EIP-7702 authorization transactions are not supported',
};

/**
 * The `transaction` of a payload whose top-level chain id is `chainId`.
 * @throws CkmError `InvalidPayload` naming the field; `ChainIdMismatch` when the two chain ids differ.
 */
export function parseTransaction(value: unknown, chainId: number): TransactionPayload {
  const field = 'transaction';
  if (!isPlainObject(value)) throw invalid(field, 'is not an object');
  const type = own(value, 'type');
  if (typeof type === 'string' && Object.hasOwn(REFUSED_TYPES, type))
    throw invalid(`${field}.type`, `is "${type}": ${REFUSED_TYPES[type]}`);
  if (type !== 'legacy' && type !== 'eip2930' && type !== 'eip1559')
    throw invalid(`${field}.type`, 'is not one of "legacy", "eip2930", "eip1559"');
  const record = assertRecord(value, field, FIELDS_BY_TYPE[type]);

  const rawChainId = own(record, 'chainId');
  if (rawChainId === undefined)
    throw invalid(
      `${field}.chainId`,
      'is missing (a transaction without a chain id is replayable on every chain)',
    );
  const txChainId = parseChainId(rawChainId, `${field}.chainId`);
  if (txChainId !== chainId)
    throw new CkmError(
      'ChainIdMismatch',
      '"transaction.chainId" differs from the payload\'s "chainId"',
    );

  const common = {
    chainId: txChainId,
    nonce: parseQuantity(own(record, 'nonce'), `${field}.nonce`, MAX_NONCE),
    gas: parseQuantity(own(record, 'gas'), `${field}.gas`),
    ...optional('to', own(record, 'to'), (to) => parseAddress(to, `${field}.to`)),
    ...optional('value', own(record, 'value'), (v) => parseQuantity(v, `${field}.value`)),
    ...optional('data', own(record, 'data'), (data) =>
      parseHexBytes(data, `${field}.data`, PAYLOAD_LIMITS.transactionDataBytes),
    ),
  };
  const accessList = () =>
    optional('accessList', own(record, 'accessList'), (list) =>
      parseAccessList(list, `${field}.accessList`),
    );

  switch (type) {
    case 'legacy':
      return {
        type,
        ...common,
        gasPrice: parseQuantity(own(record, 'gasPrice'), `${field}.gasPrice`),
      };
    case 'eip2930':
      return {
        type,
        ...common,
        gasPrice: parseQuantity(own(record, 'gasPrice'), `${field}.gasPrice`),
        ...accessList(),
      };
    case 'eip1559': {
      const maxFeePerGas = parseQuantity(own(record, 'maxFeePerGas'), `${field}.maxFeePerGas`);
      const maxPriorityFeePerGas = parseQuantity(
        own(record, 'maxPriorityFeePerGas'),
        `${field}.maxPriorityFeePerGas`,
      );
      // EIP-1559: "the priority fee ... is capped at max_fee_per_gas"; viem refuses it too.
      if (BigInt(maxPriorityFeePerGas) > BigInt(maxFeePerGas))
        throw invalid(`${field}.maxPriorityFeePerGas`, 'exceeds "transaction.maxFeePerGas"');
      return { type, ...common, maxFeePerGas, maxPriorityFeePerGas, ...accessList() };
    }
  }
}

/** `{ [key]: parse(value) }`, or `{}` when the field is absent. */
function optional<K extends string, T>(
  key: K,
  value: unknown,
  parse: (value: unknown) => T,
): { [P in K]?: T } {
  return (value === undefined ? {} : { [key]: parse(value) }) as { [P in K]?: T };
}

function parseAccessList(value: unknown, field: string): readonly AccessListEntry[] {
  const entries = parseArray(value, field, PAYLOAD_LIMITS.accessListEntries);
  let storageKeys = 0;
  return entries.map((entry, index) => {
    const path = `${field}[${index}]`;
    const record = assertRecord(entry, path, ['address', 'storageKeys']);
    const keys = parseArray(
      own(record, 'storageKeys'),
      `${path}.storageKeys`,
      PAYLOAD_LIMITS.accessListStorageKeys,
    );
    storageKeys += keys.length;
    if (storageKeys > PAYLOAD_LIMITS.accessListStorageKeys)
      throw invalid(field, `has more than ${PAYLOAD_LIMITS.accessListStorageKeys} storage keys`);
    return {
      address: parseAddress(own(record, 'address'), `${path}.address`),
      storageKeys: keys.map((key, k) => parseFixedHex(key, `${path}.storageKeys[${k}]`, 32)),
    };
  });
}

/** viem's serializable form of a parsed transaction (bigint quantities). */
export function toSerializableTransaction(
  payload: TransactionSignPayload,
): TransactionSerializable {
  const tx = payload.transaction;
  const common = {
    chainId: tx.chainId,
    nonce: Number(BigInt(tx.nonce)),
    gas: BigInt(tx.gas),
    to: tx.to,
    value: tx.value === undefined ? undefined : BigInt(tx.value),
    data: tx.data,
  };
  const accessList = (list: readonly AccessListEntry[] | undefined): AccessList | undefined =>
    list?.map(({ address, storageKeys }) => ({ address, storageKeys: [...storageKeys] }));
  switch (tx.type) {
    case 'legacy':
      return { type: 'legacy', ...common, gasPrice: BigInt(tx.gasPrice) };
    case 'eip2930':
      return {
        type: 'eip2930',
        ...common,
        gasPrice: BigInt(tx.gasPrice),
        accessList: accessList(tx.accessList),
      };
    case 'eip1559':
      return {
        type: 'eip1559',
        ...common,
        maxFeePerGas: BigInt(tx.maxFeePerGas),
        maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
        accessList: accessList(tx.accessList),
      };
  }
}
