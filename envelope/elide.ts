/**
 * Elision: replace elements by their digests, and put them back (bc-specs §2.11;
 * bc-envelope-rust `src/base/elide.rs` `elide_set_with_action`, `unelide`). Every digest in the
 * tree, the root included, is unchanged by eliding or revealing.
 * @module
 */
import { compressElement } from './compress';
import { assertDigest, digestHex } from './digest';
import { encryptElement } from './encrypt';
import { Envelope } from './envelope';
import { DigestMismatchError } from './errors';

/**
 * How a targeted element is obscured (bc-envelope-rust `ObscureAction`): replaced by its digest
 * (the default), compressed, or encrypted with a 32-byte key. Every digest is unchanged either way.
 */
export type ObscureAction = 'elide' | 'compress' | { readonly encrypt: Uint8Array };

function obscure(env: Envelope, action: ObscureAction): Envelope {
  if (action === 'elide') return env.elide();
  // An element already obscured stays as it is (it cannot be compressed or re-encrypted).
  if (env.case.type === 'elided' || env.case.type === 'encrypted') return env;
  if (action === 'compress') return compressElement(env);
  return encryptElement(env, action.encrypt);
}

/** A set of digests: `Envelope`s, raw 32-byte digests, or lowercase hex strings. */
export type DigestTarget = Iterable<Envelope | Uint8Array | string>;

export function toHexSet(target: DigestTarget): ReadonlySet<string> {
  const set = new Set<string>();
  for (const t of target) {
    if (t instanceof Envelope) set.add(t.digestHex);
    else if (typeof t === 'string') {
      if (!/^[0-9a-f]{64}$/.test(t))
        throw new RangeError('"target" expected 64 lowercase hex digits');
      set.add(t);
    } else {
      assertDigest(t, 'target');
      set.add(digestHex(t));
    }
  }
  return set;
}

/**
 * Walk the tree; an element is elided when `(its digest ∈ target) !== revealing`.
 * Assertions, nodes and wrapped envelopes that stay are rebuilt from their elided parts.
 */
function elideSet(
  env: Envelope,
  target: ReadonlySet<string>,
  revealing: boolean,
  action: ObscureAction,
): Envelope {
  if (target.has(env.digestHex) !== revealing) return obscure(env, action);
  const c = env.case;
  switch (c.type) {
    case 'assertion':
      return Envelope.assertion(
        elideSet(c.predicate, target, revealing, action),
        elideSet(c.object, target, revealing, action),
      );
    case 'node':
      return Envelope.nodeUnchecked(
        elideSet(c.subject, target, revealing, action),
        c.assertions.map((a) => elideSet(a, target, revealing, action)),
      );
    case 'wrapped':
      return Envelope.wrap(elideSet(c.envelope, target, revealing, action));
    default:
      return env;
  }
}

/**
 * Elide (or compress, or encrypt: `action`) every element whose digest is in `target`.
 * @example elideRemoving(alice, [Envelope.from('Bob')]) // "Alice" [ "knows": ELIDED ]
 */
export function elideRemoving(
  envelope: Envelope,
  target: DigestTarget,
  action: ObscureAction = 'elide',
): Envelope {
  return elideSet(envelope, toHexSet(target), false, action);
}

/**
 * Keep only the elements whose digest is in `target`; elide the rest. To reveal a deep element,
 * the target must also hold every element on the path to it (as inclusion proofs do).
 */
export function elideRevealing(
  envelope: Envelope,
  target: DigestTarget,
  action: ObscureAction = 'elide',
): Envelope {
  return elideSet(envelope, toHexSet(target), true, action);
}

/**
 * Restore elided elements from `originals` (matched by digest), anywhere in the tree.
 * The result has the same digest as the input.
 */
export function unelide(envelope: Envelope, originals: Iterable<Envelope>): Envelope {
  const byDigest = new Map<string, Envelope>();
  for (const o of originals) byDigest.set(o.digestHex, o);
  const walk = (env: Envelope): Envelope => {
    const c = env.case;
    switch (c.type) {
      case 'elided': {
        const found = byDigest.get(env.digestHex);
        return found === undefined ? env : walk(found);
      }
      case 'assertion':
        return Envelope.assertion(walk(c.predicate), walk(c.object));
      case 'node':
        return Envelope.nodeUnchecked(walk(c.subject), c.assertions.map(walk));
      case 'wrapped':
        return Envelope.wrap(walk(c.envelope));
      default:
        return env;
    }
  };
  return walk(envelope);
}

/**
 * Put `original` in place of the elided `envelope`; throws unless their digests match.
 * @throws {DigestMismatchError}
 */
export function unelideWith(envelope: Envelope, original: Envelope): Envelope {
  if (!envelope.isEquivalentTo(original)) {
    throw new DigestMismatchError(envelope.digestHex, original.digestHex);
  }
  return original;
}
