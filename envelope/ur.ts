/**
 * Uniform Resources, single part: `ur:envelope/<bytewords>` (BCR-2020-005 UR, BCR-2020-012
 * Bytewords "minimal" style; bc-ur-rust `bytewords.rs`, `ur.rs`). The payload is the untagged
 * envelope CBOR (the UR type stands for `#6.200`) followed by its CRC-32 (ISO-HDLC), big-endian;
 * each byte is written as the first and last letter of its word. Multipart (fountain) URs are not
 * in this slice.
 * @module
 */
import { decodeDcbor, encodeDcbor } from './dcbor';
import { envelopeFromUntaggedCbor } from './decode';
import type { Envelope } from './envelope';
import { BytewordsError, InvalidUrError, NonCanonicalEnvelopeError, UrTypeError } from './errors';

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
