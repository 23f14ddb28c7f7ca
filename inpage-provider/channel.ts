/**
 * The provider's end of the page channel (`content/page-channel.ts`): requests go out with
 * `window.postMessage`, answers and events come back the same way from the relay. The provider
 * depends only on {@link ProviderChannel}, so unit tests drive it without a browser.
 * @module
 */
import { isPageResponse, type PageRequest, type PageResponse } from '../content/page-channel';

export type ProviderChannel = {
  /** Posts one request to the relay. */
  send(message: PageRequest): void;
  /** Calls `handler` with every well-formed message from the relay. */
  listen(handler: (message: PageResponse) => void): void;
};

type WindowLike = Pick<Window, 'postMessage' | 'addEventListener'> & {
  readonly location: { readonly origin: string };
};

/** The channel over this window's `message` events. */
export function createWindowChannel(win: WindowLike): ProviderChannel {
  // An opaque origin ("null": sandboxed frames, data: URLs) cannot be named as a target.
  const targetOrigin = win.location.origin === 'null' ? '*' : win.location.origin;
  return {
    send: (message) => win.postMessage(message, targetOrigin),
    listen(handler) {
      win.addEventListener('message', (event: MessageEvent) => {
        // Only this window's own messages: the relay posts from the same window (another
        // world), a frame or an opener would be another source.
        if (event.source !== win || !isPageResponse(event.data)) return;
        handler(event.data);
      });
    },
  };
}
