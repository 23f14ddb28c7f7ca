/**
 * What the issue #8 e2e suites (transaction safety, the policy firewall) read and do beyond the
 * harness: the approval prompt's balance-change rows, warnings and policy refusal; dApp requests
 * that run while the test answers the prompt; the chain read straight from anvil (balances,
 * receipts, token owners); the Settings → Security policy form and the Home "Waiting" list, all
 * through the popup's test ids. The RPC proxy that refuses the simulation methods is H3's
 * tests/background/support/rpc-proxy.ts.
 * @module
 */
import type { ElementHandle, Page } from 'puppeteer-core';
import { type Address, encodeFunctionData, type Hex, parseAbi } from 'viem';
import { jsonRpc } from '../../../scripts/stack/wait';
import type { Anvil as NodeAnvil } from '../../background/support/chain-node';
import type { Wallet } from '../harness';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One `balance-change` row of the prompt, as the popup renders it (H5's test ids). */
export type PreviewRow = {
  /** The token contract (lowercase) or `native`. */
  readonly address: string;
  /** The signed change in the smallest unit (`data-amount`). */
  readonly amount: bigint;
  readonly tokenId?: string;
};

/** What the prompt on `page` shows: its kind, warnings by kind, preview rows, "could not simulate". */
export type PromptView = {
  readonly kind: string;
  readonly warnings: readonly string[];
  /** Each warning's text (its plain-language reason), by kind. */
  readonly reasons: Readonly<Record<string, string>>;
  readonly changes: readonly PreviewRow[];
  /** The "could not simulate: …" text, when shown. */
  readonly unavailable?: string;
  /** The listed domain of the phishing panel, when shown. */
  readonly phishing?: string;
};

/** Reads the prompt currently on `page` (the approval window). */
export async function readPrompt(page: Page): Promise<PromptView> {
  const root = await page.waitForSelector('[data-testid="approval"]', { timeout: 30_000 });
  const kind = (await root?.evaluate((el) => el.getAttribute('data-kind'))) ?? '';
  const shown = await page.$$eval('[data-testid="warning"]', (els) =>
    els.map((el) => [el.getAttribute('data-kind') ?? '', (el.textContent ?? '').trim()] as const),
  );
  const warnings = shown.map(([kind]) => kind);
  const rows = await page.$$eval('[data-testid="balance-change"]', (els) =>
    els.map((el) => ({
      address: (el.getAttribute('data-address') ?? '').toLowerCase(),
      amount: el.getAttribute('data-amount') ?? '',
      tokenId: el.getAttribute('data-token-id') ?? undefined,
    })),
  );
  const unavailable = await page
    .$eval('[data-testid="preview-unavailable"]', (el) => (el.textContent ?? '').trim())
    .catch(() => undefined);
  const phishing = await page
    .$eval('[data-testid="phishing-warning"]', (el) => (el.textContent ?? '').trim())
    .catch(() => undefined);
  return {
    kind,
    warnings,
    reasons: Object.fromEntries(shown),
    changes: rows.map((row) => ({
      address: row.address,
      amount: BigInt(row.amount),
      ...(row.tokenId ? { tokenId: row.tokenId } : {}),
    })),
    ...(unavailable !== undefined ? { unavailable } : {}),
    ...(phishing !== undefined ? { phishing } : {}),
  };
}

/** The policy refusal a prompt showed after Approve. */
export type ShownRefusal = { readonly rule: string; readonly text: string };

/**
 * Approves the next prompt expecting the servers to refuse it: waits for the popup's
 * `policy-refusal` block (the prompt stays on screen with it), reads its rule and text, then
 * closes the failure with `dismiss-failure`. Fails if a co-signature appears instead.
 */
export async function approveExpectingRefusal(
  wallet: Wallet,
  timeoutMs = 90_000,
): Promise<ShownRefusal & { prompt: PromptView }> {
  const page = await wallet.approvalPage(30_000);
  const prompt = await readPrompt(page);
  await page.click('[data-testid="approve"]');
  const outcome = await page.waitForSelector(
    '[data-testid="policy-refusal"], [data-testid="cosigner"]',
    { timeout: timeoutMs },
  );
  const testId = await outcome?.evaluate((el) => el.getAttribute('data-testid'));
  if (testId !== 'policy-refusal') throw new Error('the servers co-signed; expected a refusal');
  const rule = (await outcome?.evaluate((el) => el.getAttribute('data-rule'))) ?? '';
  const text = (await outcome?.evaluate((el) => (el.textContent ?? '').trim())) ?? '';
  await (await page.waitForSelector('[data-testid="dismiss-failure"]'))?.click();
  return { rule, text, prompt };
}

/** A dApp call's outcome: its result, or the provider error it was rejected with. */
export type DappOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: number | undefined; readonly message: string };

/**
 * Calls `window.ethereum.request` in the dApp page. The returned promise settles once the
 * wallet answers, so start it, answer the prompt, then await it.
 */
export function dappRequest(page: Page, method: string, params: unknown[]): Promise<DappOutcome> {
  return page.evaluate(
    async (m, p) => {
      try {
        const result = await (
          window as unknown as { ethereum: { request(a: unknown): Promise<unknown> } }
        ).ethereum.request({ method: m, params: p });
        return { ok: true as const, result };
      } catch (e) {
        const error = e as { code?: number; message?: string };
        return { ok: false as const, code: error.code, message: String(error.message) };
      }
    },
    method,
    params,
  );
}

/** A hex quantity for JSON-RPC params. */
export const quantity = (n: bigint) => `0x${n.toString(16)}` as Hex;

export type Receipt = {
  readonly status: Hex;
  readonly gasUsed: Hex;
  readonly effectiveGasPrice: Hex;
  readonly contractAddress: Address | null;
};

/** The receipt of `hash`, once mined (60 s at most). */
export async function receiptOf(rpcUrl: string, hash: string): Promise<Receipt> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const receipt = (await jsonRpc(rpcUrl, 'eth_getTransactionReceipt', [hash])) as Receipt | null;
    if (receipt) return receipt;
    if (Date.now() > deadline) throw new Error(`${hash} was not mined`);
    await pause(200);
  }
}

/** What the transaction cost in fees: gasUsed × effectiveGasPrice. */
export const feeOf = (receipt: Receipt) =>
  BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);

export async function ethBalance(rpcUrl: string, who: string): Promise<bigint> {
  return BigInt((await jsonRpc(rpcUrl, 'eth_getBalance', [who, 'latest'])) as Hex);
}

const TOKEN_ABI = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function ownerOf(uint256) view returns (address)',
  'function transfer(address to, uint256 amount) returns (bool)',
  'function approve(address spender, uint256 amount) returns (bool)',
]);

async function call(rpcUrl: string, to: string, data: Hex): Promise<Hex> {
  return (await jsonRpc(rpcUrl, 'eth_call', [{ to, data }, 'latest'])) as Hex;
}

/** ERC-20 / ERC-721 `balanceOf(who)`. */
export async function tokenBalance(rpcUrl: string, token: string, who: Address): Promise<bigint> {
  return BigInt(
    await call(
      rpcUrl,
      token,
      encodeFunctionData({ abi: TOKEN_ABI, functionName: 'balanceOf', args: [who] }),
    ),
  );
}

/** ERC-721 `ownerOf(id)`, lowercase. */
export async function ownerOf(rpcUrl: string, token: string, id: bigint): Promise<string> {
  const word = await call(
    rpcUrl,
    token,
    encodeFunctionData({ abi: TOKEN_ABI, functionName: 'ownerOf', args: [id] }),
  );
  return `0x${word.slice(-40)}`.toLowerCase();
}

/** ERC-20 `transfer(to, amount)` calldata. */
export const transferData = (to: Address, amount: bigint) =>
  encodeFunctionData({ abi: TOKEN_ABI, functionName: 'transfer', args: [to, amount] });

/** ERC-20 `approve(spender, amount)` calldata. */
export const approveData = (spender: Address, amount: bigint) =>
  encodeFunctionData({ abi: TOKEN_ABI, functionName: 'approve', args: [spender, amount] });

/** The e2e anvil (fixed port) as the background tests' `Anvil`, for token-contracts.ts. */
export function nodeAnvil(anvil: { url: string; chainId: number }): NodeAnvil {
  return {
    url: anvil.url,
    chainId: anvil.chainId,
    rpc: (method, params) => jsonRpc(anvil.url, method, params ?? []),
    stop: async () => {},
  };
}

/** The popup on Settings (its Security section rendered). */
export async function openSettings(wallet: Wallet): Promise<Page> {
  const popup = await wallet.openPopup();
  await (await popup.waitForSelector('[data-testid="open-settings"]'))?.click();
  await popup.waitForSelector('[data-testid="security-section"]', { timeout: 30_000 });
  return popup;
}

/** Sets an input's value as a person types it (the field cleared first). */
async function fillHandle(page: Page, input: ElementHandle<Element>, value: string): Promise<void> {
  await input.focus();
  await page.keyboard.down('Control');
  await page.keyboard.press('a');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  if (value !== '') await input.type(value);
}

/** Sets the first input matching `selector`. */
async function fill(page: Page, selector: string, value: string): Promise<void> {
  const input = await page.waitForSelector(selector, { timeout: 30_000 });
  if (!input) throw new Error(`no ${selector}`);
  await fillHandle(page, input, value);
}

/** Ticks or unticks a checkbox. */
async function setChecked(page: Page, selector: string, checked: boolean): Promise<void> {
  const box = await page.waitForSelector(selector, { timeout: 30_000 });
  const now = await box?.evaluate((el) => (el as HTMLInputElement).checked);
  if (now !== checked) await box?.click();
}

/** A policy as the Security form takes it: native amounts in ETH, as a person types them. */
export type PolicyForm = {
  /** Native daily limit in ETH on the current chain; undefined: none. */
  readonly dailyLimitEth?: string;
  /** Hold native transfers above this many ETH; undefined: none. */
  readonly holdAboveEth?: string;
  readonly blockUnknownApprovals: boolean;
  /** When set, the allowlist is on with these addresses; else off. */
  readonly allowlist?: readonly string[];
  readonly delaySeconds: number;
  readonly chainId: number;
};

/** Fills one asset row (`policy-limit-…` or `policy-hold-…`), adding it when the form has none. */
async function fillAssetRow(
  popup: Page,
  prefix: 'policy-limit' | 'policy-hold',
  chainId: number,
  eth: string | undefined,
): Promise<void> {
  const rows = await popup.$$(`[data-testid="${prefix}-amount"]`);
  if (eth === undefined) {
    // Clear every row's amount: an empty row is no rule.
    for (const row of rows) await fillHandle(popup, row, '');
    return;
  }
  if (rows.length === 0) {
    await (
      await popup.waitForSelector(`[data-testid="${prefix.replace('policy-', 'policy-add-')}"]`)
    )?.click();
  }
  await fill(popup, `[data-testid="${prefix}-chain"]`, String(chainId));
  await fill(popup, `[data-testid="${prefix}-asset"]`, 'native');
  await fill(popup, `[data-testid="${prefix}-amount"]`, eth);
}

/**
 * Sets the policy through Settings → Security and saves it on every server; returns once the
 * overview shows one `policy-server` row per server with no error.
 */
export async function savePolicy(popup: Page, form: PolicyForm, servers = 2): Promise<void> {
  await popup.waitForSelector('[data-testid="policy-save"]', { timeout: 30_000 });
  await fillAssetRow(popup, 'policy-limit', form.chainId, form.dailyLimitEth);
  await fillAssetRow(popup, 'policy-hold', form.chainId, form.holdAboveEth);
  await setChecked(popup, '[data-testid="policy-block-approvals"]', form.blockUnknownApprovals);
  await setChecked(popup, '[data-testid="policy-allowlist-enabled"]', form.allowlist !== undefined);
  if (form.allowlist)
    await fill(popup, '[data-testid="policy-allowlist"]', form.allowlist.join('\n'));
  await fill(popup, '[data-testid="policy-delay-seconds"]', String(form.delaySeconds));
  const before = await popup.$$eval('[data-testid="policy-server"]', (els) =>
    els.map((el) => el.textContent ?? '').join('\n'),
  );
  await popup.click('[data-testid="policy-save"]');
  await popup.waitForFunction(
    (n: number, previous: string) => {
      const rows = [...document.querySelectorAll('[data-testid="policy-server"]')];
      return rows.length >= n && rows.map((el) => el.textContent ?? '').join('\n') !== previous;
    },
    { timeout: 60_000 },
    servers,
    before,
  );
}

/** The text of each `policy-server` row (one per server), by its `data-party`. */
export async function policyRows(popup: Page): Promise<{ party: string; text: string }[]> {
  return popup.$$eval('[data-testid="policy-server"]', (els) =>
    els.map((el) => ({
      party: el.getAttribute('data-party') ?? '',
      text: (el.textContent ?? '').trim(),
    })),
  );
}

/** The popup's Home with its "Waiting" list of held transactions showing `count` rows. */
export async function heldItems(wallet: Wallet, count: number): Promise<Page> {
  const popup = await wallet.openPopup();
  await popup.waitForFunction(
    (n: number) => document.querySelectorAll('[data-testid="held-item"]').length === n,
    { timeout: 60_000 },
    count,
  );
  return popup;
}

/** Waits until `fn` is true (polling every 250 ms, `timeoutMs` at most). */
export async function until(
  what: string,
  fn: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(250);
  }
}
