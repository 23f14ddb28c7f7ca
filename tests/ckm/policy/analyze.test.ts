/**
 * ckm/policy/analyze.ts: each decoded selector and typed-data shape yields its outflows,
 * recipients and approvals, and each look-alike that must not count (another owner, a revoke,
 * malformed calldata, an unknown selector) yields nothing beyond the value; `intentId` ignores
 * nonce, gas and fees and nothing else.
 */
import { concatHex, encodeFunctionData, getContractAddress, parseAbi, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { parseSignPayload, type SignPayload, type TypedDataPayload } from '../../../ckm/payload';
import { analyzePayload, intentId } from '../../../ckm/policy';
import {
  ALICE,
  BOB,
  call,
  DRAINER,
  daiPermit,
  eip2612,
  encode,
  MAX_UINT160,
  MAX_UINT256,
  message,
  NFT,
  PERMIT2,
  permit2Allowance,
  permit2Transfer,
  TOKEN,
  tx,
  WALLET,
} from './fixtures';

const DOMAIN_TYPES: Record<string, string> = {
  name: 'string',
  version: 'string',
  chainId: 'uint256',
  verifyingContract: 'address',
};
const domainTypes = (names: readonly string[]) =>
  names.map((name) => ({ name, type: DOMAIN_TYPES[name] as string }));

function typedDataOf(payload: SignPayload): TypedDataPayload {
  if (payload.kind !== 'typedData') throw new Error('fixture is not typed data');
  return payload.typedData;
}

const analyze = (payload: Parameters<typeof analyzePayload>[0]) => analyzePayload(payload, WALLET);
const NOTHING = { outflows: [], recipients: [], approvals: [] };

describe('analyzePayload: transactions', () => {
  it('a value transfer is a native outflow to its recipient', () => {
    expect(analyze(tx({ to: BOB, value: 10n }))).toMatchObject({
      outflows: [{ chainId: 1, asset: 'native', amount: '10', kind: 'value' }],
      recipients: [{ chainId: 1, address: BOB }],
      approvals: [],
    });
  });

  it('a call without value moves nothing', () => {
    expect(analyze(tx({ to: BOB }))).toMatchObject(NOTHING);
  });

  it('a contract creation with value sends it to the CREATE address', () => {
    const effects = analyze(tx({ to: undefined, value: 5n, nonce: 7, data: '0x6000' }));
    expect(effects.outflows).toEqual([{ chainId: 1, asset: 'native', amount: '5', kind: 'value' }]);
    expect(effects.recipients).toEqual([
      { chainId: 1, address: getContractAddress({ from: WALLET, nonce: 7n }) },
    ]);
  });

  it('a contract creation without value moves nothing', () => {
    expect(analyze(tx({ to: undefined, data: '0x6000' }))).toMatchObject(NOTHING);
  });

  it('ERC-20 transfer (0xa9059cbb)', () => {
    const data = encode('transfer', [ALICE, 300n]);
    expect(data.slice(0, 10)).toBe('0xa9059cbb');
    expect(analyze(call(data))).toMatchObject({
      outflows: [{ chainId: 1, asset: TOKEN, amount: '300', kind: 'transfer' }],
      recipients: [{ chainId: 1, address: ALICE }],
      approvals: [],
    });
  });

  it('ERC-20 transfer with value counts both, the token contract receiving the value', () => {
    const effects = analyze(call(encode('transfer', [ALICE, 300n]), { value: 2n }));
    expect(effects.outflows).toEqual([
      { chainId: 1, asset: 'native', amount: '2', kind: 'value' },
      { chainId: 1, asset: TOKEN, amount: '300', kind: 'transfer' },
    ]);
    expect(effects.recipients).toEqual([
      { chainId: 1, address: TOKEN },
      { chainId: 1, address: ALICE },
    ]);
  });

  it('a transfer of 0 (or of ERC-721 item 0) counts no outflow but still its recipient', () => {
    for (const data of [
      encode('transfer', [ALICE, 0n]),
      encode('transferFrom', [WALLET, ALICE, 0n]),
      encode('safeTransferFrom', [WALLET, ALICE, 0n, 0n, '0x']),
      encode('safeBatchTransferFrom', [WALLET, ALICE, [], [], '0x']),
    ])
      expect(analyze(call(data))).toMatchObject({
        outflows: [],
        recipients: [{ chainId: 1, address: ALICE }],
        approvals: [],
      });
  });

  it('transferFrom (0x23b872dd) from the wallet counts; from another owner does not', () => {
    const data = encode('transferFrom', [WALLET, ALICE, 42n]);
    expect(data.slice(0, 10)).toBe('0x23b872dd');
    expect(analyze(call(data))).toMatchObject({
      outflows: [{ chainId: 1, asset: TOKEN, amount: '42', kind: 'transfer' }],
      recipients: [{ chainId: 1, address: ALICE }],
    });
    expect(analyze(call(encode('transferFrom', [BOB, ALICE, 42n])))).toMatchObject(NOTHING);
  });

  it('the wallet is matched whatever the case of `from`', () => {
    const effects = analyzePayload(
      call(encode('transferFrom', [WALLET, ALICE, 42n])),
      WALLET.toLowerCase() as typeof WALLET,
    );
    expect(effects.outflows).toHaveLength(1);
  });

  it('ERC-721 safeTransferFrom (0x42842e0e, 0xb88d4fde) from the wallet counts one item', () => {
    const plain = encode('safeTransferFrom', [WALLET, ALICE, 1234n]);
    const withData = encode('safeTransferFrom', [WALLET, ALICE, 1234n, '0xbeef']);
    expect(plain.slice(0, 10)).toBe('0x42842e0e');
    expect(withData.slice(0, 10)).toBe('0xb88d4fde');
    for (const data of [plain, withData])
      expect(analyze(call(data, { to: NFT }))).toMatchObject({
        outflows: [{ chainId: 1, asset: NFT, amount: '1', kind: 'nft' }],
        recipients: [{ chainId: 1, address: ALICE }],
      });
    expect(
      analyze(call(encode('safeTransferFrom', [BOB, ALICE, 1234n]), { to: NFT })),
    ).toMatchObject(NOTHING);
  });

  it('ERC-1155 safeTransferFrom (0xf242432a) counts its amount', () => {
    const data = encode('safeTransferFrom', [WALLET, ALICE, 7n, 25n, '0x']);
    expect(data.slice(0, 10)).toBe('0xf242432a');
    expect(analyze(call(data, { to: NFT }))).toMatchObject({
      outflows: [{ chainId: 1, asset: NFT, amount: '25', kind: 'nft' }],
      recipients: [{ chainId: 1, address: ALICE }],
    });
    expect(
      analyze(call(encode('safeTransferFrom', [BOB, ALICE, 7n, 25n, '0x']), { to: NFT })),
    ).toMatchObject(NOTHING);
  });

  it('ERC-1155 safeBatchTransferFrom (0x2eb2c2d6) counts the sum of its amounts', () => {
    const data = encode('safeBatchTransferFrom', [
      WALLET,
      ALICE,
      [1n, 2n, 3n],
      [10n, 20n, 5n],
      '0x',
    ]);
    expect(data.slice(0, 10)).toBe('0x2eb2c2d6');
    expect(analyze(call(data, { to: NFT }))).toMatchObject({
      outflows: [{ chainId: 1, asset: NFT, amount: '35', kind: 'nft' }],
      recipients: [{ chainId: 1, address: ALICE }],
    });
    expect(
      analyze(call(encode('safeBatchTransferFrom', [BOB, ALICE, [1n], [10n], '0x']), { to: NFT })),
    ).toMatchObject(NOTHING);
  });

  it('approve (0x095ea7b3): a limited approval is an outflow, not unlimited', () => {
    const data = encode('approve', [DRAINER, 500n]);
    expect(data.slice(0, 10)).toBe('0x095ea7b3');
    expect(analyze(call(data))).toMatchObject({
      outflows: [{ chainId: 1, asset: TOKEN, amount: '500', kind: 'approval' }],
      recipients: [],
      approvals: [
        { chainId: 1, token: TOKEN, spender: DRAINER, approval: 'erc20', unlimited: false },
      ],
    });
  });

  it('approve: 2^255 and above is unlimited, just below is not', () => {
    const at = analyze(call(encode('approve', [DRAINER, 1n << 255n])));
    const below = analyze(call(encode('approve', [DRAINER, (1n << 255n) - 1n])));
    const max = analyze(call(encode('approve', [DRAINER, MAX_UINT256])));
    expect(at.approvals[0]?.unlimited).toBe(true);
    expect(max.approvals[0]?.unlimited).toBe(true);
    expect(below.approvals[0]?.unlimited).toBe(false);
  });

  it('approve of 0 is a revoke: nothing', () => {
    expect(analyze(call(encode('approve', [DRAINER, 0n])))).toMatchObject(NOTHING);
  });

  it('increaseAllowance (0x39509351)', () => {
    const data = encode('increaseAllowance', [DRAINER, MAX_UINT256]);
    expect(data.slice(0, 10)).toBe('0x39509351');
    expect(analyze(call(data))).toMatchObject({
      outflows: [{ chainId: 1, asset: TOKEN, amount: MAX_UINT256.toString(), kind: 'approval' }],
      approvals: [{ spender: DRAINER, approval: 'erc20', unlimited: true }],
    });
    expect(analyze(call(encode('increaseAllowance', [DRAINER, 0n])))).toMatchObject(NOTHING);
  });

  it('setApprovalForAll (0xa22cb465): true is an unlimited forAll approval, false nothing', () => {
    const data = encode('setApprovalForAll', [DRAINER, true]);
    expect(data.slice(0, 10)).toBe('0xa22cb465');
    expect(analyze(call(data, { to: NFT }))).toMatchObject({
      outflows: [],
      approvals: [
        { chainId: 1, token: NFT, spender: DRAINER, approval: 'forAll', unlimited: true },
      ],
    });
    expect(analyze(call(encode('setApprovalForAll', [DRAINER, false]), { to: NFT }))).toMatchObject(
      NOTHING,
    );
  });

  it('Permit2 approve (0x87517c45): permit2 approval of the token argument, uint160 max unlimited', () => {
    const abi = parseAbi([
      'function approve(address token, address spender, uint160 amount, uint48 expiration)',
    ]);
    const limited = encodeFunctionData({ abi, args: [TOKEN, DRAINER, 1000n, 2_000_000_000] });
    expect(limited.slice(0, 10)).toBe('0x87517c45');
    expect(analyze(call(limited, { to: PERMIT2 }))).toMatchObject({
      outflows: [{ chainId: 1, asset: TOKEN, amount: '1000', kind: 'approval' }],
      approvals: [{ token: TOKEN, spender: DRAINER, approval: 'permit2', unlimited: false }],
    });
    const unlimited = encodeFunctionData({ abi, args: [TOKEN, DRAINER, MAX_UINT160, 0] });
    expect(analyze(call(unlimited, { to: PERMIT2 })).approvals[0]?.unlimited).toBe(true);
    const revoke = encodeFunctionData({ abi, args: [TOKEN, DRAINER, 0n, 0] });
    expect(analyze(call(revoke, { to: PERMIT2 }))).toMatchObject(NOTHING);
  });

  it('malformed calldata under a known selector counts nothing beyond the value', () => {
    const truncated = encode('transfer', [ALICE, 300n]).slice(0, 40) as `0x${string}`;
    expect(analyze(call(truncated, { value: 3n }))).toMatchObject({
      outflows: [{ asset: 'native', amount: '3' }],
      recipients: [{ address: TOKEN }],
      approvals: [],
    });
    const badBool = concatHex([
      '0xa22cb465',
      toHex(BigInt(DRAINER), { size: 32 }),
      toHex(2n, { size: 32 }),
    ]);
    expect(analyze(call(badBool, { to: NFT }))).toMatchObject(NOTHING);
  });

  it('an unknown selector counts nothing beyond the value', () => {
    expect(analyze(call('0xdeadbeef00', { value: 1n }))).toMatchObject({
      outflows: [{ asset: 'native', amount: '1' }],
      approvals: [],
    });
    expect(analyze(call('0xdeadbeef'))).toMatchObject(NOTHING);
  });

  it('keys the ledger by (chainId, from, nonce)', () => {
    expect(analyze(tx({ nonce: 9, chainId: 5 })).ledgerKey).toBe(`tx:5:${WALLET.toLowerCase()}:9`);
    expect(analyze(tx({ nonce: 9, value: 1n })).ledgerKey).toBe(
      analyze(tx({ nonce: 9, value: 2n })).ledgerKey,
    );
    expect(analyze(tx({ nonce: 9 })).ledgerKey).not.toBe(analyze(tx({ nonce: 10 })).ledgerKey);
  });
});

describe('analyzePayload: typed data', () => {
  it('EIP-2612 Permit: a permit approval and outflow of its value', () => {
    expect(analyze(eip2612(DRAINER, 700n))).toMatchObject({
      outflows: [{ chainId: 1, asset: TOKEN, amount: '700', kind: 'permit' }],
      recipients: [],
      approvals: [
        { chainId: 1, token: TOKEN, spender: DRAINER, approval: 'permit', unlimited: false },
      ],
    });
    expect(analyze(eip2612(DRAINER, MAX_UINT256)).approvals[0]?.unlimited).toBe(true);
    expect(analyze(eip2612(DRAINER, 0n))).toMatchObject(NOTHING);
  });

  it('EIP-2612 Permit takes its chain from the domain', () => {
    expect(analyze(eip2612(DRAINER, 700n, 10)).outflows[0]?.chainId).toBe(10);
  });

  it('DAI Permit: allowed is an unlimited permit, not allowed a revoke', () => {
    expect(analyze(daiPermit(DRAINER, true))).toMatchObject({
      outflows: [{ asset: TOKEN, amount: MAX_UINT256.toString(), kind: 'permit' }],
      approvals: [{ token: TOKEN, spender: DRAINER, approval: 'permit', unlimited: true }],
    });
    expect(analyze(daiPermit(DRAINER, false))).toMatchObject(NOTHING);
  });

  it('Permit2 PermitSingle and PermitBatch: permit2 approvals per token', () => {
    expect(analyze(permit2Allowance(DRAINER, [{ token: TOKEN, amount: 9n }]))).toMatchObject({
      outflows: [{ chainId: 1, asset: TOKEN, amount: '9', kind: 'permit' }],
      approvals: [{ token: TOKEN, spender: DRAINER, approval: 'permit2', unlimited: false }],
    });
    const batch = analyze(
      permit2Allowance(DRAINER, [
        { token: TOKEN, amount: MAX_UINT160 },
        { token: NFT, amount: 4n },
      ]),
    );
    expect(batch.approvals).toMatchObject([
      { token: TOKEN, unlimited: true },
      { token: NFT, unlimited: false },
    ]);
    expect(batch.outflows).toHaveLength(2);
  });

  it('Permit2 PermitTransferFrom and PermitBatchTransferFrom', () => {
    expect(analyze(permit2Transfer(BOB, [{ token: TOKEN, amount: 77n }]))).toMatchObject({
      outflows: [{ asset: TOKEN, amount: '77', kind: 'permit' }],
      approvals: [{ token: TOKEN, spender: BOB, approval: 'permit2', unlimited: false }],
    });
    const batch = analyze(
      permit2Transfer(BOB, [
        { token: TOKEN, amount: 1n },
        { token: NFT, amount: 1n << 255n },
      ]),
    );
    expect(batch.approvals.map((a) => a.unlimited)).toEqual([false, true]);
  });

  it('Permit2 PermitWitnessTransferFrom counts like PermitTransferFrom', () => {
    const plain = typedDataOf(permit2Transfer(BOB, [{ token: TOKEN, amount: 77n }]));
    const witness = parseSignPayload({
      kind: 'typedData',
      typedData: {
        ...plain,
        types: {
          EIP712Domain: plain.types.EIP712Domain ?? [],
          TokenPermissions: plain.types.TokenPermissions ?? [],
          PermitWitnessTransferFrom: [
            ...(plain.types.PermitTransferFrom ?? []),
            { name: 'witness', type: 'Order' },
          ],
          Order: [{ name: 'id', type: 'uint256' }],
        },
        primaryType: 'PermitWitnessTransferFrom',
        message: { ...plain.message, witness: { id: 1 } },
      },
    });
    expect(analyze(witness)).toMatchObject({
      outflows: [{ asset: TOKEN, amount: '77', kind: 'permit' }],
      approvals: [{ token: TOKEN, spender: BOB, approval: 'permit2' }],
    });
  });

  it('a Permit of another shape, or Permit2 types under another domain name, count nothing', () => {
    const permit = typedDataOf(eip2612(DRAINER, 700n));
    const otherShape = parseSignPayload({
      kind: 'typedData',
      typedData: {
        ...permit,
        types: {
          ...permit.types,
          Permit: [
            { name: 'owner', type: 'address' },
            { name: 'spender', type: 'address' },
            { name: 'amount', type: 'uint256' },
          ],
        },
        message: { owner: WALLET, spender: DRAINER, amount: '700' },
      },
    });
    expect(analyze(otherShape)).toMatchObject(NOTHING);
    const single = typedDataOf(permit2Allowance(DRAINER, [{ token: TOKEN, amount: 9n }]));
    const notPermit2 = parseSignPayload({
      kind: 'typedData',
      typedData: { ...single, domain: { ...single.domain, name: 'Permit3' } },
    });
    expect(analyze(notPermit2)).toMatchObject(NOTHING);
  });

  it('a permit whose domain has no chainId or no verifyingContract counts nothing', () => {
    const permit = typedDataOf(eip2612(DRAINER, 700n));
    const { chainId: _, ...noChain } = permit.domain;
    const unbound = parseSignPayload({
      kind: 'typedData',
      typedData: {
        ...permit,
        types: {
          ...permit.types,
          EIP712Domain: domainTypes(['name', 'version', 'verifyingContract']),
        },
        domain: noChain,
      },
    });
    expect(analyze(unbound)).toMatchObject(NOTHING);
    const { verifyingContract: __, ...noContract } = permit.domain;
    const contractless = parseSignPayload({
      kind: 'typedData',
      typedData: {
        ...permit,
        types: { ...permit.types, EIP712Domain: domainTypes(['name', 'version', 'chainId']) },
        domain: noContract,
      },
    });
    expect(analyze(contractless)).toMatchObject(NOTHING);
  });

  it('a message counts nothing and keys the ledger by its intent', () => {
    const payload = message('hello');
    const effects = analyze(payload);
    expect(effects).toMatchObject(NOTHING);
    expect(effects.ledgerKey).toBe(`intent:${intentId(payload)}`);
  });
});

describe('intentId', () => {
  const base = { to: BOB, value: 10n, data: encode('transfer', [ALICE, 1n]) };

  it('is 32 bytes of lowercase hex', () => {
    expect(intentId(tx(base))).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same across nonce, gas and fee changes', () => {
    const id = intentId(tx(base));
    expect(intentId(tx({ ...base, nonce: 5 }))).toBe(id);
    expect(intentId(tx({ ...base, maxFeePerGas: 99n * 10n ** 9n }))).toBe(id);
  });

  it('differs for a different value, recipient, data, chain or fee family', () => {
    const id = intentId(tx(base));
    expect(intentId(tx({ ...base, value: 11n }))).not.toBe(id);
    expect(intentId(tx({ ...base, to: ALICE }))).not.toBe(id);
    expect(intentId(tx({ ...base, data: encode('transfer', [ALICE, 2n]) }))).not.toBe(id);
    expect(intentId(tx({ ...base, chainId: 10 }))).not.toBe(id);
    expect(intentId(tx({ ...base, type: 'legacy' }))).not.toBe(id);
  });

  it('a value of 0 and no value are the same intent', () => {
    expect(intentId(tx({ to: BOB, value: 0n }))).toBe(intentId(tx({ to: BOB })));
  });

  it('for messages and typed data, follows the digest', () => {
    expect(intentId(message('a'))).toBe(intentId(message('a')));
    expect(intentId(message('a'))).not.toBe(intentId(message('b')));
    expect(intentId(eip2612(DRAINER, 1n))).not.toBe(intentId(eip2612(DRAINER, 2n)));
  });
});
