/**
 * ckm/policy/index.ts: `explainRefusal` gives one plain sentence per refusal, and
 * `PolicyRefusedError` is a `PolicyRefused` CkmError carrying the refusal.
 */
import { describe, expect, it } from 'vitest';
import { CkmError, isCkmError } from '../../../ckm/errors';
import { explainRefusal, type PolicyRefusal, PolicyRefusedError } from '../../../ckm/policy';
import { BOB, DRAINER, MAX_UINT256, TOKEN } from './fixtures';

const HOLD: PolicyRefusal = {
  rule: 'hold',
  asset: { chainId: 1, asset: 'native' },
  threshold: '5',
  requested: '6',
  holdId: 'ab'.repeat(32),
  readyAt: Date.UTC(2027, 0, 2, 3, 4, 5),
  status: 'waiting',
};

describe('explainRefusal', () => {
  it('daily limit: the limit, what was spent and what is asked', () => {
    expect(
      explainRefusal({
        rule: 'dailyLimit',
        asset: { chainId: 1, asset: TOKEN },
        limit: '100',
        spent: '40',
        requested: '70',
      }),
    ).toBe(
      `The daily limit for token ${TOKEN} on chain 1 is 100; 40 was already signed in the last 24 hours and this asks for 70.`,
    );
    expect(
      explainRefusal({
        rule: 'dailyLimit',
        asset: { chainId: 1, asset: 'native' },
        limit: '1',
        spent: '0',
        requested: MAX_UINT256.toString(),
      }),
    ).toContain(
      'the native coin on chain 1 is 1; 0 was already signed in the last 24 hours and this asks for an unlimited amount.',
    );
  });

  it('allowlist: names the recipient', () => {
    expect(explainRefusal({ rule: 'allowlist', recipient: BOB })).toBe(
      `${BOB} is not on this wallet's list of allowed recipients.`,
    );
  });

  it('unknown approval: says what kind and to whom', () => {
    const forAll = explainRefusal({
      rule: 'unknownApproval',
      spender: DRAINER,
      approval: 'forAll',
      asset: { chainId: 1, asset: TOKEN },
    });
    expect(forAll).toContain('access to all your items of');
    expect(forAll).toContain(DRAINER);
    expect(
      explainRefusal({
        rule: 'unknownApproval',
        spender: DRAINER,
        approval: 'erc20',
        asset: { chainId: 1, asset: TOKEN },
      }),
    ).toContain('an unlimited allowance of');
  });

  it('hold: waiting says when; cancelled says the owner cancelled it', () => {
    expect(explainRefusal(HOLD)).toBe(
      'Sending more than 5 of the native coin on chain 1 waits: this request can be signed after 2027-01-02T03:04:05.000Z unless the owner cancels it.',
    );
    expect(explainRefusal({ ...HOLD, status: 'cancelled' })).toBe(
      'The owner cancelled this held request; it may be asked again after 2027-01-02T03:04:05.000Z.',
    );
  });
});

describe('PolicyRefusedError', () => {
  it('is a PolicyRefused CkmError with the refusal and its sentence', () => {
    const error = new PolicyRefusedError(HOLD);
    expect(error).toBeInstanceOf(CkmError);
    expect(isCkmError(error, 'PolicyRefused')).toBe(true);
    expect(error.refusal).toBe(HOLD);
    expect(error.shortMessage).toBe(explainRefusal(HOLD));
    expect(error.message).toBe(`PolicyRefused: ${explainRefusal(HOLD)}`);
  });
});
