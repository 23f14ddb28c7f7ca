/**
 * What the account-bound methods share: the wallet must be unlocked (the user is asked first,
 * MetaMask-style) and the account a request names must be one this origin may use.
 * @module
 */
import { providerErrors } from '@metamask/rpc-errors';
import type { AccountView } from '../../ui-api';
import type { Services } from '../types';

/** Resolves once the wallet is unlocked; asks the user through the approval window if locked. */
export async function ensureUnlocked(origin: string, services: Services): Promise<void> {
  await services.keyring.ready;
  const status = services.keyring.status();
  if (status === 'unlocked') return;
  if (status === 'uninitialized')
    throw providerErrors.unauthorized({
      message: 'CKM Wallet has no account yet: open it and create a wallet first.',
    });
  await services.approvals.request(origin, { kind: 'unlock' });
  if (services.keyring.status() !== 'unlocked')
    throw providerErrors.unauthorized({ message: 'CKM Wallet is locked.' });
}

/** The accounts `origin` sees: [] when locked; the selected account first when permitted. */
export function visibleAccounts(origin: string, services: Services): `0x${string}`[] {
  if (services.keyring.status() !== 'unlocked') return [];
  const permitted = services.permissions
    .accountsFor(origin)
    .map((address) => services.accounts.byAddress(address)?.address)
    .filter((address): address is `0x${string}` => address !== undefined)
    .map((address) => address.toLowerCase() as `0x${string}`);
  const selected = services.accounts.selected()?.address.toLowerCase();
  return selected && permitted.includes(selected as `0x${string}`)
    ? [selected as `0x${string}`, ...permitted.filter((a) => a !== selected)]
    : permitted;
}

/** The account `address` names, if this origin may use it; 4100 otherwise. */
export function permittedAccount(
  origin: string,
  address: unknown,
  services: Services,
): AccountView {
  if (typeof address !== 'string')
    throw providerErrors.unauthorized({ message: 'The request does not name an account.' });
  const account = services.accounts.byAddress(address);
  const allowed = services.permissions
    .accountsFor(origin)
    .some((a) => a.toLowerCase() === address.toLowerCase());
  if (!account || !allowed)
    throw providerErrors.unauthorized({
      message: `The account ${address} has not been authorized for ${origin}.`,
    });
  return account;
}
