/**
 * The test dApp's typed data that carries undeclared fields, threshold-signed by the device and a
 * CKM server in this process (the full server stack): the server digests the payload itself, so
 * both parties must drop the same fields; the signature must recover, over eth-sig-util's v4
 * digest of the dApp's own payload, to the wallet's address.
 */
import { type Hex, recoverTypedDataAddress, serializeSignature } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CkmWallet, createWallet } from '../../ckm/client/wallet';
import type { ThresholdSignature } from '../../tss/index';
import {
  CHAIN_ID,
  seaportBulkOrder,
  signPermitBatch,
} from '../background/decode/test-dapp-payloads';
import { type InProcessCluster, startCluster } from './support/in-process';

function hexSignature(sig: ThresholdSignature): Hex {
  return serializeSignature({
    r: `0x${sig.r.toString(16).padStart(64, '0')}`,
    s: `0x${sig.s.toString(16).padStart(64, '0')}`,
    yParity: sig.recovery & 1,
  });
}

/**
 * The payload as eth-sig-util's `sanitizeData` reads it: `types.EIP712Domain` defaults to `[]`.
 * viem then hashes exactly what eth-sig-util hashes (both ignore undeclared fields); without the
 * default, viem would derive a domain type from the domain, which eth-sig-util does not.
 */
function asEthSigUtil<T extends { types: Record<string, unknown> }>(
  typedData: T,
): Parameters<typeof recoverTypedDataAddress>[0] {
  return {
    ...typedData,
    types: { EIP712Domain: [], ...typedData.types },
  } as never as Parameters<typeof recoverTypedDataAddress>[0];
}

describe('signing typed data with undeclared fields, device + in-process CKM server', {
  timeout: 120_000,
}, () => {
  let cluster: InProcessCluster;
  let wallet: CkmWallet;

  beforeAll(async () => {
    cluster = await startCluster(2);
    wallet = await createWallet({
      servers: cluster.servers.map((s) => ({ url: s.url })),
      threshold: 2,
      transport: cluster.transport,
    });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('Seaport BulkOrder (undeclared totalOriginalConsiderationItems, no EIP712Domain type)', async () => {
    const dappPayload = seaportBulkOrder(wallet.address.toLowerCase(), CHAIN_ID);
    const { signature, digest } = await wallet.sign({
      payload: { kind: 'typedData', typedData: dappPayload },
    });
    const hex = hexSignature(signature);
    expect(hex).toMatch(/^0x[0-9a-f]{130}$/);
    const recovered = await recoverTypedDataAddress({
      ...asEthSigUtil(dappPayload),
      signature: hex,
    });
    expect(recovered).toBe(wallet.address);
    expect(digest).toHaveLength(32);
  });

  it('Permit2 PermitBatch (undeclared domain version)', async () => {
    const { signature } = await wallet.sign({
      payload: { kind: 'typedData', typedData: signPermitBatch },
    });
    const hex = hexSignature(signature);
    // The dApp's payload declares its EIP712Domain, so plain viem reads it as eth-sig-util does.
    const recovered = await recoverTypedDataAddress({
      ...(signPermitBatch as never as Parameters<typeof recoverTypedDataAddress>[0]),
      signature: hex,
    });
    expect(recovered).toBe(wallet.address);
  });
});
