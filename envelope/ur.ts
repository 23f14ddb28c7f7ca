/**
 * Uniform Resources, single part: `ur:envelope/<bytewords>` (BCR-2020-005 UR, BCR-2020-012
 * Bytewords "minimal" style; bc-ur-rust `bytewords.rs`, `ur.rs`). The payload is the untagged
 * envelope CBOR (the UR type stands for `#6.200`) followed by its CRC-32 (ISO-HDLC), big-endian;
 * each byte is written as the first and last letter of its word.
 *
 * Multipart (fountain) URs, `ur:envelope/seqNum-seqLen/…` (BCR-2024-001 / bc-ur fountain codes),
 * for animated QR: `EnvelopeUrEncoder`, `envelopeToUrParts`, `EnvelopeUrDecoder`,
 * `envelopeFromUrParts`, on `@blockchaincommons/uniform-resources` (the fountain, Xoshiro256**
 * part chooser and the multipart CBOR are the library's; the type check, strict envelope decoding
 * and the typed errors are ours).
 * @module
 */
import {
  MultipartDecoder,
  MultipartEncoder,
  UR,
  URError,
  URType,
} from '@blockchaincommons/uniform-resources';
import { decodeDcbor, encodeDcbor } from './dcbor';
import { envelopeFromUntaggedCbor } from './decode';
import type { Envelope } from './envelope';
import {
  BytewordsError,
  CorruptUrPartError,
  ForeignUrPartError,
  IncompleteUrError,
  InvalidUrError,
  NonCanonicalEnvelopeError,
  UrTypeError,
} from './errors';

/** The 256 Bytewords, index = byte value (BCR-2020-012). */
const WORDS =
  'ableacidalsoapexaquaarchatomauntawayaxisbackbaldbarnbeltbetabiasbluebodybragbrewbulbbuzzcalmcash' +
  'catschefcityclawcodecolacookcostcruxcurlcuspcyandarkdatadaysdelidicedietdoordowndrawdropdrumdull' +
  'dutyeacheasyechoedgeepicevenexamexiteyesfactfairfernfigsfilmfishfizzflapflewfluxfoxyfreefrogfuel' +
  'fundgalagamegeargemsgiftgirlglowgoodgraygrimgurugushgyrohalfhanghardhawkheathelphighhillholyhope' +
  'hornhutsicedideaidleinchinkyintoirisironitemjadejazzjoinjoltjowljudojugsjumpjunkjurykeepkenokept' +
  'keyskickkilnkingkitekiwiknoblamblavalazyleaflegsliarlimplionlistlogoloudloveluaulucklungmainmany' +
  'mathmazememomenumeowmildmintmissmonknailnavyneednewsnextnoonnotenumbobeyoboeomitonyxopenovalowls' +
  'paidpartpeckplaypluspoempoolposepuffpumapurrquadquizraceramprealredorichroadrockroofrubyruinruns' +
  'rustsafesagascarsetssilkskewslotsoapsolosongstubsurfswantacotasktaxitenttiedtimetinytoiltombtoys' +
  'triptunatwinuglyundouniturgeuservastveryvetovialvibeviewvisavoidvowswallwandwarmwaspwavewaxywebs' +
  'whatwhenwhizwolfworkyankyawnyellyogayurtzapszerozestzinczonezoom';

/** Minimal form of byte b: first and last letter of its word. */
const MINIMAL: readonly string[] = /* @__PURE__ */ Array.from(
  { length: 256 },
  (_, b) => `${WORDS[b * 4]}${WORDS[b * 4 + 3]}`,
);
const FROM_MINIMAL: ReadonlyMap<string, number> = /* @__PURE__ */ new Map(
  MINIMAL.map((m, b) => [m, b]),
);

/** CRC-32/ISO-HDLC (the zlib CRC), reflected polynomial 0xedb88320. */
const CRC_TABLE: Uint32Array = /* @__PURE__ */ (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Bytewords minimal encoding of `data` followed by its CRC-32. */
export function encodeBytewordsMinimal(data: Uint8Array): string {
  const crc = crc32(data);
  const all = [...data, crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff];
  return all.map((b) => MINIMAL[b]).join('');
}

/**
 * Decode Bytewords minimal text and check its CRC-32.
 * @throws {BytewordsError}
 */
export function decodeBytewordsMinimal(text: string): Uint8Array {
  if (text.length % 2 !== 0) throw new BytewordsError('odd number of letters');
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const b = FROM_MINIMAL.get(text.slice(i * 2, i * 2 + 2));
    if (b === undefined) throw new BytewordsError(`unknown word at position ${i}`);
    bytes[i] = b;
  }
  if (bytes.length < 5) throw new BytewordsError('too short for a payload and its checksum');
  const body = bytes.subarray(0, bytes.length - 4);
  const c = bytes.subarray(bytes.length - 4);
  const crc =
    ((c[0] as number) << 24) |
    ((c[1] as number) << 16) |
    ((c[2] as number) << 8) |
    (c[3] as number);
  if (crc >>> 0 !== crc32(body)) throw new BytewordsError('checksum mismatch');
  return body;
}

/**
 * `ur:envelope/…` for an envelope.
 * @example envelopeToUr(Envelope.from('Hello.')) // 'ur:envelope/tpsoiyfdihjzjzjldmksbaoede'
 */
export function envelopeToUr(envelope: Envelope): string {
  return `ur:envelope/${encodeBytewordsMinimal(encodeDcbor(envelope.untaggedCbor()))}`;
}

/**
 * An envelope from `ur:envelope/…` (case-insensitive, as QR alphanumeric mode gives upper case).
 * @throws {InvalidUrError | UrTypeError | BytewordsError | DecodeEnvelopeErrorType}
 */
export function envelopeFromUr(ur: string): Envelope {
  if (typeof ur !== 'string') throw new TypeError('"ur" expected string');
  const text = ur.toLowerCase();
  if (!text.startsWith('ur:')) throw new InvalidUrError('missing "ur:" scheme');
  const parts = text.slice(3).split('/');
  if (parts.length !== 2)
    throw new InvalidUrError('expected ur:<type>/<payload> (multipart is not supported)');
  const [type, payload] = parts as [string, string];
  if (!/^[a-z0-9-]+$/.test(type)) throw new InvalidUrError('invalid type');
  if (type !== 'envelope') throw new UrTypeError('envelope', type);
  const bytes = decodeBytewordsMinimal(payload);
  const envelope = envelopeFromUntaggedCbor(decodeDcbor(bytes));
  const again = encodeDcbor(envelope.untaggedCbor());
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) {
    throw new NonCanonicalEnvelopeError();
  }
  return envelope;
}

/* ------------------------------------------------------------------------------------------ */
/* Multipart (fountain) UR: BCR-2024-001, on @blockchaincommons/uniform-resources.             */
/* ------------------------------------------------------------------------------------------ */

/**
 * Default payload bytes per part. A part is then ~455 characters (`UR:ENVELOPE/NNN-NNN/` +
 * Bytewords of the fountain CBOR and its CRC-32): a version-11 QR (61 × 61 modules) at
 * error-correction level L in alphanumeric mode, readable by a phone camera off a popup.
 */
export const DEFAULT_MAX_FRAGMENT_LENGTH = 200;

function checkFragmentLength(n: number): number {
  if (!Number.isSafeInteger(n) || n < 10 || n > 10_000) {
    throw new RangeError('"maxFragmentLength" expected an integer in [10, 10000]');
  }
  return n;
}

function envelopeUr(envelope: Envelope): UR {
  return new UR(new URType('envelope'), envelope.untaggedCbor());
}

/**
 * An endless fountain of `ur:envelope/seqNum-seqLen/…` parts for an animated QR
 * (bc-ur `UREncoder`): parts 1…`partCount` are the fragments themselves, later ones are XOR
 * mixtures that let a scanner that missed frames catch up. An envelope that fits in one fragment
 * still gives `1-1` parts here; use `envelopeToUrParts` to get a plain single-part UR then.
 */
export class EnvelopeUrEncoder {
  readonly #encoder: MultipartEncoder;

  constructor(envelope: Envelope, opts: { maxFragmentLength?: number } = {}) {
    const n = checkFragmentLength(opts.maxFragmentLength ?? DEFAULT_MAX_FRAGMENT_LENGTH);
    this.#encoder = new MultipartEncoder(envelopeUr(envelope), n);
  }

  /** Number of fragments (seqLen); parts after it are fountain mixtures. */
  get partCount(): number {
    return this.#encoder.partCount;
  }

  /** Parts produced so far. */
  get index(): number {
    return this.#encoder.index;
  }

  /** The next part, lower case (upper-case it for a QR's alphanumeric mode). */
  nextPart(): string {
    return this.#encoder.nextPart();
  }
}

/**
 * The UR parts for an envelope: one single-part `ur:envelope/…` when its CBOR fits in one
 * fragment, else the `partCount` pure fragments `ur:envelope/1-n/…` … `n-n/…` followed by
 * `extraParts` fountain mixtures (default 0).
 */
export function envelopeToUrParts(
  envelope: Envelope,
  opts: { maxFragmentLength?: number; extraParts?: number } = {},
): string[] {
  const max = checkFragmentLength(opts.maxFragmentLength ?? DEFAULT_MAX_FRAGMENT_LENGTH);
  const extra = opts.extraParts ?? 0;
  if (!Number.isSafeInteger(extra) || extra < 0) {
    throw new RangeError('"extraParts" expected a non-negative integer');
  }
  if (encodeDcbor(envelope.untaggedCbor()).length <= max) return [envelopeToUr(envelope)];
  const encoder = new EnvelopeUrEncoder(envelope, { maxFragmentLength: max });
  const parts: string[] = [];
  const total = encoder.partCount + extra;
  for (let i = 0; i < total; i++) parts.push(encoder.nextPart());
  return parts;
}

/** What `EnvelopeUrDecoder.receive` reports after each part. */
export type UrProgress = {
  /** Whether the part added information (false for a repeat or after completion). */
  readonly added: boolean;
  /** Fraction of fragments recovered, 0…1 (1 once done). */
  readonly progress: number;
  /** Whether the envelope is complete: read it with `result()`. */
  readonly done: boolean;
};

const SEQ_HEADER = /^[0-9]+-[0-9]+$/;

/**
 * Reassembles an envelope from UR parts scanned in any order, with repeats (bc-ur `URDecoder`).
 * A single-part `ur:envelope/…` completes it at once. A part that fails is refused with a typed
 * error and leaves the decoder as it was, so the scanner can go on:
 * - `CorruptUrPartError`: the part does not decode (Bytewords, CRC-32, fountain CBOR, header);
 * - `ForeignUrPartError`: the part is well formed but belongs to another message;
 * - `UrTypeError` / `InvalidUrError`: not a `ur:envelope`.
 * Once complete, the envelope is decoded strictly (`DecodeEnvelopeErrorType`); a message whose
 * checksum fails then throws `CorruptUrPartError` and the decoder resets.
 */
export class EnvelopeUrDecoder {
  #decoder = new MultipartDecoder();
  #result: Envelope | undefined;

  /**
   * Feed one scanned part (any case).
   * @throws {InvalidUrError | UrTypeError | CorruptUrPartError | ForeignUrPartError | DecodeEnvelopeErrorType}
   */
  receive(part: string): UrProgress {
    if (typeof part !== 'string') throw new TypeError('"part" expected string');
    if (this.#result !== undefined) return { added: false, progress: 1, done: true };
    const text = part.trim().toLowerCase();
    if (!text.startsWith('ur:')) throw new InvalidUrError('missing "ur:" scheme');
    const components = text.slice(3).split('/');
    const type = components[0] ?? '';
    if (!/^[a-z0-9-]+$/.test(type)) throw new InvalidUrError('invalid type');
    if (type !== 'envelope') throw new UrTypeError('envelope', type);
    if (components.length === 2) {
      this.#result = envelopeFromUr(text);
      return { added: true, progress: 1, done: true };
    }
    if (components.length !== 3 || !SEQ_HEADER.test(components[1] as string)) {
      throw new InvalidUrError(
        'expected ur:envelope/<payload> or ur:envelope/<seq>-<len>/<payload>',
      );
    }
    let added: boolean;
    try {
      added = this.#decoder.add(text);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (URError.isURError(e) && e.code === 'UnexpectedType')
        throw new UrTypeError('envelope', type);
      if (URError.isURError(e) && e.code === 'Decoder' && /inconsistent/.test(message)) {
        throw new ForeignUrPartError(e);
      }
      // The fountain completed but the message failed its checksum, padding or CBOR: the parts
      // it was built from cannot be told apart, so start over.
      if (
        /checksum|padding|length exceeds/i.test(message) ||
        (URError.isURError(e) && e.code === 'Cbor')
      ) {
        this.reset();
      }
      throw new CorruptUrPartError(message, e);
    }
    const ur = this.#decoder.result;
    if (ur === undefined) return { added, progress: this.#decoder.progress, done: false };
    const bytes = encodeDcbor(ur.cbor);
    try {
      this.#result = envelopeFromMessage(bytes);
    } catch (e) {
      this.reset();
      throw e;
    }
    return { added, progress: 1, done: true };
  }

  /** Fraction of fragments recovered, 0…1. */
  get progress(): number {
    return this.#result !== undefined ? 1 : this.#decoder.progress;
  }

  get done(): boolean {
    return this.#result !== undefined;
  }

  /**
   * The envelope, once `done`.
   * @throws {Error} before then
   */
  result(): Envelope {
    if (this.#result === undefined) throw new Error('EnvelopeUrDecoder: not done yet');
    return this.#result;
  }

  /** Forget every part received (e.g. after a `ForeignUrPartError`, to scan the other code). */
  reset(): void {
    this.#decoder = new MultipartDecoder();
    this.#result = undefined;
  }
}

/** Strict decode of a reassembled untagged envelope, canonical form checked. */
function envelopeFromMessage(bytes: Uint8Array): Envelope {
  const envelope = envelopeFromUntaggedCbor(decodeDcbor(bytes));
  const again = encodeDcbor(envelope.untaggedCbor());
  if (again.length !== bytes.length || again.some((b, i) => b !== bytes[i])) {
    throw new NonCanonicalEnvelopeError();
  }
  return envelope;
}

/**
 * The envelope of a complete set of UR parts (any order, repeats allowed).
 * @throws {IncompleteUrError} if the parts do not complete it, or what `EnvelopeUrDecoder.receive` throws
 */
export function envelopeFromUrParts(parts: Iterable<string>): Envelope {
  const decoder = new EnvelopeUrDecoder();
  for (const part of parts) if (decoder.receive(part).done) break;
  if (!decoder.done) throw new IncompleteUrError(decoder.progress);
  return decoder.result();
}
