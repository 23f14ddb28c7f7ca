import { encodeFunctionData, maxUint256, parseAbi, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  describeMessage,
  describeTransaction,
  describeTypedData,
  type Warning,
  type WarningKind,
} from '../../../background/decode';
import {
  newContract,
  phishingSite,
  simulationReverted,
  spenderIsEoa,
} from '../../../background/decode/warnings';
import {
  CHAIN_ID,
  DAPP_HOST,
  DAPP_ORIGIN,
  FROM,
  signPermit,
  signPermitSingle,
  signSeaportBulkOrder,
  signTypedDataV4,
  siweMessages,
} from './test-dapp-payloads';

const ABI = parseAbi([
  'function transfer(address to, uint256 amount)',
  'function approve(address spender, uint256 amount)',
  'function setApprovalForAll(address operator, bool approved)',
]);
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const BOB = '0x2f318C334780961FB129D2a6c30D0763d9a5C970';
const tx = { from: FROM, to: TOKEN, chainId: CHAIN_ID } as const;
const siwe = siweMessages(DAPP_HOST, FROM);

/** One request that fires each kind. */
const FIRES: Record<WarningKind, () => { warnings: readonly Warning[] }> = {
  'unlimited-approval': () =>
    describeTransaction({
      ...tx,
      data: encodeFunctionData({ abi: ABI, functionName: 'approve', args: [BOB, maxUint256] }),
    }),
  'approval-for-all': () =>
    describeTransaction({
      ...tx,
      data: encodeFunctionData({ abi: ABI, functionName: 'setApprovalForAll', args: [BOB, true] }),
    }),
  'transfer-to-token-contract': () =>
    describeTransaction({
      ...tx,
      data: encodeFunctionData({ abi: ABI, functionName: 'transfer', args: [TOKEN, 1n] }),
    }),
  'undecodable-calldata': () => describeTransaction({ ...tx, data: '0x095ea7b3ff' }),
  permit: () => describeTypedData(JSON.stringify(signPermit), 'v4', DAPP_ORIGIN),
  permit2: () => describeTypedData(JSON.stringify(signPermitSingle), 'v4', DAPP_ORIGIN),
  'typed-data-chain-mismatch': () =>
    describeTypedData(JSON.stringify(signTypedDataV4), 'v4', DAPP_ORIGIN, { chainId: 1 }),
  'hidden-characters': () =>
    describeTypedData(
      JSON.stringify({
        ...signTypedDataV4,
        message: { ...signTypedDataV4.message, contents: 'Pay \u202e0001 ot' },
      }),
      'v4',
      DAPP_ORIGIN,
    ),
  'undeclared-fields': () =>
    describeTypedData(JSON.stringify(signSeaportBulkOrder), 'v4', DAPP_ORIGIN, {
      chainId: CHAIN_ID,
    }),
  'siwe-domain-mismatch': () => describeMessage(toHex(siwe.siweBadDomain), DAPP_ORIGIN),
  'siwe-uri-mismatch': () =>
    describeMessage(
      toHex(siwe.siwe.replace(`URI: https://${DAPP_HOST}`, 'URI: https://evil.org')),
      DAPP_ORIGIN,
    ),
  'siwe-address-mismatch': () =>
    describeMessage(toHex(siwe.siweBadAccount), DAPP_ORIGIN, { account: FROM }),
  'siwe-chain-mismatch': () =>
    describeMessage(toHex(siwe.siwe), DAPP_ORIGIN, { chainId: CHAIN_ID }),
  'siwe-malformed': () => describeMessage(toHex(siwe.siweMalformed), DAPP_ORIGIN),
  // Raised in the background from the chain, the phishing list and the simulation, not by the
  // decoders: their requests are in tests/background/safety/chain-warnings.test.ts,
  // tests/background/services/phishing.test.ts and the simulation tests. Here: their wording, and
  // that no decoder raises them for plain requests.
  'spender-is-eoa': () => ({ warnings: [spenderIsEoa(BOB)] }),
  'new-contract': () => ({ warnings: [newContract(TOKEN)] }),
  'phishing-site': () => ({ warnings: [phishingSite('https://evil.example', 'evil.example')] }),
  'simulation-reverted': () => ({ warnings: [simulationReverted('execution reverted')] }),
};

describe('every warning kind', () => {
  it.each(Object.entries(FIRES))('%s fires on its request', (kind, run) => {
    expect(run().warnings.map((w) => w.kind)).toContain(kind);
  });

  it.each(Object.keys(FIRES))(
    '%s does not fire for plain transfers and plain signatures',
    (kind) => {
      const plain = [
        describeTransaction({ ...tx, to: BOB, value: '0x1' }),
        describeTransaction({
          ...tx,
          data: encodeFunctionData({ abi: ABI, functionName: 'transfer', args: [BOB, 10n] }),
        }),
        describeTransaction({
          ...tx,
          data: encodeFunctionData({ abi: ABI, functionName: 'approve', args: [BOB, 10n] }),
        }),
        describeTypedData(JSON.stringify(signTypedDataV4), 'v4', DAPP_ORIGIN, {
          chainId: CHAIN_ID,
        }),
        describeMessage(toHex('Example `personal_sign` message'), DAPP_ORIGIN),
        describeMessage(toHex(siwe.siwe), DAPP_ORIGIN, { account: FROM, chainId: 1 }),
      ];
      for (const insight of plain) expect(insight.warnings.map((w) => w.kind)).not.toContain(kind);
    },
  );

  it('each warning has a severity and a sentence', () => {
    for (const run of Object.values(FIRES))
      for (const warning of run().warnings) {
        expect(['caution', 'danger']).toContain(warning.severity);
        expect(warning.message).toMatch(/^[A-Z0-9a-z].{20,}[.)]$/s);
      }
  });
});
