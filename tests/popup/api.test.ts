import { describe, expect, it } from 'vitest';
import { UiError, unwrapOutcome } from '../../popup/api';

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
  it.each([undefined, null, 'x', { ok: 'yes' }, { ok: false }])(
    'refuses the malformed reply %j',
    (reply) => {
      expect(() => unwrapOutcome(reply)).toThrow(UiError);
    },
  );
});
