import { describe, expect, it } from 'vitest';
import { generatePartyKeys } from '../../ckm/identity';
import {
  joinRecoveryKit,
  type RecoveryKit,
  recoveryKitBytes,
  recoveryKitFromBytes,
  recoveryKitFromUr,
  recoveryKitToUr,
  splitRecoveryKit,
} from '../../ckm/recovery-kit';
import { newWalletId } from '../../ckm/wallet';
import { Envelope } from '../../envelope/envelope';
import { envelopeToUr } from '../../envelope/ur';

const kit: RecoveryKit = {
  walletId: newWalletId(),
  servers: [
    { url: 'http://127.0.0.1:7101', name: 'server-a', identity: generatePartyKeys().identity },
    { url: 'http://127.0.0.1:7102', name: 'server-b', identity: generatePartyKeys().identity },
  ],
  recoveryKeys: generatePartyKeys(),
};

const same = (a: RecoveryKit, b: RecoveryKit) => {
  expect(a.walletId).toBe(b.walletId);
  expect(a.servers).toEqual(b.servers);
  expect(a.recoveryKeys.identity).toEqual(b.recoveryKeys.identity);
};

describe('recovery kit', () => {
  it('round-trips through UR text and file bytes', () => {
    const { urText, qrParts } = recoveryKitToUr(kit);
    expect(urText.startsWith('ur:envelope/')).toBe(true);
    expect(qrParts.length).toBeGreaterThan(0);
    same(recoveryKitFromUr(urText), kit);
    same(recoveryKitFromUr(`  ${urText.toUpperCase()}\n`), kit);
    same(recoveryKitFromBytes(recoveryKitBytes(kit)), kit);
  });

  it('3 of 5 SSKR shares rebuild it, in any order; 2 do not', () => {
    const shares = splitRecoveryKit(kit, { threshold: 3, count: 5 }).map(envelopeToUr);
    expect(shares).toHaveLength(5);
    same(joinRecoveryKit([shares[4], shares[0], shares[2]] as string[]), kit);
    expect(() => joinRecoveryKit([shares[1], shares[3]] as string[])).toThrow(/do not rebuild/);
  });

  it('refuses shares of two different splits, a bad spec, and other envelopes', () => {
    const a = splitRecoveryKit(kit, { threshold: 2, count: 3 }).map(envelopeToUr);
    const b = splitRecoveryKit(kit, { threshold: 2, count: 3 }).map(envelopeToUr);
    expect(() => joinRecoveryKit([a[0], b[1]] as string[])).toThrow(/do not rebuild/);
    expect(() => splitRecoveryKit(kit, { threshold: 4, count: 3 })).toThrow(/k of n/);
    expect(() => splitRecoveryKit(kit, { threshold: 1, count: 1 })).toThrow(/k of n/);
    expect(() => recoveryKitFromUr(envelopeToUr(Envelope.from('hello')))).toThrow(
      /not a CKM recovery key/,
    );
    expect(() => recoveryKitFromUr('ur:envelope/nonsense')).toThrow(/not a ur:envelope/);
    expect(() => joinRecoveryKit([])).toThrow(/1 to 16/);
  });
});
