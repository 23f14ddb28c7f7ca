/**
 * Typed data (`eth_signTypedData`, `_v3`, `_v4`) as the approval prompt shows it: the domain and
 * the message as a tree that follows `types` (EIP-712), or the flat list of v1; and the
 * signatures that hand over tokens without a transaction, called out by name:
 * - EIP-2612 `Permit(owner, spender, value, nonce, deadline)` (https://eips.ethereum.org/EIPS/eip-2612),
 * - DAI's `Permit(holder, spender, nonce, expiry, allowed)` (`allowed = true` is unlimited),
 * - Uniswap Permit2 (domain name `Permit2`): `PermitSingle`, `PermitBatch` (AllowanceTransfer)
 *   and `PermitTransferFrom`, `PermitBatchTransferFrom` and their `…Witness…` forms (SignatureTransfer).
 *
 * v3 and v4 go through the signer's own strict parser (`ckm/payload/typedData.ts`), so the prompt
 * shows exactly what the servers will hash, and a request they would refuse is refused here with
 * its reason: `InvalidTypedDataError` (the RPC layer answers -32602). v3 additionally refuses
 * arrays, which only v4 defines (MetaMask's `eth-sig-util` does the same). Fields that `types`
 * does not declare (and domain fields that `types.EIP712Domain` does not list) are dropped by
 * that parser, as eth-sig-util does not hash them: the trees show only the declared, signed
 * data, and the `undeclared-fields` caution names what was left out.
 * @see https://eips.ethereum.org/EIPS/eip-712
 * @module
 */
import { type Address, getAddress, isAddress, validateTypedData } from 'viem';
import { CkmError } from '../../ckm/errors';
import { isPlainObject, own, printable } from '../../ckm/payload/fields';
import { parseTypedDataWithUndeclared, toViemTypedData } from '../../ckm/payload/typedData';
import {
  PAYLOAD_LIMITS,
  type TypedDataPayload,
  type TypedDataValue,
} from '../../ckm/payload/types';
import { WalletError } from '../errors';
import { hasHiddenCharacters } from './text';
import type { TreeNode, TypedDataInsight, Warning } from './types';
import {
  hiddenCharacters,
  permit,
  permit2,
  typedDataChainMismatch,
  undeclaredFields,
} from './warnings';

/** JSON text longer than this cannot hold a message within `PAYLOAD_LIMITS`. */
const MAX_JSON_CHARS = 4 * PAYLOAD_LIMITS.typedDataChars;
const INTEGER_TYPE = /^(u?)int([0-9]+)$/;
const FIXED_BYTES_TYPE = /^bytes([0-9]+)$/;
/** v1 types: a Solidity atomic type, optionally with array dimensions. */
const V1_TYPE =
  /^(address|bool|string|bytes|bytes([1-9]|[12][0-9]|3[0-2])|u?int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)?)((\[[0-9]*\])*)$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]{0,77})$/;
const HEX_INTEGER = /^0x[0-9a-fA-F]{1,64}$/;
const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})*$/;
const V1_NAME_LENGTH = 256;
const PERMIT2_TYPES = new Set([
  'PermitSingle',
  'PermitBatch',
  'PermitTransferFrom',
  'PermitBatchTransferFrom',
  'PermitWitnessTransferFrom',
  'PermitBatchWitnessTransferFrom',
]);
/** Member names whose value is a Unix time in seconds, shown with its ISO date in permits. */
const TIME_FIELDS = new Set(['deadline', 'expiry', 'expiration', 'sigDeadline']);

/**
 * The typed data cannot be shown or signed; `message` names the field and the expectation.
 * A `WalletError` with code `InvalidInput`, so the RPC router answers -32602 (invalid params)
 * with this message without further mapping.
 */
export class InvalidTypedDataError extends WalletError {
  /** The JSON-RPC code the router answers with (EIP-1474 invalid params). */
  readonly rpcCode = -32602;
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('InvalidInput', message, options);
  }
}

export type InvalidTypedDataErrorType = InvalidTypedDataError;

export type TypedDataVersion = 'v1' | 'v3' | 'v4';

export type DescribeTypedDataOptions = {
  /** The chain the wallet is on for this origin; a domain naming another chain is warned about. */
  readonly chainId?: number;
};

export type DescribeTypedDataReturnType = TypedDataInsight;
export type DescribeTypedDataErrorType = InvalidTypedDataErrorType;

/**
 * Describes typed data for the approval prompt.
 * @param json The request's typed data as JSON text (v1: the array of `{ type, name, value }`).
 * @param origin The requesting origin, named in the warnings.
 * @throws InvalidTypedDataError when the input is not typed data of that version.
 * @example
 * describeTypedData(JSON.stringify(permitData), 'v4', 'https://dapp.example')
 * // → { title: 'Permit (EIP-2612)', domain: [...], message: [...], warnings: [{ kind: 'permit', … }] }
 */
export function describeTypedData(
  json: string,
  version: TypedDataVersion,
  origin: string,
  options: DescribeTypedDataOptions = {},
): DescribeTypedDataReturnType {
  if (typeof json !== 'string') throw new InvalidTypedDataError('"typedData" is not JSON text');
  if (json.length > MAX_JSON_CHARS)
    throw new InvalidTypedDataError(`"typedData" is longer than ${MAX_JSON_CHARS} characters`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InvalidTypedDataError('"typedData" is not valid JSON', { cause: error });
  }
  if (version === 'v1') return describeV1(value);
  if (version !== 'v3' && version !== 'v4')
    throw new InvalidTypedDataError('"version" is not one of v1, v3, v4');
  const { typedData, undeclared } = parseStrict(value, version);

  const warnings: Warning[] = [];
  if (undeclared.length > 0) warnings.push(undeclaredFields(undeclared));
  const domainChainId = typedData.domain.chainId;
  if (
    options.chainId !== undefined &&
    domainChainId !== undefined &&
    domainChainId !== options.chainId
  )
    warnings.push(typedDataChainMismatch(domainChainId, options.chainId));

  const kind = permitKind(typedData);
  const annotate = kind === undefined ? undefined : annotatePermitValue;
  const insight = {
    domain: domainTree(typedData),
    message: structTree(typedData.message, typedData.primaryType, typedData.types, annotate),
    primaryType: typedData.primaryType,
  };
  if (hidesCharacters(insight.domain) || hidesCharacters(insight.message))
    warnings.push(hiddenCharacters());
  switch (kind) {
    case 'eip2612':
      return {
        ...insight,
        title: 'Permit (EIP-2612)',
        warnings: [...warnings, eip2612Warning(typedData, origin)],
      };
    case 'dai':
      return {
        ...insight,
        title: 'Permit (DAI-style)',
        warnings: [...warnings, daiWarning(typedData, origin)],
      };
    case 'permit2':
      return {
        ...insight,
        title: `Permit2 ${typedData.primaryType}`,
        warnings: [...warnings, permit2Warning(typedData, origin)],
      };
    default:
      return { ...insight, title: typedData.primaryType, warnings };
  }
}

/**
 * v3/v4 through the signer's parser and viem's checks, so both refuse the same inputs; the
 * undeclared fields the parser dropped are named.
 */
function parseStrict(
  value: unknown,
  version: 'v3' | 'v4',
): { typedData: TypedDataPayload; undeclared: readonly string[] } {
  let typedData: TypedDataPayload;
  let undeclared: readonly string[];
  try {
    ({ typedData, undeclared } = parseTypedDataWithUndeclared(value));
    validateTypedData(toViemTypedData(typedData) as Parameters<typeof validateTypedData>[0]);
  } catch (error) {
    if (error instanceof CkmError)
      throw new InvalidTypedDataError(error.shortMessage, { cause: error });
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'is not valid';
    throw new InvalidTypedDataError(`"typedData" ${reason}`, { cause: error });
  }
  if (version === 'v3')
    for (const [name, members] of Object.entries(typedData.types))
      for (const member of members)
        if (member.type.endsWith(']'))
          throw new InvalidTypedDataError(
            `"typedData.types.${name}.${member.name}" is an array, which eth_signTypedData_v3 does not support; use eth_signTypedData_v4`,
          );
  return { typedData, undeclared };
}

// ---------------------------------------------------------------------------------------------
// Trees

type Annotate = (name: string, type: string, value: TypedDataValue) => string | undefined;

function domainTree({ domain }: TypedDataPayload): TreeNode[] {
  const nodes: TreeNode[] = [];
  if (domain.name !== undefined) nodes.push({ label: 'name', value: domain.name, type: 'string' });
  if (domain.version !== undefined)
    nodes.push({ label: 'version', value: domain.version, type: 'string' });
  if (domain.chainId !== undefined)
    nodes.push({ label: 'chainId', value: String(domain.chainId), type: 'uint256' });
  if (domain.verifyingContract !== undefined)
    nodes.push({
      label: 'verifyingContract',
      value: getAddress(domain.verifyingContract),
      type: 'address',
    });
  if (domain.salt !== undefined) nodes.push({ label: 'salt', value: domain.salt, type: 'bytes32' });
  return nodes;
}

function structTree(
  value: TypedDataValue,
  typeName: string,
  types: TypedDataPayload['types'],
  annotate: Annotate | undefined,
): TreeNode[] {
  const record = value as Readonly<Record<string, TypedDataValue>>;
  return (types[typeName] ?? []).map((member) =>
    valueNode(
      member.name,
      member.type,
      own(record, member.name) as TypedDataValue,
      types,
      annotate,
    ),
  );
}

function valueNode(
  label: string,
  type: string,
  value: TypedDataValue,
  types: TypedDataPayload['types'],
  annotate: Annotate | undefined,
): TreeNode {
  if (type.endsWith(']')) {
    const inner = type.slice(0, type.lastIndexOf('['));
    const items = value as readonly TypedDataValue[];
    return {
      label,
      type,
      children: items.map((item, i) => valueNode(`[${i}]`, inner, item, types, annotate)),
    };
  }
  if (Object.hasOwn(types, type))
    return { label, type, children: structTree(value, type, types, annotate) };
  const text = atomText(type, value);
  const note = annotate?.(label, type, value);
  return { label, type, value: note === undefined ? text : `${text} (${note})` };
}

/** The display text of an atomic value that passed the strict parser. */
function atomText(type: string, value: TypedDataValue): string {
  if (type === 'address' && typeof value === 'string') return getAddress(value);
  if (INTEGER_TYPE.test(type) && (typeof value === 'string' || typeof value === 'number'))
    return BigInt(value).toString();
  if (typeof value === 'string') return value;
  return String(value);
}

/** Whether any label or value in the trees holds a character the prompt must not show silently. */
function hidesCharacters(nodes: readonly TreeNode[]): boolean {
  return nodes.some(
    (node) =>
      hasHiddenCharacters(node.label) ||
      (node.value !== undefined && hasHiddenCharacters(node.value)) ||
      (node.children !== undefined && hidesCharacters(node.children)),
  );
}

// ---------------------------------------------------------------------------------------------
// Permits

type PermitKind = 'eip2612' | 'dai' | 'permit2';

function permitKind({ primaryType, types, domain }: TypedDataPayload): PermitKind | undefined {
  if (domain.name === 'Permit2' && PERMIT2_TYPES.has(primaryType)) return 'permit2';
  if (primaryType !== 'Permit') return undefined;
  const members = new Map((types.Permit ?? []).map((m) => [m.name, m.type]));
  const has = (name: string, type: string) => members.get(name) === type;
  if (
    has('owner', 'address') &&
    has('spender', 'address') &&
    has('value', 'uint256') &&
    has('deadline', 'uint256')
  )
    return 'eip2612';
  if (
    has('holder', 'address') &&
    has('spender', 'address') &&
    has('expiry', 'uint256') &&
    has('allowed', 'bool')
  )
    return 'dai';
  return undefined;
}

function annotatePermitValue(
  name: string,
  type: string,
  value: TypedDataValue,
): string | undefined {
  const integer = INTEGER_TYPE.exec(type);
  if (!integer || (typeof value !== 'string' && typeof value !== 'number')) return undefined;
  const raw = BigInt(value);
  const bits = Number(integer[2]);
  if (TIME_FIELDS.has(name)) return isoTime(raw, bits);
  if ((name === 'value' || name === 'amount') && isUnlimited(raw, bits)) return 'unlimited';
  return undefined;
}

/** At or above half the type's range an amount is "unlimited" in practice (2^256−1, 2^160−1, …). */
function isUnlimited(raw: bigint, bits: number): boolean {
  return raw >= 1n << BigInt(bits - 1);
}

/** A Unix time in seconds as an ISO date; "never" where it is beyond any date. */
export function isoTime(seconds: bigint, bits = 256): string {
  if (isUnlimited(seconds, bits) || seconds > 8_640_000_000_000n) return 'never expires';
  return new Date(Number(seconds) * 1000).toISOString();
}

function field(record: unknown, name: string): TypedDataValue | undefined {
  return isPlainObject(record) ? (own(record, name) as TypedDataValue | undefined) : undefined;
}

function addressText(value: TypedDataValue | undefined): string {
  return typeof value === 'string' && isAddress(value, { strict: false })
    ? getAddress(value)
    : '(unknown)';
}

function integerValue(value: TypedDataValue | undefined): bigint | undefined {
  return typeof value === 'string' || typeof value === 'number' ? BigInt(value) : undefined;
}

function amountText(value: TypedDataValue | undefined, bits: number): string {
  const raw = integerValue(value);
  if (raw === undefined) return 'an unknown amount';
  return isUnlimited(raw, bits) ? 'an UNLIMITED amount' : `${raw} (raw units)`;
}

function deadlineText(value: TypedDataValue | undefined, bits: number): string {
  const raw = integerValue(value);
  return raw === undefined ? 'an unknown time' : isoTime(raw, bits);
}

function tokenOfDomain({ domain }: TypedDataPayload): string {
  const contract = domain.verifyingContract ? getAddress(domain.verifyingContract) : undefined;
  if (domain.name && contract) return `${printable(domain.name)} (${contract})`;
  return contract ?? (domain.name ? printable(domain.name) : 'an unnamed token');
}

function bitsOf(typedData: TypedDataPayload, typeName: string, member: string): number {
  const type = typedData.types[typeName]?.find((m) => m.name === member)?.type ?? 'uint256';
  return Number(INTEGER_TYPE.exec(type)?.[2] ?? 256);
}

function eip2612Warning(typedData: TypedDataPayload, origin: string): Warning {
  const { message } = typedData;
  return permit({
    origin,
    spender: addressText(field(message, 'spender')),
    amount: amountText(field(message, 'value'), 256),
    token: tokenOfDomain(typedData),
    deadline: deadlineText(field(message, 'deadline'), 256),
  });
}

function daiWarning(typedData: TypedDataPayload, origin: string): Warning {
  const { message } = typedData;
  const allowed = field(message, 'allowed') === true;
  const expiry = integerValue(field(message, 'expiry'));
  return permit({
    origin,
    spender: addressText(field(message, 'spender')),
    // DAI's permit sets the allowance to max uint256 when `allowed`, and to 0 otherwise.
    amount: allowed ? 'an UNLIMITED amount' : 'nothing (this revokes the allowance)',
    token: tokenOfDomain(typedData),
    // DAI: "expiry = 0" means the permit never expires.
    deadline:
      expiry === undefined ? 'an unknown time' : expiry === 0n ? 'never expires' : isoTime(expiry),
  });
}

function permit2Warning(typedData: TypedDataPayload, origin: string): Warning {
  const { message, primaryType } = typedData;
  const allowance = primaryType === 'PermitSingle' || primaryType === 'PermitBatch';
  const raw = field(message, allowance ? 'details' : 'permitted');
  const items = Array.isArray(raw)
    ? (raw as readonly TypedDataValue[])
    : raw === undefined
      ? []
      : [raw];
  const itemType = allowance ? 'PermitDetails' : 'TokenPermissions';
  const amountBits = bitsOf(typedData, itemType, 'amount');
  const grants = items.map((item) => {
    const amount = amountText(field(item, 'amount'), amountBits);
    const token = addressText(field(item, 'token'));
    return allowance
      ? `${amount} of token ${token}, allowance until ${deadlineText(field(item, 'expiration'), bitsOf(typedData, itemType, 'expiration'))}`
      : `${amount} of token ${token} in one transfer`;
  });
  const deadlineName = allowance ? 'sigDeadline' : 'deadline';
  return permit2({
    origin,
    spender: addressText(field(message, 'spender')),
    grants: grants.length > 0 ? grants : ['tokens'],
    deadline: deadlineText(
      field(message, deadlineName),
      bitsOf(typedData, primaryType, deadlineName),
    ),
  });
}

// ---------------------------------------------------------------------------------------------
// v1: an array of { type, name, value } (MetaMask's legacy `eth_signTypedData`).

function describeV1(value: unknown): TypedDataInsight {
  const path = 'typedData';
  if (!Array.isArray(value)) throw new InvalidTypedDataError(`"${path}" is not an array (v1)`);
  if (value.length === 0) throw new InvalidTypedDataError(`"${path}" is empty`);
  if (value.length > PAYLOAD_LIMITS.typedDataFields)
    throw new InvalidTypedDataError(
      `"${path}" has more than ${PAYLOAD_LIMITS.typedDataFields} entries`,
    );
  let chars = 0;
  const message = value.map((entry, i): TreeNode => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(entry)) throw new InvalidTypedDataError(`"${at}" is not an object`);
    for (const key of Object.keys(entry))
      if (key !== 'type' && key !== 'name' && key !== 'value')
        throw new InvalidTypedDataError(`"${at}.${printable(key)}" is not a known field`);
    const type = own(entry, 'type');
    const name = own(entry, 'name');
    if (typeof type !== 'string' || !V1_TYPE.test(type))
      throw new InvalidTypedDataError(`"${at}.type" is not a Solidity type`);
    if (typeof name !== 'string' || name.length > V1_NAME_LENGTH)
      throw new InvalidTypedDataError(
        `"${at}.name" is not a string of at most ${V1_NAME_LENGTH} characters`,
      );
    chars += name.length;
    const node = v1Node(name, type, own(entry, 'value'), `${at}.value`, 0);
    chars += JSON.stringify(node).length;
    if (chars > PAYLOAD_LIMITS.typedDataChars)
      throw new InvalidTypedDataError(
        `"${path}" is longer than ${PAYLOAD_LIMITS.typedDataChars} characters`,
      );
    return node;
  });
  return {
    title: 'Typed data (v1)',
    domain: [],
    message,
    warnings: hidesCharacters(message) ? [hiddenCharacters()] : [],
  };
}

function v1Node(label: string, type: string, value: unknown, at: string, depth: number): TreeNode {
  if (type.endsWith(']')) {
    if (depth >= PAYLOAD_LIMITS.typedDataDepth)
      throw new InvalidTypedDataError(`"${at}" nests too deep`);
    const inner = type.slice(0, type.lastIndexOf('['));
    const size = type.slice(type.lastIndexOf('[') + 1, -1);
    if (!Array.isArray(value) || value.length > PAYLOAD_LIMITS.typedDataArrayLength)
      throw new InvalidTypedDataError(`"${at}" is not an array of ${type}`);
    if (size !== '' && value.length !== Number(size))
      throw new InvalidTypedDataError(`"${at}" does not have ${size} items`);
    return {
      label,
      type,
      children: value.map((item, i) => v1Node(`[${i}]`, inner, item, `${at}[${i}]`, depth + 1)),
    };
  }
  return { label, type, value: v1Atom(type, value, at) };
}

function v1Atom(type: string, value: unknown, at: string): string {
  const fail = (expectation: string) => new InvalidTypedDataError(`"${at}" ${expectation}`);
  if (type === 'address') {
    if (typeof value !== 'string' || !isAddress(value)) throw fail('is not an address');
    return getAddress(value as Address);
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw fail('is not a boolean');
    return String(value);
  }
  if (type === 'string') {
    if (typeof value !== 'string') throw fail('is not a string');
    return value;
  }
  const fixed = FIXED_BYTES_TYPE.exec(type);
  if (type === 'bytes' || fixed) {
    if (typeof value !== 'string' || !HEX_BYTES.test(value)) throw fail('is not hex bytes');
    if (fixed && value.length !== 2 + 2 * Number(fixed[1])) throw fail(`is not ${fixed[1]} bytes`);
    return value;
  }
  const integer = INTEGER_TYPE.exec(type) ?? /^(u?)int()$/.exec(type);
  if (integer) {
    const bits = integer[2] === '' ? 256 : Number(integer[2]);
    let raw: bigint;
    if (typeof value === 'number' && Number.isSafeInteger(value)) raw = BigInt(value);
    else if (typeof value === 'string' && (DECIMAL.test(value) || HEX_INTEGER.test(value)))
      raw = BigInt(value);
    else throw fail('is not an integer');
    const unsigned = integer[1] === 'u';
    const min = unsigned ? 0n : -(1n << BigInt(bits - 1));
    const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
    if (raw < min || raw > max) throw fail(`is outside the range of ${type}`);
    return raw.toString();
  }
  throw fail('has an unknown type');
}
