/**
 * The chain warnings and the phishing gate in the prompts a dApp's requests open, through the
 * router with the whole background service graph, real CKM servers in this process and a real
 * anvil: an approval to an EOA and a Permit to an EOA show `spender-is-eoa`, a plain transfer
 * shows no warning, and a site on the phishing list is flagged, refused without "continue
 * anyway", and signed (and logged) with it.
 */
import {
  encodeFunctionData,
  getAddress,
  type Hex,
  maxUint256,
  parseAbi,
  recoverMessageAddress,
  toHex,
} from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { ApprovalItem } from '../../../background/approvals-api';
import { isWalletError } from '../../../background/errors';
import { createServices, wireAccountEvents } from '../../../background/index';
import { routeRequest } from '../../../background/rpc/router';
import type { Services } from '../../../background/rpc/types';
import type { WindowOpener } from '../../../background/services/approvals';
import { memoryVaultStore } from '../../../background/services/vault-store';
import { type InProcessCluster, startCluster } from '../../ckm/support/in-process';
import { CHAIN_ID, signPermit } from '../decode/test-dapp-payloads';
import { type Anvil, networkAt, startAnvil } from '../support/chain-node';
import { deployHst } from '../support/token-contracts';

const ORIGIN = 'https://dapp.example';
/** On the bundled phishing list. */
const LISTED = 'https://app.myetherwalet.com';
const PASSWORD = 'correct horse battery staple';
const EOA = getAddress('0x2f318c334780961fb129d2a6c30d0763d9a5c970');
const ERC20 = parseAbi(['function approve(address spender, uint256 amount)']);

let cluster: InProcessCluster;
let anvil: Anvil;
let services: Services;
let address: Hex;
let token: Hex;

/** The person at the approval window: what each prompt showed, and how it was answered. */
type Answer = (item: ApprovalItem) => 'reject' | { result: unknown; continueAnyway?: boolean };
let answer: Answer = () => 'reject';
const seen: ApprovalItem[] = [];
const refusals: string[] = [];
const opener: WindowOpener = {
  async open() {
    setTimeout(async () => {
      for (const item of services.approvals.list()) {
        seen.push(item);
        const choice = answer(item);
        if (choice === 'reject') {
          services.approvals.reject(item.id);
          continue;
        }
        await services.approvals
          .resolve(item.id, choice.result, { continueAnyway: choice.continueAnyway === true })
          .catch((error: unknown) => {
            refusals.push(isWalletError(error) ? error.code : String(error));
            services.approvals.reject(item.id);
          });
      }
    }, 10);
  },
  close: async () => {},
  onClosed: () => {},
};

const call = (method: string, params: unknown, origin = ORIGIN) =>
  routeRequest({ method, params }, { origin }, services);

/** The warnings of the next prompt `method` opens (the prompt is rejected). */
async function promptWarnings(method: string, params: unknown): Promise<string[]> {
  answer = () => 'reject';
  seen.length = 0;
  const outcome = await call(method, params);
  expect(outcome.ok).toBe(false);
  const request = seen[0]?.request;
  if (!request || !('insight' in request)) throw new Error(`${method} opened no prompt`);
  return request.insight.warnings.map((w) => w.kind);
}

describe('chain warnings and the phishing gate in the prompts', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    fakeBrowser.reset();
    [cluster, anvil] = await Promise.all([startCluster(2), startAnvil(CHAIN_ID)]);
    services = createServices({
      store: memoryVaultStore(),
      opener,
      transport: cluster.transport,
      networks: {
        builtIns: [networkAt(CHAIN_ID, anvil.url, 'Localhost 8545')],
        defaultChainId: CHAIN_ID,
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
    token = await deployHst(anvil, 18, 'TST');
    await services.permissions.grant(ORIGIN, [address]);
  }, 180_000);
  afterAll(async () => {
    await cluster?.close();
    await anvil?.stop();
  });

  it('an unlimited approval to an EOA: unlimited-approval, spender-is-eoa, new-contract', async () => {
    const data = encodeFunctionData({
      abi: ERC20,
      functionName: 'approve',
      args: [EOA, maxUint256],
    });
    const warnings = await promptWarnings('eth_sendTransaction', [
      { from: address, to: token, data },
    ]);
    expect(warnings).toEqual(
      expect.arrayContaining(['unlimited-approval', 'spender-is-eoa', 'new-contract']),
    );
  });

  it('a plain ETH transfer to an EOA: no warning', async () => {
    expect(
      await promptWarnings('eth_sendTransaction', [{ from: address, to: EOA, value: toHex(1n) }]),
    ).toEqual([]);
  });

  it('a Permit whose spender is an EOA: permit and spender-is-eoa', async () => {
    const permit = { ...signPermit, message: { ...signPermit.message, owner: address } };
    const warnings = await promptWarnings('eth_signTypedData_v4', [
      address,
      JSON.stringify(permit),
    ]);
    expect(warnings).toEqual(['permit', 'spender-is-eoa']);
  });

  it('a listed site: connect and sign only with "continue anyway", each logged', async () => {
    // Without "continue anyway" the approve is refused (the prompt stays until the user rejects).
    answer = (item) => ({
      result: item.request.kind === 'connect' ? { accounts: [address] } : {},
    });
    seen.length = 0;
    const refused = await call('eth_requestAccounts', [], LISTED);
    expect(refused.ok).toBe(false);
    expect(refusals).toEqual(['PhishingSite']);
    expect(seen[0]?.phishing).toEqual({ listedDomain: 'myetherwalet.com' });
    expect(services.permissions.isConnected(LISTED)).toBe(false);
    expect(services.phishing.info().log).toEqual([]);

    answer = (item) => ({
      result: item.request.kind === 'connect' ? { accounts: [address] } : {},
      continueAnyway: true,
    });
    const connected = await call('eth_requestAccounts', [], LISTED);
    expect(connected).toMatchObject({ ok: true, result: [address.toLowerCase()] });

    seen.length = 0;
    const message = toHex('hello from a listed site');
    const signed = await call('personal_sign', [message, address], LISTED);
    if (!signed.ok) throw new Error(signed.error.message);
    expect(
      await recoverMessageAddress({ message: { raw: message }, signature: signed.result as Hex }),
    ).toBe(getAddress(address));
    const prompt = seen[0]?.request;
    if (prompt?.kind !== 'message') throw new Error('no message prompt');
    expect(prompt.insight.warnings[0]).toMatchObject({ kind: 'phishing-site', severity: 'danger' });
    expect(services.phishing.info().log.map((e) => [e.origin, e.what])).toEqual([
      [LISTED, 'message'],
      [LISTED, 'connect'],
    ]);
  });
});
