/**
 * Session identifiers derived on both sides from what both sides know. Each is a SHA-256 over a
 * length-prefixed, domain-separated encoding (the one hash discipline of research/tecdsa.md §2.0).
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { lengthPrefixed, toHex, utf8 } from '../bytes';

function tagged(tag: string, ...parts: Uint8Array[]): Uint8Array {
  return sha256(lengthPrefixed(tag, ...parts));
}

/**
 * The channel session id (32 bytes) of session `sessionId` of wallet `walletId`: every sealed
 * message is bound to it, so a message cannot move to another session or another wallet.
 */
export function sessionChannelId(walletId: string, sessionId: string): Uint8Array {
  return tagged('ckm/session/v1', utf8(walletId), utf8(sessionId));
}

/**
 * The signing session nonce (tss SignRequest.sessionNonce) from the client's and the server's
 * fresh 32-byte nonces (research/tecdsa.md §2.6 R0: sigid binds n_D and n_S), so neither side
 * alone can make two signing sessions share a sign id.
 */
export function signSessionNonce(clientNonce: Uint8Array, serverNonce: Uint8Array): Uint8Array {
  return tagged('ckm/sign-nonce/v1', clientNonce, serverNonce);
}

/** 16 random bytes as 32 lowercase hex characters: a fresh session id. */
export function newSessionId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)));
}
