/**
 * The way in from MetaMask (issue #7, ARCHITECTURE.md flow 6): a seed phrase's accounts
 * (m/44'/60'/0'/0/i) or a raw private key become imported keys — each split in this browser as
 * a trusted dealer into shares for this device and the wallet's servers (`importWallet`), the
 * whole key wiped from memory as soon as it is dealt. The address is exactly MetaMask's.
 *
 * Such a key once existed whole, so its account is marked imported and offers "Move to a
 * collaborative key": every watched token and then all the ETH go to a fresh account of the
 * DKG key, the ETH last with its fee computed from the balance left (`import/migration.ts`), so
 * nothing is left behind.
 * @module
 */
import { getAddress, keccak256 } from 'viem';
import { importWallet } from '../../ckm/client/import';
import type { ServerChoice } from '../../ckm/client/wallet';
import { isCkmError } from '../../ckm/errors';
import { WalletError } from '../errors';
import {
  type ChainRequest,
  describeMigration,
  type PlannedTransfer,
  planFinalEthTransfer,
  planTokenTransfers,
} from '../import/migration';
import {
  deriveMnemonicKeys,
  parsePrivateKey,
  previewMnemonic,
  privateKeyAddress,
} from '../import/mnemonic';
import type { Services } from '../rpc/types';
import type { AccountView, UiReplies } from '../ui-api';

type Hex = `0x${string}`;
const RECEIPT_POLL_MS = 1_000;
const RECEIPT_TIMEOUT_MS = 5 * 60_000;

/** The servers of the collaborative key, pinned as they are: an imported key uses the same. */
function serversOf(services: Services): ServerChoice[] {
  const { config, urls } = services.keyring.wallet().state;
  return config.parties
    .filter((p) => p.role === 'server')
    .map((p) => ({ url: urls.get(p.index) ?? '', pinned: p.identity }));
}

/** Deals one key to this device and the servers; `privateKey` is zero-filled whatever happens. */
async function importKey(
  services: Services,
  privateKey: Uint8Array,
  name: string,
  chainCode?: Uint8Array,
): Promise<AccountView> {
  const address = privateKeyAddress(privateKey);
  const existing = services.accounts.byAddress(address);
  if (existing) {
    privateKey.fill(0);
    return existing;
  }
  const servers = serversOf(services);
  let walletId: string;
  try {
    const wallet = await services.keyring.addImported((options) =>
      importWallet({
        privateKey,
        servers,
        threshold: 2,
        ...(chainCode ? { chainCode } : {}),
        ...options,
      }),
    );
    walletId = wallet.state.config.walletId;
    if (getAddress(wallet.address) !== getAddress(address))
      throw new WalletError('Busy', 'The imported key does not have the expected address.');
  } catch (cause) {
    if (isCkmError(cause))
      throw new WalletError(
        cause.code === 'ServerUnavailable' ? 'ServerUnavailable' : 'Busy',
        `The import failed: ${cause.shortMessage}. Nothing was stored; try again.`,
        { cause },
      );
    throw cause;
  } finally {
    privateKey.fill(0);
    chainCode?.fill(0);
  }
  return services.accounts.addImported({ walletId, address, name });
}

function importedAccount(services: Services, index: unknown): AccountView {
  const account = services.accounts.list().find((a) => a.index === index);
  if (!account?.imported || !account.walletId)
    throw new WalletError('InvalidInput', 'Choose an imported account.');
  return account;
}

function chainRequest(services: Services, chainId: number): ChainRequest {
  return (method, params) => services.networks.request(chainId, method, params ?? []);
}

async function waitForReceipt(request: ChainRequest, hash: Hex): Promise<void> {
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS;
  for (;;) {
    const receipt = (await request('eth_getTransactionReceipt', [hash])) as {
      status?: string;
    } | null;
    if (receipt) {
      if (receipt.status !== '0x1')
        throw new WalletError('ChainError', `The transfer ${hash} failed on chain.`);
      return;
    }
    if (Date.now() > deadline)
      throw new WalletError('ChainError', `The transfer ${hash} was not mined in 5 minutes.`);
    await new Promise((done) => setTimeout(done, RECEIPT_POLL_MS));
  }
}

/** Signs with the imported key, broadcasts, records it in the activity list. */
async function send(
  services: Services,
  account: AccountView,
  transfer: PlannedTransfer,
  chainId: number,
): Promise<Hex> {
  const signed = await services.signer.signTransaction(account, transfer.payload);
  const request = chainRequest(services, chainId);
  const hash = (await request('eth_sendRawTransaction', [signed.value])) as Hex;
  if (hash.toLowerCase() !== keccak256(signed.value).toLowerCase())
    throw new WalletError('ChainError', 'The node answered with another transaction hash.');
  const payload = transfer.payload;
  await services.activity.add({
    id: hash,
    hash,
    chainId,
    from: account.address,
    ...(payload.transaction.to ? { to: getAddress(payload.transaction.to) as Hex } : {}),
    value: payload.transaction.value ?? '0x0',
    nonce: Number(BigInt(payload.transaction.nonce)),
    origin: 'CKM Wallet',
    status: 'pending',
    submittedAt: Date.now(),
    title: `Move ${transfer.symbol} to a collaborative key`,
    ...(signed.completion.cosigner ? { cosigner: signed.completion.cosigner } : {}),
    payload,
  });
  return hash;
}

export const importUiHandlers = {
  previewMnemonic: ({ phrase, count }: { phrase: string; count: number }) =>
    previewMnemonic(phrase, count),

  async importMnemonic(
    { phrase, indexes }: { phrase: string; indexes: readonly number[] },
    services: Services,
  ): Promise<UiReplies['importMnemonic']> {
    services.keyring.wallet();
    const keys = deriveMnemonicKeys(phrase, indexes);
    const imported: AccountView[] = [];
    try {
      for (const key of keys)
        imported.push(
          await importKey(services, key.privateKey, `MetaMask ${key.index + 1}`, key.chainCode),
        );
    } finally {
      for (const key of keys) {
        key.privateKey.fill(0);
        key.chainCode.fill(0);
      }
    }
    return imported;
  },

  async importPrivateKey(
    { privateKey }: { privateKey: string },
    services: Services,
  ): Promise<UiReplies['importPrivateKey']> {
    services.keyring.wallet();
    const bytes = parsePrivateKey(privateKey);
    const count = services.accounts.list().filter((a) => a.imported).length;
    return importKey(services, bytes, `Imported ${count + 1}`);
  },

  async previewMigration(
    { index }: { index: number },
    services: Services,
  ): Promise<UiReplies['previewMigration']> {
    const account = importedAccount(services, index);
    const network = services.networks.selected();
    return describeMigration(chainRequest(services, network.chainId), {
      from: account.address,
      to: services.accounts.nextAddress(),
      chainId: network.chainId,
      tokens: services.assets.list(network.chainId, account.address),
      nativeSymbol: network.nativeCurrency.symbol,
    });
  },

  async migrateAccount(
    { index }: { index: number },
    services: Services,
  ): Promise<UiReplies['migrateAccount']> {
    const account = importedAccount(services, index);
    const network = services.networks.selected();
    const chainId = network.chainId;
    const request = chainRequest(services, chainId);
    const tokens = services.assets.list(chainId, account.address);
    // The plan is checked before a fresh account is made for it.
    await describeMigration(request, {
      from: account.address,
      to: services.accounts.nextAddress(),
      chainId,
      tokens,
    });
    const selected = services.accounts.selected();
    const to = await services.accounts.add(`From ${account.name}`.slice(0, 40));
    if (selected) await services.accounts.select(selected.index);
    const plan = await planTokenTransfers(request, {
      from: account.address,
      to: to.address,
      chainId,
      tokens,
    });
    const hashes: Hex[] = [];
    for (const transfer of plan.transfers) {
      const hash = await send(services, account, transfer, chainId);
      hashes.push(hash);
      await waitForReceipt(request, hash);
    }
    // Tokens are mined: the ETH left pays exactly one plain transfer's fee.
    const last = await planFinalEthTransfer(request, {
      from: account.address,
      to: to.address,
      chainId,
      pricePerGas: plan.pricePerGas,
    });
    const hash = await send(services, account, last, chainId);
    hashes.push(hash);
    await waitForReceipt(request, hash);
    // The watched tokens now belong to the new account.
    for (const token of tokens) await services.assets.add(chainId, to.address, token);
    await services.accounts.markMoved(account.index, to.address);
    // The imported key's identity records the move (signed by both keys); the funds are moved
    // whatever happens to this signature, so a failure here is not the migration's.
    await services.identity
      .recordMigration(services.keyring.importedWallet(account.walletId as string), [to.index])
      .catch(() => {});
    return { hashes, to };
  },
};
