/**
 * Message signing: `personal_sign` (EIP-191), `eth_signTypedData` v1, v3 and v4 (EIP-712), and
 * `personal_ecRecover`. Each signature needs the user's approval and is a threshold signature
 * (`services/signer.ts`). `eth_sign` (a bare hash) is refused outright, as MetaMask and Rabby do,
 * and `eth_signTransaction` with MetaMask's -32004.
 * @module
 */
import { providerErrors, rpcErrors } from '@metamask/rpc-errors';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { type Hex, hashMessage, hexToBytes, isHex, stringToHex } from 'viem';
import { CkmError } from '../../../ckm/errors';
import { parseSignPayload } from '../../../ckm/payload';
import type {
  MessageSignPayload,
  TypedDataSignPayload,
  TypedDataV1SignPayload,
} from '../../../ckm/payload/types';
import { PAYLOAD_LIMITS } from '../../../ckm/payload/types';
import { publicKeyToAddress } from '../../../tss/index';
import type { ChainView } from '../../approvals-api';
import { describeMessage, describeTypedData } from '../../decode/index';
import { chainWarnings, typedDataParties, withWarnings } from '../../safety/chain-warnings';
import type { MethodTable, Services } from '../types';
import { ensureUnlocked, permittedAccount } from './access';

const invalid = (message: string) => rpcErrors.invalidParams({ message });

/**
 * The address that signed `message` (EIP-191) with the 65-byte `signature` r ‖ s ‖ v, lower-case.
 * noble is imported statically: viem's recover functions import it dynamically, and a service
 * worker may not `import()`.
 */
export function ecRecover(message: Hex, signature: Hex): `0x${string}` {
  const bytes = hexToBytes(signature);
  const v = bytes[64] as number;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) throw new RangeError('bad recovery byte');
  const point = secp256k1.Signature.fromBytes(bytes.subarray(0, 64), 'compact')
    .addRecoveryBit(recovery)
    .recoverPublicKey(hexToBytes(hashMessage({ raw: message })));
  return publicKeyToAddress(point).toLowerCase() as `0x${string}`;
}

/** `personal_sign`'s message: hex bytes as they are, any other string as its UTF-8 bytes. */
export function messageBytes(message: unknown): Hex {
  if (typeof message !== 'string') throw invalid('personal_sign: the message must be a string.');
  const hex =
    isHex(message, { strict: true }) && message.length % 2 === 0 ? message : stringToHex(message);
  if ((hex.length - 2) / 2 > PAYLOAD_LIMITS.messageBytes)
    throw invalid(
      `personal_sign: the message is larger than ${PAYLOAD_LIMITS.messageBytes} bytes.`,
    );
  return hex.toLowerCase() as Hex;
}

export function chainView(chainId: number, services: Services): ChainView {
  const network = services.networks.get(chainId);
  return {
    chainId,
    name: network?.name ?? `Chain ${chainId}`,
    symbol: network?.nativeCurrency.symbol ?? 'ETH',
  };
}

/** A payload error from `ckm/` becomes -32602 with its reason. */
function parsed<T>(value: unknown): T {
  try {
    return parseSignPayload(value) as T;
  } catch (error) {
    if (error instanceof CkmError) throw invalid(error.shortMessage);
    throw error;
  }
}

/** Typed data as a dApp sends it: an object, or JSON text of one (at most 1 MB). */
function typedDataParam(data: unknown): { typedData: unknown; json: string } {
  if (typeof data !== 'string') return { typedData: data, json: JSON.stringify(data) ?? '' };
  if (data.length > 1_000_000) throw invalid('The typed data is too large.');
  try {
    return { typedData: JSON.parse(data), json: data };
  } catch {
    throw invalid('The typed data is not valid JSON.');
  }
}

/**
 * `eth_signTypedData_v3` / `_v4` (`[address, typedData]`, EIP-712) and legacy `eth_signTypedData`
 * (v1: MetaMask's `[typedData, address]`, an array of `{ type, name, value }` digested as
 * eth-sig-util's `typedSignatureHash`, `ckm/payload/typedDataV1.ts`; it has no domain, so no
 * chain to check).
 */
async function signTypedData(
  version: 'v1' | 'v3' | 'v4',
  params: unknown,
  origin: string,
  services: Services,
): Promise<Hex> {
  const method = version === 'v1' ? 'eth_signTypedData' : `eth_signTypedData_${version}`;
  if (!Array.isArray(params) || params.length < 2)
    throw invalid(
      `${method} expects ${version === 'v1' ? '[typedData, address]' : '[address, typedData]'}.`,
    );
  const [address, data] = version === 'v1' ? [params[1], params[0]] : params;
  const { typedData, json } = typedDataParam(data);
  const account = permittedAccount(origin, address, services);
  const payload = parsed<TypedDataSignPayload | TypedDataV1SignPayload>({
    kind: version === 'v1' ? 'typedDataV1' : 'typedData',
    typedData,
  });
  const chainId = services.networks.chainOf(origin).chainId;
  const domainChain = payload.kind === 'typedData' ? payload.typedData.domain.chainId : undefined;
  if (domainChain !== undefined && Number(domainChain) !== chainId)
    throw invalid(
      `The typed data is for chain ${domainChain}, but this site is on chain ${chainId}.`,
    );
  await ensureUnlocked(origin, services);
  const insight = describeTypedData(json, version, origin, { chainId });
  // A Permit's or Permit2's spender without code is a person (spender-is-eoa); never throws.
  const chained =
    payload.kind === 'typedData'
      ? await chainWarnings({
          rpc: (method, params) => services.networks.request(chainId, method, params),
          chainId,
          ...typedDataParties(payload.typedData, insight),
          now: Date.now(),
        })
      : [];
  return services.approvals.requestAndRun(
    origin,
    {
      kind: 'typedData',
      account: account.address,
      chain: chainView(chainId, services),
      version,
      json,
      insight: withWarnings(insight, chained),
    },
    () => services.signer.signTypedData(account, payload),
  );
}

export const signMethods = {
  personal_sign: {
    policy: 'connected',
    handle: async ({ params }, { origin }, services) => {
      if (!Array.isArray(params) || params.length < 2)
        throw invalid('personal_sign expects [message, address].');
      const message = messageBytes(params[0]);
      const account = permittedAccount(origin, params[1], services);
      const payload = parsed<MessageSignPayload>({ kind: 'message', message });
      await ensureUnlocked(origin, services);
      const chainId = services.networks.chainOf(origin).chainId;
      return services.approvals.requestAndRun(
        origin,
        {
          kind: 'message',
          account: account.address,
          chain: chainView(chainId, services),
          message,
          insight: describeMessage(message, origin, { account: account.address, chainId }),
        },
        () => services.signer.signMessage(account, payload),
      );
    },
  },
  /** Public: recovers the signer of a `personal_sign` signature; no key involved. */
  personal_ecRecover: {
    policy: 'public',
    handle: async ({ params }) => {
      if (!Array.isArray(params) || params.length < 2)
        throw invalid('personal_ecRecover expects [message, signature].');
      const message = messageBytes(params[0]);
      const signature = params[1];
      if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature))
        throw invalid('personal_ecRecover: the signature must be 65 bytes of hex.');
      try {
        return ecRecover(message, signature as Hex);
      } catch {
        throw invalid('personal_ecRecover: the signature does not recover to any address.');
      }
    },
  },
  eth_signTypedData: {
    policy: 'connected',
    handle: ({ params }, { origin }, services) => signTypedData('v1', params, origin, services),
  },
  eth_signTypedData_v3: {
    policy: 'connected',
    handle: ({ params }, { origin }, services) => signTypedData('v3', params, origin, services),
  },
  eth_signTypedData_v4: {
    policy: 'connected',
    handle: ({ params }, { origin }, services) => signTypedData('v4', params, origin, services),
  },
  eth_sign: {
    policy: 'public',
    handle: () => {
      throw providerErrors.unsupportedMethod({
        message:
          'eth_sign is refused: it signs a bare hash, which can be a transaction in disguise. Use personal_sign or eth_signTypedData_v4.',
      });
    },
  },
  eth_signTransaction: {
    policy: 'public',
    handle: () => {
      throw rpcErrors.methodNotSupported({
        message: 'eth_signTransaction is not supported; use eth_sendTransaction.',
      });
    },
  },
} as const satisfies MethodTable;
