/**
 * Gordian Envelope for the CKM wallet (issue #4, first slice): dCBOR, the envelope core, elision,
 * envelope notation and single-part UR. See `README.md` for what is built and what is not.
 * @module
 */
export {
  type Cbor,
  type CborInput,
  decodeDcbor,
  encodeDcbor,
  MAX_DEPTH,
  tagged,
  toCbor,
} from './dcbor';
export {
  type DecodeEnvelopeOptions,
  decodeEnvelope,
  envelopeFromTaggedCbor,
  envelopeFromUntaggedCbor,
} from './decode';
export { compareDigests, DIGEST_LENGTH, digestHex, shortDigest } from './digest';
export { type DigestTarget, elideRemoving, elideRevealing, unelide, unelideWith } from './elide';
export {
  Envelope,
  type EnvelopeCase,
  type EnvelopeInput,
  TAG_ENVELOPE,
  TAG_LEAF,
} from './envelope';
export * from './errors';
export { format, summarizeCbor } from './format';
export { IS_A, knownValueName, NOTE, SIGNED, TAG_KNOWN_VALUE } from './knownValues';
export { envelopeFromUr, envelopeToUr } from './ur';
