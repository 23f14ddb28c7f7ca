/**
 * Sign payloads (ckm/payload.ts; research/tecdsa.md §2.6 "R0"): digests against viem and the
 * EIP-155 / EIP-712 examples, the CBOR round trip, and one negative test per refusal.
 */
import { Decoder, Encoder } from 'cbor-x';
import fc from 'fast-check';
import {
  bytesToHex,
  hashMessage,
  hashTypedData,
  keccak256,
  parseTransaction,
  recoverTransactionAddress,
  serializeTransaction,
  stringToHex,
  toHex,
} from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { type CkmErrorCode, isCkmError } from '../../ckm/errors';
import {
  assertPayloadChainId,
  describePayload,
  PAYLOAD_LIMITS,
  parseSignPayload,
  payloadChainId,
  payloadDigest,
  type SignPayload,
  serializeSignedTransaction,
  signatureV,
  type TransactionSignPayload,
} from '../../ckm/payload';
import { N } from '../../tss/curve';

function expectCkmError(run: () => unknown, code: CkmErrorCode, message?: string | RegExp) {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isCkmError(thrown), `expected CkmError ${code}, got ${String(thrown)}`).toBe(true);
  if (!isCkmError(thrown)) return;
  expect(thrown.code).toBe(code);
  if (message !== undefined) expect(thrown.shortMessage).toMatch(message);
}

const digestHex = (payload: SignPayload) => bytesToHex(payloadDigest(payload));

// ethereum/EIPs EIPS/eip-155.md, "Example".
const EIP155_PAYLOAD = {
  kind: 'transaction',
  chainId: 1,
  transaction: {
    type: 'legacy',
    chainId: 1,
    nonce: '0x9',
    gasPrice: toHex(20_000_000_000n),
    gas: toHex(21_000),
    to: '0x3535353535353535353535353535353535353535',
    value: toHex(10n ** 18n),
    data: '0x',
  },
} as const;
const EIP155_KEY = `0x${'46'.repeat(32)}` as const;
const EIP155_HASH = '0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53';
const EIP155_SIGNED =
  '0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83';

// ethereum/EIPs EIPS/eip-712.md, the "Mail" example (assets/eip-712/Example.js).
const MAIL_TYPED_DATA = {
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' },
    ],
    Person: [
      { name: 'name', type: 'string' },
      { name: 'wallet', type: 'address' },
    ],
    Mail: [
      { name: 'from', type: 'Person' },
      { name: 'to', type: 'Person' },
      { name: 'contents', type: 'string' },
    ],
  },
  primaryType: 'Mail',
  domain: {
    name: 'Ether Mail',
    version: '1',
    chainId: 1,
    verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC',
  },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
};
const MAIL_DIGEST = '0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2';
const MAIL_PAYLOAD = { kind: 'typedData', typedData: MAIL_TYPED_DATA } as const;

const EIP1559_PAYLOAD = {
  kind: 'transaction',
  chainId: 11155111,
  transaction: {
    type: 'eip1559',
    chainId: 11155111,
    nonce: '0x2a',
    gas: '0x5208',
    maxFeePerGas: '0x77359400',
    maxPriorityFeePerGas: '0x3b9aca00',
    to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    value: '0xde0b6b3a7640000',
    data: '0xa9059cbb',
    accessList: [
      {
        address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
        storageKeys: [`0x${'01'.repeat(32)}`],
      },
    ],
  },
} as const;

const EIP2930_PAYLOAD = {
  kind: 'transaction',
  chainId: 10,
  transaction: {
    type: 'eip2930',
    chainId: 10,
    nonce: '0x0',
    gas: '0x186a0',
    gasPrice: '0x3b9aca00',
    to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    accessList: [{ address: '0x3535353535353535353535353535353535353535', storageKeys: [] }],
  },
} as const;

const CREATION_PAYLOAD = {
  kind: 'transaction',
  chainId: 1,
  transaction: {
    type: 'legacy',
    chainId: 1,
    nonce: '0x1',
    gas: '0x30d40',
    gasPrice: '0x4a817c800',
    data: '0x6080604052348015600f57600080fd5b50',
  },
} as const;

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited field by field, on purpose untyped
type Editable = Record<string, any>;

/** A deep copy with `edit` applied, for one-field negative tests. */
function edited<T>(value: T, edit: (copy: Editable) => void): unknown {
  const copy = structuredClone(value) as Editable;
  edit(copy);
  return copy;
}

describe('EIP-155 example (legacy, chain 1)', () => {
  const payload = parseSignPayload(EIP155_PAYLOAD) as TransactionSignPayload;

  it('signing hash is the one in the EIP', () => {
    expect(digestHex(payload)).toBe(EIP155_HASH);
  });

  it('signed with key 0x46…46, serializes to the EIP signed transaction with v = 37', async () => {
    const signature = await sign({ hash: EIP155_HASH, privateKey: EIP155_KEY });
    const recovery = signature.yParity as 0 | 1;
    expect(signatureV(payload, recovery)).toBe(37n);
    const raw = serializeSignedTransaction(payload, {
      r: BigInt(signature.r),
      s: BigInt(signature.s),
      recovery,
    });
    expect(raw).toBe(EIP155_SIGNED);
  });
});

describe('transaction digests equal viem', () => {
  it.each([
    ['EIP-1559', EIP1559_PAYLOAD],
    ['EIP-2930', EIP2930_PAYLOAD],
    ['legacy EIP-155 contract creation', CREATION_PAYLOAD],
  ] as const)('%s', (_name, raw) => {
    const payload = parseSignPayload(raw) as TransactionSignPayload;
    const tx = raw.transaction;
    const common = {
      chainId: tx.chainId,
      nonce: Number(tx.nonce),
      gas: BigInt(tx.gas),
      to: 'to' in tx ? tx.to : undefined,
      value: 'value' in tx ? BigInt(tx.value) : undefined,
      data: 'data' in tx ? tx.data : undefined,
    };
    const serialized =
      tx.type === 'eip1559'
        ? serializeTransaction({
            ...common,
            type: 'eip1559',
            maxFeePerGas: BigInt(tx.maxFeePerGas),
            maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
            accessList: tx.accessList.map((e) => ({ ...e, storageKeys: [...e.storageKeys] })),
          })
        : tx.type === 'eip2930'
          ? serializeTransaction({
              ...common,
              type: 'eip2930',
              gasPrice: BigInt(tx.gasPrice),
              accessList: tx.accessList.map((e) => ({ ...e, storageKeys: [...e.storageKeys] })),
            })
          : serializeTransaction({ ...common, type: 'legacy', gasPrice: BigInt(tx.gasPrice) });
    expect(digestHex(payload)).toBe(keccak256(serialized));
  });

  it('an EIP-1559 transaction signed with our v recovers to the signer through viem', async () => {
    const account = privateKeyToAccount(EIP155_KEY);
    const payload = parseSignPayload(EIP1559_PAYLOAD) as TransactionSignPayload;
    const signature = await sign({ hash: digestHex(payload), privateKey: EIP155_KEY });
    const recovery = signature.yParity as 0 | 1;
    expect(signatureV(payload, recovery)).toBe(recovery);
    const raw = serializeSignedTransaction(payload, {
      r: BigInt(signature.r),
      s: BigInt(signature.s),
      recovery,
    });
    expect(parseTransaction(raw).chainId).toBe(11155111);
    expect(await recoverTransactionAddress({ serializedTransaction: raw as never })).toBe(
      account.address,
    );
  });
});

describe('EIP-191 and EIP-712 digests', () => {
  it('text message equals viem hashMessage', () => {
    const payload = parseSignPayload({ kind: 'message', message: stringToHex('hello world') });
    expect(digestHex(payload)).toBe(hashMessage('hello world'));
  });

  it('binary message equals viem hashMessage({ raw }), even 32 bytes long (prefixed, not bare)', () => {
    const raw = `0x${'00ff'.repeat(16)}` as const;
    const payload = parseSignPayload({ kind: 'message', message: raw });
    expect(digestHex(payload)).toBe(hashMessage({ raw }));
    expect(signatureV(payload, 1)).toBe(28);
  });

  it('the EIP-712 Mail example gives the EIP digest', () => {
    expect(digestHex(parseSignPayload(MAIL_PAYLOAD))).toBe(MAIL_DIGEST);
    expect(signatureV(parseSignPayload(MAIL_PAYLOAD), 0)).toBe(27);
  });

  it('without types.EIP712Domain the domain is the empty struct, as eth-sig-util v4 hashes it', () => {
    const withoutDomainType = parseSignPayload(
      edited(MAIL_PAYLOAD, (p) => {
        delete p.typedData.types.EIP712Domain;
      }),
    );
    // eth-sig-util's sanitizeData defaults `types.EIP712Domain` to [], so no domain field is signed.
    expect(withoutDomainType.kind === 'typedData' && withoutDomainType.typedData.domain).toEqual(
      {},
    );
    expect(payloadChainId(withoutDomainType)).toBeUndefined();
    const { EIP712Domain: _, ...types } = MAIL_TYPED_DATA.types;
    expect(digestHex(withoutDomainType)).toBe(
      hashTypedData({ ...MAIL_TYPED_DATA, types, domain: {} } as never),
    );
    expect(digestHex(withoutDomainType)).not.toBe(MAIL_DIGEST);
  });

  it('typed data with integers, bytes, arrays and nested structs equals viem hashTypedData', () => {
    const typedData = {
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'chainId', type: 'uint256' },
          { name: 'salt', type: 'bytes32' },
        ],
        Item: [
          { name: 'id', type: 'uint256' },
          { name: 'delta', type: 'int32' },
          { name: 'tag', type: 'bytes4' },
        ],
        Order: [
          { name: 'items', type: 'Item[]' },
          { name: 'pair', type: 'uint8[2]' },
          { name: 'blob', type: 'bytes' },
          { name: 'ok', type: 'bool' },
        ],
      },
      primaryType: 'Order',
      domain: { name: 'Shop', chainId: '0x89', salt: `0x${'ab'.repeat(32)}` },
      message: {
        items: [
          {
            id: '115792089237316195423570985008687907853269984665640564039457584007913129639935',
            delta: -5,
            tag: '0xdeadbeef',
          },
          { id: '0x10', delta: '-2147483648', tag: '0x00000000' },
        ],
        pair: [1, 255],
        blob: '0x0102',
        ok: true,
      },
    };
    const payload = parseSignPayload({ kind: 'typedData', typedData });
    const expected = hashTypedData({
      // viem derives the same EIP712Domain type from the domain.
      types: { Item: typedData.types.Item, Order: typedData.types.Order },
      primaryType: 'Order',
      domain: { name: 'Shop', chainId: 137, salt: typedData.domain.salt as `0x${string}` },
      message: {
        items: [
          { id: 2n ** 256n - 1n, delta: -5, tag: '0xdeadbeef' },
          { id: 16n, delta: -2147483648, tag: '0x00000000' },
        ],
        pair: [1, 255],
        blob: '0x0102',
        ok: true,
      },
    });
    expect(digestHex(payload)).toBe(expected);
    expect(payloadChainId(payload)).toBe(137);
  });
});

describe('CBOR round trip (cbor-x, the wire options of tss/wire.ts)', () => {
  const options = { tagUint8Array: false, useRecords: false, mapsAsObjects: true } as const;
  const encoder = new Encoder(options);
  const decoder = new Decoder(options);

  it.each([
    ['EIP-155', EIP155_PAYLOAD],
    ['EIP-1559', EIP1559_PAYLOAD],
    ['EIP-2930', EIP2930_PAYLOAD],
    ['creation', CREATION_PAYLOAD],
    ['message', { kind: 'message', message: stringToHex('hi') }],
    ['typed data', MAIL_PAYLOAD],
  ] as const)('%s keeps its digest', (_name, raw) => {
    const payload = parseSignPayload(raw);
    const decoded = decoder.decode(encoder.encode(payload));
    expect(digestHex(parseSignPayload(decoded))).toBe(digestHex(payload));
  });
});

describe('chain ids', () => {
  it('payloadChainId: the transaction chain, the domain chain, none for messages', () => {
    expect(payloadChainId(parseSignPayload(EIP1559_PAYLOAD))).toBe(11155111);
    expect(payloadChainId(parseSignPayload(MAIL_PAYLOAD))).toBe(1);
    expect(payloadChainId(parseSignPayload({ kind: 'message', message: '0x01' }))).toBeUndefined();
  });

  it('assertPayloadChainId refuses typed data bound to another chain', () => {
    const payload = parseSignPayload(MAIL_PAYLOAD);
    expect(() => assertPayloadChainId(payload, 1)).not.toThrow();
    expectCkmError(() => assertPayloadChainId(payload, 10), 'ChainIdMismatch');
    expect(() =>
      assertPayloadChainId(parseSignPayload({ kind: 'message', message: '0x01' }), 10),
    ).not.toThrow();
  });
});

describe('describePayload', () => {
  it('one line with kind, chain, to and value, never the data', () => {
    expect(describePayload(parseSignPayload(EIP155_PAYLOAD))).toBe(
      'transaction legacy chain 1 nonce 9 to 0x3535353535353535353535353535353535353535 value 1000000000000000000 wei data 0 bytes',
    );
    const creation = describePayload(parseSignPayload(CREATION_PAYLOAD));
    expect(creation).toContain('to (contract creation)');
    expect(creation).not.toContain(CREATION_PAYLOAD.transaction.data.slice(2));
    expect(
      describePayload(parseSignPayload({ kind: 'message', message: stringToHex('secret') })),
    ).toBe('message (EIP-191) 6 bytes');
    expect(describePayload(parseSignPayload(MAIL_PAYLOAD))).toBe(
      'typedData (EIP-712) Mail chain 1 contract 0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC domain "Ether Mail"',
    );
  });

  it('a hostile domain name cannot break the line', () => {
    const payload = parseSignPayload(
      edited(MAIL_PAYLOAD, (p) => {
        p.typedData.domain.name = `evil"\nINJECTED ${'x'.repeat(100)}`;
      }),
    );
    const line = describePayload(payload);
    expect(line).not.toContain('\n');
    expect(line.length).toBeLessThan(200);
  });
});

describe('parseSignPayload refuses bare hashes (BareHashRefused)', () => {
  const hash = `0x${'ab'.repeat(32)}`;
  it.each([
    ['a 32-byte hex string', hash],
    ['a 32-byte hex string without 0x', 'ab'.repeat(32)],
    ['32 bytes', new Uint8Array(32)],
    ['kind "digest"', { kind: 'digest', digest: hash }],
    ['kind "hash"', { kind: 'hash', value: hash }],
    ['{ hash }', { hash }],
    ['{ digest }', { digest: new Uint8Array(32) }],
    ['{ messageHash } with a chain', { messageHash: hash, chainId: 1 }],
    ['an object of 32-byte values only', { h: hash }],
    ['a transaction kind with an extra hash', { ...EIP155_PAYLOAD, hash }],
  ])('%s', (_name, value) => {
    expectCkmError(() => parseSignPayload(value), 'BareHashRefused');
  });
});

describe('parseSignPayload refuses bad transactions', () => {
  const cases: [string, unknown, CkmErrorCode, RegExp][] = [
    [
      'chain id mismatch',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.chainId = 1;
      }),
      'ChainIdMismatch',
      /transaction\.chainId/,
    ],
    [
      'missing transaction chain id',
      edited(EIP155_PAYLOAD, (p) => {
        delete p.transaction.chainId;
      }),
      'InvalidPayload',
      /"transaction\.chainId" is missing/,
    ],
    [
      'missing top-level chain id',
      edited(EIP155_PAYLOAD, (p) => {
        delete p.chainId;
      }),
      'InvalidPayload',
      /"chainId" is not a chain id/,
    ],
    [
      'chain id 0',
      edited(EIP155_PAYLOAD, (p) => {
        p.chainId = 0;
        p.transaction.chainId = 0;
      }),
      'InvalidPayload',
      /chainId/,
    ],
    [
      'chain id as a string',
      edited(EIP155_PAYLOAD, (p) => {
        p.chainId = '1';
      }),
      'InvalidPayload',
      /"chainId"/,
    ],
    [
      'bad address',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.to = '0x1234';
      }),
      'InvalidPayload',
      /"transaction\.to" is not an address/,
    ],
    [
      'bad checksum',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.to = '0x70997970c51812dc3A010C7d01b50e0d17dc79C8';
      }),
      'InvalidPayload',
      /"transaction\.to"/,
    ],
    [
      'null to',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.to = null;
      }),
      'InvalidPayload',
      /"transaction\.to"/,
    ],
    [
      'bad hex data',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.data = '0xabc';
      }),
      'InvalidPayload',
      /"transaction\.data" is not hex bytes/,
    ],
    [
      'non-hex data',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.data = '0xzz';
      }),
      'InvalidPayload',
      /"transaction\.data" is not hex bytes/,
    ],
    [
      'oversized data',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.data = `0x${'00'.repeat(PAYLOAD_LIMITS.transactionDataBytes + 1)}`;
      }),
      'InvalidPayload',
      /"transaction\.data" is larger than/,
    ],
    [
      'unknown field in the transaction',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.from = p.transaction.to;
      }),
      'InvalidPayload',
      /"transaction\.from" is not a known field/,
    ],
    [
      'gasPrice in an EIP-1559 transaction',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.gasPrice = '0x1';
      }),
      'InvalidPayload',
      /"transaction\.gasPrice" is not a known field/,
    ],
    [
      'unknown top-level field',
      edited(EIP1559_PAYLOAD, (p) => {
        p.note = 'x';
      }),
      'InvalidPayload',
      /"payload\.note" is not a known field/,
    ],
    [
      'nonce as a number',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.nonce = 42;
      }),
      'InvalidPayload',
      /"transaction\.nonce" is not a hex quantity/,
    ],
    [
      'negative value',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.value = '-0x1';
      }),
      'InvalidPayload',
      /"transaction\.value" is not a hex quantity/,
    ],
    [
      'leading zero quantity',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.gas = '0x05208';
      }),
      'InvalidPayload',
      /"transaction\.gas" is not a hex quantity/,
    ],
    [
      'value above uint256',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.value = `0x1${'0'.repeat(64)}`;
      }),
      'InvalidPayload',
      /"transaction\.value" is not a hex quantity/,
    ],
    [
      'nonce too large',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.nonce = toHex(2n ** 64n - 1n);
      }),
      'InvalidPayload',
      /"transaction\.nonce" exceeds/,
    ],
    [
      'max fee missing',
      edited(EIP1559_PAYLOAD, (p) => {
        delete p.transaction.maxFeePerGas;
      }),
      'InvalidPayload',
      /"transaction\.maxFeePerGas" is not a hex quantity/,
    ],
    [
      'priority fee above max fee',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.maxPriorityFeePerGas = '0x77359401';
      }),
      'InvalidPayload',
      /"transaction\.maxPriorityFeePerGas" exceeds/,
    ],
    [
      'EIP-4844',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.type = 'eip4844';
      }),
      'InvalidPayload',
      /EIP-4844 blob transactions are not supported/,
    ],
    [
      'unknown type',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.type = 2;
      }),
      'InvalidPayload',
      /"transaction\.type"/,
    ],
    [
      'bad access-list address',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.accessList[0].address = '0x12';
      }),
      'InvalidPayload',
      /"transaction\.accessList\[0\]\.address"/,
    ],
    [
      'short storage key',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.accessList[0].storageKeys = ['0x01'];
      }),
      'InvalidPayload',
      /"transaction\.accessList\[0\]\.storageKeys\[0\]" is not 32 bytes/,
    ],
    [
      'access-list extra field',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.accessList[0].x = 1;
      }),
      'InvalidPayload',
      /accessList\[0\]\.x" is not a known field/,
    ],
    [
      'too many storage keys',
      edited(EIP1559_PAYLOAD, (p) => {
        p.transaction.accessList = Array.from({ length: 3 }, () => ({
          address: p.transaction.to,
          storageKeys: Array(PAYLOAD_LIMITS.accessListStorageKeys / 2).fill(`0x${'00'.repeat(32)}`),
        }));
      }),
      'InvalidPayload',
      /storage keys/,
    ],
    [
      'transaction not an object',
      { kind: 'transaction', chainId: 1, transaction: [1] },
      'InvalidPayload',
      /"transaction" is not an object/,
    ],
    [
      'a class instance',
      { kind: 'transaction', chainId: 1, transaction: new Map([['type', 'legacy']]) },
      'InvalidPayload',
      /"transaction" is not an object/,
    ],
  ];
  it.each(cases)('%s', (_name, value, code, message) => {
    expectCkmError(() => parseSignPayload(value), code, message);
  });
});

describe('parseSignPayload refuses bad messages and shapes', () => {
  const cases: [string, unknown, RegExp][] = [
    ['not an object', 42, /"payload" is not an object/],
    ['null', null, /"payload" is not an object/],
    ['unknown kind', { kind: 'raw' }, /"kind" is not one of/],
    ['message not hex', { kind: 'message', message: 'hello' }, /"message" is not hex bytes/],
    [
      'message as bytes',
      { kind: 'message', message: new Uint8Array(3) },
      /"message" is not hex bytes/,
    ],
    [
      'message too large',
      { kind: 'message', message: `0x${'00'.repeat(PAYLOAD_LIMITS.messageBytes + 1)}` },
      /"message" is larger than/,
    ],
    [
      'message extra field',
      { kind: 'message', message: '0x01', chainId: 1 },
      /"payload\.chainId" is not a known field/,
    ],
  ];
  it.each(cases)('%s', (_name, value, message) => {
    expectCkmError(() => parseSignPayload(value), 'InvalidPayload', message);
  });
});

describe('parseSignPayload: hostile values (after noble getTypeTests) only ever give a CkmError', () => {
  const hostile: [string, unknown][] = [
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a bigint', 1n],
    ['a symbol', Symbol('x')],
    ['a function', () => 1],
    ['an array', [EIP155_PAYLOAD]],
    ['a Date', new Date(0)],
    ['a fake Uint8Array', { length: 32, constructor: Uint8Array }],
    [
      'a throwing getter',
      Object.defineProperty({ kind: 'message' }, 'message', {
        enumerable: true,
        get: () => {
          throw new Error('boom');
        },
      }),
    ],
    [
      'a throwing Proxy',
      new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('boom');
          },
          getPrototypeOf: () => Object.prototype,
        },
      ),
    ],
  ];
  it.each(hostile)('%s', (_name, value) => {
    expect(() => parseSignPayload(value)).toThrow();
    try {
      parseSignPayload(value);
    } catch (error) {
      expect(isCkmError(error)).toBe(true);
    }
  });

  it('"__proto__" keys from JSON are refused, never followed', () => {
    const top = JSON.parse('{"kind":"message","message":"0x01","__proto__":{"x":1}}');
    expectCkmError(
      () => parseSignPayload(top),
      'InvalidPayload',
      /"payload\.__proto__" is not a known field/,
    );
    const types = JSON.parse(
      JSON.stringify(MAIL_PAYLOAD).replace('"Person":', '"__proto__":[],"Person":'),
    );
    expectCkmError(
      () => parseSignPayload(types),
      'InvalidPayload',
      /"typedData\.types\.__proto__" is not a valid struct type name/,
    );
  });

  it('an object without prototype is parsed like a plain one', () => {
    const value = Object.assign(Object.create(null), { kind: 'message', message: '0x01' });
    expect(digestHex(parseSignPayload(value))).toBe(hashMessage({ raw: '0x01' }));
  });
});

describe('parseSignPayload refuses bad typed data', () => {
  const mail = (edit: (typedData: Editable) => void) =>
    edited(MAIL_PAYLOAD, (p) => edit(p.typedData));
  const cases: [string, unknown, RegExp][] = [
    [
      'missing struct type',
      mail((t) => {
        delete t.types.Person;
      }),
      /"typedData\.types\.Mail\[0\]\.type" names a type that is not defined/,
    ],
    [
      'unknown primaryType',
      mail((t) => {
        t.primaryType = 'Letter';
      }),
      /"typedData\.primaryType"/,
    ],
    [
      'EIP712Domain as primaryType',
      mail((t) => {
        t.primaryType = 'EIP712Domain';
      }),
      /"typedData\.primaryType"/,
    ],
    [
      'domain type lists a field the domain lacks',
      mail((t) => {
        delete t.domain.version;
      }),
      /"typedData\.domain\.version" is missing \(declared in "typedData\.types\.EIP712Domain"\)/,
    ],
    [
      'domain type lists a field outside EIP-712',
      mail((t) => {
        t.types.EIP712Domain.push({ name: 'extra', type: 'string' });
        t.domain.extra = 'x';
      }),
      /"typedData\.types\.EIP712Domain" does not list EIP-712 domain fields/,
    ],
    [
      'domain type out of order',
      mail((t) => {
        t.types.EIP712Domain.reverse();
      }),
      /EIP712Domain/,
    ],
    [
      'domain type with a wrong type',
      mail((t) => {
        t.types.EIP712Domain[2].type = 'uint64';
      }),
      /EIP712Domain/,
    ],

    [
      'bad domain chain id',
      mail((t) => {
        t.domain.chainId = -1;
      }),
      /"typedData\.domain\.chainId"/,
    ],
    [
      'bad verifying contract',
      mail((t) => {
        t.domain.verifyingContract = '0x00';
      }),
      /"typedData\.domain\.verifyingContract"/,
    ],
    [
      'missing member',
      mail((t) => {
        delete t.message.contents;
      }),
      /"typedData\.message\.contents" is missing/,
    ],

    [
      'bad address member',
      mail((t) => {
        t.message.to.wallet = '0x1234';
      }),
      /"typedData\.message\.to\.wallet" is not an address/,
    ],
    [
      'string member as a number',
      mail((t) => {
        t.message.contents = 5;
      }),
      /"typedData\.message\.contents" is not a string/,
    ],
    [
      'unknown field of typedData',
      mail((t) => {
        t.extra = 1;
      }),
      /"typedData\.extra" is not a known field/,
    ],
    [
      'invalid atomic type',
      mail((t) => {
        t.types.Person[0].type = 'uint7';
      }),
      /names a type that is not defined/,
    ],
    [
      'bare uint',
      mail((t) => {
        t.types.Person[0].type = 'uint';
      }),
      /names a type that is not defined/,
    ],
    [
      'reserved member name',
      mail((t) => {
        t.types.Person[0].name = '__proto__';
      }),
      /is not a valid member name/,
    ],
    [
      'reserved type name',
      mail((t) => {
        t.types.constructor = [];
      }),
      /is not a valid struct type name/,
    ],
    [
      'type named like an atomic type',
      mail((t) => {
        t.types.bytes8 = [];
      }),
      /is not a valid struct type name/,
    ],
    [
      'duplicate member',
      mail((t) => {
        t.types.Person.push({ name: 'name', type: 'string' });
      }),
      /repeats a member name/,
    ],
    [
      'too many types',
      mail((t) => {
        for (let i = 0; i <= PAYLOAD_LIMITS.typedDataTypes; i++) t.types[`T${i}`] = [];
      }),
      /has more than/,
    ],
  ];
  it.each(cases)('%s', (_name, value, message) => {
    expectCkmError(() => parseSignPayload(value), 'InvalidPayload', message);
  });

  const numbers = (type: string, value: unknown) => ({
    kind: 'typedData',
    typedData: {
      types: { N: [{ name: 'n', type }] },
      primaryType: 'N',
      domain: {},
      message: { n: value },
    },
  });
  it.each([
    ['uint8 256', 'uint8', 256, /outside the range of uint8/],
    ['uint256 negative', 'uint256', '-1', /outside the range of uint256/],
    ['int8 -129', 'int8', -129, /outside the range of int8/],
    ['unsafe number', 'uint256', 2 ** 60, /is not an integer/],
    ['float', 'uint256', 1.5, /is not an integer/],
    ['decimal with spaces', 'uint256', ' 1', /is not an integer/],
    ['bytes4 wrong size', 'bytes4', '0x0102', /is not 4 bytes/],
    ['bool as string', 'bool', 'true', /is not a boolean/],
    ['fixed array wrong length', 'uint8[2]', [1], /does not have 2 items/],
    ['array size 0', 'uint8[0]', [], /array size/],
  ] as const)('%s', (_name, type, value, message) => {
    expectCkmError(() => parseSignPayload(numbers(type, value)), 'InvalidPayload', message);
  });

  it('a value budget stops huge messages', () => {
    const value = numbers('uint8[][]', Array(20).fill(Array(1000).fill(1)));
    expectCkmError(() => parseSignPayload(value), 'InvalidPayload', /past 8192 values/);
  });

  it('hostile deep nesting of a recursive struct stops at the depth limit', () => {
    let node: Record<string, unknown> = { children: [] };
    for (let i = 0; i < 10_000; i++) node = { children: [node] };
    const value = {
      kind: 'typedData',
      typedData: {
        types: { Node: [{ name: 'children', type: 'Node[]' }] },
        primaryType: 'Node',
        domain: {},
        message: node,
      },
    };
    expectCkmError(() => parseSignPayload(value), 'InvalidPayload', /nests deeper than 16 levels/);
  });

  it('a recursive struct within the depth limit is accepted and hashed like viem', () => {
    const message = { children: [{ children: [] }, { children: [{ children: [] }] }] };
    const types = { Node: [{ name: 'children', type: 'Node[]' }] };
    const payload = parseSignPayload({
      kind: 'typedData',
      typedData: { types, primaryType: 'Node', domain: {}, message },
    });
    expect(digestHex(payload)).toBe(
      hashTypedData({ types, primaryType: 'Node', domain: {}, message }),
    );
  });

  it('hostile deep nesting of arrays stops at the depth limit', () => {
    const type = `uint8${'[]'.repeat(40)}`;
    expectCkmError(() => parseSignPayload(numbers(type, [])), 'InvalidPayload', /array dimensions/);
  });
});

describe('payloadDigest on hand-built payloads (not from parseSignPayload)', () => {
  it('wraps what viem refuses in InvalidPayload naming the kind', () => {
    const tip = {
      kind: 'transaction',
      chainId: 1,
      transaction: {
        ...EIP1559_PAYLOAD.transaction,
        chainId: 1,
        maxPriorityFeePerGas: '0xffffffffff',
      },
    } as const;
    expectCkmError(() => payloadDigest(tip), 'InvalidPayload', /"transaction" is refused by viem/);
    const typed = {
      kind: 'typedData',
      typedData: { ...MAIL_TYPED_DATA, primaryType: 'Letter' },
    } as const;
    expectCkmError(
      () => payloadDigest(typed as never),
      'InvalidPayload',
      /"typedData" is refused by viem/,
    );
    expectCkmError(() => payloadDigest(null as never), 'InvalidPayload', /"payload"/);
  });
});

describe('signatureV and serializeSignedTransaction refuse bad signatures', () => {
  const payload = parseSignPayload(EIP155_PAYLOAD) as TransactionSignPayload;
  it('recovery other than 0 or 1', () => {
    expectCkmError(() => signatureV(payload, 2 as 0), 'InvalidParameters', /"recovery"/);
    expectCkmError(
      () => serializeSignedTransaction(payload, { r: 1n, s: 1n, recovery: 3 as 1 }),
      'InvalidParameters',
      /"recovery"/,
    );
  });
  it('high s (EIP-2)', () => {
    expectCkmError(
      () => serializeSignedTransaction(payload, { r: 1n, s: N - 1n, recovery: 0 }),
      'InvalidParameters',
      /"signature\.s"/,
    );
  });
  it('r out of range', () => {
    expectCkmError(
      () => serializeSignedTransaction(payload, { r: N, s: 1n, recovery: 0 }),
      'InvalidParameters',
      /"signature\.r"/,
    );
    expectCkmError(
      () => serializeSignedTransaction(payload, { r: 0n, s: 1n, recovery: 0 }),
      'InvalidParameters',
      /"signature\.r"/,
    );
  });
  it('a non-transaction payload', () => {
    const message = parseSignPayload({ kind: 'message', message: '0x01' });
    expectCkmError(
      () => serializeSignedTransaction(message as never, { r: 1n, s: 1n, recovery: 0 }),
      'InvalidParameters',
      /"payload"/,
    );
  });
});

describe('property: random valid EIP-1559 transactions', () => {
  const quantity = (max: bigint) => fc.bigInt({ min: 0n, max }).map((n) => toHex(n));
  const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b));
  const uint256 = (1n << 256n) - 1n;

  it('digest equals keccak256(serializeTransaction(...)) from viem', () => {
    fc.assert(
      fc.property(
        fc.record({
          chainId: fc.integer({ min: 1, max: 2 ** 40 }),
          nonce: fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }),
          gas: quantity(uint256),
          fees: fc.tuple(
            fc.bigInt({ min: 0n, max: uint256 }),
            fc.bigInt({ min: 0n, max: uint256 }),
          ),
          to: fc.option(address, { nil: undefined }),
          value: quantity(uint256),
          data: fc.uint8Array({ maxLength: 200 }).map((b) => bytesToHex(b)),
          accessList: fc.array(
            fc.record({
              address,
              storageKeys: fc.array(
                fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b)),
                { maxLength: 3 },
              ),
            }),
            { maxLength: 3 },
          ),
        }),
        (r) => {
          const [a, b] = r.fees;
          const [priority, max] = a <= b ? [a, b] : [b, a];
          const transaction = {
            type: 'eip1559',
            chainId: r.chainId,
            nonce: toHex(r.nonce),
            gas: r.gas,
            maxFeePerGas: toHex(max),
            maxPriorityFeePerGas: toHex(priority),
            ...(r.to === undefined ? {} : { to: r.to }),
            value: r.value,
            data: r.data,
            accessList: r.accessList,
          };
          const payload = parseSignPayload({
            kind: 'transaction',
            chainId: r.chainId,
            transaction,
          });
          const expected = keccak256(
            serializeTransaction({
              type: 'eip1559',
              chainId: r.chainId,
              nonce: Number(r.nonce),
              gas: BigInt(r.gas),
              maxFeePerGas: max,
              maxPriorityFeePerGas: priority,
              to: r.to,
              value: BigInt(r.value),
              data: r.data,
              accessList: r.accessList,
            }),
          );
          expect(digestHex(payload)).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
