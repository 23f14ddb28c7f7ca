/**
 * CKM servers as the popup meets them: a URL typed by the user is normalized, its identity
 * document read and shown (name and fingerprint), and what a later request pins must be exactly
 * what was shown (`pinnedAsShown`), or the request fails with `IdentityChanged`.
 * @module
 */
import { setBounded } from '../../ckm/bounded-map';
import { ServerConnection } from '../../ckm/client/connection';
import { fetchTransport } from '../../ckm/client/transport';
import { identityId, type PartyIdentity } from '../../ckm/identity';
import { WalletError } from '../errors';

/** Identities shown in the popup, by URL, and the names they came with. */
const probed = new Map<string, PartyIdentity>();
const names = new Map<string, string>();
const MAX_PROBED = 64;

export function serverUrl(url: unknown): string {
  if (typeof url !== 'string' || url.length > 2048)
    throw new WalletError('InvalidInput', 'Enter a server URL.');
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new WalletError('InvalidInput', `"${url}" is not a URL.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new WalletError(
      'InvalidInput',
      'A CKM server URL starts with https:// (or http:// on this computer).',
    );
  return parsed.origin + parsed.pathname.replace(/\/+$/, '');
}

export async function probe(url: string): Promise<{ url: string; name: string; identity: string }> {
  const document = await new ServerConnection(
    url,
    fetchTransport({ timeoutMs: 10_000 }),
  ).identity();
  setBounded(probed, url, document.document.identity, MAX_PROBED);
  setBounded(names, url, document.document.name, MAX_PROBED);
  return { url, name: document.document.name, identity: identityId(document.document.identity) };
}

/**
 * The identity to pin for `url`: the one the popup showed, which must still be `shown`.
 * @throws {WalletError} `IdentityChanged`
 */
export async function pinnedAsShown(url: string, shown: unknown): Promise<PartyIdentity> {
  if (!probed.has(url)) await probe(url);
  const pinned = probed.get(url) as PartyIdentity;
  if (identityId(pinned) !== shown)
    throw new WalletError(
      'IdentityChanged',
      `The server at ${url} now presents another identity than the one shown. Check it again before trusting it.`,
    );
  return pinned;
}

/** The name the server at `url` gave when it was last probed. */
export const probedName = (url: string): string => names.get(url) ?? url;
