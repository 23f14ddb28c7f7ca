/**
 * The policy firewall's popup handlers (issue #8): read and write the wallet's rules on every
 * server, and the transactions a server held under "above this amount, wait".
 * @module
 */
import { WalletError } from '../errors';
import type { Services } from '../rpc/types';
import type { UiReplies, UiRequest } from '../ui-api';

type PolicyRequestType =
  | 'getPolicy'
  | 'setPolicy'
  | 'cancelPolicyChange'
  | 'listHeld'
  | 'sendHeld'
  | 'cancelHeld';

type PolicyUiHandlers = {
  [K in PolicyRequestType]: (
    request: Extract<UiRequest, { type: K }>,
    services: Services,
  ) => Promise<UiReplies[K]> | UiReplies[K];
};

const notYet = () => {
  throw new WalletError('NotAvailable', 'The policy firewall is not built yet.');
};

export const policyUiHandlers: PolicyUiHandlers = {
  getPolicy: notYet,
  setPolicy: notYet,
  cancelPolicyChange: notYet,
  listHeld: notYet,
  sendHeld: notYet,
  cancelHeld: notYet,
};
