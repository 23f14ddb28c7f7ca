/**
 * EIP-712 typed data in a sign payload (`eth_signTypedData_v4` JSON): a strict, bounded parse,
 * then viem's own checks and `hashTypedData` (no EIP-712 encoding here).
 *
 * Stricter than `eth_signTypedData_v4` in wallets, on purpose: every declared member must be
 * present and no undeclared one may be (a member that is shown but not signed is a phishing aid);
 * `types.EIP712Domain`, when given, must list exactly the domain's fields in the canonical order
 * (EIP-712 "Definition of domainSeparator"); depth, counts and lengths are bounded
 * (`PAYLOAD_LIMITS`) so that hostile input cannot make us recurse or hash without end.
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

/** Counts values and characters over one message, against `PAYLOAD_LIMITS`. */
class Budget {
  #values = 0;
  #chars = 0;
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

/**
 * Strict `eth_signTypedData_v4` JSON, checked by us and then by viem.
 * @throws CkmError `InvalidPayload` naming the field.
 */
export function parseTypedData(value: unknown): TypedDataPayload {
  const field = 'typedData';
  const record = assertRecord(value, field, ['types', 'primaryType', 'domain', 'message']);
  const budget = new Budget();
  const types = parseTypes(own(record, 'types'), `${field}.types`);
  const domain = parseDomain(own(record, 'domain'), `${field}.domain`, budget);
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
  return { types, primaryType, domain, message };
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

function parseDomain(value: unknown, field: string, budget: Budget): TypedDataDomainPayload {
  const record = assertRecord(value, field, DOMAIN_FIELDS);
  const name = own(record, 'name');
  const version = own(record, 'version');
  const chainId = own(record, 'chainId');
  const verifyingContract = own(record, 'verifyingContract');
  const salt = own(record, 'salt');
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

/** EIP-712: the domain type lists exactly the domain's fields, in the order of the EIP. */
function assertDomainType(types: Types, domain: TypedDataDomainPayload, field: string): void {
  if (!Object.hasOwn(types, DOMAIN_TYPE)) return;
  const declared = types[DOMAIN_TYPE] ?? [];
  const expected = getTypesForEIP712Domain({ domain });
  const same =
    declared.length === expected.length &&
    declared.every(
      (member, i) => member.name === expected[i]?.name && member.type === expected[i]?.type,
    );
  if (!same)
    throw invalid(
      `${field}.types.${DOMAIN_TYPE}`,
      `does not list exactly the fields of "${field}.domain" in EIP-712 order`,
    );
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
  const record = assertRecord(
    value,
    field,
    members.map((member) => member.name),
  );
  const entries = members.map((member): [string, TypedDataValue] => {
    const path = `${field}.${member.name}`;
    const memberValue = own(record, member.name);
    if (memberValue === undefined) throw invalid(path, 'is missing');
    return [member.name, parseValue(memberValue, member.type, types, path, depth, budget)];
  });
  return Object.fromEntries(entries);
}

function parseAtomic(value: unknown, type: string, field: string, budget: Budget): TypedDataValue {
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw invalid(field, 'is not a boolean');
    return value;
  }
  if (type === 'address') return parseAddress(value, field);
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
