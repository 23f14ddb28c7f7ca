/**
 * ckm/policy/evaluate.ts: each rule blocks what it should and allows what it should, the rules'
 * order, the hold lifecycle (new → waiting → ready → used; cancelled and its 24 h), the ledger.
 */
import { describe, expect, it } from 'vitest';
import type { SignPayload } from '../../../ckm/payload';
import {
  type AssetRef,
  analyzePayload,
  CANCELLED_HOLD_MS,
  describeIntent,
  evaluatePolicy,
  type HoldRecord,
  intentId,
  type PolicyDecision,
  parsePolicyRefusal,
  policyRefusalToWire,
  type WalletPolicy,
} from '../../../ckm/policy';
import {
  ALICE,
  BOB,
  CONDUIT,
  call,
  DRAINER,
  daiPermit,
  eip2612,
  encode,
  MAX_UINT256,
  message,
  NFT,
  PERMIT2,
  permit2Allowance,
  policy,
  TOKEN,
  tx,
  WALLET,
} from './fixtures';

const NOW = 1_800_000_000_000;
const ETH = 10n ** 18n;
const native = (amount: bigint, chainId = 1) => ({
  chainId,
  asset: 'native' as const,
  amount: amount.toString(),
});
const token = (amount: bigint, asset = TOKEN) => ({ chainId: 1, asset, amount: amount.toString() });

type Run = {
  readonly spent?: (asset: AssetRef) => bigint;
  readonly hold?: HoldRecord;
  readonly now?: number;
};

function run(rules: WalletPolicy, payload: SignPayload, options: Run = {}): PolicyDecision {
  return evaluatePolicy({
    policy: rules,
    effects: analyzePayload(payload, WALLET),
    intentId: intentId(payload),
    spent: options.spent ?? (() => 0n),
    hold: options.hold,
    now: options.now ?? NOW,
  });
}

const send = (to: typeof BOB, value: bigint) => tx({ to, value });

describe('no rules', () => {
  it('allows everything, with the ledger of its outflows', () => {
    expect(run(policy(), send(DRAINER, 100n * ETH))).toEqual({
      kind: 'allow',
      ledger: [native(100n * ETH)],
    });
    expect(run(policy(), call(encode('approve', [DRAINER, MAX_UINT256]))).kind).toBe('allow');
    expect(run(policy(), message('hi'))).toEqual({ kind: 'allow', ledger: [] });
  });
});

describe('allowlist', () => {
  const rules = policy({ allowlist: [BOB] });

  it('allows a recipient on the list, whatever its case', () => {
    expect(run(rules, send(BOB, 1n)).kind).toBe('allow');
    expect(
      run(policy({ allowlist: [BOB] }), tx({ to: BOB.toLowerCase() as typeof BOB, value: 1n }))
        .kind,
    ).toBe('allow');
  });

  it('refuses a value recipient not on the list', () => {
    expect(run(rules, send(ALICE, 1n))).toEqual({
      kind: 'refuse',
      refusal: { rule: 'allowlist', recipient: ALICE },
    });
  });

  it('refuses a token recipient not on the list (the token contract itself is not a recipient)', () => {
    expect(run(rules, call(encode('transfer', [ALICE, 5n])))).toEqual({
      kind: 'refuse',
      refusal: { rule: 'allowlist', recipient: ALICE },
    });
    expect(run(rules, call(encode('transfer', [BOB, 5n]))).kind).toBe('allow');
  });

  it('refuses ERC-721 item 0 sent to a recipient not on the list', () => {
    expect(run(rules, call(encode('transferFrom', [WALLET, ALICE, 0n]), { to: NFT }))).toEqual({
      kind: 'refuse',
      refusal: { rule: 'allowlist', recipient: ALICE },
    });
  });

  it('refuses a spender that is neither on the list nor known, allows a known one', () => {
    expect(run(rules, call(encode('approve', [DRAINER, 5n])))).toEqual({
      kind: 'refuse',
      refusal: { rule: 'allowlist', recipient: DRAINER },
    });
    expect(run(rules, call(encode('approve', [PERMIT2, 5n]))).kind).toBe('allow');
    expect(run(rules, call(encode('setApprovalForAll', [CONDUIT, true]), { to: NFT })).kind).toBe(
      'allow',
    );
    expect(run(rules, call(encode('approve', [BOB, 5n]))).kind).toBe('allow');
  });

  it('a known spender is known only on its chain', () => {
    expect(
      run(rules, call(encode('setApprovalForAll', [CONDUIT, true]), { to: NFT, chainId: 31337 })),
    ).toMatchObject({ kind: 'refuse', refusal: { rule: 'allowlist', recipient: CONDUIT } });
  });

  it('an empty list refuses every recipient; a call without value passes', () => {
    expect(run(policy({ allowlist: [] }), send(BOB, 1n)).kind).toBe('refuse');
    expect(run(policy({ allowlist: [] }), tx({ to: BOB })).kind).toBe('allow');
  });
});

describe('blockUnknownApprovals', () => {
  const rules = policy({ blockUnknownApprovals: true });
  const refused = (spender: typeof BOB, approval: string, asset = TOKEN) => ({
    kind: 'refuse',
    refusal: { rule: 'unknownApproval', spender, approval, asset: { chainId: 1, asset } },
  });

  it('refuses an unlimited ERC-20 approval to an unknown spender', () => {
    expect(run(rules, call(encode('approve', [DRAINER, MAX_UINT256])))).toEqual(
      refused(DRAINER, 'erc20'),
    );
  });

  it('refuses setApprovalForAll to an unknown operator', () => {
    expect(run(rules, call(encode('setApprovalForAll', [DRAINER, true]), { to: NFT }))).toEqual(
      refused(DRAINER, 'forAll', NFT),
    );
  });

  it('refuses unlimited permits and Permit2 signatures to an unknown spender', () => {
    expect(run(rules, eip2612(DRAINER, MAX_UINT256))).toEqual(refused(DRAINER, 'permit'));
    expect(run(rules, daiPermit(DRAINER, true))).toEqual(refused(DRAINER, 'permit'));
    expect(
      run(rules, permit2Allowance(DRAINER, [{ token: TOKEN, amount: (1n << 160n) - 1n }])),
    ).toEqual(refused(DRAINER, 'permit2'));
  });

  it('allows a limited approval, a known spender, an allowlisted spender, a revoke', () => {
    expect(run(rules, call(encode('approve', [DRAINER, 100n]))).kind).toBe('allow');
    expect(run(rules, eip2612(DRAINER, 100n)).kind).toBe('allow');
    expect(run(rules, call(encode('approve', [PERMIT2, MAX_UINT256]))).kind).toBe('allow');
    expect(run(rules, call(encode('setApprovalForAll', [CONDUIT, true]), { to: NFT })).kind).toBe(
      'allow',
    );
    expect(
      run(
        policy({ blockUnknownApprovals: true, allowlist: [DRAINER] }),
        call(encode('approve', [DRAINER, MAX_UINT256])),
      ).kind,
    ).toBe('allow');
    expect(run(rules, call(encode('setApprovalForAll', [DRAINER, false]), { to: NFT })).kind).toBe(
      'allow',
    );
  });

  it('off: the same unlimited approval is allowed', () => {
    expect(run(policy(), call(encode('approve', [DRAINER, MAX_UINT256]))).kind).toBe('allow');
  });
});

describe('dailyLimits', () => {
  const rules = policy({ dailyLimits: [native(ETH), token(1000n)] });

  it('allows up to the limit, counting what was spent', () => {
    expect(run(rules, send(BOB, ETH)).kind).toBe('allow');
    expect(run(rules, send(BOB, ETH / 2n), { spent: () => ETH / 2n }).kind).toBe('allow');
  });

  it('refuses above it, naming limit, spent and requested', () => {
    expect(run(rules, send(BOB, ETH / 2n + 1n), { spent: () => ETH / 2n })).toEqual({
      kind: 'refuse',
      refusal: {
        rule: 'dailyLimit',
        asset: { chainId: 1, asset: 'native' },
        limit: ETH.toString(),
        spent: (ETH / 2n).toString(),
        requested: (ETH / 2n + 1n).toString(),
      },
    });
  });

  it('asks `spent` for the limited asset only', () => {
    const asked: AssetRef[] = [];
    run(rules, call(encode('transfer', [BOB, 10n])), {
      spent: (asset) => {
        asked.push(asset);
        return 0n;
      },
    });
    expect(asked).toEqual([{ chainId: 1, asset: TOKEN }]);
  });

  it('counts token transfers, approvals and permits against the token limit', () => {
    expect(run(rules, call(encode('transfer', [BOB, 1001n]))).kind).toBe('refuse');
    expect(run(rules, call(encode('transfer', [BOB, 1000n]))).kind).toBe('allow');
    expect(run(rules, call(encode('approve', [BOB, 1001n]))).kind).toBe('refuse');
    expect(run(rules, eip2612(BOB, 600n), { spent: () => 500n }).kind).toBe('refuse');
  });

  it('an unlimited approval of a limited token is always over the limit', () => {
    const max = policy({ dailyLimits: [token(MAX_UINT256)] });
    expect(run(max, call(encode('approve', [BOB, MAX_UINT256])))).toMatchObject({
      kind: 'refuse',
      refusal: { rule: 'dailyLimit', requested: MAX_UINT256.toString() },
    });
    expect(run(rules, call(encode('setApprovalForAll', [BOB, true])))).toMatchObject({
      kind: 'refuse',
      refusal: { rule: 'dailyLimit', asset: { chainId: 1, asset: TOKEN } },
    });
  });

  it('a limit on another chain or another token does not apply', () => {
    expect(run(rules, tx({ to: BOB, value: 5n * ETH, chainId: 10 })).kind).toBe('allow');
    expect(run(rules, call(encode('transfer', [BOB, 5000n]), { to: NFT })).kind).toBe('allow');
  });

  it('a limit of 0 refuses any outflow of the asset but not other payloads', () => {
    const zero = policy({ dailyLimits: [native(0n)] });
    expect(run(zero, send(BOB, 1n)).kind).toBe('refuse');
    expect(run(zero, tx({ to: BOB })).kind).toBe('allow');
  });
});

describe('holdAbove', () => {
  const rules = policy({ holdAbove: [native(ETH)], delaySeconds: 3600 });
  const big = send(BOB, 2n * ETH);
  const id = intentId(big);
  const waiting: HoldRecord = {
    holdId: id,
    createdAt: NOW,
    readyAt: NOW + 3_600_000,
    status: 'waiting',
    summary: 'x',
  };

  it('at or under the threshold: no hold', () => {
    expect(run(rules, send(BOB, ETH))).toEqual({ kind: 'allow', ledger: [native(ETH)] });
  });

  it('new → a hold with a new record, readyAt = now + delay', () => {
    expect(run(rules, big)).toEqual({
      kind: 'hold',
      refusal: {
        rule: 'hold',
        asset: { chainId: 1, asset: 'native' },
        threshold: ETH.toString(),
        requested: (2n * ETH).toString(),
        holdId: id,
        readyAt: NOW + 3_600_000,
        status: 'waiting',
      },
      newHold: {
        holdId: id,
        createdAt: NOW,
        readyAt: NOW + 3_600_000,
        status: 'waiting',
        summary: `Send 2 ETH to ${BOB.slice(0, 6)}…${BOB.slice(-4)} on chain 1`,
      },
    });
  });

  it('waiting and not ready → still held, no new record', () => {
    const decision = run(rules, big, { hold: waiting, now: NOW + 3_599_999 });
    expect(decision).toMatchObject({
      kind: 'hold',
      refusal: { status: 'waiting', readyAt: waiting.readyAt },
    });
    expect(decision).not.toHaveProperty('newHold');
  });

  it('ready → allowed once with useHold (same intent, other nonce)', () => {
    const again = tx({ to: BOB, value: 2n * ETH, nonce: 5 });
    expect(run(rules, again, { hold: waiting, now: waiting.readyAt })).toEqual({
      kind: 'allow',
      ledger: [native(2n * ETH)],
      useHold: id,
    });
  });

  it('used → counts as none: a new hold', () => {
    expect(
      run(rules, big, { hold: { ...waiting, status: 'used' }, now: NOW + 10 ** 8 }),
    ).toMatchObject({
      kind: 'hold',
      newHold: { createdAt: NOW + 10 ** 8, status: 'waiting' },
    });
  });

  it('a record under another id is not this intent’s hold', () => {
    expect(
      run(rules, big, { hold: { ...waiting, holdId: 'ab'.repeat(32) }, now: waiting.readyAt }),
    ).toMatchObject({
      kind: 'hold',
      newHold: { holdId: id },
    });
  });

  it('cancelled → refused as cancelled for 24 h after the cancel (and at least until readyAt), then a new hold', () => {
    const cancelled: HoldRecord = { ...waiting, status: 'cancelled', cancelledAt: NOW + 1000 };
    const until = NOW + 1000 + CANCELLED_HOLD_MS;
    const during = run(rules, big, { hold: cancelled, now: until - 1 });
    expect(during).toMatchObject({
      kind: 'hold',
      refusal: { status: 'cancelled', readyAt: until },
    });
    expect(during).not.toHaveProperty('newHold');
    expect(run(rules, big, { hold: cancelled, now: until })).toMatchObject({
      kind: 'hold',
      refusal: { status: 'waiting' },
      newHold: { createdAt: until },
    });
    // Without cancelledAt, from its creation; a long delay keeps it refused until readyAt.
    const long: HoldRecord = {
      ...waiting,
      status: 'cancelled',
      readyAt: NOW + 3 * CANCELLED_HOLD_MS,
    };
    expect(run(rules, big, { hold: long, now: NOW + 2 * CANCELLED_HOLD_MS })).toMatchObject({
      refusal: { status: 'cancelled', readyAt: long.readyAt },
    });
    const short: HoldRecord = { ...waiting, status: 'cancelled' };
    expect(run(rules, big, { hold: short, now: NOW + CANCELLED_HOLD_MS })).toHaveProperty(
      'newHold',
    );
  });

  it('an unlimited approval of a held token is above any threshold', () => {
    const held = policy({ holdAbove: [token(MAX_UINT256 - 1n)] });
    expect(run(held, call(encode('approve', [BOB, MAX_UINT256]))).kind).toBe('hold');
  });

  it('uses the caller’s summary when given', () => {
    const decision = evaluatePolicy({
      policy: rules,
      effects: analyzePayload(big, WALLET),
      intentId: id,
      spent: () => 0n,
      hold: undefined,
      now: NOW,
      summary: 'custom',
    });
    expect(decision).toMatchObject({ newHold: { summary: 'custom' } });
  });
});

describe('rule order', () => {
  const all = policy({
    allowlist: [BOB],
    blockUnknownApprovals: true,
    dailyLimits: [native(ETH), token(10n)],
    holdAbove: [native(ETH / 2n)],
  });

  it('allowlist before the approval rule', () => {
    expect(run(all, call(encode('approve', [DRAINER, MAX_UINT256])))).toMatchObject({
      refusal: { rule: 'allowlist' },
    });
  });

  it('the approval rule before the daily limit', () => {
    const noList = policy({ ...all, allowlist: null });
    expect(run(noList, call(encode('approve', [DRAINER, MAX_UINT256])))).toMatchObject({
      refusal: { rule: 'unknownApproval' },
    });
  });

  it('the daily limit before the hold', () => {
    expect(run(all, send(BOB, 2n * ETH))).toMatchObject({ refusal: { rule: 'dailyLimit' } });
    expect(run(all, send(BOB, ETH))).toMatchObject({ refusal: { rule: 'hold' } });
  });

  it('a ready hold does not lift a daily limit', () => {
    const big = send(BOB, ETH);
    const hold: HoldRecord = {
      holdId: intentId(big),
      createdAt: NOW - 10,
      readyAt: NOW,
      status: 'waiting',
      summary: '',
    };
    expect(run(all, big, { hold, spent: () => 1n })).toMatchObject({
      refusal: { rule: 'dailyLimit' },
    });
    expect(run(all, big, { hold })).toMatchObject({ kind: 'allow', useHold: hold.holdId });
  });
});

describe('ledger', () => {
  it('sums outflows per asset in canonical order', () => {
    const payload = call(encode('transfer', [BOB, 7n]), { value: 3n });
    expect(run(policy(), payload)).toEqual({
      kind: 'allow',
      ledger: [native(3n), token(7n)],
    });
  });
});

describe('amounts beyond uint256', () => {
  const batch = call(
    encode('safeBatchTransferFrom', [WALLET, BOB, [1n, 2n], [MAX_UINT256, MAX_UINT256], '0x']),
    { to: NFT },
  );

  it('a sum beyond 2^256 − 1 is capped in the ledger', () => {
    expect(run(policy(), batch)).toEqual({
      kind: 'allow',
      ledger: [token(MAX_UINT256, NFT)],
    });
  });

  it('and in a refusal, which then still parses', () => {
    const decision = run(policy({ dailyLimits: [token(5n, NFT)] }), batch, {
      spent: () => 2n * MAX_UINT256,
    });
    expect(decision).toMatchObject({
      kind: 'refuse',
      refusal: {
        rule: 'dailyLimit',
        spent: MAX_UINT256.toString(),
        requested: MAX_UINT256.toString(),
      },
    });
    if (decision.kind !== 'refuse') throw new Error('unreachable');
    expect(parsePolicyRefusal(policyRefusalToWire(decision.refusal))).toEqual(decision.refusal);
  });
});

describe('describeIntent', () => {
  const short = (a: string) => `${a.slice(0, 6)}…${a.slice(-4)}`;
  const describe_ = (payload: SignPayload) =>
    describeIntent(payload, analyzePayload(payload, WALLET));

  it('says what moves, to whom and what is approved', () => {
    expect(describe_(send(BOB, 5n * ETH))).toBe(`Send 5 ETH to ${short(BOB)} on chain 1`);
    expect(describe_(tx({ to: BOB, value: ETH, chainId: 137 }))).toBe(
      `Send 1 POL to ${short(BOB)} on chain 137`,
    );
    expect(describe_(call(encode('transfer', [ALICE, 12n])))).toBe(
      `Send 12 units of token ${short(TOKEN)} to ${short(ALICE)} on chain 1`,
    );
    expect(describe_(call(encode('approve', [DRAINER, MAX_UINT256])))).toBe(
      `Approve ${short(DRAINER)} to take an unlimited amount of token ${short(TOKEN)} on chain 1`,
    );
    expect(describe_(call(encode('approve', [DRAINER, 40n])))).toBe(
      `Approve ${short(DRAINER)} to take 40 units of token ${short(TOKEN)} on chain 1`,
    );
    expect(describe_(call(encode('setApprovalForAll', [DRAINER, true]), { to: NFT }))).toBe(
      `Approve ${short(DRAINER)} to take all items of token ${short(NFT)} on chain 1`,
    );
  });

  it('falls back to what is signed', () => {
    expect(describe_(tx({ to: BOB }))).toBe(`Call ${short(BOB)} on chain 1`);
    expect(describe_(tx({ to: undefined, data: '0x6000' }))).toBe('Deploy a contract on chain 1');
    expect(describe_(message('hi'))).toBe('Sign a message');
    expect(describe_(eip2612(DRAINER, 0n))).toBe('Sign typed data Permit');
  });
});
