/**
 * The wallet's own RPC methods through the router, with the whole background service graph
 * (fake browser storage, a scripted user at the approval window), real CKM servers in this
 * process and a real anvil: connect, -32002 for a second connect, 4100 before connect, 4001 on
 * reject, personal_sign and typed data recovered, bad params with their reason, eth_sign and
 * eth_signTransaction refused, EIP-2255 permissions, locked wallets, and eth_sendTransaction
 * mined on anvil with speed up and cancel.
 */
import { type Hex, recoverMessageAddress, recoverTypedDataAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ApprovalItem } from '../../../background/approvals-api';
import { createServices, wireAccountEvents } from '../../../background/index';
import { routeRequest } from '../../../background/rpc/router';
import type { Services } from '../../../background/rpc/types';
import type { WindowOpener } from '../../../background/services/approvals';
import { memoryVaultStore } from '../../../background/services/vault-store';
import { type InProcessCluster, startCluster } from '../../ckm/support/in-process';
import { type Anvil, networkAt, startAnvil } from '../support/chain-node';

const ORIGIN = 'https://dapp.example';
const PASSWORD = 'correct horse battery staple';

let cluster: InProcessCluster;
let anvil: Anvil;
let services: Services;
let address: `0x${string}`;

/** The person at the approval window: answers each prompt as the test says. */
type Answer = (item: ApprovalItem) => 'approve' | 'reject' | 'leave' | Record<string, unknown>;
let answer: Answer = () => 'approve';
const seen: ApprovalItem[] = [];
const opener: WindowOpener = {
  async open() {
    // The window "opens" and the person answers what is queued, in order.
    setTimeout(async () => {
      for (const item of services.approvals.list()) {
        seen.push(item);
        const choice = answer(item);
        if (choice === 'leave') continue;
        if (choice === 'reject') services.approvals.reject(item.id);
        else
          await services.approvals
            .resolve(item.id, choice === 'approve' ? defaultResult(item) : choice)
            .catch(() => {});
      }
    }, 10);
  },
  close: async () => {},
  onClosed: () => {},
};
function defaultResult(item: ApprovalItem) {
  return item.request.kind === 'connect' ? { accounts: item.request.accounts } : {};
}

const call = (method: string, params?: unknown, origin = ORIGIN) =>
  routeRequest({ method, ...(params !== undefined ? { params } : {}) }, { origin }, services);

async function result(method: string, params?: unknown, origin = ORIGIN) {
  const outcome = await call(method, params, origin);
  if (!outcome.ok) throw new Error(`${method}: ${outcome.error.code} ${outcome.error.message}`);
  return outcome.result;
}
async function errorOf(method: string, params?: unknown, origin = ORIGIN) {
  const outcome = await call(method, params, origin);
  if (outcome.ok)
    throw new Error(`${method} unexpectedly answered ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

describe('wallet RPC methods', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    fakeBrowser.reset();
    [cluster, anvil] = await Promise.all([startCluster(2), startAnvil(31337)]);
    services = createServices({
      store: memoryVaultStore(),
      opener,
      transport: cluster.transport,
      networks: {
        builtIns: [networkAt(31337, anvil.url, 'Localhost 8545')],
        defaultChainId: 31337,
      },
    });
    wireAccountEvents(services);
    await services.keyring.ready;
    await services.keyring.create({
      servers: cluster.servers.map((s) => ({ url: s.url })),
      password: PASSWORD,
    });
    address = (await services.accounts.initialize()).address;
    await anvil.rpc('anvil_setBalance', [address, '0x56bc75e2d63100000']);
  }, 180_000);
  afterAll(async () => {
    await cluster?.close();
    await anvil?.stop();
  });

  it('before connecting: eth_accounts is [], signing is 4100, and public reads work', async () => {
    expect(await result('eth_accounts')).toEqual([]);
    expect(await result('eth_coinbase')).toBeNull();
    expect((await errorOf('personal_sign', ['0x00', address])).code).toBe(4100);
    expect((await errorOf('eth_sendTransaction', [{ from: address, to: address }])).code).toBe(
      4100,
    );
    expect(await result('eth_chainId')).toBe('0x7a69');
    expect(await result('eth_blockNumber')).toMatch(/^0x/);
    expect(await result('metamask_getProviderState')).toEqual({
      isUnlocked: true,
      chainId: '0x7a69',
      networkVersion: '31337',
      accounts: [],
    });
  });

  it('a rejected connection is 4001 and grants nothing', async () => {
    answer = () => 'reject';
    expect((await errorOf('eth_requestAccounts')).code).toBe(4001);
    expect(await result('eth_accounts')).toEqual([]);
  });

  it('a second eth_requestAccounts while one waits is -32002', async () => {
    let release: () => void = () => {};
    answer = () => 'approve';
    const hold: WindowOpener['open'] = opener.open;
    opener.open = async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return hold();
    };
    const first = call('eth_requestAccounts');
    await new Promise((r) => setTimeout(r, 20));
    expect((await errorOf('eth_requestAccounts')).code).toBe(-32002);
    opener.open = hold;
    release();
    const outcome = await first;
    expect(outcome).toEqual({ ok: true, result: [address.toLowerCase()] });
    expect(seen.at(-1)?.origin).toBe(ORIGIN);
  });

  it('connected: accounts, EIP-2255 permissions, and another origin still sees nothing', async () => {
    expect(await result('eth_accounts')).toEqual([address.toLowerCase()]);
    expect(await result('eth_coinbase')).toBe(address.toLowerCase());
    const permissions = (await result('wallet_getPermissions')) as {
      parentCapability: string;
      caveats: { value: string[] }[];
    }[];
    expect(permissions[0]?.parentCapability).toBe('eth_accounts');
    expect(permissions[0]?.caveats[0]?.value).toEqual([address]);
    expect(await result('eth_accounts', undefined, 'https://other.example')).toEqual([]);
    expect(
      (await errorOf('wallet_requestPermissions', [{ eth_accounts: {}, snap_dialog: {} }])).code,
    ).toBe(-32602);
  });

  it('personal_sign: approved, threshold-signed, recovers to the account; the prompt decodes the text', async () => {
    answer = () => 'approve';
    const signature = (await result('personal_sign', ['hello world', address])) as Hex;
    expect(await recoverMessageAddress({ message: 'hello world', signature })).toBe(address);
    const prompt = seen.at(-1);
    expect(prompt?.request.kind).toBe('message');
    if (prompt?.request.kind === 'message') expect(prompt.request.insight.text).toBe('hello world');
    expect(await result('personal_ecRecover', ['hello world', signature])).toBe(
      address.toLowerCase(),
    );
  });

  it('eth_signTypedData_v4: recovers to the account; a chain mismatch is -32602', async () => {
    const typed = {
      types: {
        EIP712Domain: [
          { name: 'name', type: 'string' },
          { name: 'chainId', type: 'uint256' },
        ],
        Mail: [{ name: 'contents', type: 'string' }],
      },
      primaryType: 'Mail',
      domain: { name: 'Test', chainId: 31337 },
      message: { contents: 'hi' },
    };
    const signature = (await result('eth_signTypedData_v4', [
      address,
      JSON.stringify(typed),
    ])) as Hex;
    expect(
      await recoverTypedDataAddress({
        types: { Mail: typed.types.Mail },
        primaryType: 'Mail',
        domain: typed.domain,
        message: typed.message,
        signature,
      }),
    ).toBe(address);
    const wrongChain = { ...typed, domain: { ...typed.domain, chainId: 1 } };
    const error = await errorOf('eth_signTypedData_v4', [address, JSON.stringify(wrongChain)]);
    expect(error.code).toBe(-32602);
    expect(error.message).toMatch(/chain 1/);
  });

  it('rejecting a signature is 4001; bad params are -32602 with the reason', async () => {
    answer = () => 'reject';
    expect((await errorOf('personal_sign', ['0x01', address])).code).toBe(4001);
    answer = () => 'approve';
    const missing = await errorOf('personal_sign', ['0x01']);
    expect(missing).toMatchObject({
      code: -32602,
      message: 'personal_sign expects [message, address].',
    });
    expect(
      (await errorOf('personal_sign', ['0x01', '0x70997970C51812Dc3A010c7D01B50E20D17Dc79C'])).code,
    ).toBe(4100);
    const badJson = await errorOf('eth_signTypedData_v4', [address, '{not json']);
    expect(badJson).toMatchObject({ code: -32602, message: 'The typed data is not valid JSON.' });
    const badTx = await errorOf('eth_sendTransaction', [
      { from: address, to: '0x1234', value: '0x1' },
    ]);
    expect(badTx).toMatchObject({ code: -32602, message: '"to" must be an address.' });
    const extra = await errorOf('eth_sendTransaction', [{ from: address, to: address, evil: 1 }]);
    expect(extra.message).toMatch(/unsupported field "evil"/);
  });

  it('eth_sign is 4200 and eth_signTransaction -32004, as MetaMask does', async () => {
    expect((await errorOf('eth_sign', [address, `0x${'11'.repeat(32)}`])).code).toBe(4200);
    expect((await errorOf('eth_signTransaction', [{ from: address }])).code).toBe(-32004);
  });

  it('eth_sendTransaction: EIP-1559 and legacy, filled from the chain, mined; the activity records them', async () => {
    const to = '0x70997970C51812Dc3A010c7D01B50E20D17Dc79C';
    const hash1559 = (await result('eth_sendTransaction', [
      { from: address, to, value: '0x2386f26fc10000' },
    ])) as Hex;
    const legacy = (await result('eth_sendTransaction', [
      { from: address, to, value: '0x1', gasPrice: '0x2540be400', type: '0x0' },
    ])) as Hex;
    for (const [hash, type] of [
      [hash1559, '0x2'],
      [legacy, '0x0'],
    ] as const) {
      const receipt = (await anvil.rpc('eth_getTransactionReceipt', [hash])) as {
        status: Hex;
        type: Hex;
      };
      expect(receipt.status).toBe('0x1');
      expect(receipt.type).toBe(type);
    }
    const items = services.activity.list(address);
    expect(items.map((i) => i.hash)).toEqual(expect.arrayContaining([hash1559, legacy]));
    expect(items[0]?.cosigner?.name).toMatch(/^server-/);
  });

  it('the user edits nonce and fees in the prompt; speed up and cancel replace a pending transaction', async () => {
    await anvil.rpc('evm_setAutomine', [false]);
    try {
      answer = (item) =>
        item.request.kind === 'transaction'
          ? { maxPriorityFeePerGas: '0x77359400', maxFeePerGas: '0x174876e800' }
          : 'approve';
      const hash = (await result('eth_sendTransaction', [
        { from: address, to: address, value: '0x0' },
      ])) as Hex;
      const sent = (await anvil.rpc('eth_getTransactionByHash', [hash])) as {
        maxPriorityFeePerGas: Hex;
      };
      expect(BigInt(sent.maxPriorityFeePerGas)).toBe(2_000_000_000n);
      const faster = await services.transactions.speedUp(
        hash,
        services.accounts.list()[0] as never,
      );
      expect(faster.replaces).toBe(hash);
      const cancel = await services.transactions.cancel(
        faster.id,
        services.accounts.list()[0] as never,
      );
      expect(cancel.title).toBe('Cancel');
      await anvil.rpc('evm_mine', []);
      const mined = (await anvil.rpc('eth_getTransactionReceipt', [cancel.hash])) as {
        status: Hex;
      } | null;
      expect(mined?.status).toBe('0x1');
      expect(await anvil.rpc('eth_getTransactionReceipt', [hash])).toBeNull();
    } finally {
      await anvil.rpc('evm_setAutomine', [true]);
      answer = () => 'approve';
    }
  });

  it('a call to a watched token is named by its standard in the prompt', async () => {
    const token = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
    const spender = '0x70997970C51812Dc3A010c7D01B50E20D17Dc79C';
    const approve =
      `0x095ea7b3${spender.slice(2).toLowerCase().padStart(64, '0')}${'f'.repeat(64)}` as Hex;
    const request = { from: address, to: token as Hex, value: 0n, data: approve, legacy: false };
    expect((await services.transactions.prepare(request, 31337)).insight.action).toBe(
      'Approve (ERC-20 or ERC-721)',
    );
    await services.assets.add(31337, address, {
      standard: 'ERC20',
      address: token,
      symbol: 'TST',
      decimals: 4,
    });
    const named = await services.transactions.prepare(request, 31337);
    expect(named.insight.action).toBe('ERC-20 approve');
    expect(named.insight.warnings.map((w) => w.kind)).toContain('unlimited-approval');
  });

  it('locked: eth_accounts is [] and a signature asks to unlock first', async () => {
    await services.keyring.lock();
    expect(await result('eth_accounts')).toEqual([]);
    answer = (item) => {
      if (item.request.kind === 'unlock') {
        // As the unlock prompt does: unlock, then release every request waiting for it.
        void services.keyring.unlock(PASSWORD).then(() => services.approvals.resolveAll('unlock'));
        return 'leave';
      }
      return 'approve';
    };
    const signature = (await result('personal_sign', ['0x6869', address])) as Hex;
    expect(seen.some((s) => s.request.kind === 'unlock')).toBe(true);
    expect(await recoverMessageAddress({ message: { raw: '0x6869' }, signature })).toBe(address);
    answer = () => 'approve';
  });

  it('revoking permissions disconnects the origin', async () => {
    expect(await result('wallet_revokePermissions', [{ eth_accounts: {} }])).toBeNull();
    expect(await result('eth_accounts')).toEqual([]);
    expect((await errorOf('personal_sign', ['0x01', address])).code).toBe(4100);
  });

  it('eth_signTypedData (v1): [typedData, address] as JSON or text, recovered with its digest; a bad type is -32602', async () => {
    const { recoverAddress, bytesToHex } = await import('viem');
    const { parseSignPayload, payloadDigest } = await import('../../../ckm/payload');
    answer = () => 'approve';
    // The test above revoked this origin's permissions: connect again.
    expect(await result('eth_requestAccounts')).toEqual([address.toLowerCase()]);
    const typedData = [
      { type: 'string', name: 'Message', value: 'Hi, Alice!' },
      { type: 'uint32', name: 'A number', value: '1337' },
    ];
    const hash = bytesToHex(payloadDigest(parseSignPayload({ kind: 'typedDataV1', typedData })));
    for (const data of [typedData, JSON.stringify(typedData)]) {
      const signature = (await result('eth_signTypedData', [data, address])) as Hex;
      expect(await recoverAddress({ hash, signature })).toBe(address);
      const prompt = seen.at(-1)?.request;
      expect(prompt?.kind === 'typedData' && prompt.version).toBe('v1');
    }
    const bad = await errorOf('eth_signTypedData', [
      [{ type: 'uint', name: 'n', value: '1' }],
      address,
    ]);
    expect(bad.code).toBe(-32602);
    expect(bad.message).toMatch(/"typedData\[0\]\.type" is not a Solidity elementary type/);
    expect((await errorOf('eth_signTypedData', [typedData])).code).toBe(-32602);
  });
});
