import { providerErrors } from '@metamask/rpc-errors';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ApprovalRequest } from '../../../background/approvals-api';
import { chainMethods } from '../../../background/rpc/methods/chain';
import type { RpcRequest, Services } from '../../../background/rpc/types';
import { createNetworksService, type NetworksService } from '../../../background/services/networks';
import {
  type Anvil,
  deadUrl,
  networkAt,
  recordingEvents,
  type ScriptedServer,
  startAnvil,
  startScriptedServer,
} from '../support/chain-node';

const ORIGIN = 'https://dapp.example';
const OTHER = 'https://other.example';

/** anvil as a chain the wallet does not know yet (test-dapp's 0x53a). */
let fresh: Anvil;
let scripted: ScriptedServer;

beforeAll(async () => {
  fresh = await startAnvil(1338);
  scripted = await startScriptedServer(() => ({ body: { result: '0x1' } }));
});
afterAll(async () => {
  await fresh?.stop();
  await scripted?.close();
});

/** The user, as a test double: approves or rejects each kind of prompt, and remembers them. */
function fakeUser(answers: Partial<Record<ApprovalRequest['kind'], 'approve' | 'reject'>> = {}) {
  const asked: ApprovalRequest[] = [];
  /** Prompts the test pretends are still waiting, as `origin kind`. */
  const waiting = new Set<string>();
  return {
    asked,
    waiting,
    has: (origin: string, kind: ApprovalRequest['kind']) => waiting.has(`${origin} ${kind}`),
    async request(_origin: string, request: ApprovalRequest) {
      asked.push(request);
      if ((answers[request.kind] ?? 'approve') === 'reject')
        throw providerErrors.userRejectedRequest();
      return {};
    },
  };
}

let networks: NetworksService;
let events: ReturnType<typeof recordingEvents>;

beforeEach(async () => {
  fakeBrowser.reset();
  scripted.calls.length = 0;
  scripted.setReply(() => ({ body: { result: '0x1' } }));
  events = recordingEvents([ORIGIN, OTHER]);
  networks = createNetworksService(events, {
    builtIns: [
      networkAt(1, scripted.url, 'Ethereum'),
      networkAt(31337, 'http://127.0.0.1:8545', 'Localhost 8545'),
    ],
    defaultChainId: 31337,
    rpcTimeoutMs: 2000,
  });
  await networks.ready;
});

function services(user = fakeUser()): Services {
  return { networks, approvals: user, events } as unknown as Services;
}

function call(
  method: keyof typeof chainMethods,
  params: unknown,
  user = fakeUser(),
  origin = ORIGIN,
) {
  const request: RpcRequest = { method, params };
  return chainMethods[method].handle(request, { origin }, services(user));
}

describe('eth_chainId and net_version (EIP-695): per origin', () => {
  it("answer the origin's own chain, else the selected one", async () => {
    expect(await call('eth_chainId', [])).toBe('0x7a69');
    expect(await call('net_version', [])).toBe('31337');
    await networks.switchOrigin(ORIGIN, 1);
    expect(await call('eth_chainId', [])).toBe('0x1');
    expect(await call('net_version', [])).toBe('1');
    expect(await call('eth_chainId', [], fakeUser(), OTHER)).toBe('0x7a69');
  });

  it('are public, as are the switch and add methods (MetaMask allows them before connect)', () => {
    for (const spec of Object.values(chainMethods)) expect(spec.policy).toBe('public');
  });
});

describe('wallet_switchEthereumChain (EIP-3326)', () => {
  it('asks the user, then moves only this origin and tells it chainChanged; returns null', async () => {
    const user = fakeUser();
    expect(await call('wallet_switchEthereumChain', [{ chainId: '0x1' }], user)).toBeNull();
    expect(user.asked).toEqual([
      {
        kind: 'switchChain',
        from: { chainId: 31337, name: 'Localhost 8545', symbol: 'ETH' },
        to: { chainId: 1, name: 'Ethereum', symbol: 'ETH' },
      },
    ]);
    expect(networks.chainOf(ORIGIN).chainId).toBe(1);
    expect(networks.chainOf(OTHER).chainId).toBe(31337);
    expect(events.log).toEqual([{ to: { origin: ORIGIN }, event: 'chainChanged', data: '0x1' }]);
  });

  it('does not ask when the origin is already on that chain', async () => {
    const user = fakeUser();
    expect(await call('wallet_switchEthereumChain', [{ chainId: '0x7a69' }], user)).toBeNull();
    expect(user.asked).toEqual([]);
  });

  it('rejects with 4001 and stays put when the user rejects', async () => {
    const user = fakeUser({ switchChain: 'reject' });
    await expect(
      call('wallet_switchEthereumChain', [{ chainId: '0x1' }], user),
    ).rejects.toMatchObject({
      code: 4001,
    });
    expect(networks.chainOf(ORIGIN).chainId).toBe(31337);
    expect(events.log).toEqual([]);
  });

  it('refuses (-32002) while a switch or add prompt of the same origin waits', async () => {
    for (const kind of ['switchChain', 'addChain']) {
      const user = fakeUser();
      user.waiting.add(`${ORIGIN} ${kind}`);
      await expect(
        call('wallet_switchEthereumChain', [{ chainId: '0x1' }], user),
      ).rejects.toMatchObject({
        code: -32002,
        message: 'A request to switch or add a chain is already waiting for the user. Please wait.',
      });
      expect(user.asked).toEqual([]);
      // Another origin is not held up.
      expect(
        await call('wallet_switchEthereumChain', [{ chainId: '0x1' }], user, OTHER),
      ).toBeNull();
    }
  });

  it("answers 4902 with MetaMask's message for a chain the wallet does not know", async () => {
    const user = fakeUser();
    await expect(
      call('wallet_switchEthereumChain', [{ chainId: '0x53a' }], user),
    ).rejects.toMatchObject({
      code: 4902,
      message:
        'Unrecognized chain ID "0x53a". Try adding the chain using wallet_addEthereumChain first.',
    });
    expect(user.asked).toEqual([]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['no params', undefined, /expects params \[object\], got nothing/],
    ['empty params', [], /expects params \[object\], got an array of 0/],
    ['two params', [{ chainId: '0x1' }, {}], /got an array of 2/],
    ['a bare string', ['0x1'], /expects params \[object\], got \[a string\]/],
    ['a missing chainId', [{}], /"chainId" expected a hex string, got nothing/],
    ['a numeric chainId', [{ chainId: 1 }], /"chainId" expected a hex string, got a number/],
    [
      'a decimal chainId',
      [{ chainId: '1' }],
      /0x-prefixed hex chain id without leading zeros, got "1"/,
    ],
    ['a leading zero', [{ chainId: '0x01' }], /without leading zeros, got "0x01"/],
    ['chain id zero', [{ chainId: '0x0' }], /without leading zeros, got "0x0"/],
    ['a non-hex digit', [{ chainId: '0x1g' }], /without leading zeros/],
    ['a chain id above the bound', [{ chainId: '0xfffffffffffff' }], /at most 0xfffffffffffec/],
    ['an extra key', [{ chainId: '0x1', rpcUrl: 'x' }], /unsupported keys: "rpcUrl"/],
  ];
  for (const [what, params, message] of bad)
    it(`refuses ${what} with -32602 and the reason, before asking anyone`, async () => {
      const user = fakeUser();
      const attempt = call('wallet_switchEthereumChain', params, user);
      await expect(attempt).rejects.toMatchObject({ code: -32602 });
      await expect(attempt).rejects.toThrow(message);
      expect(user.asked).toEqual([]);
    });
});

describe('wallet_addEthereumChain (EIP-3085)', () => {
  const param = (patch: Record<string, unknown> = {}) => ({
    chainId: '0x53a',
    chainName: 'Second dev chain',
    rpcUrls: [fresh.url],
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    blockExplorerUrls: ['https://explorer.example'],
    iconUrls: ['https://icon.example/x.png'],
    ...patch,
  });

  it('checks the RPC, asks to add, adds, asks to switch, switches; returns null', async () => {
    const user = fakeUser();
    expect(await call('wallet_addEthereumChain', [param()], user)).toBeNull();
    expect(user.asked).toEqual([
      {
        kind: 'addChain',
        chain: { chainId: 1338, name: 'Second dev chain', symbol: 'ETH' },
        rpcUrl: fresh.url,
        blockExplorerUrl: 'https://explorer.example',
      },
      {
        kind: 'switchChain',
        from: { chainId: 31337, name: 'Localhost 8545', symbol: 'ETH' },
        to: { chainId: 1338, name: 'Second dev chain', symbol: 'ETH' },
      },
    ]);
    expect(networks.get(1338)?.rpcUrl).toBe(fresh.url);
    expect(networks.get(1338)?.builtIn).toBeUndefined();
    expect(networks.chainOf(ORIGIN).chainId).toBe(1338);
    expect(await networks.request(1338, 'eth_chainId')).toBe('0x53a');
    expect(events.log).toEqual([{ to: { origin: ORIGIN }, event: 'chainChanged', data: '0x53a' }]);
  });

  it('keeps the chain added when the user declines only the switch', async () => {
    const user = fakeUser({ switchChain: 'reject' });
    expect(await call('wallet_addEthereumChain', [param()], user)).toBeNull();
    expect(networks.get(1338)).toBeDefined();
    expect(networks.chainOf(ORIGIN).chainId).toBe(31337);
  });

  it('adds nothing when the user rejects the chain (4001)', async () => {
    const user = fakeUser({ addChain: 'reject' });
    await expect(call('wallet_addEthereumChain', [param()], user)).rejects.toMatchObject({
      code: 4001,
    });
    expect(networks.get(1338)).toBeUndefined();
    expect(user.asked.map((r) => r.kind)).toEqual(['addChain']);
  });

  it('only offers to switch when the chain exists with the same RPC URL (no fetch)', async () => {
    const user = fakeUser();
    const known = { chainId: '0x1', rpcUrls: [scripted.url] };
    expect(await call('wallet_addEthereumChain', [param(known)], user)).toBeNull();
    expect(user.asked.map((r) => r.kind)).toEqual(['switchChain']);
    expect(scripted.calls).toEqual([]);
    expect(networks.chainOf(ORIGIN).chainId).toBe(1);
  });

  it('asks before using a new RPC URL for a known chain, and keeps its name', async () => {
    const user = fakeUser();
    await networks.add({
      chainId: 1338,
      name: 'Mine',
      rpcUrl: 'http://127.0.0.1:1',
      symbol: 'ETH',
    });
    expect(await call('wallet_addEthereumChain', [param()], user)).toBeNull();
    expect(user.asked[0]).toEqual({
      kind: 'addChain',
      chain: { chainId: 1338, name: 'Mine', symbol: 'ETH' },
      rpcUrl: fresh.url,
      blockExplorerUrl: 'https://explorer.example',
    });
    expect(networks.get(1338)).toMatchObject({ name: 'Mine', rpcUrl: fresh.url });
  });

  it('refuses (-32602) an RPC that serves another chain, before asking', async () => {
    const user = fakeUser();
    const attempt = call('wallet_addEthereumChain', [param({ chainId: '0x539' })], user);
    await expect(attempt).rejects.toMatchObject({
      code: -32602,
      message: 'The RPC URL serves chain id 0x53a, not the requested 0x539.',
    });
    expect(user.asked).toEqual([]);
    expect(networks.get(1337)).toBeUndefined();
  });

  it('refuses (-32602) an RPC that does not answer, before asking', async () => {
    const user = fakeUser();
    const attempt = call('wallet_addEthereumChain', [param({ rpcUrls: [await deadUrl()] })], user);
    await expect(attempt).rejects.toMatchObject({ code: -32602 });
    await expect(attempt).rejects.toThrow(
      'The RPC URL did not answer eth_chainId: it cannot be reached',
    );
    expect(user.asked).toEqual([]);
  });

  it('refuses (-32002) while a chain prompt of the same origin waits, before fetching', async () => {
    const user = fakeUser();
    user.waiting.add(`${ORIGIN} switchChain`);
    await expect(call('wallet_addEthereumChain', [param()], user)).rejects.toMatchObject({
      code: -32002,
    });
    expect(user.asked).toEqual([]);
    expect(networks.get(1338)).toBeUndefined();
  });

  it('takes the first usable RPC URL of the list', async () => {
    const user = fakeUser();
    await call(
      'wallet_addEthereumChain',
      [param({ rpcUrls: ['wss://x.example', 'http://remote.example', fresh.url] })],
      user,
    );
    expect(networks.get(1338)?.rpcUrl).toBe(fresh.url);
  });

  const bad: [string, () => unknown, RegExp][] = [
    ['no params', () => undefined, /expects params \[object\]/],
    ['a bad chainId', () => [{ ...param(), chainId: '0x053a' }], /without leading zeros/],
    ['an unknown key', () => [{ ...param(), chainNme: 'x' }], /unsupported keys: "chainNme"/],
    [
      'no nativeCurrency',
      () => [{ ...param(), nativeCurrency: undefined }],
      /"nativeCurrency" expected an object/,
    ],
    [
      'decimals other than 18',
      () => [param({ nativeCurrency: { name: 'E', symbol: 'E', decimals: 17 } })],
      /"nativeCurrency.decimals" expected 18, got a number/,
    ],
    [
      'an extra currency key',
      () => [param({ nativeCurrency: { name: 'E', symbol: 'E', decimals: 18, logo: 'x' } })],
      /"nativeCurrency" has unsupported keys: "logo"/,
    ],
    [
      'a long symbol',
      () => [param({ nativeCurrency: { name: 'E', symbol: 'ABCDEFGHIJKLMN', decimals: 18 } })],
      /"nativeCurrency.symbol" expected 1 to 12 characters/,
    ],
    [
      'no currency name',
      () => [param({ nativeCurrency: { symbol: 'E', decimals: 18 } })],
      /"nativeCurrency.name" expected a string/,
    ],
    ['no chainName', () => [{ ...param(), chainName: undefined }], /"chainName" expected a string/],
    [
      'a long chainName',
      () => [param({ chainName: 'x'.repeat(65) })],
      /"chainName" expected 1 to 64 characters/,
    ],
    [
      'no rpcUrls',
      () => [{ ...param(), rpcUrls: undefined }],
      /"rpcUrls" expected an array of URLs, got nothing/,
    ],
    ['empty rpcUrls', () => [param({ rpcUrls: [] })], /"rpcUrls" expected at least one URL/],
    [
      'rpcUrls as a string',
      () => [param({ rpcUrls: 'https://x.example' })],
      /"rpcUrls" expected an array of at most 16 URLs, got a string/,
    ],
    [
      'plain http to a remote host',
      () => [param({ rpcUrls: ['http://rpc.example'] })],
      /No usable URL in "rpcUrls": "rpcUrls" expected an https URL \(plain http only for localhost\), got http to "rpc.example"/,
    ],
    [
      'a javascript: URL',
      () => [param({ rpcUrls: ['javascript:alert(1)'] })],
      /No usable URL in "rpcUrls"/,
    ],
    [
      'only bad explorers',
      () => [param({ blockExplorerUrls: ['ftp://x.example'] })],
      /No usable URL in "blockExplorerUrls"/,
    ],
    [
      'iconUrls that is not a list',
      () => [param({ iconUrls: 'x' })],
      /"iconUrls" expected an array/,
    ],
  ];
  for (const [what, params, message] of bad)
    it(`refuses ${what} with -32602 and the reason, before any fetch or prompt`, async () => {
      const user = fakeUser();
      const attempt = call('wallet_addEthereumChain', params(), user);
      await expect(attempt).rejects.toMatchObject({ code: -32602 });
      await expect(attempt).rejects.toThrow(message);
      expect(user.asked).toEqual([]);
      expect(networks.get(1338)).toBeUndefined();
    });
});
