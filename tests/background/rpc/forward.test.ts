import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { forwardToChain, isForwardable } from '../../../background/rpc/methods/forward';
import type { Services } from '../../../background/rpc/types';
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
/** Runtime code that reverts with the 4 bytes 0xdeadbeef: mstore(0, 0xdeadbeef) revert(28, 4). */
const REVERTER_CODE = '0x63deadbeef6000526004601cfd';
const REVERTER = '0x00000000000000000000000000000000000000aa';

let local: Anvil;
let second: Anvil;
let scripted: ScriptedServer;
let networks: NetworksService;

beforeAll(async () => {
  [local, second] = await Promise.all([startAnvil(31337), startAnvil(10)]);
  scripted = await startScriptedServer(() => ({ body: { result: '0xscripted' } }));
  await local.rpc('anvil_setCode', [REVERTER, REVERTER_CODE]);
});
afterAll(async () => {
  await Promise.all([local?.stop(), second?.stop(), scripted?.close()]);
});
beforeEach(async () => {
  fakeBrowser.reset();
  scripted.calls.length = 0;
  networks = createNetworksService(recordingEvents(), {
    builtIns: [
      networkAt(31337, local.url, 'Localhost 8545'),
      networkAt(10, second.url, 'OP test'),
      networkAt(5, scripted.url, 'Scripted'),
      networkAt(7, await deadUrl(), 'Gone'),
    ],
    defaultChainId: 31337,
  });
  await networks.ready;
});

function forward(method: string, params?: unknown, origin = ORIGIN) {
  return forwardToChain({ method, params }, { origin }, { networks } as unknown as Services);
}

describe('forwardToChain: reads go to the chain of the calling origin', () => {
  it('sends each origin to its own chain', async () => {
    await networks.switchOrigin(OTHER, 10);
    expect(await forward('eth_chainId', [])).toBe('0x7a69');
    expect(await forward('eth_chainId', [], OTHER)).toBe('0xa');
    expect(await forward('eth_blockNumber')).toMatch(/^0x[0-9a-f]+$/);
    expect(await forward('web3_clientVersion', [])).toMatch(/anvil/i);
    expect(
      await forward('eth_getBalance', ['0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', 'latest']),
    ).toBe('0x21e19e0c9bab2400000');
  });

  it("passes the node's error through: a revert keeps code 3, message and data", async () => {
    await expect(
      forward('eth_call', [{ to: REVERTER, data: '0x' }, 'latest']),
    ).rejects.toMatchObject({
      code: 3,
      message: expect.stringMatching(/execution reverted/),
      data: '0xdeadbeef',
    });
  });

  it("passes the node's invalid-params error through", async () => {
    await expect(forward('eth_getBalance', ['nope'])).rejects.toMatchObject({ code: -32602 });
  });

  it('a method the node does not know comes back as the node says', async () => {
    await expect(forward('eth_noSuchMethod', [])).rejects.toMatchObject({ code: -32601 });
  });

  it('a chain that is down is 4901, naming the chain', async () => {
    await networks.switchOrigin(ORIGIN, 7);
    await expect(forward('eth_blockNumber', [])).rejects.toMatchObject({
      code: 4901,
      message: 'The RPC of Gone (chain id 7) cannot be reached.',
    });
  });

  it('sends by-name params as they are, and no params as []', async () => {
    await networks.switchOrigin(ORIGIN, 5);
    scripted.setReply((_method, params) => ({ body: { result: params } }));
    expect(await forward('custom_method', { a: 1 })).toEqual({ a: 1 });
    expect(await forward('eth_blockNumber')).toEqual([]);
  });
});

describe('forwardToChain: what never reaches a node (4200)', () => {
  const refused = [
    'wallet_addEthereumChain',
    'wallet_anything',
    'metamask_getProviderState',
    'snap_dialog',
    'personal_sign',
    'personal_unlockAccount',
    'eth_sign',
    'eth_signTransaction',
    'eth_signTypedData_v4',
    'eth_sendTransaction',
    'eth_accounts',
    'eth_requestAccounts',
    'eth_coinbase',
    'eth_getEncryptionPublicKey',
    'eth_decrypt',
    'eth_subscribe',
    'eth_newFilter',
    'eth_getFilterChanges',
    'anvil_setBalance',
    'hardhat_impersonateAccount',
    'evm_mine',
    'ganache_snapshot',
    'admin_addPeer',
    'miner_start',
    'engine_newPayloadV4',
    'txpool_content',
  ];
  for (const method of refused)
    it(`refuses ${method}`, async () => {
      await networks.switchOrigin(ORIGIN, 5);
      await expect(forward(method, [])).rejects.toMatchObject({
        code: 4200,
        message: `The method "${method}" is not supported by CKM Wallet.`,
      });
      expect(scripted.calls).toEqual([]);
    });

  it('refuses method names a node would not use', async () => {
    await networks.switchOrigin(ORIGIN, 5);
    for (const method of [
      '',
      ' eth_call',
      'eth_call\n',
      '1eth',
      'eth-call',
      'a'.repeat(129),
      '__proto__',
    ])
      await expect(forward(method, [])).rejects.toMatchObject({ code: 4200 });
    expect(scripted.calls).toEqual([]);
  });

  it('refuses params that are neither a list nor an object (-32602)', async () => {
    await networks.switchOrigin(ORIGIN, 5);
    for (const params of ['0x1', 5, null, true])
      await expect(forward('eth_getBalance', params)).rejects.toMatchObject({
        code: -32602,
        message: '"params" of eth_getBalance expected an array or an object.',
      });
    expect(scripted.calls).toEqual([]);
  });

  it('isForwardable accepts ordinary reads', () => {
    for (const method of [
      'eth_call',
      'eth_getLogs',
      'eth_estimateGas',
      'eth_sendRawTransaction',
      'debug_traceTransaction',
      'net_listening',
    ])
      expect(isForwardable(method)).toBe(true);
  });
});
