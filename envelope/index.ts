/**
 * Gordian Envelope for the CKM wallet (issue #4): dCBOR, the envelope core, elision, encryption,
 * compression, the SSKR, password and recipient permits, signatures, salt, inclusion proofs,
 * envelope notation, single- and multipart UR, QR SVGs, and the wallet's vault (`vault.ts`). See
 * `README.md` for what is built and what is not.
 * @module
 */

export {
  compress,
  compressElement,
  compressSubject,
  decompress,
  decompressElement,
  decompressSubject,
  MAX_DECOMPRESSED_SIZE,
} from './compress';
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
export {
  type DigestTarget,
  elideRemoving,
  elideRevealing,
  type ObscureAction,
  unelide,
  unelideWith,
} from './elide';
export {
  decrypt,
  decryptElement,
  decryptSubject,
  type EncryptOptions,
  encrypt,
  encryptElement,
  encryptSubject,
  SYMMETRIC_KEY_LENGTH,
} from './encrypt';
export {
  type CompressedData,
  type EncryptedMessage,
  Envelope,
  type EnvelopeCase,
  type EnvelopeInput,
  TAG_COMPRESSED,
  TAG_ENCRYPTED,
  TAG_ENVELOPE,
  TAG_LEAF,
} from './envelope';
export * from './errors';
export { format, summarizeCbor } from './format';
export {
  HAS_RECIPIENT,
  HAS_SECRET,
  IS_A,
  knownValueName,
  NOTE,
  SIGNED,
  SSKR_SHARE,
  TAG_KNOWN_VALUE,
} from './knownValues';
export {
  confirmContainsSet,
  confirmContainsTarget,
  proofContainsSet,
  proofContainsTarget,
} from './proof';
export { urPartQrModules, urPartToQrSvg } from './qr';
export {
  addRecipient,
  agreementPrivateKeyFromSeed,
  agreementPublicKey,
  decryptSubjectToRecipient,
  decryptToRecipient,
  encryptSubjectToRecipients,
  encryptToRecipient,
  type RecipientOptions,
  recipientContentKey,
  sealContentKey,
  TAG_SEALED_MESSAGE,
  TAG_SYMMETRIC_KEY,
  TAG_X25519_PUBLIC_KEY,
} from './recipient';
export {
  addSalt,
  addSaltInRange,
  addSaltInstance,
  addSaltWithLength,
  MIN_SALT_LENGTH,
  type SaltOptions,
} from './salt';
export {
  ARGON2ID_PARAMS,
  addSecret,
  encryptedKey,
  type HashName,
  KDF_LIMITS,
  lock,
  lockSubject,
  SALT_LENGTH,
  type SecretMethod,
  type SecretMethodInput,
  type SecretOptions,
  TAG_ENCRYPTED_KEY,
  TAG_SALT,
  unlock,
  unlockContentKey,
  unlockSubject,
} from './secret';
export {
  addSignature,
  hasSignatureFrom,
  type SignatureScheme,
  type SigningPrivateKey,
  type SigningPublicKey,
  type SignOptions,
  sign,
  signingPrivateKeyFromSeed,
  signingPublicKey,
  TAG_SIGNATURE,
  verify,
  verifySignature,
  verifySignatureReturningMetadata,
  verifySignaturesThreshold,
} from './signature';
export {
  type SskrSpec,
  type SskrSplitOptions,
  sskrAddShares,
  sskrJoin,
  sskrJoinSubject,
  sskrSplit,
  TAG_SSKR_SHARE,
} from './sskr';
export {
  DEFAULT_MAX_FRAGMENT_LENGTH,
  EnvelopeUrDecoder,
  EnvelopeUrEncoder,
  envelopeFromUr,
  envelopeFromUrParts,
  envelopeToUr,
  envelopeToUrParts,
  type UrProgress,
} from './ur';
export {
  type BackupKit,
  exportBackupKit,
  FORMAT_VERSION_PREDICATE,
  joinBackup,
  KEY_SHARE_TYPE,
  MAX_SHARE_BYTES,
  openShare,
  openShareWithKey,
  openVaultKey,
  openWithVaultKey,
  resealShare,
  type SealOptions,
  sealShare,
  sealVaultKey,
  sealWithVaultKey,
  splitBackup,
  VAULT_FORMAT_VERSION,
  VAULT_KEY_TYPE,
} from './vault';
