/**
 * The local phishing list's popup handlers (issue #8).
 * @module
 */
import { WalletError } from '../errors';
import type { Services } from '../rpc/types';
import type { UiReplies, UiRequest } from '../ui-api';

type PhishingRequestType = 'getPhishingInfo' | 'loadPhishingList';

type PhishingUiHandlers = {
  [K in PhishingRequestType]: (
    request: Extract<UiRequest, { type: K }>,
    services: Services,
  ) => Promise<UiReplies[K]> | UiReplies[K];
};

const notYet = () => {
  throw new WalletError('NotAvailable', 'The phishing list is not built yet.');
};

export const phishingUiHandlers: PhishingUiHandlers = {
  getPhishingInfo: notYet,
  loadPhishingList: notYet,
};
