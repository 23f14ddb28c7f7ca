/**
 * The policy firewall's popup handlers (issue #8, docs/ckm.md §10): read and write the wallet's
 * rules on every server (each request signed by this device's key), and the transactions a
 * server held under "above this amount, wait" (`services/held.ts`).
 *
 * The rules are written to every server; one that does not answer keeps its old rules, and the
 * settings screen shows each server's own answer, so a difference is visible rather than hidden.
 * @module
 */
import type { CkmWallet } from '../../ckm/client/wallet';
import { isCkmError } from '../../ckm/errors';
import { parsePolicy } from '../../ckm/policy/index';
import type { WalletPolicy } from '../../ckm/policy/types';
import { WalletError } from '../errors';
import type { Services } from '../rpc/types';
import type { PolicyOverview, UiReplies, UiRequest } from '../ui-api';

type PolicyRequestType =
  | 'getPolicy'
  | 'setPolicy'
  | 'cancelPolicyChange'
  | 'listHeld'
  | 'sendHeld'
  | 'cancelHeld';

type PolicyUiHandlers = {
  [K in PolicyRequestType]: (
    request: Extract<UiRequest, { type: K }>,
    services: Services,
  ) => Promise<UiReplies[K]> | UiReplies[K];
};

type PolicyAnswers = Awaited<ReturnType<CkmWallet['policies']>>;

function overview(answers: PolicyAnswers): PolicyOverview {
  return {
    servers: answers
      .map((answer) => ({
        party: answer.party,
        name: answer.name,
        url: answer.url,
        ...(answer.view ? { view: answer.view } : {}),
        ...(answer.error ? { error: answer.error.shortMessage } : {}),
      }))
      .sort((a, b) => a.party - b.party),
  };
}

/** Fails when no server took the request: the user must not believe a rule is in force. */
function requireOne(answers: PolicyAnswers): PolicyOverview {
  if (answers.every((answer) => answer.error)) {
    const first = answers.find((answer) => answer.error)?.error;
    throw new WalletError(
      first && isCkmError(first, 'InvalidParameters') ? 'InvalidInput' : 'ServerUnavailable',
      `No server took the change: ${first?.shortMessage ?? 'no servers'}`,
    );
  }
  return overview(answers);
}

/** The owner's rules, checked here first so that a mistake is named before any server sees it. */
function checkedPolicy(value: unknown): WalletPolicy {
  try {
    return parsePolicy(value);
  } catch (error) {
    throw new WalletError(
      'InvalidInput',
      isCkmError(error) ? error.shortMessage : 'The rules are not valid.',
    );
  }
}

function walletOf(services: Services, walletId: string | undefined): CkmWallet {
  return walletId ? services.keyring.importedWallet(walletId) : services.keyring.wallet();
}

export const policyUiHandlers: PolicyUiHandlers = {
  getPolicy: async (_request, services) => overview(await services.keyring.wallet().policies()),
  async setPolicy({ policy }, services) {
    const checked = checkedPolicy(policy);
    return requireOne(await services.keyring.wallet().setPolicy(checked));
  },
  cancelPolicyChange: async (_request, services) =>
    requireOne(await services.keyring.wallet().cancelPolicyChange()),
  async listHeld(_request, services) {
    await services.held.ready;
    const account = services.accounts.selected();
    return account ? services.held.list(account.address) : [];
  },
  async sendHeld({ id }, services) {
    await services.held.ready;
    const record = services.held.get(id);
    if (!record) throw new WalletError('NotFound', 'That transaction is no longer waiting.');
    if (Date.now() < record.readyAt)
      throw new WalletError(
        'Busy',
        `The servers hold this transaction until ${new Date(record.readyAt).toISOString()}.`,
      );
    const account = services.accounts.byAddress(record.from);
    if (!account) throw new WalletError('NotFound', 'That account is not in this wallet.');
    // A fresh nonce and fees: the servers match the held intent (chain, to, value, data), not them.
    const prepared = await services.transactions.prepare(
      {
        from: account.address,
        ...(record.request.to ? { to: record.request.to } : {}),
        value: BigInt(record.request.value),
        data: record.request.data,
        ...(record.request.gas ? { gas: BigInt(record.request.gas) } : {}),
        legacy: record.request.legacy,
        chainId: record.chainId,
      },
      record.chainId,
    );
    const { value: hash } = await services.transactions.send({
      account,
      origin: record.origin,
      prepared,
      edits: {},
      title: record.title,
    });
    await services.held.remove(id);
    const item = services.activity.list().find((a) => a.hash === hash);
    if (!item) throw new WalletError('NotFound', 'The transaction was sent but not recorded.');
    return item;
  },
  async cancelHeld({ id }, services) {
    await services.held.ready;
    const record = services.held.get(id);
    if (!record) throw new WalletError('NotFound', 'That transaction is no longer waiting.');
    const answers = await walletOf(services, record.walletId).cancelHold(record.holdId);
    // A server that never held it answers NotFound, which is as good as cancelled.
    const failed = answers.filter((a) => a.error && !isCkmError(a.error, 'NotFound'));
    if (failed.length === answers.length)
      throw new WalletError(
        'ServerUnavailable',
        `No server took the cancellation: ${failed[0]?.error?.shortMessage ?? 'no servers'}`,
      );
    await services.held.remove(id);
    return {};
  },
};
