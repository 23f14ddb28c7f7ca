/**
 * EIP-6963 "Multi Injected Provider Discovery": announce the provider on load and again whenever
 * a dApp dispatches `eip6963:requestProvider`.
 * @see https://eips.ethereum.org/EIPS/eip-6963
 * @module
 */
import { ICON_DATA_URI } from './icon';

export type EIP6963ProviderInfo = {
  readonly uuid: string;
  readonly name: string;
  readonly icon: string;
  readonly rdns: string;
};

/** Reverse-DNS id of the wallet (EIP-6963 §Provider Info: stable across versions). */
export const WALLET_RDNS = 'org.ckmwallet';
export const WALLET_NAME = 'CKM Wallet';

/** "A globally unique identifier … UUIDv4 … MUST be unique per page load" (EIP-6963). */
export function createProviderInfo(): EIP6963ProviderInfo {
  return Object.freeze({
    uuid: crypto.randomUUID(),
    name: WALLET_NAME,
    icon: ICON_DATA_URI,
    rdns: WALLET_RDNS,
  });
}

/** Announces now and on every later request; returns a function that stops answering. */
export function announceProvider(info: EIP6963ProviderInfo, provider: unknown): () => void {
  // "The detail … MUST be frozen" (EIP-6963 §Announce and Request Events).
  const detail = Object.freeze({ info, provider });
  const announce = () =>
    window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
  announce();
  window.addEventListener('eip6963:requestProvider', announce);
  return () => window.removeEventListener('eip6963:requestProvider', announce);
}
