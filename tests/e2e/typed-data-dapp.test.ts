/**
 * The test dApp's "Sign Typed Data Variants" card against the wallet, with real everything
 * (Chromium with the built extension, anvil, two CKM server processes): PermitBatch (its domain
 * carries a `version` its `EIP712Domain` type omits), PermitSingle, Seaport BulkOrder (undeclared
 * `totalOriginalConsiderationItems`, no `EIP712Domain` type) and Blur Order, each approved and
 * threshold-signed. Each signature is recovered over the payload the dApp actually sent (read from
 * the prompt's raw data) as eth-sig-util v4 digests it, which is what MetaMask signs and dApps
 * verify.
 */
import type { Page } from 'puppeteer-core';
import { type Hex, recoverTypedDataAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWallet, type Wallet } from './harness';
import { waitText } from './support/dapp';
import { fund, type LocalServices, startLocalServices } from './support/services';

let services: LocalServices;
let wallet: Wallet;
let dapp: Page;
let address: string;

type TypedData = {
  types: Record<string, { name: string; type: string }[]>;
  primaryType: string;
  domain: Record<string, unknown>;
  message: Record<string, unknown>;
};

/**
 * What eth-sig-util v4 hashes, in viem's terms: its `sanitizeData` defaults `types.EIP712Domain`
 * to `[]` (viem would otherwise derive one from the domain); both ignore undeclared fields.
 */
function asEthSigUtil(typedData: TypedData): Parameters<typeof recoverTypedDataAddress>[0] {
  return {
    ...typedData,
    types: { EIP712Domain: [], ...typedData.types },
  } as never as Parameters<typeof recoverTypedDataAddress>[0];
}

/** Every label of the prompt's message tree. */
const labelsOf = (prompt: Page) =>
  prompt.$$eval('[data-testid="typed-message"] *', (els) =>
    els.map((el) => (el.textContent ?? '').trim()),
  );

beforeAll(async () => {
  services = await startLocalServices();
  wallet = await launchWallet();
  address = (wallet.address as string).toLowerCase();
  await fund(services.anvil, address);
  dapp = await wallet.browser.newPage();
  await dapp.goto(services.dapp.url, { waitUntil: 'load' });
}, 240_000);

afterAll(async () => {
  await wallet?.close();
  await services?.stop();
});

describe('the test dApp typed-data variants', () => {
  it('connects', async () => {
    await dapp.click('#connectButton');
    expect((await wallet.approveNext()).kind).toBe('connect');
    await dapp.waitForFunction(
      () => !(document.querySelector('#signSeaportBulkOrder') as HTMLButtonElement)?.disabled,
      { timeout: 30_000 },
    );
  });

  let previous = '';

  /** Clicks `button`, approves the prompt, and returns what it saw and the new signature. */
  async function signVariant(button: string) {
    await dapp.click(button);
    let raw = '';
    let labels: string[] = [];
    const prompt = await wallet.approveNext({
      before: async (page) => {
        raw = await page.$eval('pre.message-box', (el) => el.textContent ?? '');
        labels = await labelsOf(page);
      },
    });
    expect(prompt.kind).toBe('typedData');
    const signature = (await waitText(
      dapp,
      '#signPermitVariantResult',
      (v) => /^0x[0-9a-f]{130}$/i.test(v) && v !== previous,
    )) as Hex;
    previous = signature;
    expect((signature.length - 2) / 2).toBe(65);
    return { prompt, typedData: JSON.parse(raw) as TypedData, signature, labels };
  }

  it('PermitBatch: signed though its domain version is undeclared; Permit2 and undeclared-fields warnings', async () => {
    const { prompt, typedData, signature } = await signVariant('#signPermitBatch');
    expect(typedData.domain.version).toBe('1');
    expect(typedData.types.EIP712Domain?.map((f) => f.name)).not.toContain('version');
    expect(prompt.warnings).toContain('permit2');
    expect(prompt.warnings).toContain('undeclared-fields');
    // The dApp's payload declares its domain type, so plain viem reads it as eth-sig-util does.
    const recovered = await recoverTypedDataAddress({
      ...(typedData as never as Parameters<typeof recoverTypedDataAddress>[0]),
      signature,
    });
    expect(recovered.toLowerCase()).toBe(address);
  });

  it('PermitSingle: signed, with the Permit2 warning only', async () => {
    const { prompt, typedData, signature } = await signVariant('#signPermitSingle');
    expect(prompt.warnings).toContain('permit2');
    expect(prompt.warnings).not.toContain('undeclared-fields');
    const recovered = await recoverTypedDataAddress({ ...asEthSigUtil(typedData), signature });
    expect(recovered.toLowerCase()).toBe(address);
  });

  it('Seaport BulkOrder: signed; the undeclared totalOriginalConsiderationItems is not shown', async () => {
    const { prompt, typedData, signature, labels } = await signVariant('#signSeaportBulkOrder');
    expect(JSON.stringify(typedData.message)).toContain('totalOriginalConsiderationItems');
    expect(typedData.types.EIP712Domain).toBeUndefined();
    expect(prompt.warnings).toContain('undeclared-fields');
    expect(labels.join(' ')).toContain('conduitKey');
    expect(labels.join(' ')).not.toContain('totalOriginalConsiderationItems');
    const recovered = await recoverTypedDataAddress({ ...asEthSigUtil(typedData), signature });
    expect(recovered.toLowerCase()).toBe(address);
  });

  it('Blur Order: signed, no warning', async () => {
    const { prompt, typedData, signature } = await signVariant('#signBlurOrder');
    expect(prompt.warnings).toEqual([]);
    const recovered = await recoverTypedDataAddress({ ...asEthSigUtil(typedData), signature });
    expect(recovered.toLowerCase()).toBe(address);
  });

  it('ERC-721 permit (its spender has a wrong EIP-55 checksum, as eth-sig-util allows): signed, and the dApp verifies it', async () => {
    await dapp.click('#deployNFTsButton');
    expect((await wallet.approveNext({ timeoutMs: 60_000 })).kind).toBe('transaction');
    await waitText(dapp, '#nftsStatus', (v) => /deployed/i.test(v));
    await dapp.click('#sign721Permit');
    expect((await wallet.approveNext()).kind).toBe('typedData');
    await waitText(dapp, '#sign721PermitResult', (v) => /^0x[0-9a-f]{130}$/i.test(v));
    await dapp.click('#sign721PermitVerify');
    await waitText(dapp, '#sign721PermitVerifyResult', (v) => v.toLowerCase() === address);
  });
});
