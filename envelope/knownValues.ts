/**
 * Known values: registered 64-bit codepoints that stand for common predicates and objects
 * (BCR-2023-002; registry `known-value-assignments/json/0_blockchain_commons_registry.json`,
 * names as bc-known-values). Inside an envelope a known value is a bare uint; elsewhere
 * `#6.40000(uint)`. Only the names are here; a value missing from the table prints as `'n'`.
 * @module
 */

/** Tag 40000, `known-value` (bc-tags `tags_registry.rs`). */
export const TAG_KNOWN_VALUE = 40000;

export const IS_A = 1n;
export const ID = 2n;
export const SIGNED = 3n;
export const NOTE = 4n;
export const HAS_RECIPIENT = 5n;
export const SSKR_SHARE = 6n;
export const SALT = 15n;
export const HAS_SECRET = 19n;

/** Names of the values the wallet uses (bc-specs §2.5), plus 'Self' (706) seen in the vectors. */
const NAMES: ReadonlyMap<bigint, string> = /* @__PURE__ */ new Map<bigint, string>([
  [0n, ''],
  [1n, 'isA'],
  [2n, 'id'],
  [3n, 'signed'],
  [4n, 'note'],
  [5n, 'hasRecipient'],
  [6n, 'sskrShare'],
  [7n, 'controller'],
  [8n, 'key'],
  [9n, 'dereferenceVia'],
  [11n, 'name'],
  [15n, 'salt'],
  [16n, 'date'],
  [17n, 'Unknown'],
  [19n, 'hasSecret'],
  [21n, 'validFrom'],
  [22n, 'validUntil'],
  [50n, 'attachment'],
  [51n, 'vendor'],
  [52n, 'conformsTo'],
  [60n, 'allow'],
  [61n, 'deny'],
  [62n, 'endpoint'],
  [63n, 'delegate'],
  [64n, 'provenance'],
  [65n, 'privateKey'],
  [66n, 'service'],
  [70n, 'All'],
  [71n, 'Authorize'],
  [72n, 'Sign'],
  [73n, 'Encrypt'],
  [74n, 'Elide'],
  [75n, 'Issue'],
  [76n, 'Access'],
  [80n, 'Delegate'],
  [81n, 'Verify'],
  [82n, 'Update'],
  [83n, 'Transfer'],
  [84n, 'Elect'],
  [85n, 'Burn'],
  [86n, 'Revoke'],
  [100n, 'body'],
  [101n, 'result'],
  [102n, 'error'],
  [103n, 'OK'],
  [104n, 'Processing'],
  [105n, 'sender'],
  [106n, 'senderContinuation'],
  [107n, 'recipientContinuation'],
  [108n, 'content'],
  [200n, 'Seed'],
  [201n, 'PrivateKey'],
  [202n, 'PublicKey'],
  [203n, 'MasterKey'],
  [300n, 'asset'],
  [302n, 'Ethereum'],
  [400n, 'network'],
  [401n, 'MainNet'],
  [402n, 'TestNet'],
  [706n, 'Self'],
]);

/** The registered name, or the decimal value when unregistered (bc-known-values `KnownValue::name`). */
export function knownValueName(value: bigint): string {
  return NAMES.get(value) ?? value.toString();
}
