import { describe, expect, it } from 'vitest';
import browser, { type Runtime } from 'webextension-polyfill';
import { senderOrigin } from '../../background/provider-connections';
import { isExtensionPage } from '../../background/ui-handlers';

const id = browser.runtime.id;
const tab = {
  index: 0,
  highlighted: false,
  active: true,
  pinned: false,
  incognito: false,
} as Runtime.MessageSender['tab'];

describe('senderOrigin: the origin comes from the browser, never from the page', () => {
  it('prefers the browser-filled origin, else the URL’s origin', () => {
    expect(
      senderOrigin({
        id,
        tab,
        url: 'https://app.example/x?y',
        origin: 'https://app.example',
      } as Runtime.MessageSender),
    ).toBe('https://app.example');
    expect(senderOrigin({ id, tab, url: 'http://127.0.0.1:9011/index.html' })).toBe(
      'http://127.0.0.1:9011',
    );
  });

  it('refuses other extensions, senders without a tab or URL, and unparsable URLs', () => {
    expect(senderOrigin(undefined)).toBeUndefined();
    expect(
      senderOrigin({ id: 'another-extension', tab, url: 'https://app.example/' }),
    ).toBeUndefined();
    expect(senderOrigin({ id, url: 'https://app.example/' })).toBeUndefined();
    expect(senderOrigin({ id, tab })).toBeUndefined();
    expect(senderOrigin({ id, tab, url: 'not a url' })).toBeUndefined();
  });
});

describe('isExtensionPage: only our own pages reach the popup API', () => {
  it('accepts our pages, in the popup bubble or in a tab', () => {
    const url = browser.runtime.getURL('/popup.html');
    expect(isExtensionPage({ id, url })).toBe(true);
    expect(isExtensionPage({ id, url, tab })).toBe(true);
  });

  it('refuses content scripts and other extensions', () => {
    expect(isExtensionPage({ id, url: 'https://app.example/', tab })).toBe(false);
    expect(isExtensionPage({ id: 'another', url: browser.runtime.getURL('/popup.html') })).toBe(
      false,
    );
    expect(isExtensionPage({ id })).toBe(false);
  });
});
