/**
 * Threshold signatures for the wallet's requests: one DKLs23 session between this device's share
 * and one CKM server's (the ckm client fails over between servers). Every signature is checked
 * by the client against the derived public key before it is returned; here it is turned into the
 * 65-byte Ethereum form, or a serialized transaction.
 * @module
 */
import { concatHex, type Hex, numberToHex } from 'viem';
import type { SignResult } from '../../ckm/client/wallet';
import { isCkmError } from '../../ckm/errors';
import { serializeSignedTransaction, signatureV } from '../../ckm/payload';
import type {
  MessageSignPayload,
  SignPayload,
  TransactionSignPayload,
  TypedDataSignPayload,
} from '../../ckm/payload/types';
import type { PolicyRefusal } from '../../ckm/policy/types';
import { WalletError } from '../errors';
import type { AccountView } from '../ui-api';
import type { AccountsService } from './accounts';
import type { Completion } from './approvals';
import type { KeyringService } from './keyring';

export type Signed<T> = { readonly value: T; readonly completion: Completion };

export type SignerService = {
  /** EIP-191 `personal_sign`: the 65-byte signature r ‖ s ‖ v (v = 27 | 28). */
  signMessage(account: AccountView, payload: MessageSignPayload): Promise<Signed<Hex>>;
  /** EIP-712: the 65-byte signature. */
  signTypedData(
    account: AccountView,
    payload: TypedDataSignPayload | Extract<SignPayload, { kind: 'typedDataV1' }>,
  ): Promise<Signed<Hex>>;
  /** The signed, serialized transaction for `eth_sendRawTransaction`. */
  signTransaction(account: AccountView, payload: TransactionSignPayload): Promise<Signed<Hex>>;
};

export function createSignerService(
  keyring: KeyringService,
  accounts: AccountsService,
): SignerService {
  async function sign(account: AccountView, payload: SignPayload) {
    // An imported account signs with its own key's root; the others with m/i of the main key.
    const wallet = account.walletId ? keyring.importedWallet(account.walletId) : keyring.wallet();
    keyring.touch();
    const started = performance.now();
    let result: SignResult;
    try {
      result = await wallet.sign({ payload, path: accounts.pathOf(account) });
    } catch (cause) {
      // The server's policy firewall (issue #8): the refusal's details go to the prompt.
      if (isCkmError(cause, 'PolicyRefused')) {
        const refusal = (cause as { refusal?: PolicyRefusal }).refusal;
        throw new WalletError(
          'PolicyRefused',
          `The servers will not co-sign this: ${cause.shortMessage}`,
          { cause, ...(refusal ? { policy: refusal } : {}) },
        );
      }
      if (isCkmError(cause))
        throw new WalletError(
          cause.code === 'ServerUnavailable' ? 'ServerUnavailable' : 'Busy',
          `The signature failed: ${cause.shortMessage}`,
          { cause },
        );
      throw cause;
    }
    const ms = Math.round(performance.now() - started);
    const party = wallet.state.config.parties.find((p) => p.index === result.server);
    const { r, s, recovery } = result.signature;
    if (recovery > 1)
      throw new WalletError(
        'Busy',
        'This signature cannot be expressed for Ethereum; please retry.',
      );
    return {
      signature: { r, s, recovery: recovery as 0 | 1 },
      completion: { cosigner: { name: party?.name ?? `server ${result.server}`, ms } },
    };
  }
  const ethSignature = (payload: SignPayload, sig: { r: bigint; s: bigint; recovery: 0 | 1 }) =>
    concatHex([
      numberToHex(sig.r, { size: 32 }),
      numberToHex(sig.s, { size: 32 }),
      numberToHex(signatureV(payload, sig.recovery), { size: 1 }),
    ]);
  return {
    async signMessage(account, payload) {
      const { signature, completion } = await sign(account, payload);
      return { value: ethSignature(payload, signature), completion };
    },
    async signTypedData(account, payload) {
      const { signature, completion } = await sign(account, payload);
      return { value: ethSignature(payload, signature), completion };
    },
    async signTransaction(account, payload) {
      const { signature, completion } = await sign(account, payload);
      return { value: serializeSignedTransaction(payload, signature), completion };
    },
  };
}
