import { describe, expect, it } from 'vitest';
import type { TransactionView } from '../../background/approvals-api';
import {
  checkServerUrl,
  checksum,
  feeInputsOf,
  fingerprint,
  formatNative,
  gweiToWei,
  hexToBigInt,
  maxNetworkFee,
  originHost,
  parseNonce,
  progressPercent,
  progressSentence,
  sameServer,
  shortAddress,
  timeAgo,
  transactionEdits,
  weiHexToGwei,
} from '../../popup/format';

const ID = '0123456789abcdef'.repeat(4);

describe('fingerprint', () => {
  it('keeps the first 8 and last 8 hex digits', () => {
    expect(fingerprint(ID)).toBe('01234567…89abcdef');
    expect(fingerprint(`0x${ID.toUpperCase()}`)).toBe('01234567…89abcdef');
  });
  it('leaves a short value whole', () => {
    expect(fingerprint('abcd')).toBe('abcd');
  });
});

describe('addresses', () => {
  const lower = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
  it('checksums (EIP-55)', () => {
    expect(checksum(lower)).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    expect(checksum('not an address')).toBe('not an address');
  });
  it('shortens to head and tail', () => {
    expect(shortAddress(lower)).toBe('0xf39F…2266');
  });
});

describe('wei and gwei', () => {
  it('formats native amounts with the chain symbol', () => {
    expect(formatNative('0xde0b6b3a7640000', 'ETH')).toBe('1 ETH');
    expect(formatNative('0x0', 'POL')).toBe('0 POL');
    expect(formatNative(1_500_000_000_000_000n, 'ETH')).toBe('0.0015 ETH');
  });
  it('turns hex wei into gwei text and back', () => {
    expect(weiHexToGwei('0x59682f00')).toBe('1.5');
    expect(gweiToWei('1.5')).toBe(1_500_000_000n);
    expect(gweiToWei(' 2 ')).toBe(2_000_000_000n);
    expect(gweiToWei('.1')).toBe(100_000_000n);
    expect(gweiToWei('0.000000001')).toBe(1n);
  });
  it.each(['', '-1', '1e9', 'abc', '1.0000000001', '1,5'])('refuses gwei text %j', (t) => {
    expect(gweiToWei(t)).toBeUndefined();
  });
  it('parses nonces', () => {
    expect(parseNonce('42')).toBe(42);
    expect(parseNonce('4.2')).toBeUndefined();
    expect(parseNonce('-1')).toBeUndefined();
  });
});

describe('checkServerUrl', () => {
  it('accepts http and https, trimmed and without trailing slash', () => {
    expect(checkServerUrl(' https://ckm.example.com/ ')).toEqual({
      ok: true,
      url: 'https://ckm.example.com',
    });
    expect(checkServerUrl('http://127.0.0.1:7001')).toEqual({
      ok: true,
      url: 'http://127.0.0.1:7001',
    });
  });
  it.each(['', 'ckm.example.com', 'ftp://x.org', 'javascript:alert(1)', 'https://u:p@x.org'])(
    'refuses %j with a sentence',
    (t) => {
      const check = checkServerUrl(t);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.message).toMatch(/\.$/);
    },
  );
  it('recognises the same server', () => {
    expect(sameServer('https://A.example.com/', 'https://a.example.com')).toBe(true);
    expect(sameServer('https://a.example.com', 'https://b.example.com')).toBe(false);
  });
});

describe('creation progress', () => {
  it('rises through the stages', () => {
    const stages = [
      undefined,
      { stage: 'identity' },
      { stage: 'enroll' },
      { stage: 'dkg', step: 1, steps: 4 },
      { stage: 'dkg', step: 4, steps: 4 },
      { stage: 'seal' },
      { stage: 'commit' },
      { stage: 'done' },
    ] as const;
    const values = stages.map((p) => progressPercent(p));
    expect(values[0]).toBe(0);
    expect(values.at(-1)).toBe(100);
    for (let i = 1; i < values.length; i++)
      expect(values[i]).toBeGreaterThan(values[i - 1] as number);
  });
  it('says which DKG step is running', () => {
    expect(progressSentence({ stage: 'dkg', step: 2, steps: 5 })).toMatch(/step 2 of 5/);
  });
});

describe('transaction edits', () => {
  const tx: TransactionView = {
    from: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    to: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    value: '0x0',
    data: '0x',
    nonce: '0x7',
    gas: '0x5208',
    maxFeePerGas: '0x77359400',
    maxPriorityFeePerGas: '0x3b9aca00',
  };
  it('shows the proposal in gwei and a decimal nonce', () => {
    expect(feeInputsOf(tx)).toEqual({ nonce: '7', maxFeePerGas: '2', maxPriorityFeePerGas: '1' });
  });
  it('shows gasPrice for a legacy proposal', () => {
    expect(
      feeInputsOf({
        ...tx,
        maxFeePerGas: undefined,
        maxPriorityFeePerGas: undefined,
        gasPrice: '0x3b9aca00',
      }),
    ).toEqual({ nonce: '7', gasPrice: '1' });
  });
  it('carries nothing when nothing changed', () => {
    expect(transactionEdits(tx, feeInputsOf(tx))).toEqual({ ok: true, edits: {} });
  });
  it('carries only the edited fields as hex', () => {
    expect(
      transactionEdits(tx, { nonce: '9', maxFeePerGas: '3', maxPriorityFeePerGas: '1.0' }),
    ).toEqual({ ok: true, edits: { nonce: '0x9', maxFeePerGas: '0xb2d05e00' } });
  });
  it('refuses a priority fee above the max fee', () => {
    const check = transactionEdits(tx, {
      nonce: '7',
      maxFeePerGas: '1',
      maxPriorityFeePerGas: '2',
    });
    expect(check).toMatchObject({ ok: false, field: 'maxPriorityFeePerGas' });
  });
  it('refuses malformed fields', () => {
    expect(
      transactionEdits(tx, { nonce: 'x', maxFeePerGas: '1', maxPriorityFeePerGas: '1' }),
    ).toMatchObject({ ok: false, field: 'nonce' });
    expect(
      transactionEdits(tx, { nonce: '7', maxFeePerGas: '-', maxPriorityFeePerGas: '1' }),
    ).toMatchObject({ ok: false, field: 'maxFeePerGas' });
  });
  it('computes the most the fees can cost', () => {
    expect(maxNetworkFee(tx, feeInputsOf(tx))).toBe(21_000n * 2_000_000_000n);
  });
});

describe('originHost', () => {
  it('keeps the host (and port)', () => {
    expect(originHost('https://app.uniswap.org')).toBe('app.uniswap.org');
    expect(originHost('http://localhost:3000')).toBe('localhost:3000');
    expect(originHost('weird')).toBe('weird');
  });
});

describe('hexToBigInt and timeAgo', () => {
  it('reads hex quantities and treats malformed ones as 0', () => {
    expect(hexToBigInt('0x10')).toBe(16n);
    expect(hexToBigInt('0x')).toBe(0n);
    expect(hexToBigInt(undefined)).toBe(0n);
    expect(hexToBigInt('12')).toBe(0n);
  });
  it('says how long ago, coarsely', () => {
    const now = 1_800_000_000_000;
    expect(timeAgo(now - 10_000, now)).toBe('just now');
    expect(timeAgo(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(timeAgo(now - 3 * 3_600_000, now)).toBe('3 h ago');
    expect(timeAgo(now + 60_000, now)).toBe('just now');
  });
});
