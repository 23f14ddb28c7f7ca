/**
 * The identity flows over a `CkmWallet` (docs/identity.md): each signature is a threshold session
 * with one server over the `envelope` sign payload, which both parties parse and check against
 * the wallet's key at the path before signing.
 *
 *   createIdentity(wallet)                  the inception document, signed by the root key
 *   rotateOnRefresh(wallet, chain)          record signed by the shares before, refresh, signed by
 *                                           the shares after; new document (next key version)
 *   rotateOnReshare(wallet, chain, …)       the same around a server replacement
 *   rotateOnMigration(from, chain, to, …)   record signed by the old wallet's key and by the new
 *                                           wallet's key at `path`; new document by the new key
 *
 * The caller (the extension) stores the chain. A refresh or re-share is not undone by a failed
 * signature: `onPending` hands over the half-signed record and the new document before the key
 * changes, and `finishRotation` completes them once the wallet holds the new version, so a crash
 * between the two halves loses nothing.
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex } from 'viem';
import type { Envelope } from '../../envelope/envelope';
import { derivePath } from '../../tss/derivation';
import { publicKeyToAddress } from '../../tss/ethereum';
import { bytesEqual } from '../bytes';
import { CkmError } from '../errors';
import type { PartyIdentity } from '../identity';
import { parseSignPayload } from '../payload';
import { assertEnvelopeSigner } from '../payload/envelope';
import {
  appendRotation,
  attachEcdsaSignature,
  type Cosigner,
  envelopeSigningDigest,
  type IdentityChain,
  IdentityError,
  identityDocumentBody,
  inceptionChain,
  nextRotationBody,
  parseIdentityDocumentBody,
  parseRotationRecordBody,
  type RotationReason,
  signedParts,
  verifyIdentityChain,
  walletXid,
} from '../wallet-identity';
import type { CkmWallet } from './wallet';

export type IdentityFlowOptions = {
  readonly signal?: AbortSignal;
  /** Epoch seconds for `'date'`; the clock by default (tests pin it). */
  readonly now?: () => number;
};

/** A rotation whose record the old key has signed, waiting for the key change. */
export type PendingRotation = {
  /** `{ record } [ 'signed': old key ]`. */
  readonly record: Envelope;
  /** The new document, unsigned. */
  readonly document: Envelope;
};

export type RotationOptions = IdentityFlowOptions & {
  /** Persist this before the key changes, to `finishRotation` after a crash. */
  readonly onPending?: (pending: PendingRotation) => Promise<void> | void;
};

function nowSeconds(options: IdentityFlowOptions): number {
  return options.now ? options.now() : Math.floor(Date.now() / 1000);
}

/** The wallet's public key at `path` (compressed). */
function keyAt(wallet: CkmWallet, path: readonly number[]): Uint8Array {
  const { share } = wallet.state;
  return derivePath(share.publicKey, share.chainCode, path).publicKey.toBytes(true);
}

function cosignersOf(wallet: CkmWallet): Cosigner[] {
  return wallet.state.config.parties
    .filter((p) => p.role === 'server')
    .map((p) => ({ name: p.name, identityKey: p.identity.signingKey }));
}

function documentOf(
  wallet: CkmWallet,
  args: {
    xid: Uint8Array;
    path: readonly number[];
    keyVersion: number;
    date: number;
    cosigners?: Cosigner[];
  },
): Envelope {
  const key = keyAt(wallet, args.path);
  return identityDocumentBody({
    xid: args.xid,
    key,
    address: publicKeyToAddress(secp256k1.Point.fromBytes(key)),
    keyVersion: args.keyVersion,
    cosigners: args.cosigners ?? cosignersOf(wallet),
    path: args.path,
    date: args.date,
  });
}

/**
 * Signs `bodyOrSigned`'s body with the wallet's key at `path` (one threshold session) and
 * attaches the signature. The device makes the servers' checks first, so a mistake is refused
 * here, not by a server.
 */
async function thresholdSign(
  wallet: CkmWallet,
  bodyOrSigned: Envelope,
  path: readonly number[],
  options: IdentityFlowOptions,
): Promise<Envelope> {
  const body =
    bodyOrSigned.subject().case.type === 'wrapped' ? bodyOrSigned.unwrap() : bodyOrSigned;
  const key = keyAt(wallet, path);
  const payload = parseSignPayload({ kind: 'envelope', envelope: bytesToHex(body.toBytes()) });
  if (payload.kind !== 'envelope') throw new CkmError('InvalidPayload', 'not an envelope payload');
  assertEnvelopeSigner(payload, key);
  const result = await wallet.sign({
    payload,
    path,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!bytesEqual(result.digest, envelopeSigningDigest(body)))
    throw new CkmError('ProtocolAborted', 'the signature is over another digest');
  return attachEcdsaSignature(bodyOrSigned, result.signature, key);
}

/** The identity's current key must be this wallet's key at the document's path. */
function assertCurrentKey(wallet: CkmWallet, chain: IdentityChain) {
  const summary = verifyIdentityChain(chain);
  const { current } = summary;
  if (!bytesEqual(keyAt(wallet, current.path), current.key))
    throw new CkmError('InvalidParameters', "the identity's current key is not this wallet's key");
  return summary;
}

/**
 * Starts the identity of a wallet: the inception document for its root key (the XID is that
 * key's), signed by it.
 */
export async function createIdentity(
  wallet: CkmWallet,
  options: IdentityFlowOptions = {},
): Promise<IdentityChain> {
  const xid = walletXid(keyAt(wallet, []));
  const body = documentOf(wallet, {
    xid,
    path: [],
    keyVersion: wallet.state.version,
    date: nowSeconds(options),
  });
  return inceptionChain(await thresholdSign(wallet, body, [], options));
}

/**
 * The second half of a same-key rotation: once the wallet holds the new key version, sign the
 * record again and the new document, and append both.
 * @throws IdentityError `ChainBroken` if the record does not follow `chain`; CkmError
 * `InvalidParameters` if the wallet is not at the new document's key version.
 */
export async function finishRotation(
  wallet: CkmWallet,
  chain: IdentityChain,
  pending: PendingRotation,
  options: IdentityFlowOptions = {},
): Promise<IdentityChain> {
  const doc = parseIdentityDocumentBody(pending.document);
  const { body } = signedParts(pending.record, 'pending');
  const { reason, date } = parseRotationRecordBody(body, 'pending');
  const expected = nextRotationBody(chain, { reason, newDocument: pending.document, date });
  if (!expected.isEquivalentTo(body))
    throw new IdentityError('ChainBroken', 'pending', 'the rotation does not follow this chain');
  if (wallet.state.version !== doc.keyVersion)
    throw new CkmError(
      'InvalidParameters',
      `the wallet is at key version ${wallet.state.version}, the new document at ${doc.keyVersion}`,
    );
  const record = await thresholdSign(wallet, pending.record, doc.path, options);
  const document = await thresholdSign(wallet, pending.document, doc.path, options);
  return appendRotation(chain, record, document);
}

async function rotateAround(
  wallet: CkmWallet,
  chain: IdentityChain,
  args: { reason: RotationReason; cosigners?: Cosigner[] },
  change: () => Promise<void>,
  options: RotationOptions,
): Promise<IdentityChain> {
  const { xid, current } = assertCurrentKey(wallet, chain);
  const date = Math.max(nowSeconds(options), current.date);
  const document = documentOf(wallet, {
    xid,
    path: current.path,
    keyVersion: wallet.state.version + 1,
    date,
    ...(args.cosigners ? { cosigners: args.cosigners } : {}),
  });
  const body = nextRotationBody(chain, { reason: args.reason, newDocument: document, date });
  const pending = { record: await thresholdSign(wallet, body, current.path, options), document };
  await options.onPending?.(pending);
  await change();
  return finishRotation(wallet, chain, pending, options);
}

/**
 * Refreshes the wallet's shares with a rotation record signed before and after (same public
 * key: a verifier sees two signatures by one key, docs/identity.md). `reason: 'restore'` for the
 * refresh right after a restore from backup.
 */
export async function rotateOnRefresh(
  wallet: CkmWallet,
  chain: IdentityChain,
  options: RotationOptions & { reason?: 'refresh' | 'restore' } = {},
): Promise<IdentityChain> {
  return rotateAround(
    wallet,
    chain,
    { reason: options.reason ?? 'refresh' },
    () => wallet.refresh(options.signal ? { signal: options.signal } : {}),
    options,
  );
}

/**
 * Replaces server `replace` by the server at `url` (`CkmWallet.reshare`) with a rotation record.
 * `newcomer` is the new server's name and identity as it presented them (the caller probed them to
 * pin it): the new document lists it, and the re-share must enroll exactly that identity.
 */
export async function rotateOnReshare(
  wallet: CkmWallet,
  chain: IdentityChain,
  args: { replace: number; url: string; pinned?: PartyIdentity; newcomer: Cosigner },
  options: RotationOptions = {},
): Promise<IdentityChain> {
  const replaced = wallet.state.config.parties.find((p) => p.index === args.replace);
  if (replaced?.role !== 'server')
    throw new CkmError('InvalidParameters', `party ${args.replace} is not a server`);
  const cosigners = [
    ...cosignersOf(wallet).filter((c) => !bytesEqual(c.identityKey, replaced.identity.signingKey)),
    args.newcomer,
  ];
  return rotateAround(
    wallet,
    chain,
    { reason: 'reshare', cosigners },
    async () => {
      await wallet.reshare({
        replace: args.replace,
        url: args.url,
        ...(args.pinned ? { pinned: args.pinned } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const enrolled = wallet.state.config.parties.find(
        (p) => p.role === 'server' && bytesEqual(p.identity.signingKey, args.newcomer.identityKey),
      );
      if (enrolled?.name !== args.newcomer.name)
        throw new CkmError(
          'IdentityChanged',
          'the new server enrolled with another name or key than the identity document lists',
        );
    },
    options,
  );
}

/**
 * Moves the identity from `from` (e.g. an imported key) to `to`'s key at `path` (e.g. a fresh
 * DKG account m/i): the record is signed by both keys, the new document by the new one.
 */
export async function rotateOnMigration(
  from: CkmWallet,
  chain: IdentityChain,
  to: CkmWallet,
  args: { path: readonly number[] },
  options: IdentityFlowOptions = {},
): Promise<IdentityChain> {
  const { xid, current } = assertCurrentKey(from, chain);
  const date = Math.max(nowSeconds(options), current.date);
  const document = documentOf(to, {
    xid,
    path: args.path,
    keyVersion: to.state.version,
    date,
  });
  const body = nextRotationBody(chain, { reason: 'migration', newDocument: document, date });
  const byOld = await thresholdSign(from, body, current.path, options);
  const record = await thresholdSign(to, byOld, args.path, options);
  return appendRotation(chain, record, await thresholdSign(to, document, args.path, options));
}
