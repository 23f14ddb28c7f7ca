/**
 * MetaMask's legacy `eth_signTypedData` (v1) in a sign payload: an array of `{ type, name, value }`
 * whose digest is eth-sig-util's `typedSignatureHash`, computed here with viem's `encodePacked`
 * and `keccak256`:
 *
 * ```text
 * schemaHash = keccak256(encodePacked(string…, ["<type> <name>", …]))
 * dataHash   = keccak256(encodePacked([type, …], [value, …]))
 * digest     = keccak256(schemaHash ‖ dataHash)
 * ```
 *
 * Stricter than eth-sig-util, on purpose: only Solidity elementary types (`string`, `bytes`,
 * `bytes1`…`bytes32`, `uint8`…`uint256`, `int8`…`int256` in steps of 8, `address`, `bool`; no
 * arrays, no bare `uint`/`int`), each value of its own type and in range (eth-sig-util wraps
 * `int8` 255 to −1, reads `"false"` as true, truncates long `bytesN` and addresses, and packs a
 * non-hex `bytes` string as UTF-8; all refused here), names non-empty, without control characters
 * and distinct; counts and lengths bounded (`PAYLOAD_LIMITS`).
 *
 * The packed encoding has no separators, so two different arrays can share a digest (a name that
 * swallows the next entry's schema, a string that swallows the next value). This is v1's own
 * design and cannot be fixed without changing the digest (the approval prompt labels such
 * requests v1; dApps should move to `eth_signTypedData_v4`). The digest is still the keccak256 of
 * 64 bytes that are two keccak256 outputs, so it cannot be steered to a chosen transaction or
 * message digest.
 * @see https://github.com/MetaMask/eth-sig-util (`typedSignatureHash`)
 * @module
 */
import { encodePacked, type Hex, keccak256 } from 'viem';
import {
  assertRecord,
  invalid,
  own,
  parseAddress,
  parseArray,
  parseFixedHex,
  parseHexBytes,
  parseString,
  printable,
} from './fields';
import { PAYLOAD_LIMITS, type TypedDataV1Entry } from './types';

const INTEGER_TYPE =
  /^(u?)int(8|16|24|32|40|48|56|64|72|80|88|96|104|112|120|128|136|144|152|160|168|176|184|192|200|208|216|224|232|240|248|256)$/;
const FIXED_BYTES_TYPE = /^bytes([1-9]|[12][0-9]|3[0-2])$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]{0,77})$/;
const HEX_INTEGER = /^0x[0-9a-fA-F]{1,64}$/;
/** Control characters (C0, DEL, C1): a name is one line of the approval prompt. */
const CONTROL = /\p{Cc}/u;
const TYPE_LENGTH = 'uint256'.length;

/**
 * Strict legacy typed data: a non-empty array of at most `PAYLOAD_LIMITS.typedDataV1Entries`
 * `{ type, name, value }` entries.
 * @throws CkmError `InvalidPayload` naming the field.
 * @example
 * parseTypedDataV1([{ type: 'string', name: 'Message', value: 'Hi, Alice!' }]);
 */
export function parseTypedDataV1(value: unknown): readonly TypedDataV1Entry[] {
  const field = 'typedData';
  const entries = parseArray(value, field, PAYLOAD_LIMITS.typedDataV1Entries);
  if (entries.length === 0) throw invalid(field, 'is empty');
  const names = new Set<string>();
  let chars = 0;
  const budget = (at: string, length: number) => {
    chars += length;
    if (chars > PAYLOAD_LIMITS.typedDataChars)
      throw invalid(at, `takes the typed data past ${PAYLOAD_LIMITS.typedDataChars} characters`);
  };
  return entries.map((entry, index): TypedDataV1Entry => {
    const at = `${field}[${index}]`;
    const record = assertRecord(entry, at, ['type', 'name', 'value']);
    const type = own(record, 'type');
    if (typeof type !== 'string' || type.length > TYPE_LENGTH || !isElementaryType(type))
      throw invalid(
        `${at}.type`,
        'is not a Solidity elementary type (string, bytes, bytesN, uintN, intN, address, bool)',
      );
    const name = parseString(
      own(record, 'name'),
      `${at}.name`,
      PAYLOAD_LIMITS.typedDataV1NameLength,
    );
    if (name === '') throw invalid(`${at}.name`, 'is empty');
    if (CONTROL.test(name)) throw invalid(`${at}.name`, 'has a control character');
    if (names.has(name)) throw invalid(`${at}.name`, 'repeats a name');
    names.add(name);
    budget(`${at}.name`, name.length);
    const parsed = parseEntryValue(own(record, 'value'), type, `${at}.value`);
    if (typeof parsed === 'string') budget(`${at}.value`, parsed.length);
    return { type, name, value: parsed };
  });
}

function isElementaryType(type: string): boolean {
  return (
    type === 'string' ||
    type === 'bytes' ||
    type === 'address' ||
    type === 'bool' ||
    FIXED_BYTES_TYPE.test(type) ||
    INTEGER_TYPE.test(type)
  );
}

function parseEntryValue(value: unknown, type: string, field: string): string | number | boolean {
  if (value === undefined) throw invalid(field, 'is missing');
  if (type === 'string') return parseString(value, field, PAYLOAD_LIMITS.typedDataChars);
  if (type === 'bytes') return parseHexBytes(value, field, PAYLOAD_LIMITS.typedDataChars / 2);
  if (type === 'address') return parseAddress(value, field);
  if (type === 'bool') {
    if (typeof value !== 'boolean') throw invalid(field, 'is not a boolean');
    return value;
  }
  const fixedBytes = FIXED_BYTES_TYPE.exec(type);
  if (fixedBytes) return parseFixedHex(value, field, Number(fixedBytes[1]));
  const integer = INTEGER_TYPE.exec(type);
  if (integer) {
    parseInteger(value, field, integer[1] === 'u', Number(integer[2]));
    return value as string | number;
  }
  // isElementaryType let nothing else through.
  throw invalid(field, `has an unsupported type ${printable(type)}`);
}

/** uintN/intN: a safe JS number, a decimal string or a (non-negative) hex string, in range. */
function parseInteger(value: unknown, field: string, unsigned: boolean, bits: number): bigint {
  let integer: bigint;
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0))
    integer = BigInt(value);
  else if (typeof value === 'string' && (DECIMAL.test(value) || HEX_INTEGER.test(value)))
    integer = BigInt(value);
  else throw invalid(field, 'is not an integer (a safe number, a decimal or a hex string)');
  const min = unsigned ? 0n : -(1n << BigInt(bits - 1));
  const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  if (integer < min || integer > max)
    throw invalid(field, `is outside the range of ${unsigned ? 'u' : ''}int${bits}`);
  return integer;
}

/**
 * eth-sig-util's `typedSignatureHash`, with viem. Input must come from `parseTypedDataV1`
 * (viem re-checks sizes, ranges and addresses, and throws on what it refuses).
 * @example
 * typedDataV1Digest([{ type: 'string', name: 'message', value: 'Hi, Alice!' }]);
 */
export function typedDataV1Digest(typedData: readonly TypedDataV1Entry[]): Uint8Array {
  const types = typedData.map((entry) => entry.type);
  const schemaHash = keccak256(
    encodePacked(
      typedData.map(() => 'string'),
      typedData.map((entry) => `${entry.type} ${entry.name}`),
    ),
  );
  const dataHash = keccak256(encodePacked(types, typedData.map(packedValue)));
  return keccak256(encodePacked(['bytes32', 'bytes32'], [schemaHash, dataHash]), 'bytes');
}

function packedValue(entry: TypedDataV1Entry): string | boolean | bigint | Hex {
  return INTEGER_TYPE.test(entry.type)
    ? BigInt(entry.value as string | number)
    : (entry.value as string | boolean);
}
