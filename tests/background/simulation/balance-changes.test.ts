import {
  type Address,
  encodeAbiParameters,
  encodeErrorResult,
  getAddress,
  type Hex,
  pad,
  parseAbi,
  stringToHex,
  toEventSelector,
} from 'viem';
import { describe, expect, it } from 'vitest';
import {
  movementsOfLog,
  NATIVE_TRANSFER_ADDRESS,
  netChanges,
  shortAddress,
  toBalanceChange,
} from '../../../background/simulation/balance-changes';
import { rpcFailure, SimulationError } from '../../../background/simulation/errors';
import { cleanText, revertReason } from '../../../background/simulation/revert-reason';
import { readSimulateAnswer } from '../../../background/simulation/simulate-v1';
import {
  createTokenMetadataCache,
  decodeDecimals,
  decodeSymbol,
} from '../../../background/simulation/token-metadata';
import { readTraceAnswer } from '../../../background/simulation/trace-call';

const ME = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const BOB = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as Address;
const TOKEN = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address;
const TRANSFER = toEventSelector('Transfer(address,address,uint256)');
const SINGLE = toEventSelector('TransferSingle(address,address,address,uint256,uint256)');
const BATCH = toEventSelector('TransferBatch(address,address,address,uint256[],uint256[])');
const topic = (address: Address) => pad(address).toLowerCase() as Hex;
const word = (n: bigint) => pad(`0x${n.toString(16)}`) as Hex;

const erc20 = (from: Address, to: Address, amount: bigint, address: Address = TOKEN) => ({
  address,
  topics: [TRANSFER, topic(from), topic(to)],
  data: word(amount),
});

describe('movementsOfLog (EIP-20, EIP-721, EIP-1155 events)', () => {
  it('reads each standard event by its shape', () => {
    expect(movementsOfLog(erc20(ME, BOB, 5n))).toEqual([
      { standard: 'ERC20', token: TOKEN, from: ME, to: BOB, amount: 5n },
    ]);
    expect(movementsOfLog(erc20(ME, BOB, 5n, NATIVE_TRANSFER_ADDRESS))).toEqual([
      { standard: 'native', from: ME, to: BOB, amount: 5n },
    ]);
    expect(
      movementsOfLog({
        address: TOKEN,
        topics: [TRANSFER, topic(ME), topic(BOB), word(7n)],
        data: '0x',
      }),
    ).toEqual([{ standard: 'ERC721', token: TOKEN, tokenId: 7n, from: ME, to: BOB, amount: 1n }]);
    expect(
      movementsOfLog({
        address: TOKEN,
        topics: [SINGLE, topic(BOB), topic(ME), topic(BOB)],
        data: `0x${word(3n).slice(2)}${word(9n).slice(2)}`,
      }),
    ).toEqual([{ standard: 'ERC1155', token: TOKEN, tokenId: 3n, from: ME, to: BOB, amount: 9n }]);
    expect(
      movementsOfLog({
        address: TOKEN,
        topics: [BATCH, topic(BOB), topic(BOB), topic(ME)],
        data: encodeAbiParameters(
          [{ type: 'uint256[]' }, { type: 'uint256[]' }],
          [
            [1n, 2n],
            [4n, 5n],
          ],
        ),
      }),
    ).toEqual([
      { standard: 'ERC1155', token: TOKEN, tokenId: 1n, from: BOB, to: ME, amount: 4n },
      { standard: 'ERC1155', token: TOKEN, tokenId: 2n, from: BOB, to: ME, amount: 5n },
    ]);
  });

  it('skips logs that are not a standard transfer or do not have its shape', () => {
    const skipped = [
      // Another event.
      { address: TOKEN, topics: [word(1n), topic(ME), topic(BOB)], data: word(1n) },
      // ERC-20 shape with a 2-word data.
      { address: TOKEN, topics: [TRANSFER, topic(ME), topic(BOB)], data: `${word(1n)}00` },
      // ERC-721 shape with data.
      { address: TOKEN, topics: [TRANSFER, topic(ME), topic(BOB), word(1n)], data: word(1n) },
      // An "address" topic with high bytes set.
      { address: TOKEN, topics: [TRANSFER, word(2n ** 200n), topic(BOB)], data: word(1n) },
      // Transfer with 2 topics.
      { address: TOKEN, topics: [TRANSFER, topic(ME)], data: word(1n) },
      // TransferSingle with short data.
      { address: TOKEN, topics: [SINGLE, topic(BOB), topic(ME), topic(BOB)], data: word(1n) },
      // TransferBatch whose data does not decode, and one with arrays of different lengths.
      { address: TOKEN, topics: [BATCH, topic(BOB), topic(ME), topic(BOB)], data: word(1n) },
      {
        address: TOKEN,
        topics: [BATCH, topic(BOB), topic(ME), topic(BOB)],
        data: encodeAbiParameters([{ type: 'uint256[]' }, { type: 'uint256[]' }], [[1n], []]),
      },
      // TransferSingle with 3 topics.
      { address: TOKEN, topics: [SINGLE, topic(BOB), topic(ME)], data: word(1n) },
    ] as const;
    for (const log of skipped) expect(movementsOfLog(log as never)).toEqual([]);
  });
});

describe('netChanges', () => {
  it("nets the account's changes per asset, drops round trips and others' transfers", () => {
    const other = '0x0000000000000000000000000000000000000001' as Address;
    const changes = netChanges(
      [
        { standard: 'ERC20', token: TOKEN, from: ME, to: BOB, amount: 10n },
        { standard: 'native', from: ME, to: BOB, amount: 3n },
        { standard: 'ERC20', token: TOKEN, from: BOB, to: ME, amount: 4n },
        { standard: 'ERC721', token: other, tokenId: 1n, from: ME, to: BOB, amount: 1n },
        { standard: 'ERC721', token: other, tokenId: 1n, from: BOB, to: ME, amount: 1n },
        { standard: 'ERC20', token: other, from: BOB, to: other, amount: 99n },
        { standard: 'ERC20', token: other, from: ME, to: ME, amount: 99n },
      ],
      `0x${ME.slice(2).toUpperCase()}` as Address,
    );
    expect(changes).toEqual([
      { standard: 'native', amount: -3n },
      { standard: 'ERC20', token: TOKEN, amount: -6n },
    ]);
  });
});

describe('toBalanceChange', () => {
  it('shows the sign, decimals and symbol; a token without a symbol by its address', () => {
    expect(toBalanceChange({ standard: 'native', amount: -(10n ** 18n) }, {}, 'ETH')).toEqual({
      standard: 'native',
      symbol: 'ETH',
      decimals: 18,
      amount: '-1000000000000000000',
      display: '\u22121 ETH',
    });
    expect(
      toBalanceChange(
        { standard: 'ERC20', token: TOKEN, amount: 2500000n },
        { symbol: 'USDC', decimals: 6 },
        'ETH',
      ).display,
    ).toBe('+2.5 USDC');
    const nameless = toBalanceChange({ standard: 'ERC20', token: TOKEN, amount: -25n }, {}, 'POL');
    expect(nameless).toEqual({
      standard: 'ERC20',
      address: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      symbol: '0x5FbD…0aa3',
      amount: '-25',
      display: '\u221225 0x5FbD…0aa3',
    });
    expect(
      toBalanceChange({ standard: 'ERC721', token: TOKEN, tokenId: 7n, amount: 1n }, {}, 'ETH')
        .display,
    ).toBe(`+1 NFT #7 (${shortAddress(TOKEN)})`);
    expect(
      toBalanceChange(
        { standard: 'ERC1155', token: TOKEN, tokenId: 2n, amount: -3n },
        { symbol: 'ITEM' },
        'ETH',
      ),
    ).toMatchObject({ tokenId: '2', amount: '-3', display: '\u22123 × #2 (ITEM)' });
  });
});

describe('revertReason (Solidity Error / Panic)', () => {
  const abi = parseAbi(['error Error(string)', 'error Panic(uint256)', 'error Nope(uint256)']);
  it('decodes Error(string) and Panic(uint256), names a custom error by its selector', () => {
    expect(
      revertReason(encodeErrorResult({ abi, errorName: 'Error', args: ['no\u202Egood'] })),
    ).toBe('no good');
    expect(revertReason(encodeErrorResult({ abi, errorName: 'Error', args: [''] }))).toBe(
      'The contract reverted with an empty reason.',
    );
    expect(revertReason(encodeErrorResult({ abi, errorName: 'Panic', args: [0x11n] }))).toBe(
      'The contract panicked: an arithmetic overflow or underflow.',
    );
    expect(revertReason(encodeErrorResult({ abi, errorName: 'Panic', args: [0x99n] }))).toBe(
      'The contract panicked: panic code 0x99.',
    );
    expect(revertReason(encodeErrorResult({ abi, errorName: 'Nope', args: [1n] }))).toMatch(
      /^The contract reverted with error 0x[0-9a-f]{8}\.$/,
    );
    expect(revertReason('0x')).toBe('The contract reverted without a reason.');
    // Claims Error(string) but does not decode.
    expect(revertReason('0x08c379a0ff')).toBe('The contract reverted with error 0x08c379a0.');
  });

  it('cleanText drops hidden characters and caps the length', () => {
    expect(cleanText('a\u0000b\u2066c   d')).toBe('a b c d');
    expect(cleanText('x'.repeat(500))).toHaveLength(200);
  });
});

describe('the token metadata cache', () => {
  it('keys by chain and lower-case address, and forgets the oldest beyond its size', () => {
    const cache = createTokenMetadataCache(2);
    cache.set(1, TOKEN, { symbol: 'A' });
    expect(cache.get(1, getAddress(TOKEN))).toEqual({ symbol: 'A' });
    expect(cache.get(2, TOKEN)).toBeUndefined();
    cache.set(2, TOKEN, { symbol: 'B' });
    cache.set(3, TOKEN, { symbol: 'C' });
    expect(cache.get(1, TOKEN)).toBeUndefined();
    expect(cache.get(2, TOKEN)).toEqual({ symbol: 'B' });
    expect(cache.get(3, TOKEN)).toEqual({ symbol: 'C' });
  });
});

describe('token metadata decoding', () => {
  it('reads string and bytes32 symbols, cleaned; decimals only as a uint8', () => {
    expect(decodeSymbol(encodeAbiParameters([{ type: 'string' }], ['USDC']))).toBe('USDC');
    expect(decodeSymbol(stringToHex('MKR', { size: 32 }))).toBe('MKR');
    expect(decodeSymbol(encodeAbiParameters([{ type: 'string' }], ['E\u202ETH']))).toBe('E TH');
    expect(decodeSymbol(encodeAbiParameters([{ type: 'string' }], ['A'.repeat(40)]))).toHaveLength(
      16,
    );
    expect(decodeSymbol(encodeAbiParameters([{ type: 'string' }], ['  ']))).toBeUndefined();
    expect(decodeDecimals(word(6n))).toBe(6);
    expect(decodeDecimals(word(256n))).toBeUndefined();
    expect(decodeDecimals('0x06')).toBeUndefined();
  });
});

describe('readSimulateAnswer (eth_simulateV1 result)', () => {
  const answer = (call: Record<string, unknown>) => [{ number: '0x1', calls: [call] }];
  const ok = { status: '0x1', returnData: '0x', gasUsed: '0x5208', logs: [erc20(ME, BOB, 5n)] };

  it('reads a successful call and a reverted one', () => {
    expect(readSimulateAnswer(answer(ok))).toEqual({
      status: 'ok',
      movements: [{ standard: 'ERC20', token: TOKEN, from: ME, to: BOB, amount: 5n }],
    });
    expect(
      readSimulateAnswer(
        answer({
          status: '0x0',
          returnData: '0x',
          logs: [],
          error: { code: -32015, message: 'out of gas' },
        }),
      ),
    ).toEqual({ status: 'reverted', reason: 'The transaction would fail: out of gas.' });
  });

  it.each([
    ['not an array', {}, '"result" expected an array'],
    ['two blocks', [{ calls: [ok] }, { calls: [ok] }], '"result" expected one block'],
    ['no calls', [{}], '"result[0].calls" expected an array'],
    ['two calls', [{ calls: [ok, ok] }], '"result[0].calls" expected one call'],
    ['a bad status', answer({ ...ok, status: '0x2' }), '"calls[0].status"'],
    ['logs missing', answer({ ...ok, logs: undefined }), '"calls[0].logs"'],
    ['bad returnData', answer({ ...ok, returnData: '0x1' }), '"returnData" expected hex bytes'],
    [
      'a short topic',
      answer({ ...ok, logs: [{ ...erc20(ME, BOB, 1n), topics: [TRANSFER, '0x01'] }] }),
      '"logs[0].topics[1]" expected 32 bytes',
    ],
    [
      'five topics',
      answer({ ...ok, logs: [{ ...erc20(ME, BOB, 1n), topics: Array(5).fill(TRANSFER) }] }),
      '"logs[0].topics" expected at most 4 topics',
    ],
    [
      'a bad log address',
      answer({ ...ok, logs: [{ ...erc20(ME, BOB, 1n), address: '0x12' }] }),
      '"logs[0].address" expected a 20-byte address',
    ],
    ['a block not an object', ['block'], '"result[0]" expected an object'],
    ['a call not an object', [{ calls: [null] }], '"calls[0]" expected an object'],
    [
      'more logs than a prompt can use',
      answer({ ...ok, logs: Array(10_001).fill(erc20(ME, BOB, 1n)) }),
      '"calls[0].logs" expected an array of at most 10000 items',
    ],
    [
      'bad log data',
      answer({ ...ok, logs: [{ ...erc20(ME, BOB, 1n), data: 12 }] }),
      '"logs[0].data" expected hex bytes',
    ],
  ])('refuses %s as MalformedAnswer', (_, value, text) => {
    expect(() => readSimulateAnswer(value)).toThrowError(SimulationError);
    try {
      readSimulateAnswer(value);
    } catch (error) {
      expect((error as SimulationError).code).toBe('MalformedAnswer');
      expect((error as Error).message).toContain(text);
    }
  });
});

describe('readTraceAnswer (callTracer with logs)', () => {
  const frame = (over: Record<string, unknown>) => ({
    type: 'CALL',
    from: ME,
    to: BOB,
    value: '0x0',
    ...over,
  });

  it('counts value of successful CALL/CREATE/SELFDESTRUCT frames and their logs only', () => {
    const result = readTraceAnswer(
      frame({
        value: '0x10',
        logs: [erc20(BOB, ME, 1n)],
        calls: [
          // A reverted subcall: its value, logs and children are undone.
          frame({
            from: BOB,
            to: ME,
            value: '0x100',
            error: 'execution reverted',
            logs: [erc20(BOB, ME, 50n)],
            calls: [frame({ from: BOB, to: ME, value: '0x1000' })],
          }),
          // DELEGATECALL / STATICCALL / CALLCODE move no value of their own.
          frame({ type: 'DELEGATECALL', from: BOB, to: ME, value: '0x5' }),
          frame({ type: 'STATICCALL', from: BOB, to: ME }),
          frame({ type: 'CALLCODE', from: ME, to: BOB, value: '0x7' }),
          frame({ type: 'CREATE', from: ME, to: TOKEN, value: '0x3' }),
          frame({ type: 'SELFDESTRUCT', from: TOKEN, to: ME, value: '0x2' }),
        ],
      }),
    );
    expect(result.status).toBe('ok');
    expect(netChanges(result.status === 'ok' ? result.movements : [], ME)).toEqual([
      { standard: 'native', amount: -0x10n - 0x3n + 0x2n },
      { standard: 'ERC20', token: TOKEN, amount: 1n },
    ]);
  });

  it('reads the revert reason of a failed top frame', () => {
    expect(
      readTraceAnswer(frame({ error: 'execution reverted', revertReason: 'too late' })),
    ).toEqual({ status: 'reverted', reason: 'too late' });
    const abi = parseAbi(['error Error(string)']);
    expect(
      readTraceAnswer(
        frame({
          error: 'execution reverted',
          output: encodeErrorResult({ abi, errorName: 'Error', args: ['nope'] }),
        }),
      ),
    ).toEqual({ status: 'reverted', reason: 'nope' });
    expect(readTraceAnswer(frame({ error: 'out of gas' }))).toEqual({
      status: 'reverted',
      reason: 'The transaction would fail: out of gas.',
    });
  });

  it.each([
    ['not an object', [], '"result" expected an object'],
    ['an unknown frame type', frame({ type: 'JUMP' }), '"result.type"'],
    ['a bad value', frame({ value: 'lots' }), '"result.value" expected a hex quantity'],
    ['a value over 256 bits', frame({ value: `0x1${'0'.repeat(64)}` }), '"result.value"'],
    ['a value frame without to', frame({ value: '0x1', to: undefined }), '"result.to"'],
    ['a non-string error', frame({ error: 1 }), '"result.error" expected a string'],
    ['calls not an array', frame({ calls: {} }), '"result.calls"'],
    ['a child not an object', frame({ calls: [1] }), '"result.calls[0]" expected an object'],
    ['a bad log', frame({ logs: [{ address: ME }] }), '"result.logs[0].topics"'],
  ])('refuses %s as MalformedAnswer', (_, value, text) => {
    try {
      readTraceAnswer(value);
      expect.unreachable();
    } catch (error) {
      expect((error as SimulationError).code).toBe('MalformedAnswer');
      expect((error as Error).message).toContain(text);
    }
  });

  it('refuses more frames than a prompt can use', () => {
    const wide = frame({ calls: Array(10_000).fill(frame({})) });
    expect(() => readTraceAnswer(wide)).toThrowError(/at most 10000 frames/);
    expect(readTraceAnswer(frame({ calls: Array(9_999).fill(frame({})) })).status).toBe('ok');
  });

  it('refuses a tree deeper than the EVM allows', () => {
    let deep: Record<string, unknown> = frame({});
    for (let i = 0; i < 1030; i++) deep = frame({ calls: [deep] });
    expect(() => readTraceAnswer(deep)).toThrowError(/frames/);
  });
});

describe('rpcFailure', () => {
  const clean = (text: string) => cleanText(text);
  it.each([
    [{ code: -32601, message: 'whatever' }, 'MethodMissing'],
    [{ code: -32600, message: 'Unsupported method: eth_simulateV1' }, 'MethodMissing'],
    [
      { code: -32000, message: 'the method eth_simulateV1 does not exist/is not available' },
      'MethodMissing',
    ],
    [{ code: 4901, message: 'The RPC of X cannot be reached.' }, 'Unreachable'],
    [{ code: -32000, message: 'insufficient funds' }, 'NodeRefused'],
    [new Error('boom'), 'NodeRefused'],
    ['not even an error', 'NodeRefused'],
  ])('%o → %s', (error, code) => {
    expect(rpcFailure(error, 'eth_simulateV1', clean).code).toBe(code);
  });
  it('keeps the node message, cleaned', () => {
    expect(
      rpcFailure({ code: -32000, message: 'insufficient\u202E funds' }, 'eth_simulateV1', clean)
        .message,
    ).toBe('The network could not run eth_simulateV1: insufficient funds.');
  });
});
