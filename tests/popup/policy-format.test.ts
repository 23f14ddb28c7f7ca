import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, POLICY_LIMITS, type WalletPolicy } from '../../ckm/policy/types';
import {
  type AssetNames,
  BLANK_ROW,
  formatAssetAmount,
  formatMoment,
  formatSeconds,
  formFromPolicy,
  type PolicyForm,
  parseAddress,
  parseAllowlist,
  parseAsset,
  parseAssetRows,
  parseDelay,
  parseEthAmount,
  parseUnitsAmount,
  policyFromForm,
  policyLines,
  refusalText,
} from '../../popup/policy-format';

const TOKEN = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
const OTHER = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const CHAIN = 31337;

const names: AssetNames = {
  nativeSymbol: (chainId) => (chainId === CHAIN ? 'ETH' : 'native'),
  token: (_chainId, address) =>
    address.toLowerCase() === TOKEN.toLowerCase() ? { symbol: 'USDC', decimals: 6 } : undefined,
};

const form = (patch: Partial<PolicyForm> = {}): PolicyForm => ({
  limits: [BLANK_ROW],
  allowlistEnabled: false,
  allowlist: '',
  blockUnknownApprovals: false,
  holds: [BLANK_ROW],
  delayHours: '24',
  delaySeconds: '',
  ...patch,
});

describe('parseEthAmount', () => {
  it('converts ETH text to wei exactly (no float)', () => {
    expect(parseEthAmount('1')).toBe(10n ** 18n);
    expect(parseEthAmount('1.5')).toBe(15n * 10n ** 17n);
    expect(parseEthAmount('.25')).toBe(25n * 10n ** 16n);
    expect(parseEthAmount('0.000000000000000001')).toBe(1n);
    expect(parseEthAmount('123456789.123456789123456789')).toBe(123456789123456789123456789n);
    expect(parseEthAmount(' 2. ')).toBe(2n * 10n ** 18n);
    expect(parseEthAmount('0')).toBe(0n);
  });
  it('refuses more than 18 decimals, signs, exponents and words', () => {
    for (const bad of ['0.0000000000000000001', '-1', '1e18', 'one', '', '1,5', '0x10'])
      expect(parseEthAmount(bad), bad).toBeUndefined();
  });
});

describe('parseUnitsAmount', () => {
  it('takes whole numbers up to 2^256 - 1', () => {
    expect(parseUnitsAmount('1000000')).toBe(1_000_000n);
    expect(parseUnitsAmount((2n ** 256n - 1n).toString())).toBe(2n ** 256n - 1n);
  });
  it('refuses decimals, 2^256 and more digits than a uint256 has', () => {
    expect(parseUnitsAmount('1.5')).toBeUndefined();
    expect(parseUnitsAmount((2n ** 256n).toString())).toBeUndefined();
    expect(parseUnitsAmount('9'.repeat(POLICY_LIMITS.maxAmountDigits + 1))).toBeUndefined();
    expect(parseUnitsAmount('-3')).toBeUndefined();
  });
});

describe('parseAddress / parseAsset', () => {
  it('checksums lower- and upper-case addresses and keeps a correct checksum', () => {
    expect(parseAddress(TOKEN.toLowerCase())).toBe(TOKEN);
    expect(parseAddress(`0x${TOKEN.slice(2).toUpperCase()}`)).toBe(TOKEN);
    expect(parseAddress(TOKEN)).toBe(TOKEN);
  });
  it('refuses a mixed-case address whose checksum fails (a typo) and non-addresses', () => {
    const typo = `${TOKEN.slice(0, -1)}9`.replace('A0b8', 'a0B8');
    expect(parseAddress(typo)).toBeUndefined();
    expect(parseAddress('0x1234')).toBeUndefined();
    expect(parseAddress(`${TOKEN}00`)).toBeUndefined();
  });
  it('reads native (or nothing) as the native coin', () => {
    expect(parseAsset('')).toBe('native');
    expect(parseAsset(' Native ')).toBe('native');
    expect(parseAsset(TOKEN.toLowerCase())).toBe(TOKEN);
    expect(parseAsset('USDC')).toBeUndefined();
  });
});

describe('parseAssetRows', () => {
  it('turns rows into asset amounts: native in wei, tokens in units, empty chain = current', () => {
    const check = parseAssetRows(
      [
        { chainId: '', asset: 'native', amount: '1.5' },
        { chainId: '1', asset: TOKEN.toLowerCase(), amount: '250000000' },
      ],
      'limits',
      CHAIN,
    );
    expect(check).toEqual({
      ok: true,
      value: [
        { chainId: CHAIN, asset: 'native', amount: '1500000000000000000' },
        { chainId: 1, asset: TOKEN, amount: '250000000' },
      ],
    });
  });
  it('leaves out a blank native row but not a token without an amount', () => {
    expect(parseAssetRows([BLANK_ROW, BLANK_ROW], 'holds', CHAIN)).toEqual({ ok: true, value: [] });
    const check = parseAssetRows(
      [BLANK_ROW, { chainId: '', asset: TOKEN, amount: '' }],
      'holds',
      CHAIN,
    );
    expect(check).toMatchObject({ ok: false, field: 'holds', row: 1 });
  });
  it('names the row and field of each mistake', () => {
    const cases: [string, string, string][] = [
      ['0', 'native', '1'],
      ['x', 'native', '1'],
      ['', 'USDC', '1'],
      ['', 'native', '1.0000000000000000001'],
      ['', TOKEN, '1.5'],
    ];
    for (const [chainId, asset, amount] of cases) {
      const check = parseAssetRows(
        [
          { chainId: '', asset: 'native', amount: '1' },
          { chainId, asset, amount },
        ],
        'limits',
        CHAIN,
      );
      expect(check, `${chainId}/${asset}/${amount}`).toMatchObject({
        ok: false,
        field: 'limits',
        row: 1,
      });
    }
  });
  it('refuses two rows for the same asset on the same chain (any address case)', () => {
    const check = parseAssetRows(
      [
        { chainId: '', asset: TOKEN, amount: '1' },
        { chainId: String(CHAIN), asset: TOKEN.toLowerCase(), amount: '2' },
      ],
      'limits',
      CHAIN,
    );
    expect(check).toMatchObject({ ok: false, row: 1 });
    if (!check.ok) expect(check.message).toMatch(/same asset/);
    // The same token on another chain is another asset.
    expect(
      parseAssetRows(
        [
          { chainId: '', asset: TOKEN, amount: '1' },
          { chainId: '1', asset: TOKEN, amount: '2' },
        ],
        'limits',
        CHAIN,
      ).ok,
    ).toBe(true);
  });
  it('refuses more entries than a server stores', () => {
    const rows = Array.from({ length: POLICY_LIMITS.maxAssetEntries + 1 }, (_, i) => ({
      chainId: String(i + 1),
      asset: 'native',
      amount: '1',
    }));
    expect(parseAssetRows(rows, 'limits', CHAIN)).toMatchObject({ ok: false, field: 'limits' });
    expect(parseAssetRows(rows.slice(1), 'limits', CHAIN).ok).toBe(true);
  });
});

describe('parseAllowlist', () => {
  it('splits on lines, spaces and commas, checksums and drops repeats', () => {
    expect(parseAllowlist(`${TOKEN.toLowerCase()}\n ${OTHER}, ${TOKEN}\n`)).toEqual({
      ok: true,
      value: [TOKEN, OTHER],
    });
    expect(parseAllowlist('  ')).toEqual({ ok: true, value: [] });
  });
  it('names the word that is not an address', () => {
    const check = parseAllowlist(`${TOKEN}\nvitalik.eth`);
    expect(check).toMatchObject({ ok: false, field: 'allowlist' });
    if (!check.ok) expect(check.message).toContain('vitalik.eth');
  });
  it('refuses more addresses than a server stores', () => {
    const many = Array.from(
      { length: POLICY_LIMITS.maxAllowlist + 1 },
      (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`,
    ).join('\n');
    expect(parseAllowlist(many).ok).toBe(false);
  });
});

describe('parseDelay', () => {
  it('uses the seconds field when filled, else the hours', () => {
    expect(parseDelay('24', '')).toEqual({ ok: true, value: 86_400 });
    expect(parseDelay('1.5', '')).toEqual({ ok: true, value: 5400 });
    expect(parseDelay('24', '3')).toEqual({ ok: true, value: 3 });
  });
  it('refuses zero, fractions of seconds, and more than the servers allow', () => {
    for (const [h, s] of [
      ['0', ''],
      ['', ''],
      ['x', ''],
      ['24', '0'],
      ['24', '1.5'],
      ['24', String(POLICY_LIMITS.maxDelaySeconds + 1)],
      [String(POLICY_LIMITS.maxDelaySeconds / 3600 + 1), ''],
    ])
      expect(parseDelay(h as string, s as string), `${h}/${s}`).toMatchObject({
        ok: false,
        field: 'delay',
      });
    expect(parseDelay('', String(POLICY_LIMITS.maxDelaySeconds)).ok).toBe(true);
  });
});

describe('policyFromForm / formFromPolicy', () => {
  const policy: WalletPolicy = {
    dailyLimits: [
      { chainId: CHAIN, asset: 'native', amount: '1000000000000000000' },
      { chainId: CHAIN, asset: TOKEN, amount: '5000000' },
    ],
    allowlist: [OTHER],
    blockUnknownApprovals: true,
    holdAbove: [{ chainId: CHAIN, asset: 'native', amount: '500000000000000000' }],
    delaySeconds: 3,
  };

  it('round-trips a policy through the form', () => {
    const shown = formFromPolicy(policy);
    expect(shown.limits[0]).toEqual({ chainId: String(CHAIN), asset: 'native', amount: '1' });
    expect(shown.holds[0]?.amount).toBe('0.5');
    expect(shown.delaySeconds).toBe('3');
    expect(shown.delayHours).toBe('');
    expect(policyFromForm(shown, CHAIN)).toEqual({ ok: true, value: policy });
  });
  it('shows the default policy as one empty row per list and 24 hours', () => {
    const shown = formFromPolicy(DEFAULT_POLICY);
    expect(shown.limits).toEqual([BLANK_ROW]);
    expect(shown.holds).toEqual([BLANK_ROW]);
    expect(shown.delayHours).toBe('24');
    expect(shown.delaySeconds).toBe('');
    expect(policyFromForm(shown, CHAIN)).toEqual({ ok: true, value: DEFAULT_POLICY });
  });
  it('keeps the allowlist off (null) unless enabled, and empty when enabled with no address', () => {
    expect(policyFromForm(form({ allowlist: OTHER }), CHAIN)).toMatchObject({
      ok: true,
      value: { allowlist: null },
    });
    expect(policyFromForm(form({ allowlistEnabled: true }), CHAIN)).toMatchObject({
      ok: true,
      value: { allowlist: [] },
    });
  });
  it('does not check a disabled allowlist', () => {
    expect(policyFromForm(form({ allowlist: 'garbage' }), CHAIN).ok).toBe(true);
    expect(
      policyFromForm(form({ allowlistEnabled: true, allowlist: 'garbage' }), CHAIN),
    ).toMatchObject({ ok: false, field: 'allowlist' });
  });
  it('reports the first wrong field', () => {
    expect(
      policyFromForm(form({ holds: [{ chainId: '', asset: 'native', amount: 'lots' }] }), CHAIN),
    ).toMatchObject({ ok: false, field: 'holds', row: 0 });
    expect(policyFromForm(form({ delayHours: '' }), CHAIN)).toMatchObject({
      ok: false,
      field: 'delay',
    });
  });
});

describe('formatAssetAmount', () => {
  it('writes native with 18 decimals, tokens with theirs, NFTs as counts, else raw units', () => {
    expect(formatAssetAmount('1500000000000000000', { symbol: 'ETH', decimals: 18 })).toBe(
      '1.5 ETH',
    );
    expect(formatAssetAmount('250000000', { symbol: 'USDC', decimals: 6 })).toBe('250 USDC');
    expect(formatAssetAmount('1', { symbol: 'PUNK', standard: 'ERC721' })).toBe('1 item of PUNK');
    expect(formatAssetAmount('1000000', { symbol: '0xA0b8…eB48' })).toBe(
      '1000000 units of 0xA0b8…eB48',
    );
  });
});

describe('refusalText', () => {
  it('explains a daily limit with the limit, what was co-signed today and what is needed', () => {
    const text = refusalText(
      {
        rule: 'dailyLimit',
        asset: { chainId: CHAIN, asset: 'native' },
        limit: '1000000000000000000',
        spent: '200000000000000000',
        requested: '5000000000000000000',
      },
      names,
    );
    expect(text.text).toBe(
      'Your daily limit for ETH is 1 ETH; the servers already co-signed 0.2 ETH today; this needs 5 ETH.',
    );
    expect(text.hint).toBe('Change limits in Settings → Security.');
    expect(text.tone).toBe('danger');
  });
  it('uses a token’s decimals when known, raw units when not', () => {
    const known = refusalText(
      {
        rule: 'dailyLimit',
        asset: { chainId: CHAIN, asset: TOKEN },
        limit: '1000000',
        spent: '0',
        requested: '2000000',
      },
      names,
    );
    expect(known.text).toContain('limit for USDC is 1 USDC');
    const unknown = refusalText(
      {
        rule: 'dailyLimit',
        asset: { chainId: CHAIN, asset: OTHER },
        limit: '10',
        spent: '0',
        requested: '20',
      },
      names,
    );
    expect(unknown.text).toContain('is 10 units of 0x5FbD…0aa3');
  });
  it('names the recipient off the allowlist and the unknown spender', () => {
    expect(refusalText({ rule: 'allowlist', recipient: OTHER }, names).text).toBe(
      `${OTHER} is not on your allowlist.`,
    );
    const forAll = refusalText(
      {
        rule: 'unknownApproval',
        spender: OTHER,
        approval: 'forAll',
        asset: { chainId: CHAIN, asset: TOKEN },
      },
      names,
    );
    expect(forAll.text).toBe(
      `The servers never co-sign setApprovalForAll to unknown spenders (${OTHER}).`,
    );
    expect(
      refusalText(
        {
          rule: 'unknownApproval',
          spender: OTHER,
          approval: 'erc20',
          asset: { chainId: CHAIN, asset: TOKEN },
        },
        names,
      ).text,
    ).toContain('unlimited token approvals');
  });
  it('explains a hold (not an error) with its time, and a cancelled one', () => {
    const readyAt = Date.UTC(2026, 11, 8, 14, 5, 3);
    const hold = {
      rule: 'hold' as const,
      asset: { chainId: CHAIN, asset: 'native' as const },
      threshold: '1000000000000000000',
      requested: '2000000000000000000',
      holdId: 'ab'.repeat(32),
      readyAt,
    };
    const waiting = refusalText({ ...hold, status: 'waiting' }, names);
    expect(waiting.tone).toBe('caution');
    expect(waiting.text).toBe(
      `Held: the servers will co-sign this after ${formatMoment(readyAt)}. It is listed on Home under ‘Waiting’; you can send or cancel it there.`,
    );
    expect(waiting.hint).toContain('above 1 ETH');
    expect(refusalText({ ...hold, status: 'cancelled' }, names).text).toBe(
      'You cancelled this transfer.',
    );
  });
});

describe('policyLines', () => {
  it('says when nothing is restricted', () => {
    expect(policyLines(DEFAULT_POLICY, names, CHAIN)).toEqual([
      'No rules: nothing is restricted',
      'Waiting period: 1 day',
    ]);
  });
  it('lists every rule, with the chain when it is not the current one', () => {
    expect(
      policyLines(
        {
          dailyLimits: [{ chainId: 1, asset: 'native', amount: '1000000000000000000' }],
          allowlist: [OTHER, TOKEN],
          blockUnknownApprovals: true,
          holdAbove: [{ chainId: CHAIN, asset: TOKEN, amount: '1000000' }],
          delaySeconds: 3,
        },
        names,
        CHAIN,
      ),
    ).toEqual([
      'Daily limit: 1 native on chain 1',
      'Hold above: 1 USDC',
      'Allowlist: 2 addresses',
      'Unlimited approvals and setApprovalForAll to unknown spenders: refused',
      'Waiting period: 3 seconds',
    ]);
  });
});

describe('formatSeconds', () => {
  it('picks the largest whole unit', () => {
    expect(formatSeconds(86_400)).toBe('1 day');
    expect(formatSeconds(7200)).toBe('2 hours');
    expect(formatSeconds(90)).toBe('90 seconds');
    expect(formatSeconds(120)).toBe('2 minutes');
  });
});
