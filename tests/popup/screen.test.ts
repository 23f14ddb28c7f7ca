import { describe, expect, it } from 'vitest';
import { isApprovalMode, pickScreen, type ScreenInput } from '../../popup/screen';

const base: ScreenInput = { approvalMode: false, onboarding: false, view: 'home' };

describe('pickScreen', () => {
  it('waits for the state', () => {
    expect(pickScreen(base)).toBe('loading');
  });
  it('onboards an uninitialized wallet, in either mode', () => {
    expect(pickScreen({ ...base, status: 'uninitialized' })).toBe('onboarding');
    expect(pickScreen({ ...base, status: 'uninitialized', approvalMode: true })).toBe('onboarding');
  });
  it('keeps onboarding until its last step, even once the wallet is unlocked', () => {
    expect(pickScreen({ ...base, status: 'unlocked', onboarding: true })).toBe('onboarding');
  });
  it('asks for the password when locked', () => {
    expect(pickScreen({ ...base, status: 'locked' })).toBe('unlock');
    expect(pickScreen({ ...base, status: 'locked', approvalMode: true })).toBe('unlock');
    expect(
      pickScreen({ ...base, status: 'locked', approvalMode: true, firstApproval: 'connect' }),
    ).toBe('unlock');
  });
  it('lets an unlock prompt handle a locked wallet in approval mode', () => {
    expect(
      pickScreen({ ...base, status: 'locked', approvalMode: true, firstApproval: 'unlock' }),
    ).toBe('approvals');
  });
  it('shows approvals in approval mode, else the navigated view', () => {
    expect(pickScreen({ ...base, status: 'unlocked', approvalMode: true })).toBe('approvals');
    expect(pickScreen({ ...base, status: 'unlocked' })).toBe('home');
    expect(pickScreen({ ...base, status: 'unlocked', view: 'settings' })).toBe('settings');
    expect(pickScreen({ ...base, status: 'unlocked', view: 'import' })).toBe('import');
  });
  it('reopens on the recovery waiting screen while a recovery is in progress', () => {
    for (const status of ['uninitialized', 'locked', 'unlocked'] as const)
      expect(pickScreen({ ...base, status, recovering: true })).toBe('onboarding');
    expect(pickScreen({ ...base, status: 'locked', recovering: false })).toBe('unlock');
  });
  it('still shows prompts in the approval window while recovering', () => {
    expect(pickScreen({ ...base, status: 'unlocked', approvalMode: true, recovering: true })).toBe(
      'approvals',
    );
  });
});

describe('isApprovalMode', () => {
  it('reads ?approval=1', () => {
    expect(isApprovalMode('?approval=1')).toBe(true);
    expect(isApprovalMode('')).toBe(false);
    expect(isApprovalMode('?approval=0')).toBe(false);
  });
});
