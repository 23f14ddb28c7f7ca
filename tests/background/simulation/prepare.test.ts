/**
 * `transactions.prepare()` attaches the balance-change preview to the insight (issue #8), with
 * the `simulation-reverted` warning when the transaction would fail, and still prepares when the
 * chain cannot simulate. Real anvil, real services (the signer is built but prepare never signs).
 */
import { encodeFunctionData, getAddress, parseEther } from 'viem';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createAccountsService } from '../../../background/services/accounts';
import { createActivityService } from '../../../background/services/activity';
import { createKeyringService } from '../../../background/services/keyring';
import { createNetworksService, type NetworksService } from '../../../background/services/networks';
import { createSettingsService } from '../../../background/services/settings';
import { createSignerService } from '../../../background/services/signer';
import {
  createTransactionsService,
  type TransactionsService,
} from '../../../background/services/transactions';
import { memoryVaultStore } from '../../../background/services/vault-store';
import { CANNOT_SIMULATE } from '../../../background/simulation/simulate';
import {
  type Anvil,
  DEV_ACCOUNT,
  networkAt,
  recordingEvents,
  startAnvil,
} from '../support/chain-node';
import { type RpcProxy, startRpcProxy } from '../support/rpc-proxy';
import { deployHst, TEST_DAPP } from '../support/token-contracts';

const CHAIN = 31337;
const PROXIED = 31338;
const ME = getAddress(DEV_ACCOUNT);
const OTHER = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');

let anvil: Anvil;
let proxy: RpcProxy;
let networks: NetworksService;
let transactions: TransactionsService;

beforeAll(async () => {
  anvil = await startAnvil(CHAIN);
  proxy = await startRpcProxy(anvil.url);
});
afterAll(async () => {
  await proxy?.close();
  await anvil?.stop();
});
beforeEach(async () => {
  fakeBrowser.reset();
  proxy.configure({});
  networks = createNetworksService(recordingEvents(), {
    builtIns: [networkAt(CHAIN, anvil.url), networkAt(PROXIED, proxy.url, 'Proxied')],
  });
  await networks.ready;
  const keyring = createKeyringService({
    store: memoryVaultStore(),
    settings: createSettingsService(),
  });
  transactions = createTransactionsService({
    networks,
    signer: createSignerService(keyring, createAccountsService(keyring)),
    activity: createActivityService(networks),
  });
});

describe('prepare() and the balance-change preview', () => {
  it('attaches the preview of an ETH send', async () => {
    const { insight } = await transactions.prepare(
      { from: ME, to: OTHER, value: parseEther('2'), data: '0x', legacy: false },
      CHAIN,
    );
    expect(insight.preview).toEqual({
      status: 'ok',
      method: 'eth_simulateV1',
      changes: [
        {
          standard: 'native',
          symbol: 'ETH',
          decimals: 18,
          amount: '-2000000000000000000',
          display: '\u22122 ETH',
        },
      ],
    });
    expect(insight.warnings.map((w) => w.kind)).not.toContain('simulation-reverted');
  });

  it('a transfer that would revert gets the preview and the simulation-reverted warning', async () => {
    const hst = getAddress(await deployHst(anvil, 4, 'TST'));
    const data = encodeFunctionData({
      abi: TEST_DAPP.hstAbi,
      functionName: 'transfer',
      args: [OTHER, 10n ** 9n],
    });
    // The dApp gives the gas: eth_estimateGas would refuse a reverting call.
    const { insight } = await transactions.prepare(
      { from: ME, to: hst, value: 0n, data, gas: 100_000n, legacy: false },
      CHAIN,
    );
    expect(insight.preview).toEqual({
      status: 'reverted',
      method: 'eth_simulateV1',
      reason: 'ERC20: transfer amount exceeds balance',
    });
    expect(insight.warnings).toContainEqual(
      expect.objectContaining({
        kind: 'simulation-reverted',
        severity: 'danger',
        message: expect.stringContaining('ERC20: transfer amount exceeds balance'),
      }),
    );
  });

  it('a chain that cannot simulate still prepares, with the reason', async () => {
    proxy.configure({ refuse: ['eth_simulateV1', 'debug_traceCall'] });
    const prepared = await transactions.prepare(
      { from: ME, to: OTHER, value: 1n, data: '0x', legacy: false },
      PROXIED,
    );
    expect(prepared.view.gas).toBe('0x5208');
    expect(prepared.insight.preview).toEqual({ status: 'unavailable', reason: CANNOT_SIMULATE });
  });
});
