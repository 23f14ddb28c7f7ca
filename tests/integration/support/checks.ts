/**
 * What the integration tests check about wallets on real servers: signatures recover the wallet's
 * address (viem), a failure reaches the caller as a typed CkmError, and every server holds exactly
 * one live key version, the one the device uses ("no two different key versions are both live").
 */
import { recoverAddress, serializeSignature } from 'viem';
import type { WalletStatus } from '../../../ckm/api';
import { ServerConnection } from '../../../ckm/client/connection';
import type { Transport } from '../../../ckm/client/transport';
import { CkmError, type CkmErrorCode } from '../../../ckm/errors';
import type { PartyKeys } from '../../../ckm/identity';
import type { ThresholdSignature } from '../../../tss/index';

/** A 1 ETH EIP-1559 transfer on chain 31337 with the given nonce. */
export const transfer = (nonce: number) => ({
  kind: 'transaction' as const,
  chainId: 31337,
  transaction: {
    type: 'eip1559' as const,
    chainId: 31337,
    nonce: `0x${nonce.toString(16)}` as `0x${string}`,
    gas: '0x5208' as const,
    maxFeePerGas: '0x3b9aca00' as const,
    maxPriorityFeePerGas: '0x3b9aca00' as const,
    to: '0x70997970C51812Dc3A010c7D01B50E20D17Dc79C' as const,
    value: '0xde0b6b3a7640000' as const,
  },
});

/** The address that produced `signature` over `digest`. */
export async function recovered(signature: ThresholdSignature, digest: Uint8Array) {
  return recoverAddress({
    hash: `0x${Buffer.from(digest).toString('hex')}`,
    signature: serializeSignature({
      r: `0x${signature.r.toString(16).padStart(64, '0')}`,
      s: `0x${signature.s.toString(16).padStart(64, '0')}`,
      yParity: signature.recovery & 1,
    }),
  });
}

/** Awaits a call that must fail; returns its error. */
export async function rejection(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** The reason `error` is not a CkmError with one of `codes`, or undefined if it is. */
export function typedErrorProblem(
  error: unknown,
  codes: readonly CkmErrorCode[],
): string | undefined {
  if (!(error instanceof CkmError)) return `not a CkmError: ${String(error)}`;
  if (!codes.includes(error.code)) return `code ${error.code}, expected ${codes.join('|')}`;
  return undefined;
}

/**
 * What is wrong with the servers' key versions, given that the device uses `version`: each server
 * must list exactly that version, active, and nothing else. Empty when all is well.
 */
export function liveVersionProblems(
  statuses: ReadonlyMap<string, WalletStatus>,
  version: number,
): string[] {
  const problems: string[] = [];
  for (const [server, status] of statuses) {
    const active = status.keys.filter((k) => k.status === 'active').map((k) => k.version);
    if (active.length !== 1) problems.push(`${server}: ${active.length} active versions`);
    else if (active[0] !== version) problems.push(`${server}: version ${active[0]} is active`);
    const others = status.keys.filter((k) => k.version !== version);
    if (others.length > 0)
      problems.push(`${server}: also holds ${others.map((k) => `${k.version}/${k.status}`)}`);
  }
  return problems;
}

/** Each server's view of the wallet, by URL. */
export async function statuses(
  urls: readonly string[],
  transport: Transport,
  deviceKeys: PartyKeys,
  walletId: string,
): Promise<Map<string, WalletStatus>> {
  const entries = await Promise.all(
    urls.map(
      async (url) =>
        [url, await new ServerConnection(url, transport).status(deviceKeys, walletId)] as const,
    ),
  );
  return new Map(entries);
}
