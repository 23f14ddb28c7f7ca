/**
 * Inclusion proofs (bc-specs §2.11; bc-envelope-rust `extension/proof.rs`): the holder of an
 * envelope shows that it contains some elements without showing anything else. The proof is the
 * envelope with everything elided but the path from the root to each target, and the targets
 * themselves elided too: its root digest is the envelope's, and it carries each target's digest.
 * A verifier who knows only the root digest (e.g. signed, or stored) checks it.
 * Salt the envelope (`addSalt`) when an elided sibling could be guessed by hashing candidates.
 * @module
 */
import { assertDigest, digestHex } from './digest';
import { type DigestTarget, elideRemoving, elideRevealing, toHexSet } from './elide';
import { Envelope } from './envelope';

/** Digests on the paths from `env` to each element of `target`, root included. */
function revealSets(
  env: Envelope,
  target: ReadonlySet<string>,
  current: readonly string[],
  result: Set<string>,
): void {
  const path = [...current, env.digestHex];
  if (target.has(env.digestHex)) for (const d of path) result.add(d);
  const c = env.case;
  switch (c.type) {
    case 'node':
      revealSets(c.subject, target, path, result);
      for (const a of c.assertions) revealSets(a, target, path, result);
      return;
    case 'wrapped':
      revealSets(c.envelope, target, path, result);
      return;
    case 'assertion':
      revealSets(c.predicate, target, path, result);
      revealSets(c.object, target, path, result);
      return;
    default:
      return;
  }
}

/** Remove from `target` every digest found in the tree of `env`. */
function removeAllFound(env: Envelope, target: Set<string>): void {
  target.delete(env.digestHex);
  if (target.size === 0) return;
  const c = env.case;
  switch (c.type) {
    case 'node':
      removeAllFound(c.subject, target);
      for (const a of c.assertions) removeAllFound(a, target);
      return;
    case 'wrapped':
      removeAllFound(c.envelope, target);
      return;
    case 'assertion':
      removeAllFound(c.predicate, target);
      removeAllFound(c.object, target);
      return;
    default:
      return;
  }
}

/**
 * A proof that `envelope` contains every element of `target` (the reference's
 * `proof_contains_set`), or `undefined` if one of them is not in it (or not reachable: inside
 * an elided, encrypted or compressed element).
 */
export function proofContainsSet(envelope: Envelope, target: DigestTarget): Envelope | undefined {
  const set = toHexSet(target);
  const reveal = new Set<string>();
  revealSets(envelope, set, [], reveal);
  for (const d of set) if (!reveal.has(d)) return undefined;
  return elideRemoving(elideRevealing(envelope, reveal), set);
}

/** `proofContainsSet` for one element (`proof_contains_target`). */
export function proofContainsTarget(
  envelope: Envelope,
  target: Envelope | Uint8Array | string,
): Envelope | undefined {
  return proofContainsSet(envelope, [target]);
}

function rootHex(root: Envelope | Uint8Array | string): string {
  if (root instanceof Envelope) return root.digestHex;
  if (typeof root === 'string') {
    if (!/^[0-9a-f]{64}$/.test(root))
      throw new RangeError('"root" expected 64 lowercase hex digits');
    return root;
  }
  assertDigest(root, 'root');
  return digestHex(root);
}

/**
 * Whether `proof` proves that the envelope with root digest `root` (an envelope, or its digest
 * as 32 bytes or hex) contains every element of `target` (`confirm_contains_set`).
 */
export function confirmContainsSet(
  root: Envelope | Uint8Array | string,
  target: DigestTarget,
  proof: Envelope,
): boolean {
  if (!(proof instanceof Envelope)) throw new TypeError('"proof" expected Envelope');
  if (rootHex(root) !== proof.digestHex) return false;
  const remaining = new Set(toHexSet(target));
  removeAllFound(proof, remaining);
  return remaining.size === 0;
}

/** `confirmContainsSet` for one element (`confirm_contains_target`). */
export function confirmContainsTarget(
  root: Envelope | Uint8Array | string,
  target: Envelope | Uint8Array | string,
  proof: Envelope,
): boolean {
  return confirmContainsSet(root, [target], proof);
}
