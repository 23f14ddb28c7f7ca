/**
 * Envelope notation, for debugging and docs (draft-mcnally-envelope §"Envelope Notation";
 * output matched to bc-envelope-rust 0.43 `src/format/notation.rs` through the bc-envelope-ts
 * vectors): `"Alice" [ 'isA': "Person", "knows": "Bob" ]`.
 *
 * Layout rules, as the reference: a node prints its subject then its assertions in brackets, the
 * `'isA'` assertions first, each group sorted by its printed form (bytewise), then the obscured ones
 * counted (`COMPRESSED`, `ELIDED (2)`, `ENCRYPTED`). An assertion subject is put in braces, a wrapped envelope too.
 * @module
 */
import { type Cbor, cborInteger, MAJOR } from './dcbor';
import { shortDigest } from './digest';
import type { Envelope } from './envelope';
import { IS_A, knownValueName, TAG_KNOWN_VALUE } from './knownValues';
import { summarizeEncryptedKey } from './secret';

/** Notation items before layout (the reference's `EnvelopeFormatItem`, flattened). */
type Item =
  | { readonly kind: 'begin'; readonly text: string }
  | { readonly kind: 'end'; readonly text: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'separator' };

/** Variant order of the reference's derived `Ord`: begin < end < item < separator. */
const RANK = { begin: 0, end: 1, text: 2, separator: 3 } as const;

function compareItem(a: Item, b: Item): number {
  if (a.kind !== b.kind) return RANK[a.kind] - RANK[b.kind];
  if (a.kind === 'separator' || b.kind === 'separator') return 0;
  // UTF-16 code-unit order, as bc-envelope-ts; Rust compares UTF-8 bytes, which differs only
  // between U+E000–U+FFFF and astral characters (irrelevant to the vectors, cosmetic anyway)
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

function compareItems(a: readonly Item[], b: readonly Item[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = compareItem(a[i] as Item, b[i] as Item);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function items(env: Envelope): Item[] {
  const c = env.case;
  switch (c.type) {
    case 'leaf':
      return [{ kind: 'text', text: summarizeCbor(c.cbor) }];
    case 'knownValue':
      return [{ kind: 'text', text: `'${knownValueName(c.value)}'` }];
    case 'elided':
      return [{ kind: 'text', text: 'ELIDED' }];
    case 'encrypted':
      return [{ kind: 'text', text: 'ENCRYPTED' }];
    case 'compressed':
      return [{ kind: 'text', text: 'COMPRESSED' }];
    case 'wrapped':
      return [{ kind: 'begin', text: '{' }, ...items(c.envelope), { kind: 'end', text: '}' }];
    case 'assertion':
      return [...items(c.predicate), { kind: 'text', text: ': ' }, ...items(c.object)];
    case 'node': {
      const types: Item[][] = [];
      const others: Item[][] = [];
      const obscured = { compressed: 0, elided: 0, encrypted: 0 };
      for (const a of c.assertions) {
        const t = a.case.type;
        if (t === 'elided' || t === 'encrypted' || t === 'compressed') {
          obscured[t] += 1;
          continue;
        }
        (a.asPredicate()?.asKnownValue() === IS_A ? types : others).push(items(a));
      }
      types.sort(compareItems);
      others.sort(compareItems);
      const groups = [...types, ...others];
      // Counted after the others, in the reference's order: compressed, elided, encrypted.
      for (const [name, n] of [
        ['COMPRESSED', obscured.compressed],
        ['ELIDED', obscured.elided],
        ['ENCRYPTED', obscured.encrypted],
      ] as const) {
        if (n > 0) groups.push([{ kind: 'text', text: n > 1 ? `${name} (${n})` : name }]);
      }
      const out: Item[] = [];
      const braces = c.subject.case.type === 'assertion';
      if (braces) out.push({ kind: 'begin', text: '{' });
      out.push(...items(c.subject));
      if (braces) out.push({ kind: 'end', text: '}' });
      out.push({ kind: 'begin', text: '[' });
      groups.forEach((g, i) => {
        if (i > 0) out.push({ kind: 'separator' });
        out.push(...g);
      });
      out.push({ kind: 'end', text: ']' });
      return out;
    }
  }
}

/** One line: `"Alice" [ "knows": "Bob", "knows": "Carol" ]`. */
function layoutFlat(list: readonly Item[]): string {
  let line = '';
  for (const it of list) {
    if (it.kind === 'text') line += it.text;
    else if (it.kind === 'separator') line = `${line.trimEnd()}, `;
    else line += `${line.endsWith(' ') ? '' : ' '}${it.text} `;
  }
  return line;
}

/** Indented, four spaces a level; `} [` joined on one line (the reference's `nicen`). */
function layoutIndented(list: readonly Item[]): string {
  const joined: Item[] = [];
  for (let i = 0; i < list.length; i++) {
    const it = list[i] as Item;
    const next = list[i + 1];
    if (it.kind === 'end' && next?.kind === 'begin') {
      joined.push({ kind: 'end', text: `${it.text} ${next.text}` }, { kind: 'begin', text: '' });
      i += 1;
    } else joined.push(it);
  }
  const lines: string[] = [];
  let level = 0;
  let line = '';
  const pad = () => ' '.repeat(level * 4);
  for (const it of joined) {
    switch (it.kind) {
      case 'begin':
        if (it.text.length > 0) {
          const head = line.length === 0 ? '' : line.endsWith(' ') ? line : `${line} `;
          lines.push(`${pad()}${head}${it.text}\n`);
        }
        level += 1;
        line = '';
        break;
      case 'end':
        if (line.length > 0) lines.push(`${pad()}${line}\n`);
        line = '';
        level -= 1;
        lines.push(`${pad()}${it.text}\n`);
        break;
      case 'text':
        line += it.text;
        break;
      case 'separator':
        if (line.length > 0) lines.push(`${pad()}${line}\n`);
        line = '';
        break;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines.join('');
}

/**
 * Envelope notation, indented (or on one line with `flat`).
 * @example format(Envelope.from('Alice').addAssertion('knows', 'Bob'))
 * // "Alice" [
 * //     "knows": "Bob"
 * // ]
 */
export function format(envelope: Envelope, opts: { flat?: boolean } = {}): string {
  const list = items(envelope);
  return (opts.flat === true ? layoutFlat(list) : layoutIndented(list)).trim();
}

/** Tags with a short summary form (bc-tags names; bc-components `Display`). */
const TAG_DIGEST = 40001n;
const TAG_ARID = 40012n;
const TAG_SIGNATURE = 40020n;
const TAG_UUID = 37n;
const TAG_URI = 32n;
const TAG_SSKR_SHARE = 40309n;
const TAG_SEALED_MESSAGE = 40019n;
const TAG_ENCRYPTED_KEY = 40027n;
const TAG_SALT = 40018n;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A one-line summary of a leaf's CBOR, as the reference's envelope summary: text quoted as is,
 * byte strings as `Bytes(n)`, and a few registered tags by name (`ARID(…)`, `Digest(…)`, `UUID(…)`,
 * `URI(…)`, `Signature(…)`, `SealedMessage`, `EncryptedKey(…)`, `Salt`); any other tag as `tag(content)`.
 */
export function summarizeCbor(item: Cbor): string {
  switch (item.type) {
    case MAJOR.unsigned:
    case MAJOR.negative:
      return String(cborInteger(item));
    case MAJOR.bytes:
      return `Bytes(${item.value.length})`;
    case MAJOR.text:
      return `"${item.value}"`;
    case MAJOR.array:
      return `[${item.value.map(summarizeCbor).join(', ')}]`;
    case MAJOR.map:
      return `{${item.value.entriesArray.map((e) => `${summarizeCbor(e.key)}: ${summarizeCbor(e.value)}`).join(', ')}}`;
    case MAJOR.simple: {
      const s = item.value;
      if (s.type === 'Float') return String(s.value);
      return s.type === 'True' ? 'true' : s.type === 'False' ? 'false' : 'null';
    }
    case MAJOR.tagged:
      return summarizeTagged(BigInt(item.tag), item.value);
  }
}

function summarizeTagged(tag: bigint, content: Cbor): string {
  const bytes = content.type === MAJOR.bytes ? content.value : undefined;
  if (tag === TAG_DIGEST && bytes?.length === 32) return `Digest(${shortDigest(bytes)})`;
  if (tag === TAG_ARID && bytes?.length === 32) return `ARID(${hex(bytes.subarray(0, 4))})`;
  if (tag === TAG_UUID && bytes?.length === 16) {
    const h = hex(bytes);
    return `UUID(${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)})`;
  }
  if (tag === TAG_URI && content.type === MAJOR.text) return `URI(${content.value})`;
  if (tag === TAG_SSKR_SHARE && bytes !== undefined) return 'SSKRShare';
  if (tag === TAG_SALT && bytes !== undefined) return 'Salt';
  if (tag === BigInt(TAG_KNOWN_VALUE) && content.type === MAJOR.unsigned) {
    return `'${knownValueName(BigInt(content.value))}'`;
  }
  if (tag === TAG_SEALED_MESSAGE && content.type === MAJOR.array) return 'SealedMessage';
  if (tag === TAG_ENCRYPTED_KEY) {
    const s = summarizeEncryptedKey(content);
    if (s !== undefined) return s;
  }
  if (tag === TAG_SIGNATURE) {
    // Signature: Schnorr h'64' · ECDSA [1, h'64'] · Ed25519 [2, h'64'] (bc-specs §2.4)
    if (bytes?.length === 64) return 'Signature'; // Schnorr, the default, unnamed as in the reference
    if (content.type === MAJOR.array) {
      const scheme = content.value[0];
      const n = scheme === undefined ? undefined : cborInteger(scheme);
      if (n === 1n) return 'Signature(Ecdsa)';
      if (n === 2n) return 'Signature(Ed25519)';
    }
  }
  return `${tag}(${summarizeCbor(content)})`;
}
