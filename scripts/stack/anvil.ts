/**
 * The local dev chain: anvil from the npm package `@foundry-rs/anvil` (the binary ships inside a
 * platform package; nothing is downloaded).
 * @module
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Chain id of the dev chain (anvil's default; MetaMask's "Localhost 8545"). */
export const DEV_CHAIN_ID = 31337;

/** Absolute path of the anvil binary for this platform. */
export function anvilBinaryPath(): string {
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  let dir: string;
  try {
    dir = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`anvil is not installed for this platform (${pkg}); run "npm ci".`);
  }
  const bin = join(dir, 'bin', 'anvil');
  if (!existsSync(bin)) throw new Error(`anvil binary missing at ${bin}; run "npm ci".`);
  return bin;
}

export function anvilArgs(host: string, port: number): string[] {
  return ['--host', host, '--port', String(port), '--chain-id', String(DEV_CHAIN_ID), '--silent'];
}
