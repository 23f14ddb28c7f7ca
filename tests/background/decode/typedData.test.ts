import { getAddress } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  describeTypedData,
  InvalidTypedDataError,
  type TreeNode,
} from '../../../background/decode';
import {
  CHAIN_ID,
  DAPP_ORIGIN,
  FROM,
  malformed,
  signBlurOrder,
  signPermit,
  signPermitBatch,
  signPermitSingle,
  signSeaportBulkOrder,
  signTypedDataV1,
  signTypedDataV3,
  signTypedDataV4,
} from './test-dapp-payloads';

const json = (value: unknown) => JSON.stringify(value);
const kinds = (insight: { warnings: readonly { kind: string }[] }) =>
  insight.warnings.map((w) => w.kind);

function refusal(run: () => unknown): InvalidTypedDataError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTypedDataError);
    return error as InvalidTypedDataError;
  }
  throw new Error('expected InvalidTypedDataError');
}

describe('describeTypedData v4 (test dApp signTypedDataV4)', () => {
  const insight = describeTypedData(json(signTypedDataV4), 'v4', DAPP_ORIGIN, {
    chainId: CHAIN_ID,
  });

  it('titles by the primary type, with no warnings', () => {
    expect(insight.title).toBe('Mail');
    expect(insight.primaryType).toBe('Mail');
    expect(insight.warnings).toEqual([]);
  });

  it('shows the domain in EIP-712 order, the chain id as a number, the contract checksummed', () => {
    expect(insight.domain).toEqual([
      { label: 'name', value: 'Ether Mail', type: 'string' },
      { label: 'version', value: '1', type: 'string' },
      { label: 'chainId', value: '31337', type: 'uint256' },
      {
        label: 'verifyingContract',
        value: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC',
        type: 'address',
      },
    ]);
  });

  it('follows the types: nested structs, arrays of structs, arrays of addresses, bytes', () => {
    expect(insight.message).toEqual([
      {
        label: 'from',
        type: 'Person',
        children: [
          { label: 'name', value: 'Cow', type: 'string' },
          {
            label: 'wallets',
            type: 'address[]',
            children: [
              {
                label: '[0]',
                value: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826',
                type: 'address',
              },
              {
                label: '[1]',
                value: '0xDeaDbeefdEAdbeefdEadbEEFdeadbeEFdEaDbeeF',
                type: 'address',
              },
            ],
          },
        ],
      },
      {
        label: 'to',
        type: 'Person[]',
        children: [
          {
            label: '[0]',
            type: 'Person',
            children: [
              { label: 'name', value: 'Bob', type: 'string' },
              {
                label: 'wallets',
                type: 'address[]',
                children: [
                  {
                    label: '[0]',
                    value: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB',
                    type: 'address',
                  },
                  {
                    label: '[1]',
                    value: '0xB0BdaBea57B0BDABeA57b0bdABEA57b0BDabEa57',
                    type: 'address',
                  },
                  {
                    label: '[2]',
                    value: '0xB0B0b0b0b0b0B000000000000000000000000000',
                    type: 'address',
                  },
                ],
              },
            ],
          },
        ],
      },
      { label: 'contents', value: 'Hello, Bob!', type: 'string' },
      { label: 'attachment', value: '0x', type: 'bytes' },
    ]);
  });

  it('warns when the domain names another chain than the wallet is on', () => {
    const other = describeTypedData(json(signTypedDataV4), 'v4', DAPP_ORIGIN, { chainId: 1 });
    expect(other.warnings).toEqual([
      expect.objectContaining({ kind: 'typed-data-chain-mismatch', severity: 'danger' }),
    ]);
  });
});

describe('describeTypedData v3 (test dApp signTypedDataV3)', () => {
  it('shows nested structs, with addresses checksummed', () => {
    const insight = describeTypedData(json(signTypedDataV3), 'v3', DAPP_ORIGIN);
    expect(insight.title).toBe('Mail');
    expect(insight.message[0]).toEqual({
      label: 'from',
      type: 'Person',
      children: [
        { label: 'name', value: 'Cow', type: 'string' },
        { label: 'wallet', value: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826', type: 'address' },
      ],
    });
    expect(insight.warnings).toEqual([]);
  });

  it('refuses arrays, which only v4 defines', () => {
    const error = refusal(() => describeTypedData(json(signTypedDataV4), 'v3', DAPP_ORIGIN));
    expect(error.message).toContain('eth_signTypedData_v4');
    expect(error.rpcCode).toBe(-32602);
  });
});

describe('describeTypedData v1 (test dApp signTypedData)', () => {
  it('is a flat list of the entries, integers as decimals', () => {
    expect(describeTypedData(json(signTypedDataV1), 'v1', DAPP_ORIGIN)).toEqual({
      title: 'Typed data (v1)',
      domain: [],
      message: [
        { label: 'Message', value: 'Hi, Alice!', type: 'string' },
        { label: 'A number', value: '1337', type: 'uint32' },
      ],
      warnings: [],
    });
  });

  it('checksums addresses and lists arrays', () => {
    const insight = describeTypedData(
      json([
        { type: 'address', name: 'who', value: FROM },
        { type: 'uint8[]', name: 'list', value: [1, '2'] },
      ]),
      'v1',
      DAPP_ORIGIN,
    );
    expect(insight.message).toEqual([
      { label: 'who', value: getAddress(FROM), type: 'address' },
      {
        label: 'list',
        type: 'uint8[]',
        children: [
          { label: '[0]', value: '1', type: 'uint8' },
          { label: '[1]', value: '2', type: 'uint8' },
        ],
      },
    ]);
  });

  it('warns of hidden characters in a name or a value', () => {
    const insight = describeTypedData(
      json([{ type: 'string', name: 'To\u202e', value: 'Bob' }]),
      'v1',
      DAPP_ORIGIN,
    );
    expect(insight.warnings).toEqual([
      expect.objectContaining({ kind: 'hidden-characters', severity: 'caution' }),
    ]);
  });

  it.each([
    ['not an array', {}],
    ['empty', []],
    ['an unknown type', [{ type: 'Person', name: 'a', value: 'x' }]],
    ['an out-of-range integer', [{ type: 'uint8', name: 'a', value: '256' }]],
    ['a bad address', [{ type: 'address', name: 'a', value: '0x12' }]],
    ['an unknown field', [{ type: 'string', name: 'a', value: 'x', extra: 1 }]],
  ])('refuses %s', (_, value) => {
    refusal(() => describeTypedData(json(value), 'v1', DAPP_ORIGIN));
  });
});

describe('describeTypedData: EIP-2612 Permit (test dApp signPermit)', () => {
  const insight = describeTypedData(json(signPermit), 'v4', DAPP_ORIGIN, { chainId: CHAIN_ID });

  it('is titled and called out as danger with amount, spender, token and ISO deadline', () => {
    expect(insight.title).toBe('Permit (EIP-2612)');
    expect(kinds(insight)).toEqual(['permit']);
    const [warning] = insight.warnings;
    expect(warning?.severity).toBe('danger');
    expect(warning?.message).toContain(DAPP_ORIGIN);
    expect(warning?.message).toContain('0x5B38Da6a701c568545dCfcB03FcB875f56beddC4');
    expect(warning?.message).toContain('3000 (raw units)');
    expect(warning?.message).toContain('MyToken (0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC)');
    expect(warning?.message).toContain(new Date(50000000000 * 1000).toISOString());
    expect(warning?.message).not.toContain('UNLIMITED');
  });

  it('annotates the deadline with its date in the tree', () => {
    expect(insight.message.find((n) => n.label === 'deadline')?.value).toBe(
      `50000000000 (${new Date(50000000000 * 1000).toISOString()})`,
    );
    expect(insight.message.find((n) => n.label === 'owner')?.value).toBe(getAddress(FROM));
  });

  it('calls out an unlimited value', () => {
    const unlimited = {
      ...signPermit,
      message: { ...signPermit.message, value: `0x${'f'.repeat(64)}` },
    };
    const result = describeTypedData(json(unlimited), 'v4', DAPP_ORIGIN);
    expect(result.warnings[0]?.message).toContain('an UNLIMITED amount');
    expect(result.message.find((n) => n.label === 'value')?.value).toMatch(/\(unlimited\)$/);
  });
});

describe('describeTypedData: DAI-style Permit', () => {
  const dai = {
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      Permit: [
        { name: 'holder', type: 'address' },
        { name: 'spender', type: 'address' },
        { name: 'nonce', type: 'uint256' },
        { name: 'expiry', type: 'uint256' },
        { name: 'allowed', type: 'bool' },
      ],
    },
    primaryType: 'Permit',
    domain: {
      name: 'Dai Stablecoin',
      version: '1',
      chainId: 1,
      verifyingContract: '0x6B175474E89094C44Da98b954EedeAC495271d0F',
    },
    message: {
      holder: FROM,
      spender: '0x5B38Da6a701c568545dCfcB03FcB875f56beddC4',
      nonce: 0,
      expiry: 0,
      allowed: true,
    },
  };

  it('allowed = true is unlimited; expiry 0 never expires', () => {
    const insight = describeTypedData(json(dai), 'v4', DAPP_ORIGIN);
    expect(insight.title).toBe('Permit (DAI-style)');
    expect(kinds(insight)).toEqual(['permit']);
    expect(insight.warnings[0]?.message).toContain('an UNLIMITED amount');
    expect(insight.warnings[0]?.message).toContain('never expires');
    expect(insight.warnings[0]?.message).toContain('Dai Stablecoin');
  });
});

describe('describeTypedData: Permit2', () => {
  it('PermitSingle (test dApp signPermitSingle): unlimited uint160 amount, spender, deadline', () => {
    const insight = describeTypedData(json(signPermitSingle), 'v4', DAPP_ORIGIN, {
      chainId: CHAIN_ID,
    });
    expect(insight.title).toBe('Permit2 PermitSingle');
    expect(kinds(insight)).toEqual(['permit2']);
    const message = insight.warnings[0]?.message ?? '';
    expect(insight.warnings[0]?.severity).toBe('danger');
    expect(message).toContain(getAddress('0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad'));
    expect(message).toContain(
      `an UNLIMITED amount of token ${getAddress('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48')}`,
    );
    expect(message).toContain(new Date(1722887542 * 1000).toISOString());
    expect(message).toContain(new Date(1720297342 * 1000).toISOString());
    const details = insight.message.find((n) => n.label === 'details');
    expect(details?.children?.find((n) => n.label === 'amount')?.value).toBe(
      '1461501637330902918203684832716283019655932542975 (unlimited)',
    );
  });

  it('PermitBatch as the test dApp sends it: the undeclared domain version is not shown, and named', () => {
    const insight = describeTypedData(json(signPermitBatch), 'v4', DAPP_ORIGIN, {
      chainId: CHAIN_ID,
    });
    expect(insight.title).toBe('Permit2 PermitBatch');
    expect(kinds(insight)).toEqual(['undeclared-fields', 'permit2']);
    expect(insight.domain.map((n) => n.label)).toEqual(['name', 'chainId', 'verifyingContract']);
    const undeclared = insight.warnings[0];
    expect(undeclared?.severity).toBe('caution');
    expect(undeclared?.message).toContain('fields that are not signed: domain.version.');
    expect(undeclared?.message).toContain('not bound to the domain fields among them');
  });

  it('PermitBatch with a consistent domain lists every token', () => {
    const { version: _, ...domain } = signPermitBatch.domain;
    const insight = describeTypedData(json({ ...signPermitBatch, domain }), 'v4', DAPP_ORIGIN);
    expect(insight.title).toBe('Permit2 PermitBatch');
    const message = insight.warnings[0]?.message ?? '';
    expect(message).toContain('an UNLIMITED amount of token');
    expect(message).toContain(
      `98765432109876543210 (raw units) of token ${getAddress('0xb0b86991c6218b36c1d19d4a2e9eb0ce3606eb48')}`,
    );
  });

  it('PermitTransferFrom (SignatureTransfer) names the one-time transfer and its deadline', () => {
    const data = {
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'chainId', type: 'uint256' },
          { name: 'verifyingContract', type: 'address' },
        ],
        PermitTransferFrom: [
          { name: 'permitted', type: 'TokenPermissions' },
          { name: 'spender', type: 'address' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
        TokenPermissions: [
          { name: 'token', type: 'address' },
          { name: 'amount', type: 'uint256' },
        ],
      },
      primaryType: 'PermitTransferFrom',
      domain: {
        name: 'Permit2',
        chainId: 1,
        verifyingContract: '0x000000000022D473030F116dDEE9F6B43aC78BA3',
      },
      message: {
        permitted: { token: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', amount: '1000000' },
        spender: '0x3fc91a3afd70395cd496c647d5a6cc9d4b2b7fad',
        nonce: '1',
        deadline: '1720297342',
      },
    };
    const insight = describeTypedData(json(data), 'v4', DAPP_ORIGIN);
    expect(insight.title).toBe('Permit2 PermitTransferFrom');
    expect(insight.warnings[0]?.message).toContain('1000000 (raw units) of token');
    expect(insight.warnings[0]?.message).toContain('in one transfer');
    expect(insight.warnings[0]?.message).toContain(new Date(1720297342 * 1000).toISOString());
  });

  it('a Permit-named type elsewhere than Permit2 is not a Permit2 warning', () => {
    const renamed = {
      ...signPermitSingle,
      domain: { ...signPermitSingle.domain, name: 'NotPermit2' },
    };
    const insight = describeTypedData(json(renamed), 'v4', DAPP_ORIGIN);
    expect(insight.title).toBe('PermitSingle');
    expect(insight.warnings).toEqual([]);
  });
});

describe('describeTypedData: fields the types do not declare', () => {
  it('Seaport BulkOrder (test dApp signSeaportBulkOrder): the tree shows only declared members', () => {
    const insight = describeTypedData(json(signSeaportBulkOrder), 'v4', DAPP_ORIGIN, {
      chainId: CHAIN_ID,
    });
    expect(insight.title).toBe('BulkOrder');
    expect(kinds(insight)).toEqual(['undeclared-fields']);
    // No types.EIP712Domain: eth-sig-util signs the empty domain, so none of it is shown.
    expect(insight.domain).toEqual([]);
    const labels = (nodes: readonly TreeNode[]): string[] =>
      nodes.flatMap((n) => [n.label, ...labels(n.children ?? [])]);
    expect(labels(insight.message)).not.toContain('totalOriginalConsiderationItems');
    expect(labels(insight.message)).toContain('conduitKey');
    const message = insight.warnings[0]?.message ?? '';
    expect(message).toContain(
      'not signed: domain.name, domain.version, domain.chainId, domain.verifyingContract, message.tree[][].totalOriginalConsiderationItems.',
    );
  });

  it('Blur Order (test dApp signBlurOrder) declares everything: no warning', () => {
    const insight = describeTypedData(json(signBlurOrder), 'v4', DAPP_ORIGIN, {
      chainId: CHAIN_ID,
    });
    expect(insight.title).toBe('Order');
    expect(insight.warnings).toEqual([]);
    expect(insight.message.find((n) => n.label === 'trader')?.value).toBe(getAddress(FROM));
  });

  it('test dApp signExtraDataNotTyped: extraData is dropped and named', () => {
    const insight = describeTypedData(json(malformed.signExtraDataNotTyped), 'v4', DAPP_ORIGIN);
    expect(insight.message).toEqual([{ label: 'name', value: 'Hello, Bob!', type: 'string' }]);
    expect(kinds(insight)).toEqual(['undeclared-fields']);
    expect(insight.warnings[0]?.message).toContain('not signed: message.extraData.');
    expect(insight.warnings[0]?.message).not.toContain('domain fields');
  });

  it('a long list is cut after eight names, and hostile names are shown as printable ASCII', () => {
    const message: Record<string, unknown> = { ...malformed.signExtraDataNotTyped.message };
    for (let i = 0; i < 11; i++) message[`x${i}`] = i;
    message['bad\u202ename'] = 1;
    const insight = describeTypedData(
      json({ ...malformed.signExtraDataNotTyped, message }),
      'v4',
      DAPP_ORIGIN,
    );
    const text = insight.warnings.find((w) => w.kind === 'undeclared-fields')?.message ?? '';
    expect(text).toContain('message.x6 and 5 more.');
    const all = describeTypedData(
      json({ ...malformed.signExtraDataNotTyped, message: { name: 'a', 'bad\u202ename': 1 } }),
      'v4',
      DAPP_ORIGIN,
    );
    expect(all.warnings[0]?.message).toContain('message.bad?name');
  });

  it('an undeclared blob past the limits is still refused', () => {
    const message = { name: 'a', extra: 'x'.repeat(300_000) };
    const error = refusal(() =>
      describeTypedData(json({ ...malformed.signExtraDataNotTyped, message }), 'v4', DAPP_ORIGIN),
    );
    expect(error.message).toMatch(/"typedData\.message\.extra" takes the message past/);
  });
});

describe('describeTypedData refuses what cannot be shown or signed, with InvalidTypedDataError', () => {
  const { signExtraDataNotTyped: _, ...refused } = malformed;
  it.each(Object.entries(refused))('test dApp %s', (_, value) => {
    const error = refusal(() => describeTypedData(json(value), 'v4', DAPP_ORIGIN));
    expect(error.message).toMatch(/^"typedData/);
  });

  it.each([
    ['not JSON', '{'],
    ['JSON null', 'null'],
    ['a number', '42'],
    ['an array for v4', '[]'],
  ])('%s', (_, text) => {
    refusal(() => describeTypedData(text, 'v4', DAPP_ORIGIN));
  });

  it('an unknown version', () => {
    refusal(() => describeTypedData(json(signPermit), 'v2' as 'v4', DAPP_ORIGIN));
  });
});
