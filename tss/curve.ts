/**
 * secp256k1 for `tss/`: the point type, scalar arithmetic mod n, and canonical encodings.
 * Secret scalars are multiplied with `multiply` (constant-time, blinded), never `multiplyUnsafe`;
 * `mulPublic` (variable-time) is only for scalars whose leak cannot help anyone.
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';

export const Point = secp256k1.Point;
export type Point = InstanceType<typeof secp256k1.Point>;

/** The group order n. */
export const N: bigint = Point.Fn.ORDER;
export const G: Point = Point.BASE;
export const IDENTITY: Point = Point.ZERO;

export function mod(a: bigint): bigint {
  const r = a % N;
  return r < 0n ? r + N : r;
}
export const add = (a: bigint, b: bigint): bigint => mod(a + b);
export const sub = (a: bigint, b: bigint): bigint => mod(a - b);
export const mul = (a: bigint, b: bigint): bigint => mod(a * b);
export const neg = (a: bigint): bigint => mod(-a);

/** a⁻¹ mod n; throws RangeError on 0, which callers must rule out first. */
export function inv(a: bigint): bigint {
  if (mod(a) === 0n) throw new RangeError('cannot invert zero');
  return Point.Fn.inv(mod(a));
}

/** s·G for a secret s; 0 gives the identity (noble's `multiply` refuses 0). */
export function mulG(s: bigint): Point {
  const k = mod(s);
  return k === 0n ? IDENTITY : G.multiply(k);
}

/** s·P for a secret s; 0 gives the identity. */
export function mulPoint(point: Point, s: bigint): Point {
  const k = mod(s);
  return k === 0n || point.is0() ? IDENTITY : point.multiply(k);
}

/**
 * s·P for a scalar s that is **not secret** (variable-time `multiplyUnsafe`, ~2.5× faster than
 * {@link mulPoint}); 0 gives the identity. Each caller argues why its scalar may leak.
 */
export function mulPublic(point: Point, s: bigint): Point {
  const k = mod(s);
  return k === 0n || point.is0() ? IDENTITY : point.multiplyUnsafe(k);
}

/** Big-endian bytes reduced mod n (for hash outputs; not for decoding peer scalars). */
export function reduceScalar(bytes: Uint8Array): bigint {
  return mod(bytesToNumberBE(bytes));
}

/** The canonical 32-byte big-endian encoding of a scalar. */
export function scalarToBytes(s: bigint): Uint8Array {
  return numberToBytesBE(mod(s), 32);
}

/** The 33-byte SEC1 compressed encoding. The identity has no encoding here. */
export function pointToBytes(point: Point): Uint8Array {
  return point.toBytes(true);
}

/** Σ points (identity for none). */
export function sumPoints(points: Iterable<Point>): Point {
  let acc = IDENTITY;
  for (const p of points) acc = acc.add(p);
  return acc;
}

/** Σ scalars mod n. */
export function sumScalars(values: Iterable<bigint>): bigint {
  let acc = 0n;
  for (const v of values) acc += v;
  return mod(acc);
}
