/**
 * What the wallet's e2e suites check on the dApp side: a page element's text, and transactions
 * mined on anvil (read straight from the chain, not through the wallet).
 * @module
 */
import type { Page } from 'puppeteer-core';
import type { Hex } from 'viem';
import { jsonRpc } from '../../../scripts/stack/wait';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the text of `selector` satisfies `predicate` (60 s by default); returns it. */
export async function waitText(
  page: Page,
  selector: string,
  predicate: (value: string) => boolean,
  timeoutMs = 60_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await page.$eval(selector, (el) => (el.textContent ?? '').trim()).catch(() => '');
    if (predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`${selector} never matched; last "${value}"`);
    await pause(200);
  }
}

/** The account's mined transaction count on the chain at `rpcUrl`. */
export async function nonceOf(rpcUrl: string, account: string): Promise<number> {
  return Number((await jsonRpc(rpcUrl, 'eth_getTransactionCount', [account, 'latest'])) as Hex);
}

export type MinedTransaction = {
  readonly tx: { hash: Hex; from: string; to: string | null; nonce: Hex; type: Hex };
  readonly receipt: { status: Hex; contractAddress: string | null };
};

/** The transaction from `from` with `nonce`, once mined (60 s at most), and its receipt. */
export async function minedFrom(
  rpcUrl: string,
  from: string,
  nonce: number,
): Promise<MinedTransaction> {
  const deadline = Date.now() + 60_000;
  while ((await nonceOf(rpcUrl, from)) <= nonce) {
    if (Date.now() > deadline) throw new Error(`no transaction with nonce ${nonce} was mined`);
    await pause(200);
  }
  // anvil mines one block per transaction: search back from the newest block.
  let number = Number((await jsonRpc(rpcUrl, 'eth_blockNumber')) as Hex);
  for (let searched = 0; number >= 0 && searched < 16; number--, searched++) {
    const block = (await jsonRpc(rpcUrl, 'eth_getBlockByNumber', [
      `0x${number.toString(16)}`,
      true,
    ])) as {
      transactions: MinedTransaction['tx'][];
    };
    const tx = block.transactions.find(
      (t) => t.from.toLowerCase() === from.toLowerCase() && Number(t.nonce) === nonce,
    );
    if (!tx) continue;
    const receipt = (await jsonRpc(rpcUrl, 'eth_getTransactionReceipt', [
      tx.hash,
    ])) as MinedTransaction['receipt'];
    return { tx, receipt };
  }
  throw new Error(`nonce ${nonce} of ${from} is not in the last blocks`);
}
