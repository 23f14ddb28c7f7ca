/**
 * Where Chromium is and how we start it on these machines (see research/toolchain.md §4): Debian's
 * build, no sandbox (we run as root in CI), no GPU, and no background traffic to Google's hosts,
 * which a closed network would refuse.
 * @module
 */
import { existsSync } from 'node:fs';

export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/** `CHROMIUM_PATH` if set, else Debian's `/usr/bin/chromium`. Throws a clear error if absent. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path))
    throw new Error(
      `Chromium not found at ${path}. Install it with "apt-get install -y chromium" or set CHROMIUM_PATH.`,
    );
  return path;
}
