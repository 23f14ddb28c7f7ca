/**
 * The way in from MetaMask: a BIP-39 seed phrase or a raw private key, read and checked here, so
 * the extension can split each key as a trusted dealer (`ckm/client/import.ts`). Pure: no storage,
 * no network.
 *
 * MetaMask derives its accounts as BIP-44 `m/44'/60'/0'/0/i` from the BIP-39 seed of the phrase
 * with an empty passphrase; doing exactly that gives exactly MetaMask's addresses.
 *
 * Secrets: the seed and the BIP-32 private nodes are zero-filled as soon as the keys are out.
 * What JavaScript cannot promise: the phrase is a string (immutable, never wiped; the caller should
 * drop it), and the BIP-39 PBKDF2 and BIP-32 arithmetic make bigint and buffer copies that only the
 * garbage collector frees. Errors name the word's position, never the word.
 * @see https://github.com/bitcoin/bips/blob/master/bip-0039.mediawiki
 * @see https://github.com/bitcoin/bips/blob/master/bip-0044.mediawiki
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import { mnemonicToEntropy, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import type { Hex } from 'viem';
import { publicKeyToAddress } from '../../tss/ethereum';
import { WalletError } from '../errors';

/** BIP-39 phrases have 12, 15, 18, 21 or 24 words (128..256 bits of entropy, ENT/32 checksum bits). */
export const MNEMONIC_LENGTHS = [12, 15, 18, 21, 24] as const;
/** At most this many accounts per preview or import (a bound on the PBKDF2-free but real work). */
export const MAX_ACCOUNTS = 100;
/** BIP-32: index ≥ 2^31 is hardened; MetaMask's last level is not. */
export const MAX_ACCOUNT_INDEX = 2 ** 31 - 1;
/** MetaMask's derivation path, without the account index. */
export const METAMASK_BASE_PATH = "m/44'/60'/0'/0";

const WORDS = new Set(wordlist);
const N = secp256k1.Point.CURVE().n;

export type ImportErrorReason =
  | 'WrongLength'
  | 'UnknownWord'
  | 'BadChecksum'
  | 'InvalidIndex'
  | 'InvalidPrivateKey';

/** Bad import input: `InvalidInput` for the popup, with the precise reason (never the secret). */
export class ImportError extends WalletError {
  readonly reason: ImportErrorReason;
  /** UnknownWord: the 1-based position of the first word not in the list. */
  readonly position?: number;
  constructor(reason: ImportErrorReason, message: string, position?: number) {
    super('InvalidInput', message);
    this.reason = reason;
    if (position !== undefined) this.position = position;
  }
}

/** One derived account: its address, and (for import) its private key and BIP-32 chain code. */
export type MnemonicAccount = {
  readonly index: number;
  readonly address: Hex;
};

export type ImportedKey = MnemonicAccount & {
  /** 32 bytes; the caller hands it to `importWallet` and zero-fills it. */
  readonly privateKey: Uint8Array;
  /** The chain code of the node m/44'/60'/0'/0/i (public-ish; it becomes the key's chain code). */
  readonly chainCode: Uint8Array;
};

/** Trims, lowercases, NFKD-normalizes (BIP-39 §"From mnemonic to seed") and collapses whitespace. */
export function normalizeMnemonic(phrase: string): string {
  if (typeof phrase !== 'string') throw new ImportError('WrongLength', 'the phrase must be text');
  return phrase.normalize('NFKD').trim().toLowerCase().split(/\s+/).join(' ');
}

/**
 * Normalizes and checks a phrase: its length, each word against the English list, the checksum.
 * @example assertMnemonic(' Test test … JUNK ') // 'test test … junk'
 */
export function assertMnemonic(phrase: string): string {
  const normalized = normalizeMnemonic(phrase);
  const words = normalized === '' ? [] : normalized.split(' ');
  if (!(MNEMONIC_LENGTHS as readonly number[]).includes(words.length))
    throw new ImportError(
      'WrongLength',
      `a seed phrase has 12, 15, 18, 21 or 24 words, not ${words.length}`,
    );
  const unknown = words.findIndex((word) => !WORDS.has(word));
  if (unknown >= 0)
    throw new ImportError(
      'UnknownWord',
      `word ${unknown + 1} is not in the BIP-39 English word list`,
      unknown + 1,
    );
  try {
    mnemonicToEntropy(normalized, wordlist).fill(0);
  } catch {
    throw new ImportError(
      'BadChecksum',
      'the seed phrase’s checksum is wrong (a word is mistyped or out of order)',
    );
  }
  return normalized;
}

function assertIndexes(indexes: readonly number[]): void {
  if (!Array.isArray(indexes) || indexes.length < 1 || indexes.length > MAX_ACCOUNTS)
    throw new ImportError('InvalidIndex', `pick 1 to ${MAX_ACCOUNTS} accounts`);
  for (const index of indexes)
    if (!Number.isInteger(index) || index < 0 || index > MAX_ACCOUNT_INDEX)
      throw new ImportError(
        'InvalidIndex',
        `an account index is an integer in 0..${MAX_ACCOUNT_INDEX}`,
      );
  if (new Set(indexes).size !== indexes.length)
    throw new ImportError('InvalidIndex', 'an account is picked twice');
}

/** Runs `use` on the account-level node m/44'/60'/0'/0 and wipes the seed and the node after. */
function withAccountNode<T>(phrase: string, use: (node: HDKey) => T): T {
  const seed = mnemonicToSeedSync(assertMnemonic(phrase));
  const master = HDKey.fromMasterSeed(seed);
  seed.fill(0);
  const node = master.derive(METAMASK_BASE_PATH);
  master.wipePrivateData();
  try {
    return use(node);
  } finally {
    node.wipePrivateData();
  }
}

function addressOf(publicKey: Uint8Array | null): Hex {
  if (!publicKey) throw new ImportError('InvalidPrivateKey', 'the derived key has no public key');
  return publicKeyToAddress(secp256k1.Point.fromBytes(publicKey));
}

/**
 * The addresses of the first `count` accounts of a phrase, MetaMask's order, for the user to pick
 * from. No private key leaves this function.
 * @example previewMnemonic(phrase, 2) // [{ index: 0, address: '0xf39F…' }, { index: 1, … }]
 */
export function previewMnemonic(phrase: string, count: number): MnemonicAccount[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_ACCOUNTS)
    throw new ImportError('InvalidIndex', `preview 1 to ${MAX_ACCOUNTS} accounts`);
  return withAccountNode(phrase, (node) =>
    Array.from({ length: count }, (_, index) => {
      const child = node.deriveChild(index);
      const address = addressOf(child.publicKey);
      child.wipePrivateData();
      return { index, address };
    }),
  );
}

/**
 * The private keys of the picked accounts m/44'/60'/0'/0/i, for import. The caller zero-fills each
 * `privateKey` once the key is split (`importWallet` does it for the bytes it is given).
 * @example const [account0] = deriveMnemonicKeys(phrase, [0]); // account0.address === '0xf39F…'
 */
export function deriveMnemonicKeys(phrase: string, indexes: readonly number[]): ImportedKey[] {
  assertIndexes(indexes);
  return withAccountNode(phrase, (node) =>
    indexes.map((index) => {
      const child = node.deriveChild(index);
      const privateKey = Uint8Array.from(child.privateKey as Uint8Array);
      const chainCode = Uint8Array.from(child.chainCode as Uint8Array);
      const address = addressOf(child.publicKey);
      child.wipePrivateData();
      return { index, address, privateKey, chainCode };
    }),
  );
}

/**
 * A raw private key as MetaMask exports it: 64 hex digits, `0x` optional, surrounding spaces
 * ignored, a scalar in 1..n−1 (SEC 1 §3.2.1). Returns the 32 bytes; the caller wipes them.
 * @example parsePrivateKey('0xac09…ff80') // Uint8Array(32)
 */
export function parsePrivateKey(text: string): Uint8Array {
  if (typeof text !== 'string')
    throw new ImportError('InvalidPrivateKey', 'a private key is 64 hexadecimal digits');
  const hex = text.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new ImportError('InvalidPrivateKey', 'a private key is 64 hexadecimal digits');
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  let scalar = 0n;
  for (const b of bytes) scalar = (scalar << 8n) | BigInt(b);
  if (scalar === 0n || scalar >= N) {
    bytes.fill(0);
    throw new ImportError(
      'InvalidPrivateKey',
      'the private key is out of range (it must be between 1 and the curve order − 1)',
    );
  }
  return bytes;
}

/** The address of a 32-byte private key (for the import preview). */
export function privateKeyAddress(privateKey: Uint8Array): Hex {
  return addressOf(secp256k1.getPublicKey(privateKey, true));
}
