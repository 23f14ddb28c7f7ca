/**
 * Undeclared typed-data fields (ckm/payload/typedData.ts): dropped as eth-sig-util's
 * `signTypedData` v4 ignores them, so that the digest is the one MetaMask signs and dApps verify;
 * bounded all the same on the raw input; and what eth-sig-util refuses still refused.
 *
 * The expected digests come from `referenceDigest` below, written from the EIP-712 text
 * ("Definition of encodeType / encodeData / hashStruct") with eth-sig-util's v4 reading of it —
 * only the members that `types` declares are encoded, and the domain is encoded with
 * `types.EIP712Domain`, the empty struct when absent — on the raw input, with no viem and no
 * code of ours. It is checked first against published vectors.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Decoder, Encoder } from 'cbor-x';
import { bytesToHex, getAddress, hashTypedData, hexToBytes } from 'viem';
import { describe, expect, it } from 'vitest';
import { type CkmErrorCode, isCkmError } from '../../ckm/errors';
import {
  PAYLOAD_LIMITS,
  parseSignPayload,
  payloadChainId,
  payloadDigest,
  type SignPayload,
  type TypedDataPayload,
} from '../../ckm/payload';
import { parseTypedDataWithUndeclared } from '../../ckm/payload/typedData';
import {
  FROM,
  malformed,
  nft721Permit,
  signBlurOrder,
  signPermit,
  signPermitBatch,
  signPermitSingle,
  signSeaportBulkOrder,
  signTypedDataV3,
  signTypedDataV4,
} from '../background/decode/test-dapp-payloads';

// ---------------------------------------------------------------------------------------------
// The reference: EIP-712 as eth-sig-util v4 computes it, on untyped JSON.

type Json = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited field by field, on purpose untyped
type Editable = Record<string, any>;
type Fields = readonly { name: string; type: string }[];
type Types = Record<string, Fields>;

const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (parts: readonly Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};
const hexBytes = (hex: string) => hexToBytes(hex as `0x${string}`);

/** A 32-byte big-endian two's-complement word. */
function word(value: bigint): Uint8Array {
  const wrapped = value < 0n ? (1n << 256n) + value : value;
  return hexBytes(`0x${wrapped.toString(16).padStart(64, '0')}`);
}

/** `Base[2][]` → `Base`. */
const baseOf = (type: string) => type.replace(/\[[0-9]*\]/g, '');

function dependencies(type: string, types: Types, found: Set<string>): Set<string> {
  const base = baseOf(type);
  if (found.has(base) || types[base] === undefined) return found;
  found.add(base);
  for (const field of types[base]) dependencies(field.type, types, found);
  return found;
}

/** "encodeType": the primary type, then its dependencies sorted by name. */
function encodeType(primary: string, types: Types): string {
  const rest = [...dependencies(primary, types, new Set())].filter((t) => t !== primary).sort();
  return [primary, ...rest]
    .map((t) => `${t}(${(types[t] ?? []).map((f) => `${f.type} ${f.name}`).join(',')})`)
    .join('');
}

function encodeValue(type: string, value: unknown, types: Types): Uint8Array {
  if (type.endsWith(']')) {
    const inner = type.slice(0, type.lastIndexOf('['));
    return keccak_256(concat((value as unknown[]).map((item) => encodeValue(inner, item, types))));
  }
  if (types[type] !== undefined) return hashStruct(type, value as Json, types);
  if (type === 'string') return keccak_256(utf8(value as string));
  if (type === 'bytes') return keccak_256(hexBytes(value as string));
  if (type === 'bool') return word(value ? 1n : 0n);
  if (type === 'address') return word(BigInt(value as string));
  const fixed = /^bytes([0-9]+)$/.exec(type);
  if (fixed) {
    const out = new Uint8Array(32);
    out.set(hexBytes(value as string));
    return out;
  }
  if (/^u?int[0-9]+$/.test(type)) return word(BigInt(value as string | number));
  throw new Error(`reference: no encoding for ${type}`);
}

/** "hashStruct": keccak256(typeHash ‖ encodeData), over the DECLARED members only. */
function hashStruct(primary: string, data: Json, types: Types): Uint8Array {
  const typeHash = keccak_256(utf8(encodeType(primary, types)));
  const members = (types[primary] ?? []).map((field) => {
    if (data[field.name] === undefined) throw new Error(`reference: missing ${field.name}`);
    return encodeValue(field.type, data[field.name], types);
  });
  return keccak_256(concat([typeHash, ...members]));
}

/** keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(message)), as eth-sig-util v4. */
function referenceDigest(typedData: unknown): `0x${string}` {
  const { types, primaryType, domain, message } = typedData as {
    types: Types;
    primaryType: string;
    domain: Json;
    message: Json;
  };
  const domainTypes = { EIP712Domain: types.EIP712Domain ?? [] };
  const separator = hashStruct('EIP712Domain', domain, domainTypes);
  return bytesToHex(
    keccak_256(concat([hexBytes('0x1901'), separator, hashStruct(primaryType, message, types)])),
  );
}

// ---------------------------------------------------------------------------------------------

const digestHex = (payload: SignPayload) => bytesToHex(payloadDigest(payload));
const typed = (typedData: unknown) => ({ kind: 'typedData', typedData }) as const;
const parsedTypedData = (typedData: unknown): TypedDataPayload => {
  const payload = parseSignPayload(typed(typedData));
  if (payload.kind !== 'typedData') throw new Error('not typed data');
  return payload.typedData;
};

function expectCkmError(run: () => unknown, code: CkmErrorCode, message: RegExp) {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isCkmError(thrown), `expected CkmError ${code}, got ${String(thrown)}`).toBe(true);
  if (!isCkmError(thrown)) return;
  expect(thrown.code).toBe(code);
  expect(thrown.shortMessage).toMatch(message);
}

/** Every key at any depth of a JSON value. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      into.add(key);
      keysOf(item, into);
    }
  return into;
}

const NFT_CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
/**
 * The test dApp's `sign721Permit` sends a spender whose mixed case is not its EIP-55 checksum,
 * which the parser refuses (a separate rule; see the last test); here with the checksum fixed.
 */
const NFT_PERMIT = (() => {
  const permit = nft721Permit(NFT_CONTRACT);
  return {
    ...permit,
    message: { ...permit.message, spender: getAddress(permit.message.spender.toLowerCase()) },
  };
})();
const DOMAIN_FIELDS = [
  'domain.name',
  'domain.version',
  'domain.chainId',
  'domain.verifyingContract',
];

describe('the reference implementation', () => {
  it('gives the EIP-712 Mail example digest (ethereum/EIPs assets/eip-712/Example.js)', () => {
    const mail = { ...signTypedDataV3, domain: { ...signTypedDataV3.domain, chainId: 1 } };
    expect(referenceDigest(mail)).toBe(
      '0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2',
    );
  });

  it('gives the v4 arrays vector of eth-sig-util and other implementations (Mail with Person[])', () => {
    const { attachment: _, ...message } = signTypedDataV4.message;
    const types = {
      ...signTypedDataV4.types,
      Mail: signTypedDataV4.types.Mail.filter((f) => f.name !== 'attachment'),
    };
    const vector = {
      ...signTypedDataV4,
      types,
      message,
      domain: { ...signTypedDataV4.domain, chainId: 1 },
    };
    expect(referenceDigest(vector)).toBe(
      '0xa85c2e2b118698e88db68a8105b794a8cc7cec074e89ef991cb4f5f533819cc2',
    );
  });

  it('agrees with viem where the payload declares everything it carries', () => {
    expect(referenceDigest(signPermitSingle)).toBe(hashTypedData(signPermitSingle as never));
    expect(referenceDigest(signTypedDataV4)).toBe(
      hashTypedData({
        ...signTypedDataV4,
        domain: { ...signTypedDataV4.domain, chainId: 31337 },
      } as never),
    );
  });
});

describe("the test dApp's typed data: parsed, and digested as eth-sig-util v4 does", () => {
  it.each([
    ['signPermitBatch (domain.version undeclared)', signPermitBatch, ['domain.version']],
    [
      'signSeaportBulkOrder (no types.EIP712Domain, totalOriginalConsiderationItems undeclared)',
      signSeaportBulkOrder,
      [...DOMAIN_FIELDS, 'message.tree[][].totalOriginalConsiderationItems'],
    ],
    ['signBlurOrder', signBlurOrder, []],
    ['signPermitSingle', signPermitSingle, []],
    ['signPermit', signPermit, []],
    ['signTypedDataV3', signTypedDataV3, []],
    ['signTypedDataV4', signTypedDataV4, []],
    [
      'sign721Permit with a checksummed spender (no types.EIP712Domain: the empty domain)',
      NFT_PERMIT,
      DOMAIN_FIELDS,
    ],
    ['signExtraDataNotTyped', malformed.signExtraDataNotTyped, ['message.extraData']],
  ] as const)('%s', (_name, typedData, undeclared) => {
    const payload = parseSignPayload(typed(typedData));
    expect(digestHex(payload)).toBe(referenceDigest(typedData));
    expect(parseTypedDataWithUndeclared(typedData).undeclared).toEqual(undeclared);
  });

  it('PermitBatch: the parsed domain has no version, and the digest differs from one that signs it', () => {
    const typedData = parsedTypedData(signPermitBatch);
    expect(typedData.domain).toEqual({
      name: 'Permit2',
      chainId: 31337,
      verifyingContract: '0x000000000022d473030f116ddee9f6b43ac78ba3',
    });
    expect(payloadChainId(typed(typedData) as SignPayload)).toBe(31337);
    const signingVersion = {
      ...signPermitBatch,
      types: {
        ...signPermitBatch.types,
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'version', type: 'string' },
          { name: 'chainId', type: 'uint256' },
          { name: 'verifyingContract', type: 'address' },
        ],
      },
    };
    expect(digestHex(parseSignPayload(typed(signingVersion)))).not.toBe(
      referenceDigest(signPermitBatch),
    );
  });

  it('Seaport: no undeclared key is left anywhere in the parsed message', () => {
    const typedData = parsedTypedData(signSeaportBulkOrder);
    expect(keysOf(signSeaportBulkOrder.message)).toContain('totalOriginalConsiderationItems');
    expect(keysOf(typedData.message)).not.toContain('totalOriginalConsiderationItems');
    const declared = new Set(Object.values(typedData.types).flatMap((m) => m.map((f) => f.name)));
    for (const key of keysOf(typedData.message)) expect(declared).toContain(key);
  });

  it('the parsed payload (what the device sends the server) parses to itself, with nothing dropped', () => {
    for (const raw of [signPermitBatch, signSeaportBulkOrder, NFT_PERMIT]) {
      const once = parsedTypedData(raw);
      const again = parseTypedDataWithUndeclared(once);
      expect(again.undeclared).toEqual([]);
      expect(again.typedData).toEqual(once);
      expect(digestHex(parseSignPayload(typed(once)))).toBe(referenceDigest(raw));
    }
  });

  it('the CBOR round trip of the parsed Seaport payload keeps its digest', () => {
    const options = { tagUint8Array: false, useRecords: false, mapsAsObjects: true } as const;
    const payload = parseSignPayload(typed(signSeaportBulkOrder));
    const back = new Decoder(options).decode(new Encoder(options).encode(payload));
    expect(digestHex(parseSignPayload(back))).toBe(referenceDigest(signSeaportBulkOrder));
  });

  it('undeclared fields at several depths are each named by their path', () => {
    const order = structuredClone(signBlurOrder) as { message: Record<string, unknown> };
    (order.message.makerFee as Record<string, unknown>).memo = { note: 'x', tags: [1, 'a', null] };
    order.message.zzz = true;
    // A struct's own undeclared fields are named before those of its members.
    expect(parseTypedDataWithUndeclared(order).undeclared).toEqual([
      'message.zzz',
      'message.makerFee.memo',
    ]);
    expect(digestHex(parseSignPayload(typed(order)))).toBe(referenceDigest(signBlurOrder));
  });
});

describe('dropped data is still bounded on the raw input', () => {
  const withExtra = (extra: unknown, at: 'message' | 'domain' | 'nested' = 'message') => {
    const copy = structuredClone(signBlurOrder) as {
      domain: Record<string, unknown>;
      message: Record<string, unknown> & { makerFee: Record<string, unknown> };
    };
    if (at === 'domain') copy.domain.extra = extra;
    else if (at === 'nested') copy.message.makerFee.extra = extra;
    else copy.message.extra = extra;
    return typed(copy);
  };

  it.each([
    [
      'a string past the character budget',
      withExtra('x'.repeat(PAYLOAD_LIMITS.typedDataChars + 1)),
      /"typedData\.message\.extra" takes the message past 262144 characters/,
    ],
    [
      'the same in the domain',
      withExtra('x'.repeat(PAYLOAD_LIMITS.typedDataChars + 1), 'domain'),
      /"typedData\.domain\.extra" takes the message past/,
    ],
    [
      'many strings that add up past the budget',
      withExtra(Array(1000).fill('y'.repeat(300))),
      /takes the message past 262144 characters/,
    ],
    [
      'an array longer than the array limit',
      withExtra(Array(PAYLOAD_LIMITS.typedDataArrayLength + 1).fill(0)),
      /"typedData\.message\.extra" has more than 1024 items/,
    ],
    [
      'more values than the value budget',
      withExtra(Array(9).fill(Array(1000).fill(0))),
      /past 8192 values/,
    ],
    [
      'nesting deeper than the depth limit',
      withExtra(JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`), 'nested'),
      /nests deeper than 16 levels/,
    ],
    [
      'an object with more members than the member limit',
      withExtra(Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]))),
      /"typedData\.message\.extra" has more than 64 fields/,
    ],
    [
      'a key longer than a member name',
      withExtra({ ['k'.repeat(65)]: 1 }),
      /has a name longer than 64 characters/,
    ],
    ['a value that is not JSON (bytes)', withExtra(new Uint8Array(4)), /is not JSON data/],
    ['a value that is not JSON (bigint)', withExtra(5n), /is not JSON data/],
    ['a value that is not JSON (NaN)', withExtra(Number.NaN), /is not JSON data/],
  ] as const)('%s', (_name, value, message) => {
    expectCkmError(() => parseSignPayload(value), 'InvalidPayload', message);
  });

  it('more than 64 undeclared fields in one struct', () => {
    const copy = structuredClone(signBlurOrder) as { message: Record<string, unknown> };
    for (let i = 0; i < 65; i++) copy.message[`extra${i}`] = i;
    expectCkmError(
      () => parseSignPayload(typed(copy)),
      'InvalidPayload',
      /"typedData\.message" has more than 64 undeclared fields/,
    );
  });

  it('undeclared values count against the budget with the declared ones', () => {
    // 8 × 1000 declared items fit; 200 more undeclared values do not.
    const types = { N: [{ name: 'n', type: 'uint8[][]' }] };
    const fits = {
      types,
      primaryType: 'N',
      domain: {},
      message: { n: Array(8).fill(Array(1000).fill(1)) },
    };
    expect(() => parseSignPayload(typed(fits))).not.toThrow();
    const over = { ...fits, message: { ...fits.message, extra: Array(200).fill(0) } };
    expectCkmError(() => parseSignPayload(typed(over)), 'InvalidPayload', /past 8192 values/);
  });

  it('a huge undeclared blob is refused before anything is hashed, within the same bounds', () => {
    const blob = Array.from({ length: 1024 }, () => ({ a: 'z'.repeat(300), b: [1, 2, 3] }));
    expectCkmError(() => parseSignPayload(withExtra(blob)), 'InvalidPayload', /past/);
  });
});

describe('still refused, as eth-sig-util v4 refuses them (or hashes a value that is not there)', () => {
  const edited = (edit: (copy: Editable) => void) => {
    const copy = structuredClone(signPermitBatch) as Editable;
    edit(copy);
    return typed(copy);
  };
  it.each([
    [
      'a declared member missing',
      edited((t) => {
        delete t.message.spender;
      }),
      /"typedData\.message\.spender" is missing/,
    ],
    [
      'a declared member of a nested struct missing',
      edited((t) => {
        delete t.message.details[1].nonce;
      }),
      /"typedData\.message\.details\[1\]\.nonce" is missing/,
    ],
    [
      'a null struct (eth-sig-util v4 would hash 32 zero bytes)',
      edited((t) => {
        t.message.details[0] = null;
      }),
      /"typedData\.message\.details\[0\]" is not an object/,
    ],
    [
      'a null string or address',
      edited((t) => {
        t.message.spender = null;
      }),
      /"typedData\.message\.spender" is not an address/,
    ],
    [
      'a declared domain field the domain lacks (eth-sig-util throws)',
      edited((t) => {
        delete t.domain.name;
      }),
      /"typedData\.domain\.name" is missing \(declared in "typedData\.types\.EIP712Domain"\)/,
    ],
    [
      'the test dApp signEmptyDomain',
      typed(malformed.signEmptyDomain),
      /"typedData\.domain\.name" is missing/,
    ],
    [
      'a declared domain field outside EIP-712',
      edited((t) => {
        t.types.EIP712Domain.push({ name: 'extra', type: 'string' });
        t.domain.extra = 'x';
      }),
      /does not list EIP-712 domain fields/,
    ],
    [
      'an unknown key beside types, primaryType, domain and message',
      edited((t) => {
        t.extra = 1;
      }),
      /"typedData\.extra" is not a known field/,
    ],
    [
      'a bad value in a declared domain field',
      edited((t) => {
        t.domain.verifyingContract = '0x00';
      }),
      /"typedData\.domain\.verifyingContract"/,
    ],
  ] as const)('%s', (_name, value, message) => {
    expectCkmError(() => parseSignPayload(value), 'InvalidPayload', message);
  });

  it('the same reference digest is what eth-sig-util refuses for these: a missing atomic', () => {
    const missing = structuredClone(signPermitBatch) as Editable;
    delete missing.message.spender;
    expect(() => referenceDigest(missing)).toThrow(/missing spender/);
  });

  it('an undeclared but malformed domain field is only bounded, as eth-sig-util ignores it', () => {
    const copy = structuredClone(signPermitBatch) as Editable;
    copy.domain.version = 1; // a number: not a valid version, but not signed either
    expect(digestHex(parseSignPayload(typed(copy)))).toBe(referenceDigest(signPermitBatch));
  });

  it("sign721Permit as sent: a mixed-case spender with a wrong EIP-55 checksum is accepted in lower case, and digests as eth-sig-util's", () => {
    const sent = typed(nft721Permit(NFT_CONTRACT));
    const payload = parseSignPayload(sent);
    const spender = (payload as unknown as { typedData: { message: { spender: string } } })
      .typedData.message.spender;
    expect(spender).toMatch(/^0x[0-9a-f]{40}$/);
    expect(digestHex(payload)).toBe(referenceDigest(sent.typedData));
    // Not 20 bytes of hex is still refused.
    const short = structuredClone(sent) as { typedData: { message: { spender: string } } };
    short.typedData.message.spender = '0x1234';
    expectCkmError(() => parseSignPayload(short), 'InvalidPayload', /spender" is not an address/);
  });

  it('the Seaport and Blur fixtures are signed by the vectors account', () => {
    expect(signBlurOrder.message.trader).toBe(FROM);
    expect(signSeaportBulkOrder.message.tree[0]?.[0]?.offerer).toBe(FROM);
  });
});
