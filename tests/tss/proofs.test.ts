/**
 * Schnorr proofs of knowledge of a discrete log (tss/proofs.ts; research/tecdsa.md §2.2 R2, R4).
 */
import { describe, expect, it } from 'vitest';
import { G, mod, mulG, N, type Point, pointToBytes, scalarToBytes } from '../../tss/curve';
import type { TssError } from '../../tss/errors';
import { u32 } from '../../tss/hash';
import { type DlogProof, proveDlog, verifyDlog } from '../../tss/proofs';
import { randomScalar } from '../../tss/rng';
import { TAGS, type Tag } from '../../tss/tags';
import { expectTssError } from './support/errors';
import { seededRng } from './support/rng';

const rng = seededRng('proofs');
const sid = new Uint8Array(32).fill(9);
const context = [u32(2), u32(1)];
const secret = randomScalar(rng);
const X = mulG(secret);
const proof = proveDlog(TAGS.dkgPok, sid, context, secret, rng);
const PEER = 3;
const FIELD = 'dkg2.proofs[1]';

function verify(overrides: {
  tag?: Tag;
  sid?: Uint8Array;
  context?: Uint8Array[];
  point?: Point;
  proof?: unknown;
}): void {
  verifyDlog(
    overrides.tag ?? TAGS.dkgPok,
    overrides.sid ?? sid,
    overrides.context ?? context,
    overrides.point ?? X,
    'proof' in overrides ? overrides.proof : proof,
    PEER,
    FIELD,
  );
}

describe('proveDlog / verifyDlog', () => {
  it('an honest proof verifies, has the wire sizes, and is deterministic under a seeded rng', () => {
    expect(proof.commitment).toHaveLength(33);
    expect(proof.response).toHaveLength(32);
    expect(() => verify({})).not.toThrow();
    const again = proveDlog(TAGS.dkgConfirm, sid, [], secret, seededRng('proofs/det'));
    expect(proveDlog(TAGS.dkgConfirm, sid, [], secret, seededRng('proofs/det'))).toEqual(again);
    expect(() => verifyDlog(TAGS.dkgConfirm, sid, [], X, again, PEER, FIELD)).not.toThrow();
  });

  it('binds the tag, the session id, the context (content and order) and the point', () => {
    expectTssError(() => verify({ tag: TAGS.dkgConfirm }), 'InvalidProof', PEER);
    expectTssError(() => verify({ sid: new Uint8Array(32).fill(8) }), 'InvalidProof', PEER);
    expectTssError(() => verify({ context: [u32(2), u32(2)] }), 'InvalidProof', PEER);
    expectTssError(() => verify({ context: [u32(1), u32(2)] }), 'InvalidProof', PEER);
    expectTssError(() => verify({ context: [u32(2)] }), 'InvalidProof', PEER);
    expectTssError(() => verify({ point: X.add(G) }), 'InvalidProof', PEER);
  });

  it('fires InvalidProof on a tampered response or commitment and names the field', () => {
    const z = BigInt(`0x${Buffer.from(proof.response).toString('hex')}`);
    const tamperedResponse = { ...proof, response: scalarToBytes(mod(z + 1n)) };
    const error = expectTssError(() => verify({ proof: tamperedResponse }), 'InvalidProof', PEER);
    expect(error.shortMessage).toContain(FIELD);
    const otherK = { ...proof, commitment: pointToBytes(mulG(5n)) };
    expectTssError(() => verify({ proof: otherK }), 'InvalidProof', PEER);
    // z = 0 is a valid encoding; the equation rejects it.
    expectTssError(
      () => verify({ proof: { ...proof, response: new Uint8Array(32) } }),
      'InvalidProof',
      PEER,
    );
  });

  it('refuses a forgery that knows only X: K = z·G − e·X needs e before K', () => {
    // Pick z, then K = z·G − e'·X for a guessed e'; the real e differs, so it fails.
    const forged: DlogProof = {
      commitment: pointToBytes(mulG(7n).subtract(X.multiply(11n))),
      response: scalarToBytes(7n),
    };
    expectTssError(() => verify({ proof: forged }), 'InvalidProof', PEER);
  });

  it('validates the encoding: object, exact lengths, on-curve commitment, canonical response', () => {
    const cases: [unknown, TssError['code'], string][] = [
      [null, 'MalformedMessage', FIELD],
      [[proof.commitment, proof.response], 'MalformedMessage', FIELD],
      ['proof', 'MalformedMessage', FIELD],
      [{ response: proof.response }, 'MalformedMessage', `${FIELD}.commitment`],
      [
        { ...proof, commitment: proof.commitment.subarray(0, 32) },
        'WrongLength',
        `${FIELD}.commitment`,
      ],
      [{ ...proof, commitment: new Uint8Array(33) }, 'InvalidPoint', `${FIELD}.commitment`],
      [
        { ...proof, commitment: new Uint8Array(33).fill(0xff) },
        'InvalidPoint',
        `${FIELD}.commitment`,
      ],
      [
        { ...proof, commitment: Uint8Array.of(5, ...proof.commitment.subarray(1)) },
        'InvalidPoint',
        `${FIELD}.commitment`,
      ],
      [{ commitment: proof.commitment }, 'MalformedMessage', `${FIELD}.response`],
      [{ ...proof, response: new Uint8Array(33) }, 'WrongLength', `${FIELD}.response`],
      [
        { ...proof, response: scalarToBytes(N - 1n).fill(0xff) },
        'InvalidScalar',
        `${FIELD}.response`,
      ],
    ];
    for (const [bad, code, field] of cases) {
      const error = expectTssError(() => verify({ proof: bad }), code, PEER);
      expect(error.shortMessage).toContain(`"${field}"`);
    }
  });

  it('refuses to verify a proof for the identity (culprit named) or a non-point', () => {
    expectTssError(() => verify({ point: X.subtract(X) }), 'InvalidPoint', PEER);
    expectTssError(() => verify({ point: 'X' as unknown as Point }), 'InvalidParameters');
  });

  it('validates the local inputs of both functions', () => {
    const prove = (args: {
      tag?: unknown;
      sid?: unknown;
      context?: unknown;
      secret?: unknown;
      rng?: unknown;
    }) =>
      proveDlog(
        (args.tag ?? TAGS.dkgPok) as Tag,
        (args.sid ?? sid) as Uint8Array,
        (args.context ?? context) as Uint8Array[],
        (args.secret ?? secret) as bigint,
        (args.rng ?? rng) as typeof rng,
      );
    expectTssError(() => prove({ secret: 0n }), 'InvalidParameters');
    expectTssError(() => prove({ secret: N }), 'InvalidParameters');
    expectTssError(() => prove({ secret: 1 }), 'InvalidParameters');
    expectTssError(() => prove({ tag: 'ckm/dkls23/v1/unknown' }), 'InvalidParameters');
    expectTssError(() => prove({ sid: new Uint8Array(31) }), 'InvalidParameters');
    expectTssError(() => prove({ context: ['a'] }), 'InvalidParameters');
    expectTssError(() => prove({ context: u32(1) }), 'InvalidParameters');
    expectTssError(() => prove({ rng: 'rng' }), 'InvalidParameters');
    expectTssError(() => verify({ tag: 'nope' as Tag }), 'InvalidParameters');
    expectTssError(() => verify({ sid: new Uint8Array(33) }), 'InvalidParameters');
  });
});
