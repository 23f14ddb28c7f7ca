/**
 * MetaMask import input: the standard test mnemonic gives MetaMask's (and anvil's) accounts; every
 * bad phrase, index and private key gets its typed reason.
 */
import { bytesToHex } from '@noble/curves/utils.js';
import { privateKeyToAddress } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import {
  assertMnemonic,
  deriveMnemonicKeys,
  ImportError,
  type ImportErrorReason,
  MAX_ACCOUNT_INDEX,
  MAX_ACCOUNTS,
  normalizeMnemonic,
  parsePrivateKey,
  previewMnemonic,
  privateKeyAddress,
} from '../../../background/import/mnemonic';

const PHRASE = 'test test test test test test test test test test test junk';
const ACCOUNT_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const ACCOUNT_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const KEY_0 = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function reasonOf(run: () => unknown): ImportErrorReason | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe('InvalidInput');
    return (error as ImportError).reason;
  }
  return undefined;
}

describe("seed phrase (BIP-39 + m/44'/60'/0'/0/i)", () => {
  it('gives MetaMask’s account 0 and 1 for the standard test mnemonic', () => {
    expect(previewMnemonic(PHRASE, 2)).toEqual([
      { index: 0, address: ACCOUNT_0 },
      { index: 1, address: ACCOUNT_1 },
    ]);
  });

  it('derives the private keys of the picked accounts (anvil’s account 0 key)', () => {
    const [second, first] = deriveMnemonicKeys(PHRASE, [1, 0]);
    expect(first?.index).toBe(0);
    expect(bytesToHex(first?.privateKey as Uint8Array)).toBe(KEY_0);
    expect(first?.address).toBe(ACCOUNT_0);
    expect(privateKeyToAddress(`0x${bytesToHex(second?.privateKey as Uint8Array)}`)).toBe(
      ACCOUNT_1,
    );
    expect(first?.chainCode).toHaveLength(32);
  });

  it('normalizes spaces and case before checking', () => {
    const messy = `  ${PHRASE.toUpperCase().replaceAll(' ', ' \t\n ')}  `;
    expect(normalizeMnemonic(messy)).toBe(PHRASE);
    expect(previewMnemonic(messy, 1)[0]?.address).toBe(ACCOUNT_0);
  });

  it('names a word not in the list by its position, never by the word', () => {
    let caught: ImportError | undefined;
    try {
      assertMnemonic(PHRASE.replace('junk', 'junkk'));
    } catch (error) {
      caught = error as ImportError;
    }
    expect(caught?.reason).toBe('UnknownWord');
    expect(caught?.position).toBe(12);
    expect(caught?.message).not.toContain('junkk');
  });

  it('refuses a wrong checksum, a wrong length and an empty phrase', () => {
    expect(reasonOf(() => assertMnemonic(PHRASE.replace('junk', 'test')))).toBe('BadChecksum');
    expect(reasonOf(() => assertMnemonic(PHRASE.split(' ').slice(1).join(' ')))).toBe(
      'WrongLength',
    );
    expect(reasonOf(() => assertMnemonic('   '))).toBe('WrongLength');
    expect(reasonOf(() => previewMnemonic(PHRASE.replace('junk', 'test'), 1))).toBe('BadChecksum');
  });

  it('refuses bad account picks', () => {
    expect(reasonOf(() => deriveMnemonicKeys(PHRASE, []))).toBe('InvalidIndex');
    expect(reasonOf(() => deriveMnemonicKeys(PHRASE, [0, 0]))).toBe('InvalidIndex');
    expect(reasonOf(() => deriveMnemonicKeys(PHRASE, [-1]))).toBe('InvalidIndex');
    expect(reasonOf(() => deriveMnemonicKeys(PHRASE, [1.5]))).toBe('InvalidIndex');
    expect(reasonOf(() => deriveMnemonicKeys(PHRASE, [MAX_ACCOUNT_INDEX + 1]))).toBe(
      'InvalidIndex',
    );
    const tooMany = Array.from({ length: MAX_ACCOUNTS + 1 }, (_, i) => i);
    expect(reasonOf(() => deriveMnemonicKeys(PHRASE, tooMany))).toBe('InvalidIndex');
    expect(reasonOf(() => previewMnemonic(PHRASE, 0))).toBe('InvalidIndex');
    expect(reasonOf(() => previewMnemonic(PHRASE, MAX_ACCOUNTS + 1))).toBe('InvalidIndex');
    expect(deriveMnemonicKeys(PHRASE, [MAX_ACCOUNT_INDEX])[0]?.privateKey).toHaveLength(32);
  });
});

describe('raw private key', () => {
  it('reads 64 hex digits with or without 0x, around spaces', () => {
    for (const text of [KEY_0, `0x${KEY_0}`, `  0X${KEY_0.toUpperCase()}\n`]) {
      const key = parsePrivateKey(text);
      expect(bytesToHex(key)).toBe(KEY_0);
      expect(privateKeyAddress(key)).toBe(ACCOUNT_0);
    }
  });

  it('refuses wrong lengths, non-hex, zero and n or above', () => {
    for (const text of [
      KEY_0.slice(2),
      `${KEY_0}00`,
      `${KEY_0.slice(1)}g`,
      '',
      '0x',
      '0'.repeat(64),
      N.toString(16),
      'f'.repeat(64),
    ])
      expect(
        reasonOf(() => parsePrivateKey(text)),
        text,
      ).toBe('InvalidPrivateKey');
    expect(bytesToHex(parsePrivateKey((N - 1n).toString(16)))).toBe((N - 1n).toString(16));
    expect(parsePrivateKey(`${'0'.repeat(63)}1`)[31]).toBe(1);
  });
});
