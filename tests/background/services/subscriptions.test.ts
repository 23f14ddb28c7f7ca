import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { subscriptionMethods } from '../../../background/rpc/methods/subscriptions';
import type { RequestContext, Services } from '../../../background/rpc/types';
import { createNetworksService, type NetworksService } from '../../../background/services/networks';
import {
  createSubscriptionsService,
  MAX_FILTERS_PER_ORIGIN,
  MAX_SUBSCRIPTIONS_PER_PORT,
  type SubscriptionsService,
} from '../../../background/services/subscriptions';
import {
  type Anvil,
  deployEmitter,
  emit,
  networkAt,
  recordingEvents,
  type ScriptedServer,
  startAnvil,
  startScriptedServer,
} from '../support/chain-node';

const ORIGIN = 'https://dapp.example';
const OTHER = 'https://other.example';
const TOPIC_A = `0x${'aa'.repeat(32)}` as const;
const TOPIC_B = `0x${'bb'.repeat(32)}` as const;

let anvil: Anvil;
let scripted: ScriptedServer;
let emitterA: `0x${string}`;
let emitterB: `0x${string}`;

beforeAll(async () => {
  anvil = await startAnvil(31337);
  scripted = await startScriptedServer(() => ({ body: { result: '0x10' } }));
  emitterA = await deployEmitter(anvil, TOPIC_A);
  emitterB = await deployEmitter(anvil, TOPIC_B);
});
afterAll(async () => {
  await anvil?.stop();
  await scripted?.close();
});

let networks: NetworksService;
let events: ReturnType<typeof recordingEvents>;
let subscriptions: SubscriptionsService;
let clock: number;

beforeEach(async () => {
  fakeBrowser.reset();
  clock = 1_000_000;
  events = recordingEvents([ORIGIN, OTHER]);
  networks = createNetworksService(events, {
    builtIns: [networkAt(31337, anvil.url), networkAt(5, scripted.url, 'Scripted')],
    defaultChainId: 31337,
  });
  await networks.ready;
  subscriptions = createSubscriptionsService(networks, events, {
    pollIntervalMs: 100,
    now: () => clock,
  });
});
afterEach(() => {
  subscriptions.dispose();
  vi.useRealTimers();
});

type Method = keyof typeof subscriptionMethods;

function call(method: Method, params?: unknown, context: Partial<RequestContext> = {}) {
  const full: RequestContext = { origin: ORIGIN, portId: 'port-1', ...context };
  return subscriptionMethods[method].handle({ method, params }, full, {
    networks,
    events,
    subscriptions,
  } as unknown as Services) as Promise<unknown>;
}

/** The `message` notifications one port received, for one subscription. */
function received(portId: string, subscription: unknown) {
  return events.log
    .filter((e) => 'portId' in e.to && e.to.portId === portId && e.event === 'message')
    .map(
      (e) =>
        e.data as { type: string; data: { subscription: string; result: Record<string, unknown> } },
    )
    .filter((m) => m.data.subscription === subscription);
}

const waitFor = (check: () => void) => vi.waitFor(check, { timeout: 15_000, interval: 50 });

async function blockNumber(): Promise<number> {
  return Number(await anvil.rpc('eth_blockNumber'));
}

describe('eth_subscribe newHeads', () => {
  it('notifies the subscribing port of each new block header, in order', async () => {
    const start = await blockNumber();
    const id = (await call('eth_subscribe', ['newHeads'])) as string;
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    await anvil.rpc('anvil_mine', ['0x3']);
    await waitFor(() => expect(received('port-1', id)).toHaveLength(3));
    const messages = received('port-1', id);
    expect(messages.map((m) => Number(m.data.result.number))).toEqual([
      start + 1,
      start + 2,
      start + 3,
    ]);
    expect(messages[0]?.type).toBe('eth_subscription');
    const header = messages[2]?.data.result as Record<string, unknown>;
    const block = (await anvil.rpc('eth_getBlockByNumber', [header.number, false])) as Record<
      string,
      unknown
    >;
    expect(header.hash).toBe(block.hash);
    expect(header.parentHash).toBe(block.parentHash);
    expect(header).not.toHaveProperty('transactions');
  });

  it('eth_unsubscribe stops one subscription and answers false for an unknown or foreign id', async () => {
    const gone = (await call('eth_subscribe', ['newHeads'])) as string;
    const kept = (await call('eth_subscribe', ['newHeads'])) as string;
    expect(await call('eth_unsubscribe', [gone], { portId: 'port-2' })).toBe(false);
    expect(await call('eth_unsubscribe', [gone])).toBe(true);
    expect(await call('eth_unsubscribe', [gone])).toBe(false);
    await anvil.rpc('anvil_mine', ['0x1']);
    // Both are served in the same round: once `kept` has the block, `gone` would have had it.
    await waitFor(() => expect(received('port-1', kept)).toHaveLength(1));
    expect(received('port-1', gone)).toEqual([]);
  });

  it("drops a port's subscriptions when the port closes", async () => {
    const closing = (await call('eth_subscribe', ['newHeads'], { portId: 'port-1' })) as string;
    const open = (await call('eth_subscribe', ['newHeads'], { portId: 'port-2' })) as string;
    events.closePort('port-1');
    await anvil.rpc('anvil_mine', ['0x1']);
    await waitFor(() => expect(received('port-2', open)).toHaveLength(1));
    expect(received('port-1', closing)).toEqual([]);
    expect(await call('eth_unsubscribe', [closing])).toBe(false);
  });

  it('polls with setTimeout only while a subscription exists, keeping the worker alive', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const keepAlive = vi.fn();
    subscriptions.dispose();
    subscriptions = createSubscriptionsService(networks, events, {
      pollIntervalMs: 100,
      keepAlive,
    });
    await networks.switchOrigin(ORIGIN, 5);
    const id = await call('eth_subscribe', ['newHeads']);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(100); // a round: block 0x10 is not new
    expect(vi.getTimerCount()).toBe(1);
    expect(keepAlive).toHaveBeenCalledTimes(1);
    await call('eth_unsubscribe', [id]);
    await vi.advanceTimersByTimeAsync(100); // the last round sees nobody and does not re-arm
    expect(vi.getTimerCount()).toBe(0);
    expect(keepAlive).toHaveBeenCalledTimes(1);
  });
});

describe('eth_subscribe logs', () => {
  it('notifies each matching log, filtered by address and topics', async () => {
    const byAddress = (await call('eth_subscribe', ['logs', { address: emitterA }])) as string;
    const byTopic = (await call('eth_subscribe', [
      'logs',
      { topics: [[TOPIC_B, TOPIC_A]] },
    ])) as string;
    const onlyB = (await call('eth_subscribe', [
      'logs',
      { address: [emitterB], topics: [TOPIC_B] },
    ])) as string;
    const all = (await call('eth_subscribe', ['logs'])) as string;
    await emit(anvil, emitterA);
    await emit(anvil, emitterB);
    await emit(anvil, emitterA);
    await waitFor(() => expect(received('port-1', all)).toHaveLength(3));
    await waitFor(() => expect(received('port-1', byTopic)).toHaveLength(3));
    const addresses = (id: string) =>
      received('port-1', id).map((m) => String(m.data.result.address).toLowerCase());
    expect(addresses(byAddress)).toEqual([emitterA.toLowerCase(), emitterA.toLowerCase()]);
    expect(addresses(onlyB)).toEqual([emitterB.toLowerCase()]);
    expect(received('port-1', byAddress)[0]?.data.result.topics).toEqual([TOPIC_A]);
  });
});

describe('eth_subscribe: params and limits', () => {
  const bad: [string, unknown, RegExp][] = [
    ['no params', undefined, /eth_subscribe expects params \[kind\] or \[kind, options\]/],
    ['an unknown kind', ['newBlocks'], /expected "newHeads" or "logs", got "newBlocks"/],
    ['options for newHeads', ['newHeads', {}], /"newHeads" takes no options/],
    ['logs options that are not an object', ['logs', 'x'], /options expected an object/],
    ['a bad address', ['logs', { address: '0x1234' }], /"address" expected a 20-byte hex address/],
    [
      'five topics',
      ['logs', { topics: [null, null, null, null, null] }],
      /"topics" expected an array of at most 4/,
    ],
    [
      'a short topic',
      ['logs', { topics: ['0x12'] }],
      /"topics\[0\]" expected null, a 32-byte hex string/,
    ],
    [
      'fromBlock in a subscription',
      ['logs', { fromBlock: '0x1' }],
      /unsupported keys: "fromBlock"/,
    ],
    [
      'pending transactions',
      ['newPendingTransactions'],
      /"newPendingTransactions" is not supported by CKM Wallet/,
    ],
  ];
  for (const [what, params, message] of bad)
    it(`refuses ${what} with -32602`, async () => {
      const attempt = call('eth_subscribe', params);
      await expect(attempt).rejects.toMatchObject({ code: -32602 });
      await expect(attempt).rejects.toThrow(message);
    });

  it('needs a port to notify (4200 without one)', async () => {
    await expect(call('eth_subscribe', ['newHeads'], { portId: undefined })).rejects.toMatchObject({
      code: 4200,
      message: 'eth_subscribe needs a page connection that can receive notifications.',
    });
  });

  it('eth_unsubscribe refuses a malformed id', async () => {
    await expect(call('eth_unsubscribe', ['not-hex'])).rejects.toMatchObject({ code: -32602 });
    await expect(call('eth_unsubscribe', [])).rejects.toMatchObject({ code: -32602 });
  });

  it(`refuses more than ${MAX_SUBSCRIPTIONS_PER_PORT} subscriptions per port (-32005)`, async () => {
    await networks.switchOrigin(ORIGIN, 5);
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_PORT; i++) await call('eth_subscribe', ['newHeads']);
    await expect(call('eth_subscribe', ['newHeads'])).rejects.toMatchObject({ code: -32005 });
    expect(await call('eth_subscribe', ['newHeads'], { portId: 'port-2' })).toMatch(/^0x/);
  });
});

describe('filters (eth_newFilter, eth_newBlockFilter, eth_getFilterChanges, eth_getFilterLogs)', () => {
  it('a block filter returns the hashes of the blocks since the last poll', async () => {
    const id = await call('eth_newBlockFilter', []);
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    expect(await call('eth_getFilterChanges', [id])).toEqual([]);
    const start = await blockNumber();
    await anvil.rpc('anvil_mine', ['0x2']);
    const hashes = await call('eth_getFilterChanges', [id]);
    const expected = await Promise.all(
      [start + 1, start + 2].map(
        async (n) =>
          (
            (await anvil.rpc('eth_getBlockByNumber', [`0x${n.toString(16)}`, false])) as {
              hash: string;
            }
          ).hash,
      ),
    );
    expect(hashes).toEqual(expected);
    expect(await call('eth_getFilterChanges', [id])).toEqual([]);
  });

  it('a log filter returns new matching logs; eth_getFilterLogs its whole range', async () => {
    const before = await blockNumber();
    await emit(anvil, emitterA);
    const id = await call('eth_newFilter', [{ address: emitterA, fromBlock: '0x0' }]);
    expect(await call('eth_getFilterChanges', [id])).toEqual([]);
    await emit(anvil, emitterB);
    await emit(anvil, emitterA);
    const changes = (await call('eth_getFilterChanges', [id])) as {
      address: string;
      blockNumber: string;
    }[];
    expect(changes).toHaveLength(1);
    expect(changes[0]?.address.toLowerCase()).toBe(emitterA.toLowerCase());
    expect(Number(changes[0]?.blockNumber)).toBe(before + 3);
    const all = (await call('eth_getFilterLogs', [id])) as unknown[];
    expect(all.length).toBeGreaterThanOrEqual(2); // every emitterA log since block 0
    expect(await call('eth_getFilterChanges', [id])).toEqual([]);
  });

  it("a filter's toBlock bounds its changes", async () => {
    const now = await blockNumber();
    const id = await call('eth_newFilter', [
      { fromBlock: '0x0', toBlock: `0x${now.toString(16)}` },
    ]);
    await emit(anvil, emitterA);
    expect(await call('eth_getFilterChanges', [id])).toEqual([]);
  });

  it('filters belong to their origin; uninstalling ends them', async () => {
    const id = await call('eth_newBlockFilter', []);
    await expect(call('eth_getFilterChanges', [id], { origin: OTHER })).rejects.toMatchObject({
      code: -32000,
      message: 'filter not found',
    });
    expect(await call('eth_uninstallFilter', [id], { origin: OTHER })).toBe(false);
    expect(await call('eth_uninstallFilter', [id])).toBe(true);
    expect(await call('eth_uninstallFilter', [id])).toBe(false);
    await expect(call('eth_getFilterChanges', [id])).rejects.toMatchObject({ code: -32000 });
  });

  it('a filter not polled for five minutes expires; polling keeps it alive', async () => {
    const polled = await call('eth_newBlockFilter', []);
    const idle = await call('eth_newBlockFilter', []);
    clock += 4 * 60_000;
    await call('eth_getFilterChanges', [polled]);
    clock += 2 * 60_000;
    expect(await call('eth_getFilterChanges', [polled])).toEqual([]);
    await expect(call('eth_getFilterChanges', [idle])).rejects.toMatchObject({ code: -32000 });
  });

  it(`an origin keeps at most ${MAX_FILTERS_PER_ORIGIN} filters (the oldest goes)`, async () => {
    await networks.switchOrigin(ORIGIN, 5);
    const first = await call('eth_newBlockFilter', []);
    for (let i = 0; i < MAX_FILTERS_PER_ORIGIN; i++) await call('eth_newBlockFilter', []);
    await expect(call('eth_getFilterChanges', [first])).rejects.toMatchObject({ code: -32000 });
  });

  const bad: [Method, unknown, RegExp][] = [
    [
      'eth_newFilter',
      undefined,
      /eth_newFilter expects params \[\{ fromBlock, toBlock, address, topics \}\]/,
    ],
    ['eth_newFilter', ['latest'], /eth_newFilter expects params/],
    [
      'eth_newFilter',
      [{ fromBlock: '0x10', toBlock: '0x1' }],
      /"fromBlock" expected to be at most "toBlock"/,
    ],
    [
      'eth_newFilter',
      [{ fromBlock: 'yesterday' }],
      /"fromBlock" expected a block tag or a hex block number/,
    ],
    [
      'eth_newFilter',
      [{ toBlock: '0x01' }],
      /"toBlock" expected a block tag or a hex block number/,
    ],
    ['eth_newFilter', [{ blockHash: `0x${'00'.repeat(32)}` }], /unsupported keys: "blockHash"/],
    ['eth_newFilter', [{ address: ['0xzz'] }], /"address" expected a 20-byte hex address/],
    ['eth_getFilterChanges', ['0xnothex'], /eth_getFilterChanges expected a hex id/],
    ['eth_getFilterChanges', [], /expected params \[id\]/],
    ['eth_getFilterLogs', [1], /eth_getFilterLogs expected a hex id|expects params \[id\]/],
    ['eth_uninstallFilter', ['x', 'y'], /expected params \[id\]/],
  ];
  for (const [method, params, message] of bad)
    it(`${method} refuses ${JSON.stringify(params)} with -32602`, async () => {
      const attempt = call(method, params);
      await expect(attempt).rejects.toMatchObject({ code: -32602 });
      await expect(attempt).rejects.toThrow(message);
    });

  it('eth_getFilterLogs refuses a block filter (-32602)', async () => {
    const id = await call('eth_newBlockFilter', []);
    await expect(call('eth_getFilterLogs', [id])).rejects.toMatchObject({
      code: -32602,
      message: 'eth_getFilterLogs expected the id of a log filter',
    });
  });

  it('eth_newPendingTransactionFilter is refused (4200)', async () => {
    await expect(call('eth_newPendingTransactionFilter', [])).rejects.toMatchObject({ code: 4200 });
  });

  it('a chain that is down fails the call with 4901', async () => {
    await networks.add({ chainId: 9, name: 'Down', rpcUrl: 'http://127.0.0.1:1', symbol: 'ETH' });
    await networks.switchOrigin(ORIGIN, 9);
    await expect(call('eth_newBlockFilter', [])).rejects.toMatchObject({ code: 4901 });
    await expect(call('eth_subscribe', ['newHeads'])).rejects.toMatchObject({ code: 4901 });
  });

  it('every method is public', () => {
    for (const spec of Object.values(subscriptionMethods)) expect(spec.policy).toBe('public');
  });
});
