/**
 * Issue #8's policy firewall through the popup's requests (`handleUiRequest`) on a whole
 * background service graph, against real CKM servers in this process and a real anvil: the rules
 * are written to every server and shown per server; a transfer above the daily limit is refused
 * with the rule as data (the prompt's explanation) and as EIP-1474 -32003 for the dApp; a
 * transfer above the hold threshold is held, kept by the wallet, sent after the wait with a fresh
 * nonce and mined; a held one cancelled on every server is refused afterwards; loosening waits.
 */
import { type Hex, parseEther } from 'viem';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { isWalletError } from '../../../background/errors';
import { routeRequest } from '../../../background/rpc/router';
import { DEFAULT_POLICY, type WalletPolicy } from '../../../ckm/policy/types';
import { type InProcessCluster, startCluster } from '../../ckm/support/in-process';
import { type Anvil, startAnvil } from '../support/chain-node';
import {
  type Device,
  mined,
  newDevice,
  probedServers,
  routeFetchToCluster,
  sendAndWait,
  ui,
  uiError,
  use,
} from '../support/devices';

const PASSWORD = 'correct horse battery staple';
const SINK = '0x000000000000000000000000000000000000dEaD' as Hex;
const DELAY_SECONDS = 2;

let cluster: InProcessCluster;
let anvil: Anvil;
let device: Device;
let address: Hex;

const policy = (patch: Partial<WalletPolicy>): WalletPolicy => ({ ...DEFAULT_POLICY, ...patch });
const native = (chainId: number, ether: string) => ({
  chainId,
  asset: 'native' as const,
  amount: parseEther(ether).toString(),
});

async function attempt(value: bigint): Promise<unknown> {
  await use(device);
  const { services } = device;
  const account = services.accounts.byAddress(address);
  if (!account) throw new Error('no account');
  const prepared = await services.transactions.prepare(
    { from: address, to: SINK, value, data: '0x', legacy: false },
    anvil.chainId,
  );
  return services.transactions
    .send({ account, origin: 'https://dapp.example', prepared, edits: {} })
    .then(
      () => {
        throw new Error('the servers co-signed');
      },
      (error: unknown) => error,
    );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the policy firewall through the popup requests', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    fakeBrowser.reset();
    [cluster, anvil] = await Promise.all([startCluster(2), startAnvil(31337)]);
    routeFetchToCluster(cluster);
    device = await newDevice('device', cluster, anvil);
    const created = await ui(device, {
      type: 'createWallet',
      servers: await probedServers(device, cluster, 2),
      password: PASSWORD,
    });
    address = created.address;
    await anvil.rpc('anvil_setBalance', [address, '0x56bc75e2d63100000']);
  }, 300_000);
  afterAll(async () => {
    vi.unstubAllGlobals();
    await cluster?.close();
    await anvil?.stop();
  }, 60_000);

  it('a new wallet has no rules on either server', async () => {
    const overview = await ui(device, { type: 'getPolicy' });
    expect(overview.servers).toHaveLength(2);
    for (const server of overview.servers) {
      expect(server.error).toBeUndefined();
      expect(server.view?.effective.dailyLimits).toEqual([]);
      expect(server.view?.pending).toBeUndefined();
    }
  });

  it('malformed rules are refused before any server sees them, naming the field', async () => {
    const bad = { ...policy({}), delaySeconds: 0 };
    const error = await uiError(device, { type: 'setPolicy', policy: bad });
    expect(error.code).toBe('InvalidInput');
    expect(error.message).toMatch(/delaySeconds/);
    const amount = { ...policy({ dailyLimits: [{ chainId: 1, asset: 'native', amount: '1.5' }] }) };
    expect((await uiError(device, { type: 'setPolicy', policy: amount })).message).toMatch(
      /amount/,
    );
  });

  it('rules set on an unrestricted wallet apply at once on every server', async () => {
    const rules = policy({
      dailyLimits: [native(anvil.chainId, '2')],
      holdAbove: [native(anvil.chainId, '0.5')],
      delaySeconds: DELAY_SECONDS,
    });
    const overview = await ui(device, { type: 'setPolicy', policy: rules });
    for (const server of overview.servers) {
      expect(server.view?.effective.dailyLimits).toEqual(rules.dailyLimits);
      expect(server.view?.effective.delaySeconds).toBe(DELAY_SECONDS);
      expect(server.view?.pending).toBeUndefined();
    }
  });

  it('under both thresholds: co-signed and mined', async () => {
    const receipt = await sendAndWait(device, anvil, address, SINK, parseEther('0.1'));
    expect(receipt.status).toBe('0x1');
  });

  it('above the daily limit: refused with the rule, nothing held, and -32003 for a dApp', async () => {
    const error = await attempt(parseEther('3'));
    expect(isWalletError(error, 'PolicyRefused')).toBe(true);
    if (!isWalletError(error)) throw error;
    expect(error.policy?.rule).toBe('dailyLimit');
    expect(await ui(device, { type: 'listHeld' })).toEqual([]);
  });

  it('above the hold threshold: held, listed, not sendable before the wait, then sent and mined', async () => {
    const error = await attempt(parseEther('0.6'));
    if (!isWalletError(error, 'PolicyRefused')) throw error;
    expect(error.policy?.rule).toBe('hold');
    const held = await ui(device, { type: 'listHeld' });
    expect(held).toHaveLength(1);
    const [item] = held;
    if (!item) throw new Error('nothing held');
    expect(item.readyAt).toBeGreaterThan(Date.now() - 1000);
    if (Date.now() < item.readyAt)
      expect((await uiError(device, { type: 'sendHeld', id: item.id })).code).toBe('Busy');
    // Another transaction in between: the held one is sent with a fresh nonce.
    await sendAndWait(device, anvil, address, SINK, parseEther('0.01'));
    await sleep(Math.max(0, item.readyAt - Date.now()) + 200);
    const sent = await ui(device, { type: 'sendHeld', id: item.id });
    expect((await mined(anvil, sent.hash)).status).toBe('0x1');
    expect(await ui(device, { type: 'listHeld' })).toEqual([]);
  });

  it('a held transfer cancelled on every server stays refused', async () => {
    const first = await attempt(parseEther('0.7'));
    if (!isWalletError(first, 'PolicyRefused')) throw first;
    const [item] = await ui(device, { type: 'listHeld' });
    if (!item) throw new Error('nothing held');
    await ui(device, { type: 'cancelHeld', id: item.id });
    expect(await ui(device, { type: 'listHeld' })).toEqual([]);
    await sleep(DELAY_SECONDS * 1000 + 200);
    const again = await attempt(parseEther('0.7'));
    if (!isWalletError(again, 'PolicyRefused')) throw again;
    expect(again.policy?.rule).toBe('hold');
    expect(again.policy?.rule === 'hold' && again.policy.status).toBe('cancelled');
  });

  it('loosening waits: raising the limit is pending on both servers and the old limit holds', async () => {
    const looser = policy({
      dailyLimits: [native(anvil.chainId, '100')],
      holdAbove: [native(anvil.chainId, '0.5')],
      delaySeconds: DELAY_SECONDS,
    });
    const overview = await ui(device, { type: 'setPolicy', policy: looser });
    for (const server of overview.servers) {
      expect(server.view?.pending?.policy.dailyLimits).toEqual(looser.dailyLimits);
      expect(server.view?.effective.dailyLimits).toEqual([native(anvil.chainId, '2')]);
    }
    const refused = await attempt(parseEther('3'));
    if (!isWalletError(refused, 'PolicyRefused')) throw refused;
    expect(refused.policy?.rule).toBe('dailyLimit');
    // Cancelled: nothing pending, the old limit stays.
    const cancelled = await ui(device, { type: 'cancelPolicyChange' });
    for (const server of cancelled.servers) expect(server.view?.pending).toBeUndefined();
  });

  it('a dApp sees EIP-1474 -32003 with the rule in data', async () => {
    await use(device);
    const { services } = device;
    // Answer the approval prompt as soon as it is queued.
    services.approvals.onChange(() => {
      const [item] = services.approvals.list();
      if (item) void services.approvals.resolve(item.id, {}).catch(() => {});
    });
    await services.permissions.grant('https://dapp.example', [address]);
    const answer = await routeRequest(
      {
        method: 'eth_sendTransaction',
        params: [{ from: address, to: SINK, value: `0x${parseEther('3').toString(16)}` }],
      },
      { origin: 'https://dapp.example' },
      services,
    );
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.code).toBe(-32003);
    expect((answer.error.data as { policy?: { rule?: string } }).policy?.rule).toBe('dailyLimit');
  });
});
