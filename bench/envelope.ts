/**
 * Envelope benchmarks (issue #4, `envelope/`). Every figure's baseline is a plain IETF
 * ChaCha20-Poly1305 (`@noble/ciphers`) of the same 32 KiB, measured in the same run right after
 * it, so the ratio reads "this costs as much as N bare encryptions of the payload".
 *
 * The payload is a 32 KiB share envelope: `Bytes(32768) [ 'isA': "share" ]`.
 *
 * - `envelope.seal.ms`: `lock(share, 'argon2id', password)`: wrap, encrypt with a fresh content
 *   key, derive the key-encryption key with Argon2id (m = 19 456 KiB, t = 2, p = 1), wrap the key.
 * - `envelope.open.ms`: `unlock` of that envelope with the right password (the same KDF again).
 * - `envelope.kdf.ms`: the Argon2id derivation alone, the bulk of seal and open.
 * - `envelope.sskr.ms`: `sskrSplit` 3-of-5 of the share envelope, then `sskrJoin` of 3 shares.
 * - `envelope.ur.ms`: multipart (fountain) UR of the share envelope for an animated QR:
 *   `envelopeToUrParts` (the pure fragments, 200 payload bytes each, 164 parts) and
 *   `envelopeFromUrParts` of them in reverse order, strict envelope decoding included.
 * @module
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { argon2id } from '@noble/hashes/argon2.js';
import {
  ARGON2ID_PARAMS,
  Envelope,
  envelopeFromUrParts,
  envelopeToUrParts,
  IS_A,
  lock,
  sskrJoin,
  sskrSplit,
  unlock,
} from '../envelope/index';
import { type Benchmark, medianMs } from './harness';

const PAYLOAD_BYTES = 32 * 1024;
const PASSWORD = 'correct horse battery staple';
/** Argon2id runs take ~200 ms: few samples. */
const KDF_SAMPLES = 7;
const KDF_WARMUP = 1;

const payload = randomBytes(PAYLOAD_BYTES);
const share = Envelope.from(payload).addAssertion(Envelope.knownValue(IS_A), 'share');

/** ChaCha20-Poly1305 of the 32 KiB payload, ms per call (median of 50 after 5 warm-ups). */
async function chachaMs(): Promise<number> {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  return medianMs(async () => chacha20poly1305(key, nonce).encrypt(payload));
}

/** ChaCha20-Poly1305 decryption of the same, for `envelope.open.ms`. */
async function chachaOpenMs(): Promise<number> {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const sealed = chacha20poly1305(key, nonce).encrypt(payload);
  return medianMs(async () => chacha20poly1305(key, nonce).decrypt(sealed));
}

export const envelopeSeal: Benchmark = {
  name: 'envelope.seal.ms',
  unit: 'ms',
  baselineLabel: 'ChaCha20-Poly1305 32 KiB',
  async run() {
    const value = await medianMs(
      async () => lock(share, 'argon2id', PASSWORD),
      KDF_SAMPLES,
      KDF_WARMUP,
    );
    return { value, baseline: await chachaMs() };
  },
};

export const envelopeOpen: Benchmark = {
  name: 'envelope.open.ms',
  unit: 'ms',
  baselineLabel: 'ChaCha20-Poly1305 open 32 KiB',
  async run() {
    const locked = lock(share, 'argon2id', PASSWORD);
    const value = await medianMs(
      async () => {
        if (!unlock(locked, PASSWORD).isIdenticalTo(share)) throw new Error('open: wrong result');
      },
      KDF_SAMPLES,
      KDF_WARMUP,
    );
    return { value, baseline: await chachaOpenMs() };
  },
};

export const envelopeKdf: Benchmark = {
  name: 'envelope.kdf.ms',
  unit: 'ms',
  baselineLabel: 'ChaCha20-Poly1305 32 KiB',
  async run() {
    const password = new TextEncoder().encode(PASSWORD);
    const salt = randomBytes(16);
    const value = await medianMs(
      async () => argon2id(password, salt, { ...ARGON2ID_PARAMS, dkLen: 32 }),
      KDF_SAMPLES,
      KDF_WARMUP,
    );
    return { value, baseline: await chachaMs() };
  },
};

export const envelopeSskr: Benchmark = {
  name: 'envelope.sskr.ms',
  unit: 'ms',
  baselineLabel: 'ChaCha20-Poly1305 32 KiB',
  async run() {
    const spec = { groupThreshold: 1, groups: [{ threshold: 3, count: 5 }] };
    const value = await medianMs(async () => {
      const contentKey = randomBytes(32);
      const [group] = sskrSplit(share, spec, contentKey);
      const joined = sskrJoin((group ?? []).slice(1, 4));
      if (!joined.isIdenticalTo(share)) throw new Error('sskr: wrong result');
    }, 20);
    return { value, baseline: await chachaMs() };
  },
};

/** Multipart UR encode + decode (default fragment length), parts fed in reverse order. */
export const envelopeUr: Benchmark = {
  name: 'envelope.ur.ms',
  unit: 'ms',
  baselineLabel: 'ChaCha20-Poly1305 32 KiB',
  async run() {
    const value = await medianMs(async () => {
      const parts = envelopeToUrParts(share).reverse();
      if (parts.length < 2 || envelopeFromUrParts(parts).digestHex !== share.digestHex) {
        throw new Error('ur: wrong result');
      }
    }, 20);
    return { value, baseline: await chachaMs() };
  },
};

export const envelopeBenchmarks: Benchmark[] = [
  envelopeSeal,
  envelopeOpen,
  envelopeKdf,
  envelopeSskr,
  envelopeUr,
];
