/**
 * Session identifiers derived on both sides from what both sides know. Each is a SHA-256 over a
 * length-prefixed, domain-separated encoding (the one hash discipline of research/tecdsa.md §2.0).
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';

const encoder = new TextEncoder();

function tagged(tag: string, ...parts: Uint8Array[]): Uint8Array {
  const all = [encoder.encode(tag), ...parts];
  let length = 0;
  for (const part of all) length += 4 + part.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of all) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return sha256(out);
}

/**
 * The channel session id (32 bytes) of session `sessionId` of wallet `walletId`: every sealed
 * message is bound to it, so a message cannot move to another session or another wallet.
 */
export function sessionChannelId(walletId: string, sessionId: string): Uint8Array {
  return tagged('ckm/session/v1', encoder.encode(walletId), encoder.encode(sessionId));
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
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
