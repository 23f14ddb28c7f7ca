/**
 * Which screen the popup shows, from the wallet's state: a pure function so the rules are
 * tested apart from Preact.
 * @module
 */
import type { ApprovalKind } from '../background/approvals-api';
import type { WalletStatus } from '../background/ui-api';

export type ScreenName =
  | 'loading'
  | 'onboarding'
  | 'unlock'
  | 'home'
  | 'settings'
  | 'approvals'
  | 'import';

/** Where the user navigated inside an unlocked wallet (not in approval mode). */
export type View = 'home' | 'settings' | 'approvals' | 'import';

export type ScreenInput = {
  /** Undefined until `getState` answered. */
  readonly status?: WalletStatus;
  /** The popup was opened as `popup.html?approval=1`. */
  readonly approvalMode: boolean;
  /** Onboarding started in this popup and is not finished (its last step shows after creation). */
  readonly onboarding: boolean;
  /** A recovery started on this (new) device and not finished: its waiting screen. */
  readonly recovering?: boolean;
  /** Kind of the first queued approval, when known. */
  readonly firstApproval?: ApprovalKind;
  readonly view: View;
};

export function pickScreen(input: ScreenInput): ScreenName {
  if (input.onboarding) return 'onboarding';
  // The recovery's waiting screen lives in onboarding; an approval window still shows prompts.
  if (input.recovering && !input.approvalMode) return 'onboarding';
  switch (input.status) {
    case undefined:
      return 'loading';
    case 'uninitialized':
      return 'onboarding';
    case 'locked':
      return input.approvalMode && input.firstApproval === 'unlock' ? 'approvals' : 'unlock';
    case 'unlocked':
      return input.approvalMode ? 'approvals' : input.view;
  }
}

/** True when the popup was opened as the approval window. */
export function isApprovalMode(search: string): boolean {
  return new URLSearchParams(search).get('approval') === '1';
}
