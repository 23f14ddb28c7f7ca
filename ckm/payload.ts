/**
 * Sign payloads, not hashes (research/tecdsa.md §2.6 "R0"): a threshold-signing request carries
 * the whole transaction, EIP-191 message, EIP-712 typed data or legacy (v1) typed data, and each
 * party computes the 32-byte digest itself with viem. A request that carries only a hash is refused, because a party
 * that signs a hash it cannot read signs whatever the requester wants.
 *
 * The same module runs in the extension (to build and describe requests) and in the CKM server
 * (to parse them, apply policy, and derive the digest it will sign).
 * @see https://eips.ethereum.org/EIPS/eip-155
 * @see https://eips.ethereum.org/EIPS/eip-191
 * @see https://eips.ethereum.org/EIPS/eip-712
 * @module
 */
import {
  type Hex,
  hashMessage,
  hashTypedData,
  hexToBytes,
  keccak256,
  numberToHex,
  serializeTransaction,
} from 'viem';
import { N } from '../tss/curve';
import { legacyV, messageV, yParity } from '../tss/ethereum';
import { CkmError } from './errors';
import {
  describeEnvelopePayload,
  envelopePayloadDigest,
  parseEnvelopePayload,
} from './payload/envelope';
import {
  assertRecord,
  invalid,
  isPlainObject,
  own,
  parseChainId,
  parseHexBytes,
  printable,
} from './payload/fields';
import { parseTransaction, toSerializableTransaction } from './payload/transaction';
import { parseTypedData, toViemTypedData } from './payload/typedData';
import { parseTypedDataV1, typedDataV1Digest } from './payload/typedDataV1';
import { PAYLOAD_LIMITS, type SignPayload, type TransactionSignPayload } from './payload/types';

export type {
  AccessListEntry,
  Eip1559TransactionPayload,
  Eip2930TransactionPayload,
  EnvelopeSignPayload,
  LegacyTransactionPayload,
  MessageSignPayload,
  SignPayload,
  TransactionPayload,
  TransactionSignPayload,
  TypedDataDomainPayload,
  TypedDataField,
  TypedDataPayload,
  TypedDataSignPayload,
  TypedDataV1Entry,
  TypedDataV1SignPayload,
  TypedDataValue,
} from './payload/types';
export { PAYLOAD_LIMITS } from './payload/types';

/** Kinds and fields that announce a bare hash: refused with `BareHashRefused`, not just unknown. */
const HASH_KINDS = ['digest', 'hash', 'rawHash', 'messageHash', 'eth_sign'];
const HASH_FIELDS = ['hash', 'digest', 'messageHash', 'msgHash', 'rawHash', 'signingHash'];
const HALF_N = N >> 1n;

function bareHashRefused(): CkmError {
  return new CkmError(
    'BareHashRefused',
    'the payload is a bare 32-byte hash; send the transaction, message or typed data',
  );
}

function isHash32(value: unknown): boolean {
  if (value instanceof Uint8Array) return value.length === 32;
  return typeof value === 'string' && /^(0x)?[0-9a-fA-F]{64}$/.test(value);
}

/**
 * A hash on its own, in any shape we can recognise: a 32-byte string or byte array, a "digest"
 * kind, a `hash`-like field, or an object with nothing but 32-byte values.
 */
function refuseBareHash(value: unknown): void {
  if (isHash32(value)) throw bareHashRefused();
  if (!isPlainObject(value)) return;
  const kind = own(value, 'kind');
  if (typeof kind === 'string' && HASH_KINDS.includes(kind)) throw bareHashRefused();
  if (HASH_FIELDS.some((field) => own(value, field) !== undefined)) throw bareHashRefused();
  const values = Object.values(value);
  if (kind === undefined && values.length > 0 && values.every(isHash32)) throw bareHashRefused();
}

/**
 * The one way into a sign payload from the wire or a caller: checks every field, refuses unknown
 * ones (typed data drops the members its types do not declare, as eth-sig-util v4 ignores them:
 * `ckm/payload/typedData.ts`), and proves that viem can digest it.
 * @throws CkmError `BareHashRefused` for a bare hash; `ChainIdMismatch` when the transaction's
 * chain id differs from the payload's; `InvalidPayload` naming the field otherwise.
 * @example
 * const payload = parseSignPayload(decoded.payload);
 * const digest = payloadDigest(payload); // what the server signs
 */
export function parseSignPayload(value: unknown): SignPayload {
  try {
    return parsePayload(value);
  } catch (error) {
    if (error instanceof CkmError) throw error;
    // Input from JSON or CBOR cannot throw while being read; a getter, a Proxy or a stack
    // overflow can. It is still bad input, and it still gets a typed error.
    throw invalid('payload', 'could not be read', error);
  }
}

function parsePayload(value: unknown): SignPayload {
  refuseBareHash(value);
  if (!isPlainObject(value)) throw invalid('payload', 'is not an object');
  const kind = own(value, 'kind');
  let payload: SignPayload;
  switch (kind) {
    case 'transaction': {
      const record = assertRecord(value, 'payload', ['kind', 'chainId', 'transaction']);
      const chainId = parseChainId(own(record, 'chainId'), 'chainId');
      payload = {
        kind,
        chainId,
        transaction: parseTransaction(own(record, 'transaction'), chainId),
      };
      break;
    }
    case 'message': {
      const record = assertRecord(value, 'payload', ['kind', 'message']);
      const message = parseHexBytes(own(record, 'message'), 'message', PAYLOAD_LIMITS.messageBytes);
      payload = { kind, message };
      break;
    }
    case 'typedData': {
      const record = assertRecord(value, 'payload', ['kind', 'typedData']);
      payload = { kind, typedData: parseTypedData(own(record, 'typedData')) };
      break;
    }
    case 'typedDataV1': {
      const record = assertRecord(value, 'payload', ['kind', 'typedData']);
      payload = { kind, typedData: parseTypedDataV1(own(record, 'typedData')) };
      break;
    }
    case 'envelope': {
      const record = assertRecord(value, 'payload', ['kind', 'envelope']);
      payload = parseEnvelopePayload(own(record, 'envelope'));
      break;
    }
    default:
      throw invalid(
        'kind',
        'is not one of "transaction", "message", "typedData", "typedDataV1", "envelope"',
      );
  }
  payloadDigest(payload); // viem's own checks, so that a parsed payload always has a digest
  return payload;
}

/**
 * The 32-byte digest to sign: keccak256 of the unsigned serialized transaction (the EIP-155
 * preimage for legacy, `0x01 ‖ rlp(…)` / `0x02 ‖ rlp(…)` for EIP-2930 / EIP-1559), EIP-191
 * `hashMessage`, EIP-712 `hashTypedData`, or eth-sig-util's `typedSignatureHash` for legacy
 * typed data (viem `encodePacked` and `keccak256`), all computed by viem.
 * @throws CkmError `InvalidPayload` when viem refuses the payload (only for unparsed input).
 * @example
 * payloadDigest({ kind: 'message', message: '0x68656c6c6f' }); // hashMessage('hello')
 */
export function payloadDigest(payload: SignPayload): Uint8Array {
  try {
    switch (payload.kind) {
      case 'transaction':
        return keccak256(serializeTransaction(toSerializableTransaction(payload)), 'bytes');
      case 'message':
        return hashMessage({ raw: payload.message }, 'bytes');
      case 'typedData':
        return hexToBytes(hashTypedData(toViemTypedData(payload.typedData)));
      case 'typedDataV1':
        return typedDataV1Digest(payload.typedData);
      case 'envelope':
        return envelopePayloadDigest(payload);
      default:
        return unknownKind(payload);
    }
  } catch (cause) {
    if (cause instanceof CkmError) throw cause;
    // viem's message (the cause) may quote values; ours names the part only.
    throw invalid(digestedField(payload), 'is refused by viem', cause);
  }
}

function digestedField(payload: SignPayload): string {
  const kind: unknown = (payload as { kind?: unknown } | null)?.kind;
  return kind === 'transaction' ||
    kind === 'message' ||
    kind === 'typedData' ||
    kind === 'typedDataV1' ||
    kind === 'envelope'
    ? kind
    : 'payload';
}

function unknownKind(payload: never): never {
  throw invalid('kind', `is not a sign payload kind (${typeof payload})`);
}

/**
 * The chain the payload is bound to: the transaction's, or the EIP-712 domain's `chainId`;
 * `undefined` for EIP-191 messages, for typed data without a chain in its domain and for legacy
 * (v1) typed data, which has no domain.
 * @example
 * payloadChainId(payload) === wallet.chainId || refuse();
 */
export function payloadChainId(payload: SignPayload): number | undefined {
  switch (payload.kind) {
    case 'transaction':
      return payload.chainId;
    case 'message':
    case 'typedDataV1':
    case 'envelope':
      return undefined;
    case 'typedData':
      return payload.typedData.domain.chainId;
    default:
      return unknownKind(payload);
  }
}

/**
 * Refuses a payload bound to another chain than `chainId` (the wallet's current chain). A payload
 * bound to no chain passes.
 * @throws CkmError `ChainIdMismatch`.
 */
export function assertPayloadChainId(payload: SignPayload, chainId: number): void {
  const bound = payloadChainId(payload);
  if (bound !== undefined && bound !== chainId)
    throw new CkmError('ChainIdMismatch', `the payload is bound to chain ${bound}, not ${chainId}`);
}

function assertRecovery(recovery: unknown): asserts recovery is 0 | 1 {
  if (recovery !== 0 && recovery !== 1)
    throw new CkmError('InvalidParameters', '"recovery" expected 0 or 1');
}

/**
 * Ethereum's `v` for a signature over this payload (research/tecdsa.md §2.6 "Low-s and recovery
 * id"): yParity (0 | 1) for EIP-2930/1559 transactions, 2·chainId + 35 + recovery (bigint) for
 * legacy EIP-155 transactions, 27 + recovery for EIP-191, EIP-712 and legacy (v1) typed data.
 * @throws CkmError `InvalidParameters` when `recovery` is not 0 or 1.
 * @example
 * signatureV(eip155Payload, 0); // 37n on chain 1
 */
export function signatureV(payload: SignPayload, recovery: 0 | 1): bigint | number {
  assertRecovery(recovery);
  switch (payload.kind) {
    case 'transaction':
      return payload.transaction.type === 'legacy'
        ? legacyV(BigInt(payload.chainId), recovery)
        : yParity(recovery);
    case 'message':
    case 'typedData':
    case 'typedDataV1':
      return messageV(recovery);
    case 'envelope':
      throw new CkmError(
        'InvalidParameters',
        'an envelope signature is (r, s) only; it has no Ethereum v',
      );
    default:
      return unknownKind(payload);
  }
}

/**
 * The signed transaction, ready for `eth_sendRawTransaction`, serialized by viem. The signature
 * must be low-s (EIP-2: high-s transactions are invalid) and have r, s in 1..n−1.
 * @throws CkmError `InvalidParameters` for a bad signature; `InvalidPayload` if viem refuses.
 * @example
 * const raw = serializeSignedTransaction(payload, { r, s, recovery: 0 });
 */
export function serializeSignedTransaction(
  payload: TransactionSignPayload,
  signature: { r: bigint; s: bigint; recovery: 0 | 1 },
): Hex {
  if (payload?.kind !== 'transaction')
    throw new CkmError('InvalidParameters', '"payload" expected a transaction payload');
  const { r, s, recovery } = signature;
  if (typeof r !== 'bigint' || r <= 0n || r >= N)
    throw new CkmError('InvalidParameters', '"signature.r" expected a scalar in 1..n-1');
  if (typeof s !== 'bigint' || s <= 0n || s > HALF_N)
    throw new CkmError(
      'InvalidParameters',
      '"signature.s" expected a low-s scalar in 1..n/2 (EIP-2)',
    );
  assertRecovery(recovery);
  const rHex = numberToHex(r, { size: 32 });
  const sHex = numberToHex(s, { size: 32 });
  const ethSignature =
    payload.transaction.type === 'legacy'
      ? { r: rHex, s: sHex, v: legacyV(BigInt(payload.chainId), recovery) }
      : { r: rHex, s: sHex, yParity: yParity(recovery) };
  try {
    return serializeTransaction(toSerializableTransaction(payload), ethSignature);
  } catch (cause) {
    throw invalid('transaction', 'cannot be serialized', cause);
  }
}

/**
 * One line for logs and audit: the kind, the chain, the recipient, the value, sizes and the
 * called function's selector; never the call arguments, the message or the typed-data values (for
 * legacy typed data, only the number of entries: its names are the dApp's free text).
 * @example
 * describePayload(p); // 'transaction eip1559 chain 1 nonce 9 to 0x3535…35 value 1000000000000000000 wei data 0 bytes'
 */
export function describePayload(payload: SignPayload): string {
  switch (payload.kind) {
    case 'transaction': {
      const tx = payload.transaction;
      const to = tx.to === undefined ? '(contract creation)' : tx.to;
      const value = BigInt(tx.value ?? '0x0').toString();
      const data = tx.data ?? '0x';
      // The 4-byte selector names the called function; the arguments stay out of the log.
      const selector =
        tx.to !== undefined && data.length >= 10 ? ` selector ${data.slice(0, 10)}` : '';
      return `transaction ${tx.type} chain ${payload.chainId} nonce ${BigInt(tx.nonce)} to ${to} value ${value} wei data ${(data.length - 2) / 2} bytes${selector}`;
    }
    case 'message':
      return `message (EIP-191) ${(payload.message.length - 2) / 2} bytes`;
    case 'typedData': {
      const { primaryType, domain } = payload.typedData;
      const parts = [`typedData (EIP-712) ${printable(primaryType)}`];
      if (domain.chainId !== undefined) parts.push(`chain ${domain.chainId}`);
      if (domain.verifyingContract !== undefined)
        parts.push(`contract ${domain.verifyingContract}`);
      if (domain.name !== undefined) parts.push(`domain "${printable(domain.name)}"`);
      return parts.join(' ');
    }
    case 'typedDataV1':
      return `typedDataV1 (legacy eth_signTypedData) ${payload.typedData.length} entries`;
    case 'envelope':
      return describeEnvelopePayload(payload);
    default:
      return unknownKind(payload);
  }
}
