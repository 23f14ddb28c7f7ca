import { describe, expect, it } from 'vitest';
import { errorPolicy, UiError, unwrapOutcome } from '../../popup/api';

describe('unwrapOutcome', () => {
  it('returns the value of a success', () => {
    expect(unwrapOutcome({ ok: true, value: { address: '0x1' } })).toEqual({ address: '0x1' });
  });
  it('throws a UiError with code and message', () => {
    try {
      unwrapOutcome({ ok: false, error: { code: 'WrongPassword', message: 'Wrong password.' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UiError);
      expect(error).toMatchObject({ code: 'WrongPassword', message: 'Wrong password.' });
    }
  });
  it('carries a policy refusal (PolicyRefused) for the prompt to explain', () => {
    const policy = { rule: 'allowlist', recipient: '0x5FbDB2315678afecb367f032d93F642f64180aa3' };
    let caught: unknown;
    try {
      unwrapOutcome({ ok: false, error: { code: 'PolicyRefused', message: 'Refused.', policy } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UiError);
    expect(errorPolicy(caught)).toEqual(policy);
  });
  it('drops a policy field that is not a refusal', () => {
    let caught: unknown;
    try {
      unwrapOutcome({ ok: false, error: { code: 'PolicyRefused', message: 'x', policy: 'no' } });
    } catch (error) {
      caught = error;
    }
    expect(errorPolicy(caught)).toBeUndefined();
    expect(errorPolicy(new Error('plain'))).toBeUndefined();
  });
  it.each([undefined, null, 'x', { ok: 'yes' }, { ok: false }])(
    'refuses the malformed reply %j',
    (reply) => {
      expect(() => unwrapOutcome(reply)).toThrow(UiError);
    },
  );
});
