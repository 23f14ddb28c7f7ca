/**
 * A revert's reason in words: Solidity's `Error(string)` and `Panic(uint256)` are decoded (the
 * two errors the compiler itself emits); a custom error is named by its selector. Contract text
 * is untrusted, so hidden characters go and the length is capped before a prompt shows it.
 * @see https://docs.soliditylang.org/en/latest/control-structures.html#revert (Error, Panic)
 * @module
 */
import { decodeAbiParameters, type Hex } from 'viem';
import { isHiddenCharacter } from '../decode/text';

const ERROR_STRING = '0x08c379a0'; // bytes4(keccak256("Error(string)"))
const PANIC = '0x4e487b71'; // bytes4(keccak256("Panic(uint256)"))
const MAX_REASON_LENGTH = 200;

/** Panic codes, as the Solidity docs list them (§ "Panic via assert and Error via require"). */
const PANIC_REASONS: ReadonlyMap<bigint, string> = new Map([
  [0x01n, 'an assertion failed'],
  [0x11n, 'an arithmetic overflow or underflow'],
  [0x12n, 'a division by zero'],
  [0x21n, 'an invalid enum value'],
  [0x22n, 'a badly encoded storage byte array'],
  [0x31n, 'pop() on an empty array'],
  [0x32n, 'an array index out of bounds'],
  [0x41n, 'too much memory allocated'],
  [0x51n, 'a call to an uninitialized function'],
]);

/** Drops hidden characters and caps the length, so contract text cannot disguise a prompt. */
export function cleanText(text: string, max = MAX_REASON_LENGTH): string {
  let clean = '';
  for (const char of text) clean += isHiddenCharacter(char.codePointAt(0) ?? 0) ? ' ' : char;
  clean = clean.replace(/\s+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * The reason a revert's return data gives, for people.
 * @example
 * revertReason('0x08c379a0…') // → 'ERC20: transfer amount exceeds balance'
 * revertReason('0x') // → 'The contract reverted without a reason.'
 */
export function revertReason(data: Hex | undefined): string {
  if (data === undefined || data === '0x' || data.length < 10)
    return 'The contract reverted without a reason.';
  const selector = data.slice(0, 10).toLowerCase();
  try {
    if (selector === ERROR_STRING) {
      const [text] = decodeAbiParameters([{ type: 'string' }], `0x${data.slice(10)}`);
      const clean = cleanText(text);
      return clean.length > 0 ? clean : 'The contract reverted with an empty reason.';
    }
    if (selector === PANIC) {
      const [code] = decodeAbiParameters([{ type: 'uint256' }], `0x${data.slice(10)}`);
      const what = PANIC_REASONS.get(code) ?? `panic code 0x${code.toString(16)}`;
      return `The contract panicked: ${what}.`;
    }
  } catch {
    // Return data that claims a standard error but does not decode: named by its selector below.
  }
  return `The contract reverted with error ${selector}.`;
}
