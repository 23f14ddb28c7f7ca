/**
 * EIP-712 typed data in a sign payload (`eth_signTypedData_v4` JSON): a strict, bounded parse,
 * then viem's own checks and `hashTypedData` (no EIP-712 encoding here).
 *
 * What is signed is what MetaMask signs: eth-sig-util's `signTypedData` v4 (`TypedDataUtils.
 * eip712Hash`, `hashStruct`) digests exactly the members that `types` declares and ignores any
 * other field, so dApps (the test dApp's `PermitBatch`, every Seaport/OpenSea listing with its
 * `totalOriginalConsiderationItems`) send such fields and verify against that digest. We accept
 * them the same way and no other:
 * - An undeclared field of the message or of a nested struct, and a domain field that
 *   `types.EIP712Domain` does not list, is DROPPED: the parsed payload holds only declared data,
 *   so what is stored, shown, sent to the servers and hashed is the same, and equals
 *   eth-sig-util's v4 digest. `parseTypedDataWithUndeclared` names what was dropped (the
 *   approval prompt warns about it). When `types.EIP712Domain` is absent, eth-sig-util hashes
 *   the domain as the empty struct `EIP712Domain()`, so every domain field is dropped and the
 *   signature binds no name, chain or contract (viem alone would derive the domain type from the
 *   domain; we follow eth-sig-util, which is what dApps verify against).
 * - Dropped data is still bounded on the raw input: it counts against the value and character
 *   budgets, its nesting against the depth limit, its arrays against the array length and its
 *   objects against the member count (`PAYLOAD_LIMITS`); keys are at most a member name long. It
 *   must be JSON data (objects, arrays, strings, finite numbers, booleans, null), else refused.
 * - Still refused, as eth-sig-util v4 refuses them or worse: a declared member that is missing
 *   or `null` (eth-sig-util v4 throws for a missing atomic or array member; it hashes a missing
 *   or `null` struct member as 32 zero bytes, which matches no struct a contract can hash and
 *   which viem cannot express, and a `null` string as "", so we refuse both rather than show a
 *   value that is not there); a declared domain field that the domain lacks (eth-sig-util throws);
 *   and, stricter than eth-sig-util, a `types.EIP712Domain` that names a field outside the EIP or
 *   lists its fields out of the EIP's order or with other types (EIP-712 "Definition of
 *   domainSeparator"), and unknown keys beside `types`, `primaryType`, `domain` and `message`.
 * - Depth, counts and lengths are bounded (`PAYLOAD_LIMITS`) so that hostile input cannot make us
 *   recurse or hash without end.
 * @see https://eips.ethereum.org/EIPS/eip-712
 * @module
 */
import { getTypesForEIP712Domain, type HashTypedDataParameters } from 'viem';
import {
  assertRecord,
  invalid,
  isPlainObject,
  own,
  parseAddress,
  parseArray,
  parseFixedHex,
  parseHexBytes,
  parseString,
  printable,
} from './fields';
import {
  PAYLOAD_LIMITS,
  type TypedDataDomainPayload,
  type TypedDataField,
  type TypedDataPayload,
  type TypedDataValue,
} from './types';

const DOMAIN_TYPE = 'EIP712Domain';
const DOMAIN_FIELDS = ['name', 'version', 'chainId', 'verifyingContract', 'salt'] as const;
const MAX_DOMAIN_STRING = 256;
/** A struct name (viem's `validateReference` charset) or a member name (an identifier). */
const TYPE_NAME = /^[A-Za-z_$][A-Za-z0-9_$:]*$/;
const MEMBER_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** `Base[2][]`: a base type then array dimensions, empty for dynamic. */
const TYPE_REFERENCE = /^([A-Za-z_$][A-Za-z0-9_$:]*)((?:\[[0-9]*\])*)$/;
const INTEGER_TYPE =
  /^(u?)int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)$/;
const FIXED_BYTES_TYPE = /^bytes([1-9]|[12][0-9]|3[0-2])$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]{0,77})$/;
const HEX_INTEGER = /^0x[0-9a-fA-F]{1,64}$/;

type Types = Readonly<Record<string, readonly TypedDataField[]>>;

/** A parsed member type: its base and its array dimensions, outermost last (`undefined` = dynamic). */
interface TypeReference {
  readonly base: string;
  readonly dimensions: readonly (number | undefined)[];
}

/** Undeclared paths listed at most; more are dropped all the same. */
const MAX_UNDECLARED_LISTED = 64;

/**
 * Counts values and characters over one message, against `PAYLOAD_LIMITS`, and collects the
 * paths of the undeclared fields that the parse drops.
 */
class Budget {
  #values = 0;
  #chars = 0;
  readonly #undeclared = new Set<string>();
  get undeclared(): readonly string[] {
    return [...this.#undeclared];
  }
  /** `typedData.message.tree[3][0]` + `extra` → `message.tree[][].extra`. */
  drop(field: string, key: string): void {
    if (this.#undeclared.size >= MAX_UNDECLARED_LISTED) return;
    const at = field.replace(/^typedData\./, '').replace(/\[[0-9]+\]/g, '[]');
    this.#undeclared.add(`${at}.${displayKey(key)}`);
  }
  value(field: string): void {
    if (++this.#values > PAYLOAD_LIMITS.typedDataValues)
      throw invalid(field, `takes the message past ${PAYLOAD_LIMITS.typedDataValues} values`);
  }
  chars(field: string, length: number): void {
    this.#chars += length;
    if (this.#chars > PAYLOAD_LIMITS.typedDataChars)
      throw invalid(field, `takes the message past ${PAYLOAD_LIMITS.typedDataChars} characters`);
  }
}

/** Parsed typed data and what the parse dropped from it. */
export interface ParsedTypedData {
  /** Only declared data: what is shown, sent and hashed. */
  readonly typedData: TypedDataPayload;
  /**
   * The dropped (undeclared, so unsigned) fields, each path once with array indices as `[]`:
   * `domain.version`, `message.tree[][].totalOriginalConsiderationItems`; at most 64 listed.
   */
  readonly undeclared: readonly string[];
}

/**
 * `eth_signTypedData_v4` JSON, checked by us and then by viem; undeclared fields dropped (see
 * the module doc).
 * @throws CkmError `InvalidPayload` naming the field.
 */
export function parseTypedData(value: unknown): TypedDataPayload {
  return parseTypedDataWithUndeclared(value).typedData;
}

/**
 * As `parseTypedData`, and names the undeclared fields it dropped, for the approval prompt.
 * @throws CkmError `InvalidPayload` naming the field.
 * @example
 * const { typedData, undeclared } = parseTypedDataWithUndeclared(seaportBulkOrder);
 * // undeclared: ['message.tree[][].totalOriginalConsiderationItems']
 */
export function parseTypedDataWithUndeclared(value: unknown): ParsedTypedData {
  const field = 'typedData';
  const record = assertRecord(value, field, ['types', 'primaryType', 'domain', 'message']);
  const budget = new Budget();
  const types = parseTypes(own(record, 'types'), `${field}.types`);
  const domain = parseDomain(own(record, 'domain'), `${field}.domain`, types, budget);
  assertDomainType(types, domain, field);

  const primaryType = own(record, 'primaryType');
  if (
    typeof primaryType !== 'string' ||
    primaryType === DOMAIN_TYPE ||
    !Object.hasOwn(types, primaryType)
  )
    throw invalid(`${field}.primaryType`, 'is not a struct type in "typedData.types"');
  const message = parseStruct(
    own(record, 'message'),
    primaryType,
    types,
    `${field}.message`,
    1,
    budget,
  );
  if (!isPlainObject(message)) throw invalid(`${field}.message`, 'is not an object');

  // viem re-validates (addresses, sizes, integer ranges, type names) when `parseSignPayload`
  // computes the digest, so anything it refuses that we let through is still a typed refusal.
  return { typedData: { types, primaryType, domain, message }, undeclared: budget.undeclared };
}

function isReserved(name: string): boolean {
  // `__proto__`, `constructor`, `toString`…: as keys of a plain object they are inherited or
  // rewrite the prototype, so a lookup by such a name could find something nobody declared.
  return name in Object.prototype;
}

function parseTypes(value: unknown, field: string): Types {
  if (!isPlainObject(value)) throw invalid(field, 'is not an object');
  const names = Object.keys(value);
  if (names.length > PAYLOAD_LIMITS.typedDataTypes)
    throw invalid(field, `has more than ${PAYLOAD_LIMITS.typedDataTypes} types`);
  const entries = names.map((name): [string, readonly TypedDataField[]] => {
    if (
      name.length > PAYLOAD_LIMITS.typedDataNameLength ||
      !TYPE_NAME.test(name) ||
      isReserved(name) ||
      // viem's rule: `uint7`, `bytes33`… would be read as Solidity types elsewhere.
      /^(u?int|bytes)[0-9]*$/.test(name) ||
      isAtomicType(name)
    )
      throw invalid(`${field}.${printable(name)}`, 'is not a valid struct type name');
    return [name, parseMembers(value[name], `${field}.${name}`)];
  });
  const types: Types = Object.fromEntries(entries);
  for (const [name, members] of entries) {
    if (name === DOMAIN_TYPE) continue;
    members.forEach((member, index) => {
      const { base } = parseTypeReference(member.type, `${field}.${name}[${index}].type`);
      if (!isAtomicType(base) && (base === DOMAIN_TYPE || !Object.hasOwn(types, base)))
        throw invalid(`${field}.${name}[${index}].type`, 'names a type that is not defined');
    });
  }
  return types;
}

function parseMembers(value: unknown, field: string): readonly TypedDataField[] {
  const members = parseArray(value, field, PAYLOAD_LIMITS.typedDataFields);
  const seen = new Set<string>();
  return members.map((member, index) => {
    const path = `${field}[${index}]`;
    const record = assertRecord(member, path, ['name', 'type']);
    const name = parseString(
      own(record, 'name'),
      `${path}.name`,
      PAYLOAD_LIMITS.typedDataNameLength,
    );
    if (!MEMBER_NAME.test(name) || isReserved(name))
      throw invalid(`${path}.name`, 'is not a valid member name');
    if (seen.has(name)) throw invalid(`${path}.name`, 'repeats a member name');
    seen.add(name);
    const type = parseString(
      own(record, 'type'),
      `${path}.type`,
      2 * PAYLOAD_LIMITS.typedDataNameLength,
    );
    parseTypeReference(type, `${path}.type`);
    return { name, type };
  });
}

function parseTypeReference(type: string, field: string): TypeReference {
  const match = TYPE_REFERENCE.exec(type);
  if (!match) throw invalid(field, 'is not a type');
  const [, base = '', suffix = ''] = match;
  const dimensions =
    suffix === ''
      ? []
      : suffix
          .slice(1, -1)
          .split('][')
          .map((size) => {
            if (size === '') return undefined;
            const length = Number(size);
            if (!/^[1-9][0-9]*$/.test(size) || length > PAYLOAD_LIMITS.typedDataArrayLength)
              throw invalid(
                field,
                `has an array size outside 1..${PAYLOAD_LIMITS.typedDataArrayLength}`,
              );
            return length;
          });
  if (dimensions.length >= PAYLOAD_LIMITS.typedDataDepth)
    throw invalid(field, `has more than ${PAYLOAD_LIMITS.typedDataDepth - 1} array dimensions`);
  return { base, dimensions };
}

function isAtomicType(type: string): boolean {
  return (
    type === 'address' ||
    type === 'bool' ||
    type === 'string' ||
    type === 'bytes' ||
    FIXED_BYTES_TYPE.test(type) ||
    INTEGER_TYPE.test(type)
  );
}

function parseDomain(
  value: unknown,
  field: string,
  types: Types,
  budget: Budget,
): TypedDataDomainPayload {
  if (!isPlainObject(value)) throw invalid(field, 'is not an object');
  // eth-sig-util hashes the domain with `types.EIP712Domain`, `[]` when absent: any other field
  // is not signed, so it is dropped (bounded first).
  const declared = new Set((types[DOMAIN_TYPE] ?? []).map((member) => member.name));
  dropUndeclared(value, declared, field, 1, budget);
  const kept = (name: string) => (declared.has(name) ? own(value, name) : undefined);
  const name = kept('name');
  const version = kept('version');
  const chainId = kept('chainId');
  const verifyingContract = kept('verifyingContract');
  const salt = kept('salt');
  const domain: TypedDataDomainPayload = {
    ...(name === undefined ? {} : { name: parseString(name, `${field}.name`, MAX_DOMAIN_STRING) }),
    ...(version === undefined
      ? {}
      : { version: parseString(version, `${field}.version`, MAX_DOMAIN_STRING) }),
    ...(chainId === undefined ? {} : { chainId: parseDomainChainId(chainId, `${field}.chainId`) }),
    ...(verifyingContract === undefined
      ? {}
      : { verifyingContract: parseAddress(verifyingContract, `${field}.verifyingContract`) }),
    ...(salt === undefined ? {} : { salt: parseFixedHex(salt, `${field}.salt`, 32) }),
  };
  budget.chars(field, (domain.name?.length ?? 0) + (domain.version?.length ?? 0));
  return domain;
}

/**
 * dApps send the domain chain id as a number, a decimal string or a hex string; we keep a
 * positive safe integer so that callers can compare it with the wallet's chain.
 */
function parseDomainChainId(value: unknown, field: string): number {
  const parsed =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && (DECIMAL.test(value) || HEX_INTEGER.test(value))
        ? Number(BigInt(value))
        : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw invalid(field, 'is not a chain id (a positive safe integer)');
  return parsed;
}

/**
 * EIP-712: the domain type lists fields of the domain (those it leaves out were dropped), each
 * present, with its EIP type and in the EIP's order. A declared field the domain lacks is refused
 * (eth-sig-util v4 throws on it too).
 */
function assertDomainType(types: Types, domain: TypedDataDomainPayload, field: string): void {
  if (!Object.hasOwn(types, DOMAIN_TYPE)) return;
  const declared = types[DOMAIN_TYPE] ?? [];
  const missing = declared.find(
    (member) =>
      (DOMAIN_FIELDS as readonly string[]).includes(member.name) &&
      own(domain as Readonly<Record<string, unknown>>, member.name) === undefined,
  );
  if (missing)
    throw invalid(
      `${field}.domain.${missing.name}`,
      `is missing (declared in "${field}.types.${DOMAIN_TYPE}")`,
    );
  const expected = getTypesForEIP712Domain({ domain });
  const same =
    declared.length === expected.length &&
    declared.every(
      (member, i) => member.name === expected[i]?.name && member.type === expected[i]?.type,
    );
  if (!same)
    throw invalid(
      `${field}.types.${DOMAIN_TYPE}`,
      'does not list EIP-712 domain fields with their EIP-712 types in EIP-712 order',
    );
}

/**
 * Drops (after bounding) the fields of `record` that are not in `declared`; a key whose value is
 * `undefined` counts as absent (CBOR keeps such keys).
 */
function dropUndeclared(
  record: Readonly<Record<string, unknown>>,
  declared: ReadonlySet<string>,
  field: string,
  depth: number,
  budget: Budget,
): void {
  let count = 0;
  for (const key of Object.keys(record)) {
    if (declared.has(key)) continue;
    const value = own(record, key);
    if (value === undefined) continue;
    if (++count > PAYLOAD_LIMITS.typedDataFields)
      throw invalid(field, `has more than ${PAYLOAD_LIMITS.typedDataFields} undeclared fields`);
    const path = `${field}.${printable(key)}`;
    boundKey(key, path, budget);
    boundUndeclared(value, path, depth + 1, budget);
    budget.drop(field, key);
  }
}

function boundKey(key: string, field: string, budget: Budget): void {
  if (key.length > PAYLOAD_LIMITS.typedDataNameLength)
    throw invalid(field, `has a name longer than ${PAYLOAD_LIMITS.typedDataNameLength} characters`);
  budget.chars(field, key.length);
}

/** Walks a dropped value only to bound it: JSON data within every limit of a message. */
function boundUndeclared(value: unknown, field: string, depth: number, budget: Budget): void {
  budget.value(field);
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(field, 'is not JSON data');
    return;
  }
  if (typeof value === 'string') {
    budget.chars(field, value.length);
    return;
  }
  if (depth > PAYLOAD_LIMITS.typedDataDepth)
    throw invalid(field, `nests deeper than ${PAYLOAD_LIMITS.typedDataDepth} levels`);
  if (Array.isArray(value)) {
    parseArray(value, field, PAYLOAD_LIMITS.typedDataArrayLength);
    for (let i = 0; i < value.length; i++)
      boundUndeclared(value[i], `${field}[${i}]`, depth + 1, budget);
    return;
  }
  if (!isPlainObject(value)) throw invalid(field, 'is not JSON data');
  const keys = Object.keys(value);
  if (keys.length > PAYLOAD_LIMITS.typedDataFields)
    throw invalid(field, `has more than ${PAYLOAD_LIMITS.typedDataFields} fields`);
  for (const key of keys) {
    const path = `${field}.${printable(key)}`;
    boundKey(key, path, budget);
    const item = own(value, key);
    if (item !== undefined) boundUndeclared(item, path, depth + 1, budget);
  }
}

/** A dropped field's key as the prompt lists it: printable ASCII, other characters as `?`. */
function displayKey(key: string): string {
  return key.replace(/[^\x20-\x7e]/g, '?');
}

/** A member value of type `type` (an atomic type, a struct, or an array of either). */
function parseValue(
  value: unknown,
  type: string,
  types: Types,
  field: string,
  depth: number,
  budget: Budget,
): TypedDataValue {
  budget.value(field);
  const { base, dimensions } = parseTypeReference(type, field);
  const outer = dimensions.at(-1);
  if (dimensions.length > 0) {
    if (depth >= PAYLOAD_LIMITS.typedDataDepth)
      throw invalid(field, `nests deeper than ${PAYLOAD_LIMITS.typedDataDepth} levels`);
    const items = parseArray(value, field, PAYLOAD_LIMITS.typedDataArrayLength);
    if (outer !== undefined && items.length !== outer)
      throw invalid(field, `does not have ${outer} items`);
    const inner = type.slice(0, type.lastIndexOf('['));
    return items.map((item, i) =>
      parseValue(item, inner, types, `${field}[${i}]`, depth + 1, budget),
    );
  }
  if (Object.hasOwn(types, base)) return parseStruct(value, base, types, field, depth + 1, budget);
  return parseAtomic(value, base, field, budget);
}

function parseStruct(
  value: unknown,
  typeName: string,
  types: Types,
  field: string,
  depth: number,
  budget: Budget,
): TypedDataValue {
  if (depth > PAYLOAD_LIMITS.typedDataDepth)
    throw invalid(field, `nests deeper than ${PAYLOAD_LIMITS.typedDataDepth} levels`);
  const members = types[typeName] ?? [];
  if (!isPlainObject(value)) throw invalid(field, 'is not an object');
  const record = value;
  dropUndeclared(record, new Set(members.map((member) => member.name)), field, depth, budget);
  const entries = members.map((member): [string, TypedDataValue] => {
    const path = `${field}.${member.name}`;
    const memberValue = own(record, member.name);
    if (memberValue === undefined) throw invalid(path, 'is missing');
    return [member.name, parseValue(memberValue, member.type, types, path, depth, budget)];
  });
  return Object.fromEntries(entries);
}

/**
 * An address inside typed data: 20 bytes of hex in any case. EIP-712 encodes it as a uint160, so
 * case carries nothing into the digest, and eth-sig-util (what MetaMask signs with, and dApps
 * verify with) accepts a mixed-case address whose EIP-55 checksum is wrong, as dApps send them
 * (the test dApp's ERC-721 permit). Such an address is kept in lower case, and the prompt shows
 * it checksummed. Transaction fields stay strict (`parseAddress`).
 */
function parseTypedDataAddress(value: unknown, field: string): `0x${string}` {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value))
    throw invalid(field, 'is not an address (20 bytes of hex)');
  try {
    return parseAddress(value, field);
  } catch {
    return value.toLowerCase() as `0x${string}`;
  }
}

function parseAtomic(value: unknown, type: string, field: string, budget: Budget): TypedDataValue {
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw invalid(field, 'is not a boolean');
    return value;
  }
  if (type === 'address') return parseTypedDataAddress(value, field);
  if (type === 'string') {
    const text = parseString(value, field, PAYLOAD_LIMITS.typedDataChars);
    budget.chars(field, text.length);
    return text;
  }
  if (type === 'bytes') {
    const hex = parseHexBytes(value, field, PAYLOAD_LIMITS.typedDataChars / 2);
    budget.chars(field, hex.length);
    return hex;
  }
  const fixedBytes = FIXED_BYTES_TYPE.exec(type);
  if (fixedBytes) return parseFixedHex(value, field, Number(fixedBytes[1]));
  const integer = INTEGER_TYPE.exec(type);
  if (integer) return parseInteger(value, field, integer[1] === 'u', Number(integer[2]));
  throw invalid(field, 'has a type that is not defined');
}

/** uintN/intN as a safe JS number, a decimal string or a hex string, within range. */
function parseInteger(
  value: unknown,
  field: string,
  unsigned: boolean,
  bits: number,
): TypedDataValue {
  let integer: bigint;
  if (typeof value === 'number' && Number.isSafeInteger(value)) integer = BigInt(value);
  else if (typeof value === 'string' && DECIMAL.test(value)) integer = BigInt(value);
  else if (typeof value === 'string' && HEX_INTEGER.test(value)) integer = BigInt(value);
  else throw invalid(field, 'is not an integer (a safe number, a decimal or a hex string)');
  const min = unsigned ? 0n : -(1n << BigInt(bits - 1));
  const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  if (integer < min || integer > max)
    throw invalid(field, `is outside the range of ${unsigned ? 'u' : ''}int${bits}`);
  return value;
}

/** viem's `hashTypedData` parameters, integers as bigint. Input must come from `parseTypedData`. */
export function toViemTypedData(typedData: TypedDataPayload): HashTypedDataParameters {
  const { types, primaryType, domain, message } = typedData;
  return {
    types: types as HashTypedDataParameters['types'],
    primaryType,
    domain,
    message: toViemValue(message, primaryType, types) as Record<string, unknown>,
  };
}

function toViemValue(value: TypedDataValue, type: string, types: Types): unknown {
  if (type.endsWith(']')) {
    const inner = type.slice(0, type.lastIndexOf('['));
    return (value as readonly TypedDataValue[]).map((item) => toViemValue(item, inner, types));
  }
  const members = Object.hasOwn(types, type) ? types[type] : undefined;
  if (members) {
    const record = value as Readonly<Record<string, TypedDataValue>>;
    return Object.fromEntries(
      members.map((m) => [
        m.name,
        toViemValue(own(record, m.name) as TypedDataValue, m.type, types),
      ]),
    );
  }
  return INTEGER_TYPE.test(type) ? BigInt(value as string | number) : value;
}
