/**
 * The local phishing list's popup handlers (issue #8): what the list is and what the user did
 * about it (`getPhishingInfo`), and replacing it with a file (`loadPhishingList`; a bad file is
 * `InvalidInput` naming the field and changes nothing). See `services/phishing.ts`.
 * @module
 */
import type { Services } from '../rpc/types';
import type { UiReplies, UiRequest } from '../ui-api';

type PhishingRequestType = 'getPhishingInfo' | 'loadPhishingList';

type PhishingUiHandlers = {
  [K in PhishingRequestType]: (
    request: Extract<UiRequest, { type: K }>,
    services: Services,
  ) => Promise<UiReplies[K]> | UiReplies[K];
};

export const phishingUiHandlers: PhishingUiHandlers = {
  async getPhishingInfo(_request, services) {
    await services.phishing.ready;
    return services.phishing.info();
  },
  loadPhishingList: ({ text }, services) => services.phishing.load(text),
};
