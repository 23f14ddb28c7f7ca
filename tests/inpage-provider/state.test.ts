/** Reading metamask_getProviderState and chainChanged data (inpage-provider/state.ts). */
import { describe, expect, it } from 'vitest';
import {
  isChainId,
  networkVersionOf,
  parseChainChange,
  parseProviderState,
} from '../../inpage-provider/state';

describe('provider state', () => {
  it('parses a well-formed state and copies the accounts', () => {
    const accounts = ['0xabc'];
    const state = parseProviderState({
      isUnlocked: true,
      chainId: '0x1',
      networkVersion: '1',
      accounts,
    });
    expect(state).toEqual({ isUnlocked: true, chainId: '0x1', networkVersion: '1', accounts });
    expect(state.accounts).not.toBe(accounts);
  });

  it('derives what is missing: networkVersion from chainId, isUnlocked from accounts', () => {
    expect(parseProviderState({ chainId: '0xaa36a7', accounts: ['0xa'] })).toEqual({
      isUnlocked: true,
      chainId: '0xaa36a7',
      networkVersion: '11155111',
      accounts: ['0xa'],
    });
    expect(
      parseProviderState({ chainId: '0x1', networkVersion: 'loading', accounts: [] }),
    ).toMatchObject({
      networkVersion: '1',
      isUnlocked: false,
    });
  });

  it('names the bad field', () => {
    expect(() => parseProviderState(null)).toThrow('"state" expected an object');
    expect(() => parseProviderState({ chainId: 1, accounts: [] })).toThrow('"chainId"');
    expect(() => parseProviderState({ chainId: '0x1', accounts: [1] })).toThrow('"accounts"');
  });

  it('chain ids are 0x hex quantities', () => {
    for (const good of ['0x1', '0x7a69', '0xAA36A7', '0x0']) expect(isChainId(good)).toBe(true);
    for (const bad of ['1', '0x', '0x01', '0xzz', 1, null, `0x${'f'.repeat(65)}`])
      expect(isChainId(bad)).toBe(false);
    expect(networkVersionOf('0x7a69')).toBe('31337');
  });

  it('chainChanged data: a hex string (EIP-1193) or MetaMask’s { chainId, networkVersion }', () => {
    expect(parseChainChange('0x1')).toEqual({ chainId: '0x1', networkVersion: '1' });
    expect(parseChainChange({ chainId: '0x5', networkVersion: '5' })).toEqual({
      chainId: '0x5',
      networkVersion: '5',
    });
    expect(parseChainChange({ chainId: '0x5' })).toEqual({ chainId: '0x5', networkVersion: '5' });
    for (const bad of [undefined, null, 1, '1', {}, { chainId: 5 }])
      expect(parseChainChange(bad)).toBeUndefined();
  });
});
