/**
 * Signing round 1 (DKLs23 Protocol 3.6 step 1; research/tecdsa.md §2.6 R0, R1): derive this
 * party's additive key share for the signer set and path, sample the instance key r_i and the
 * inversion mask φ_i, commit to R_i towards each peer, and start RVOLE as Bob with each peer.
 * @module
 */
import { assertBytes } from '../assert';
import { add, mul, mulG, type Point, pointToBytes, reduceScalar } from '../curve';
import { derivePath } from '../derivation';
import { TssError } from '../errors';
import { oracle, u32 } from '../hash';
import type { KeyShare } from '../keyshare';
import { lagrangeCoefficient } from '../lagrange';
import { DIGEST_BYTES, SEED_BYTES, SID_BYTES } from '../params';
import { type Rng, randomScalar } from '../rng';
import { TAGS } from '../tags';
import { voleBobStart } from '../vole';
import { zeroShare } from '../zero';
import type { Sign1Direct, SignRequest, SignRound1State } from './types';

/**
 * sigid = H(sid_dkg, signers, path, derived chain code, digest, nonce): binds the signature to
 * the key, the signer set, the derivation and the message (TOB-SILA-9/10).
 */
export function signSessionId(
  share: KeyShare,
  signers: readonly number[],
  path: readonly number[],
  chainCode: Uint8Array,
  digest: Uint8Array,
  sessionNonce: Uint8Array,
): Uint8Array {
  return oracle(
    TAGS.signSid,
    share.dkgSid,
    u32(signers.length),
    ...signers.map(u32),
    u32(path.length),
    ...path.map(u32),
    chainCode,
    digest,
    sessionNonce,
  );
}

/** sid of the RVOLE instance where `alice` multiplies by `bob`'s χ. */
export function multiplicationSid(sigid: Uint8Array, alice: number, bob: number): Uint8Array {
  return oracle(TAGS.signMulSid, sigid, u32(alice), u32(bob));
}

export function nonceCommitmentDigest(
  sigid: Uint8Array,
  from: number,
  to: number,
  bigR: Uint8Array,
  salt: Uint8Array,
): Uint8Array {
  return oracle(TAGS.signCommit, sigid, u32(from), u32(to), bigR, salt);
}

function validateRequest(share: KeyShare, request: SignRequest): readonly number[] {
  const { signers, digest, sessionNonce, path } = request;
  if (!Array.isArray(signers) || signers.length !== share.threshold)
    throw new TssError(
      'InvalidParameters',
      `"signers" expected exactly ${share.threshold} parties`,
    );
  const set = new Set(signers);
  if (set.size !== signers.length)
    throw new TssError('DuplicateParty', '"signers" lists a party twice');
  for (const signer of signers)
    if (!share.parties.includes(signer))
      throw new TssError('UnknownParty', '"signers" includes a party outside the key');
  if (!set.has(share.self))
    throw new TssError('InvalidParameters', '"signers" must include this party');
  assertBytes(digest, DIGEST_BYTES, 'digest');
  assertBytes(sessionNonce, SID_BYTES, 'sessionNonce');
  if (!Array.isArray(path))
    throw new TssError('InvalidParameters', '"path" expected a list of indices');
  const peers = [...signers].filter((p) => p !== share.self).sort((a, b) => a - b);
  for (const peer of peers) {
    const pair = share.pairs.get(peer);
    if (!pair)
      throw new TssError('UnknownParty', '"signers" includes a party we share no state with', peer);
    if (pair.banned)
      throw new TssError(
        'OtStateBanned',
        'the OT state with this party is burned; refresh first',
        peer,
      );
  }
  return peers;
}

export function signRound1(
  share: KeyShare,
  request: SignRequest,
  rng: Rng,
): { state: SignRound1State; direct: Sign1Direct[] } {
  const peers = validateRequest(share, request);
  const self = share.self;
  const signers = [...request.signers].sort((a, b) => a - b);
  const derived = derivePath(share.publicKey, share.chainCode, request.path);
  const sigid = signSessionId(
    share,
    signers,
    request.path,
    derived.chainCode,
    request.digest,
    request.sessionNonce,
  );

  // sk_i = λ_i·(s_i + τ) + ζ_i (§2.6 "Derived share", §2.7 option (a)); Σ_{i∈P} sk_i = sk + τ.
  const zeroSeeds = new Map(
    peers.map((peer) => [peer, share.pairs.get(peer)?.zeroSeed as Uint8Array]),
  );
  const secretKeyShare = add(
    mul(lagrangeCoefficient(self, signers), add(share.secretShare, derived.tweak)),
    zeroShare(sigid, self, zeroSeeds),
  );
  const nonce = randomScalar(rng); // r_i
  const inversionMask = randomScalar(rng); // φ_i
  const nonceCommitment = mulG(nonce); // R_i
  const bigRBytes = pointToBytes(nonceCommitment);

  const salts = new Map<number, Uint8Array>();
  const bob = new Map<number, { state: ReturnType<typeof voleBobStart>['state']; chi: bigint }>();
  const direct: Sign1Direct[] = peers.map((peer) => {
    const salt = rng(SEED_BYTES);
    salts.set(peer, salt);
    const pair = share.pairs.get(peer) as NonNullable<ReturnType<typeof share.pairs.get>>;
    // "Start RVOLE as Bob in the instance where j is Alice": fixes χ_{i,j} = b.
    const { state, b, message } = voleBobStart(
      pair.oteReceiver,
      multiplicationSid(sigid, peer, self),
      rng,
    );
    bob.set(peer, { state, chi: b });
    return {
      sigid,
      from: self,
      to: peer,
      commitment: nonceCommitmentDigest(sigid, self, peer, bigRBytes, salt),
      ote: message,
    };
  });

  const state: SignRound1State = {
    phase: 'sign/round1',
    share,
    self,
    signers,
    peers,
    sigid,
    message: reduceScalar(request.digest),
    digest: request.digest.slice(),
    derivedPublicKey: derived.publicKey as Point,
    secretKeyShare,
    publicShare: mulG(secretKeyShare),
    nonce,
    inversionMask,
    nonceCommitment,
    salts,
    bob,
  };
  return { state, direct };
}
