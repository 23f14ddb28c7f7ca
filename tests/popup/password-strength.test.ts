import { describe, expect, it } from 'vitest';
import { estimatePasswordStrength, MIN_PASSWORD_LENGTH } from '../../popup/password-strength';

describe('estimatePasswordStrength', () => {
  it('scores the empty password 0 and refuses it', () => {
    const s = estimatePasswordStrength('');
    expect(s).toMatchObject({ score: 0, label: 'Too weak', acceptable: false });
  });

  it.each(['password', '12345678', 'qwertyuiop', 'iloveyou', 'Password'])(
    'calls the common password %s too weak',
    (pw) => {
      const s = estimatePasswordStrength(pw);
      expect(s.score).toBe(0);
      expect(s.acceptable).toBe(false);
      expect(s.hint).toMatch(/common/);
    },
  );

  it.each(['password123!', 'P@ssw0rd', 'Metamask2024', '!!dragon99'])(
    'caps a common word behind digits, symbols or leetspeak (%s) at weak',
    (pw) => {
      const s = estimatePasswordStrength(pw);
      expect(s.score).toBeLessThanOrEqual(1);
      expect(s.acceptable).toBe(false);
    },
  );

  it.each(['aaaaaaaaaaaa', 'abcdefghijkl', '9876543210ab', 'qwertasdfgzx'])(
    'counts repeats, sequences and keyboard runs (%s) for little',
    (pw) => {
      expect(estimatePasswordStrength(pw).acceptable).toBe(false);
    },
  );

  it('needs the minimum length even for a varied password', () => {
    const s = estimatePasswordStrength('Xk9$vQ2');
    expect([...'Xk9$vQ2'].length).toBeLessThan(MIN_PASSWORD_LENGTH);
    expect(s.acceptable).toBe(false);
    expect(s.hint).toMatch(/at least 8/);
  });

  it('accepts a varied 10-character password as at least fair', () => {
    const s = estimatePasswordStrength('Tk7#pWm2qZ');
    expect(s.score).toBeGreaterThanOrEqual(2);
    expect(s.acceptable).toBe(true);
  });

  it('rates a long passphrase strong', () => {
    expect(estimatePasswordStrength('correct horse battery staple').label).toBe('Strong');
  });

  it('never lowers the score when a random character is appended', () => {
    let pw = 'Gx';
    let last = estimatePasswordStrength(pw).score;
    for (const c of 'r8!Lq2Vw$Np7') {
      pw += c;
      const score = estimatePasswordStrength(pw).score;
      expect(score).toBeGreaterThanOrEqual(last);
      last = score;
    }
    expect(last).toBe(4);
  });
});
