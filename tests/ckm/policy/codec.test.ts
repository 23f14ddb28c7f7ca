/**
 * ckm/policy/codec.ts: the strict policy parser (one negative test per check, each naming its
 * field), the wire and stored round trips, and the lenient refusal parser.
 */
import { Encoder } from 'cbor-x';
import { getAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import { encodeWire } from '../../../ckm/codec';
import {
  DEFAULT_POLICY,
  decodePolicyState,
  encodePolicyState,
  POLICY_LIMITS,
  type PolicyRefusal,
  type PolicyState,
  parsePolicy,
  parsePolicyRefusal,
  policyRefusalToWire,
  policyToWire,
  type WalletPolicy,
} from '../../../ckm/policy';
import { ALICE, BOB, badChecksum, expectCkmError, TOKEN } from './fixtures';

const FULL = {
  dailyLimits: [
    { chainId: 1, asset: TOKEN.toLowerCase(), amount: '1000' },
    { chainId: 1, asset: 'native', amount: '1000000000000000000' },
  ],
  allowlist: [BOB.toLowerCase(), ALICE, BOB],
  blockUnknownApprovals: true,
  holdAbove: [{ chainId: 10, asset: 'native', amount: '0' }],
  delaySeconds: 3600,
};

function withField(field: string, value: unknown): Record<string, unknown> {
  return { ...FULL, [field]: value };
}

function withoutField(field: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...FULL };
  delete copy[field];
  return copy;
}

describe('parsePolicy', () => {
  it('returns a canonical policy: checksummed, deduplicated, sorted', () => {
    const parsed = parsePolicy(FULL);
    expect(parsed).toEqual({
      dailyLimits: [
        { chainId: 1, asset: 'native', amount: '1000000000000000000' },
        { chainId: 1, asset: TOKEN, amount: '1000' },
      ],
      allowlist: [ALICE, BOB].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)),
      blockUnknownApprovals: true,
      holdAbove: [{ chainId: 10, asset: 'native', amount: '0' }],
      delaySeconds: 3600,
    });
  });

  it('accepts the default policy and a null allowlist', () => {
    expect(parsePolicy(policyToWire(DEFAULT_POLICY))).toEqual(DEFAULT_POLICY);
  });

  it('round-trips through policyToWire, JSON and CBOR', () => {
    const parsed = parsePolicy(FULL);
    expect(parsePolicy(policyToWire(parsed))).toEqual(parsed);
    expect(parsePolicy(JSON.parse(JSON.stringify(policyToWire(parsed))))).toEqual(parsed);
    const cbor = new Encoder({ useRecords: false, mapsAsObjects: true });
    expect(parsePolicy(cbor.decode(cbor.encode(policyToWire(parsed))))).toEqual(parsed);
  });

  it('uses the caller’s field name in errors', () => {
    expectCkmError(
      () => parsePolicy(withField('delaySeconds', 0), 'body.policy'),
      'InvalidParameters',
      /^"body\.policy\.delaySeconds"/,
    );
  });

  const MAX_AMOUNT = ((1n << 256n) - 1n).toString();
  const cases: readonly (readonly [string, unknown, string])[] = [
    ['not an object', null, '"policy"'],
    ['an array', [], '"policy"'],
    ['an unknown key', { ...FULL, extra: 1 }, '"policy.extra"'],
    ['a missing key', withoutField('holdAbove'), '"policy.holdAbove"'],
    ['an undefined key', { ...FULL, delaySeconds: undefined }, '"policy.delaySeconds"'],
    ['dailyLimits not a list', withField('dailyLimits', {}), '"policy.dailyLimits"'],
    [
      'too many limits',
      withField(
        'dailyLimits',
        Array.from({ length: POLICY_LIMITS.maxAssetEntries + 1 }, (_, i) => ({
          chainId: i + 1,
          asset: 'native',
          amount: '1',
        })),
      ),
      '"policy.dailyLimits"',
    ],
    ['an entry not an object', withField('dailyLimits', ['x']), '"policy.dailyLimits[0]"'],
    [
      'an entry with an unknown key',
      withField('dailyLimits', [{ chainId: 1, asset: 'native', amount: '1', note: 'x' }]),
      '"policy.dailyLimits[0].note"',
    ],
    [
      'an entry missing its amount',
      withField('dailyLimits', [{ chainId: 1, asset: 'native' }]),
      '"policy.dailyLimits[0].amount"',
    ],
    [
      'a leading zero',
      withField('dailyLimits', [{ chainId: 1, asset: 'native', amount: '01' }]),
      '"policy.dailyLimits[0].amount"',
    ],
    [
      'a negative amount',
      withField('dailyLimits', [{ chainId: 1, asset: 'native', amount: '-1' }]),
      '"policy.dailyLimits[0].amount"',
    ],
    [
      'a hex amount',
      withField('dailyLimits', [{ chainId: 1, asset: 'native', amount: '0x10' }]),
      '"policy.dailyLimits[0].amount"',
    ],
    [
      'a number amount',
      withField('dailyLimits', [{ chainId: 1, asset: 'native', amount: 10 }]),
      '"policy.dailyLimits[0].amount"',
    ],
    [
      'an amount of 2^256',
      withField('dailyLimits', [{ chainId: 1, asset: 'native', amount: (1n << 256n).toString() }]),
      '"policy.dailyLimits[0].amount"',
    ],
    [
      'an amount of 79 digits',
      withField('dailyLimits', [{ chainId: 1, asset: 'native', amount: '1'.repeat(79) }]),
      '"policy.dailyLimits[0].amount"',
    ],
    [
      'chainId 0',
      withField('dailyLimits', [{ chainId: 0, asset: 'native', amount: '1' }]),
      '"policy.dailyLimits[0].chainId"',
    ],
    [
      'chainId 2^53',
      withField('dailyLimits', [{ chainId: 2 ** 53, asset: 'native', amount: '1' }]),
      '"policy.dailyLimits[0].chainId"',
    ],
    [
      'chainId as a string',
      withField('dailyLimits', [{ chainId: '1', asset: 'native', amount: '1' }]),
      '"policy.dailyLimits[0].chainId"',
    ],
    [
      'chainId 1.5',
      withField('dailyLimits', [{ chainId: 1.5, asset: 'native', amount: '1' }]),
      '"policy.dailyLimits[0].chainId"',
    ],
    [
      'an asset that is neither native nor an address',
      withField('dailyLimits', [{ chainId: 1, asset: 'ETH', amount: '1' }]),
      '"policy.dailyLimits[0].asset"',
    ],
    [
      'an asset with a bad checksum',
      withField('dailyLimits', [{ chainId: 1, asset: badChecksum(TOKEN), amount: '1' }]),
      '"policy.dailyLimits[0].asset"',
    ],
    [
      'a duplicate asset (case-insensitive)',
      withField('holdAbove', [
        { chainId: 1, asset: TOKEN, amount: '1' },
        { chainId: 1, asset: TOKEN.toLowerCase(), amount: '2' },
      ]),
      '"policy.holdAbove[1]"',
    ],
    ['holdAbove not a list', withField('holdAbove', null), '"policy.holdAbove"'],
    [
      'a bad hold amount',
      withField('holdAbove', [{ chainId: 1, asset: 'native', amount: '' }]),
      '"policy.holdAbove[0].amount"',
    ],
    ['an allowlist that is a string', withField('allowlist', BOB), '"policy.allowlist"'],
    [
      'a short allowlist address',
      withField('allowlist', [BOB.slice(0, 41)]),
      '"policy.allowlist[0]"',
    ],
    [
      'an allowlist address without 0x',
      withField('allowlist', [BOB.slice(2).padEnd(42, '0')]),
      '"policy.allowlist[0]"',
    ],
    [
      'an allowlist with a bad checksum',
      withField('allowlist', [badChecksum(BOB)]),
      '"policy.allowlist[0]"',
    ],
    [
      'too many allowlist entries',
      withField(
        'allowlist',
        Array.from(
          { length: POLICY_LIMITS.maxAllowlist + 1 },
          (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`,
        ),
      ),
      '"policy.allowlist"',
    ],
    [
      'blockUnknownApprovals not a boolean',
      withField('blockUnknownApprovals', 1),
      '"policy.blockUnknownApprovals"',
    ],
    ['delaySeconds 0', withField('delaySeconds', 0), '"policy.delaySeconds"'],
    [
      'delaySeconds above the maximum',
      withField('delaySeconds', POLICY_LIMITS.maxDelaySeconds + 1),
      '"policy.delaySeconds"',
    ],
    ['delaySeconds not an integer', withField('delaySeconds', 1.5), '"policy.delaySeconds"'],
    ['delaySeconds as a string', withField('delaySeconds', '60'), '"policy.delaySeconds"'],
  ];
  it.each(cases)('refuses %s, naming the field', (_name, value, field) => {
    expectCkmError(
      () => parsePolicy(value),
      'InvalidParameters',
      new RegExp(`^${field.replace(/[[\].]/g, '\\$&')} `),
    );
  });

  it('accepts the bounds themselves', () => {
    const atBounds = parsePolicy({
      ...FULL,
      dailyLimits: [{ chainId: Number.MAX_SAFE_INTEGER, asset: 'native', amount: MAX_AMOUNT }],
      delaySeconds: POLICY_LIMITS.maxDelaySeconds,
      allowlist: Array.from({ length: POLICY_LIMITS.maxAllowlist }, (_, i) =>
        getAddress(`0x${(i + 1).toString(16).padStart(40, '0')}`),
      ),
    });
    expect(atBounds.allowlist).toHaveLength(POLICY_LIMITS.maxAllowlist);
    expect(parsePolicy({ ...FULL, delaySeconds: POLICY_LIMITS.minDelaySeconds }).delaySeconds).toBe(
      1,
    );
  });

  it('never echoes the refused value', () => {
    const secretish = 'a'.repeat(40);
    expectCkmError(() => parsePolicy(withField('allowlist', [secretish])), 'InvalidParameters');
    try {
      parsePolicy(withField('allowlist', [secretish]));
    } catch (error) {
      expect(String(error)).not.toContain(secretish);
    }
  });
});

describe('policy refusals', () => {
  const refusals: readonly PolicyRefusal[] = [
    {
      rule: 'dailyLimit',
      asset: { chainId: 1, asset: 'native' },
      limit: '10',
      spent: '4',
      requested: '7',
    },
    { rule: 'allowlist', recipient: BOB },
    {
      rule: 'unknownApproval',
      spender: ALICE,
      approval: 'forAll',
      asset: { chainId: 1, asset: TOKEN },
    },
    {
      rule: 'hold',
      asset: { chainId: 1, asset: TOKEN },
      threshold: '5',
      requested: '6',
      holdId: 'ab'.repeat(32),
      readyAt: 1_800_000_000_000,
      status: 'waiting',
    },
  ];
  it.each(refusals)('round-trips a $rule refusal through JSON', (refusal) => {
    const wire = JSON.parse(JSON.stringify(policyRefusalToWire(refusal)));
    expect(parsePolicyRefusal(wire)).toEqual(refusal);
  });

  const malformed: readonly (readonly [string, unknown])[] = [
    ['not an object', 'dailyLimit'],
    ['an unknown rule', { rule: 'other' }],
    ['a missing field', { rule: 'allowlist' }],
    ['an extra field', { rule: 'allowlist', recipient: BOB, extra: 1 }],
    ['a bad recipient', { rule: 'allowlist', recipient: 'bob' }],
    ['a bad amount', { ...policyRefusalToWire(refusals[0] as PolicyRefusal), spent: '-1' }],
    [
      'a bad asset',
      { ...policyRefusalToWire(refusals[0] as PolicyRefusal), asset: { chainId: 1 } },
    ],
    [
      'a bad approval kind',
      { ...policyRefusalToWire(refusals[2] as PolicyRefusal), approval: 'all' },
    ],
    [
      'a bad hold id',
      { ...policyRefusalToWire(refusals[3] as PolicyRefusal), holdId: 'AB'.repeat(32) },
    ],
    ['a bad status', { ...policyRefusalToWire(refusals[3] as PolicyRefusal), status: 'used' }],
    ['a bad readyAt', { ...policyRefusalToWire(refusals[3] as PolicyRefusal), readyAt: -1 }],
  ];
  it.each(malformed)('reads %s as undefined', (_name, value) => {
    expect(parsePolicyRefusal(value)).toBeUndefined();
  });
});

describe('stored policy state', () => {
  const effective: WalletPolicy = parsePolicy(FULL);
  const states: readonly PolicyState[] = [
    { effective: DEFAULT_POLICY },
    { effective },
    { effective, pending: { policy: DEFAULT_POLICY, readyAt: 1_800_000_000_123 } },
  ];
  it.each(states)('round-trips state %#', (state) => {
    expect(decodePolicyState(encodePolicyState(state))).toEqual(state);
  });

  const corrupt: readonly (readonly [string, Uint8Array])[] = [
    ['empty bytes', new Uint8Array()],
    ['truncated bytes', encodePolicyState(states[2] as PolicyState).slice(0, -3)],
    ['another wire type', encodeWire('policy/other', { effective: policyToWire(effective) })],
    [
      'a policy that does not parse',
      encodeWire('policy/state', { effective: { ...policyToWire(effective), delaySeconds: 0 } }),
    ],
    [
      'an unknown field',
      encodeWire('policy/state', { effective: policyToWire(effective), extra: 1 }),
    ],
    [
      'a pending change without readyAt',
      encodeWire('policy/state', {
        effective: policyToWire(effective),
        pending: { policy: policyToWire(effective) },
      }),
    ],
  ];
  it.each(corrupt)('refuses %s as Storage', (_name, bytes) => {
    expectCkmError(() => decodePolicyState(bytes), 'Storage');
  });
});
