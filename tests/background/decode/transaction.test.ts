import { encodeFunctionData, getAddress, maxUint256, parseAbi } from 'viem';
import { describe, expect, it } from 'vitest';
import { describeTransaction } from '../../../background/decode';

const ERC20 = parseAbi([
  'function transfer(address to, uint256 amount)',
  'function transferFrom(address from, address to, uint256 amount)',
  'function approve(address spender, uint256 amount)',
  'function increaseAllowance(address spender, uint256 addedValue)',
]);
const ERC721 = parseAbi([
  'function safeTransferFrom(address from, address to, uint256 tokenId)',
  'function safeTransferFrom(address from, address to, uint256 tokenId, bytes data)',
  'function setApprovalForAll(address operator, bool approved)',
]);
const ERC1155 = parseAbi([
  'function safeTransferFrom(address from, address to, uint256 id, uint256 amount, bytes data)',
  'function safeBatchTransferFrom(address from, address to, uint256[] ids, uint256[] amounts, bytes data)',
]);

const FROM = getAddress('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266');
const TOKEN = getAddress('0x5fbdb2315678afecb367f032d93f642f64180aa3');
const BOB = getAddress('0x2f318c334780961fb129d2a6c30d0763d9a5c970');
const SPENDER = getAddress('0x9bc5baf874d2da8d216ae9f137804184ee5afef4');
const base = { from: FROM, to: TOKEN, chainId: 31337 } as const;
const kinds = (insight: { warnings: readonly { kind: string }[] }) =>
  insight.warnings.map((w) => w.kind);

describe('describeTransaction: plain transfers and deployments', () => {
  it('a plain ETH transfer is a native transfer without args or warnings', () => {
    expect(describeTransaction({ ...base, to: BOB, value: '0xde0b6b3a7640000' })).toEqual({
      action: 'Native transfer',
      warnings: [],
    });
    expect(describeTransaction({ ...base, to: BOB, data: '0x' }).action).toBe('Native transfer');
  });

  it('no `to` is a contract deployment with the code size', () => {
    const insight = describeTransaction({ from: FROM, chainId: 1, data: '0x6080604052' });
    expect(insight.action).toBe('Contract deployment');
    expect(insight.args).toEqual([{ label: 'Code size', value: '5 bytes' }]);
    expect(insight.warnings).toEqual([]);
  });

  it('an unknown selector is a contract call with the selector and no args', () => {
    const insight = describeTransaction({ ...base, data: '0xd0e30db0' });
    expect(insight).toEqual({ action: 'Contract call', selector: '0xd0e30db0', warnings: [] });
    expect(describeTransaction({ ...base, data: '0x12' })).toEqual({
      action: 'Contract call',
      warnings: [],
    });
  });

  it('a known selector whose arguments do not decode is a contract call with a caution', () => {
    const insight = describeTransaction({ ...base, data: '0xa9059cbb0000' });
    expect(insight.action).toBe('Contract call');
    expect(insight.args).toBeUndefined();
    expect(insight.warnings).toEqual([
      expect.objectContaining({ kind: 'undecodable-calldata', severity: 'caution' }),
    ]);
  });
});

describe('describeTransaction: ERC-20', () => {
  it('transfer shows the checksummed recipient and the raw amount', () => {
    const data = encodeFunctionData({ abi: ERC20, functionName: 'transfer', args: [BOB, 15n] });
    expect(describeTransaction({ ...base, data })).toEqual({
      action: 'ERC-20 transfer',
      selector: '0xa9059cbb',
      args: [
        { label: 'To', value: BOB, type: 'address' },
        { label: 'Amount', value: '15', type: 'uint256' },
      ],
      warnings: [],
    });
  });

  it('formats the amount with the decimals and symbol hint, keeping the raw value', () => {
    const data = encodeFunctionData({
      abi: ERC20,
      functionName: 'transfer',
      args: [BOB, 1_500_000_000_000_000_000n],
    });
    const insight = describeTransaction({ ...base, data, token: { decimals: 18, symbol: 'TST' } });
    expect(insight.args?.[1]?.value).toBe('1.5 TST (1500000000000000000)');
  });

  it('warns when tokens are sent to the token contract itself', () => {
    const data = encodeFunctionData({ abi: ERC20, functionName: 'transfer', args: [TOKEN, 1n] });
    const insight = describeTransaction({ ...base, data });
    expect(insight.warnings).toEqual([
      expect.objectContaining({ kind: 'transfer-to-token-contract', severity: 'danger' }),
    ]);
    expect(insight.warnings[0]?.message).toContain(TOKEN);
  });

  it('transferFrom to the token contract warns too', () => {
    const data = encodeFunctionData({
      abi: ERC20,
      functionName: 'transferFrom',
      args: [FROM, TOKEN, 1n],
    });
    expect(kinds(describeTransaction({ ...base, data }))).toEqual(['transfer-to-token-contract']);
  });

  it('transferFrom is ambiguous without a hint, and precise with one', () => {
    const data = encodeFunctionData({
      abi: ERC20,
      functionName: 'transferFrom',
      args: [FROM, BOB, 7n],
    });
    const plain = describeTransaction({ ...base, data });
    expect(plain.action).toBe('transferFrom (ERC-20 or ERC-721)');
    expect(plain.args?.map((a) => a.label)).toEqual(['From', 'To', 'Amount or token ID']);
    expect(plain.warnings).toEqual([]);
    expect(describeTransaction({ ...base, data, token: { standard: 'ERC20' } }).action).toBe(
      'ERC-20 transferFrom',
    );
    const nft = describeTransaction({ ...base, data, token: { standard: 'ERC721' } });
    expect(nft.action).toBe('ERC-721 transferFrom');
    expect(nft.args?.[2]).toEqual({ label: 'Token ID', value: '7', type: 'uint256' });
  });

  it('approve of max uint256 is an unlimited approval, called out as danger', () => {
    const data = encodeFunctionData({
      abi: ERC20,
      functionName: 'approve',
      args: [SPENDER, maxUint256],
    });
    const insight = describeTransaction({
      ...base,
      data,
      token: { standard: 'ERC20', symbol: 'TST' },
    });
    expect(insight.action).toBe('ERC-20 approve');
    expect(insight.args?.[1]?.value).toBe(`Unlimited (${maxUint256})`);
    expect(insight.warnings).toEqual([
      expect.objectContaining({ kind: 'unlimited-approval', severity: 'danger' }),
    ]);
    expect(insight.warnings[0]?.message).toContain(SPENDER);
    expect(insight.warnings[0]?.message).toContain('TST');
  });

  it('approve of 2^255 is unlimited too; 2^255 − 1 is not', () => {
    const at = encodeFunctionData({
      abi: ERC20,
      functionName: 'approve',
      args: [SPENDER, 1n << 255n],
    });
    expect(kinds(describeTransaction({ ...base, data: at }))).toEqual(['unlimited-approval']);
    const below = encodeFunctionData({
      abi: ERC20,
      functionName: 'approve',
      args: [SPENDER, (1n << 255n) - 1n],
    });
    expect(kinds(describeTransaction({ ...base, data: below }))).toEqual([]);
  });

  it('a limited approve has no warning', () => {
    const data = encodeFunctionData({ abi: ERC20, functionName: 'approve', args: [SPENDER, 7n] });
    const insight = describeTransaction({ ...base, data });
    expect(insight.action).toBe('Approve (ERC-20 or ERC-721)');
    expect(insight.warnings).toEqual([]);
  });

  it('an ERC-721 approve (hinted) is never an unlimited approval', () => {
    const data = encodeFunctionData({
      abi: ERC20,
      functionName: 'approve',
      args: [SPENDER, maxUint256],
    });
    const insight = describeTransaction({ ...base, data, token: { standard: 'ERC721' } });
    expect(insight.action).toBe('ERC-721 approve');
    expect(insight.warnings).toEqual([]);
  });

  it('increaseAllowance by max uint256 warns; by a small amount does not', () => {
    const big = encodeFunctionData({
      abi: ERC20,
      functionName: 'increaseAllowance',
      args: [SPENDER, maxUint256],
    });
    const insight = describeTransaction({ ...base, data: big });
    expect(insight.action).toBe('ERC-20 increaseAllowance');
    expect(kinds(insight)).toEqual(['unlimited-approval']);
    const small = encodeFunctionData({
      abi: ERC20,
      functionName: 'increaseAllowance',
      args: [SPENDER, 10n],
    });
    expect(kinds(describeTransaction({ ...base, data: small }))).toEqual([]);
  });
});

describe('describeTransaction: ERC-721 and ERC-1155', () => {
  it('safeTransferFrom(address,address,uint256)', () => {
    const data = encodeFunctionData({
      abi: ERC721,
      functionName: 'safeTransferFrom',
      args: [FROM, BOB, 3n],
    });
    const insight = describeTransaction({ ...base, data });
    expect(insight.action).toBe('ERC-721 safeTransferFrom');
    expect(insight.selector).toBe('0x42842e0e');
    expect(insight.args).toEqual([
      { label: 'From', value: FROM, type: 'address' },
      { label: 'To', value: BOB, type: 'address' },
      { label: 'Token ID', value: '3', type: 'uint256' },
    ]);
    expect(insight.warnings).toEqual([]);
  });

  it('safeTransferFrom(address,address,uint256,bytes) shows the data', () => {
    const data = encodeFunctionData({
      abi: ERC721,
      functionName: 'safeTransferFrom',
      args: [FROM, BOB, 3n, '0xbeef'],
    });
    const insight = describeTransaction({ ...base, data });
    expect(insight.action).toBe('ERC-721 safeTransferFrom');
    expect(insight.selector).toBe('0xb88d4fde');
    expect(insight.args?.[3]).toEqual({ label: 'Data', value: '0xbeef', type: 'bytes' });
  });

  it('an NFT sent to its own collection contract warns', () => {
    const data = encodeFunctionData({
      abi: ERC721,
      functionName: 'safeTransferFrom',
      args: [FROM, TOKEN, 3n],
    });
    expect(kinds(describeTransaction({ ...base, data }))).toEqual(['transfer-to-token-contract']);
  });

  it('setApprovalForAll(operator, true) lets the operator move every NFT: danger', () => {
    const data = encodeFunctionData({
      abi: ERC721,
      functionName: 'setApprovalForAll',
      args: [SPENDER, true],
    });
    const insight = describeTransaction({ ...base, data });
    expect(insight.action).toBe('setApprovalForAll');
    expect(insight.warnings).toEqual([
      expect.objectContaining({ kind: 'approval-for-all', severity: 'danger' }),
    ]);
    expect(insight.warnings[0]?.message).toContain(
      `lets ${SPENDER} move every NFT of this collection`,
    );
  });

  it('setApprovalForAll to a known marketplace on chain 1 names it and does not warn', () => {
    const seaportConduit = getAddress('0x1e0049783f008a0085193e00003d00cd54003c71');
    const data = encodeFunctionData({
      abi: ERC721,
      functionName: 'setApprovalForAll',
      args: [seaportConduit, true],
    });
    const insight = describeTransaction({ ...base, chainId: 1, data });
    expect(insight.action).toBe('setApprovalForAll (OpenSea conduit)');
    expect(insight.warnings).toEqual([]);
  });

  it('the same marketplace address on a chain where it is not known still warns', () => {
    const data = encodeFunctionData({
      abi: ERC721,
      functionName: 'setApprovalForAll',
      args: ['0x1e0049783f008a0085193e00003d00cd54003c71', true],
    });
    const insight = describeTransaction({ ...base, data });
    expect(insight.action).toBe('setApprovalForAll');
    expect(kinds(insight)).toEqual(['approval-for-all']);
  });

  it('setApprovalForAll to an unknown operator on chain 1 warns', () => {
    const data = encodeFunctionData({
      abi: ERC721,
      functionName: 'setApprovalForAll',
      args: [SPENDER, true],
    });
    expect(kinds(describeTransaction({ ...base, chainId: 1, data }))).toEqual(['approval-for-all']);
  });

  it('setApprovalForAll(operator, false) is a revoke without a warning', () => {
    const data = encodeFunctionData({
      abi: ERC721,
      functionName: 'setApprovalForAll',
      args: [SPENDER, false],
    });
    const insight = describeTransaction({ ...base, data });
    expect(insight.action).toBe('setApprovalForAll (revoke)');
    expect(insight.warnings).toEqual([]);
  });

  it('ERC-1155 safeTransferFrom shows id, amount and data', () => {
    const data = encodeFunctionData({
      abi: ERC1155,
      functionName: 'safeTransferFrom',
      args: [FROM, BOB, 1n, 5n, '0x'],
    });
    const insight = describeTransaction({ ...base, data });
    expect(insight.action).toBe('ERC-1155 safeTransferFrom');
    expect(insight.selector).toBe('0xf242432a');
    expect(insight.args?.map((a) => [a.label, a.value])).toEqual([
      ['From', FROM],
      ['To', BOB],
      ['Token ID', '1'],
      ['Amount', '5'],
      ['Data', '0x'],
    ]);
    expect(insight.warnings).toEqual([]);
  });

  it('ERC-1155 safeBatchTransferFrom lists each id with its amount; to itself warns', () => {
    const data = encodeFunctionData({
      abi: ERC1155,
      functionName: 'safeBatchTransferFrom',
      args: [FROM, BOB, [1n, 2n], [10n, 20n], '0x'],
    });
    const insight = describeTransaction({ ...base, data });
    expect(insight.action).toBe('ERC-1155 safeBatchTransferFrom');
    expect(insight.args?.[2]).toEqual({
      label: 'Tokens',
      type: 'uint256[]',
      children: [
        {
          label: '[0]',
          children: [
            { label: 'Token ID', value: '1', type: 'uint256' },
            { label: 'Amount', value: '10', type: 'uint256' },
          ],
        },
        {
          label: '[1]',
          children: [
            { label: 'Token ID', value: '2', type: 'uint256' },
            { label: 'Amount', value: '20', type: 'uint256' },
          ],
        },
      ],
    });
    expect(insight.warnings).toEqual([]);
    const toSelf = encodeFunctionData({
      abi: ERC1155,
      functionName: 'safeBatchTransferFrom',
      args: [FROM, TOKEN, [1n], [1n], '0x'],
    });
    expect(kinds(describeTransaction({ ...base, data: toSelf }))).toEqual([
      'transfer-to-token-contract',
    ]);
  });
});
