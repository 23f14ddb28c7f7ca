/**
 * `npm start`: brings the whole local stack up (see `stack/stack.ts`), prints where everything
 * is, and takes it all down again on Ctrl-C (SIGINT) or SIGTERM.
 *
 *   npm start                       # browser window if a display exists
 *   npm start -- --browser none     # never launch Chromium
 *   npm start -- --browser headless # headless Chromium (for tests; DevTools port in the profile)
 * @module
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BrowserMode, hasDisplay, type Stack, startStack } from './stack/stack';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    browser: { type: 'string', default: 'auto' },
    profile: { type: 'string' },
  },
  strict: true,
});
if (!['auto', 'none', 'headless'].includes(values.browser)) {
  console.error('npm start: --browser expected one of auto, none, headless');
  process.exit(2);
}

const starting: Promise<Stack> = startStack({
  root,
  browser: values.browser as BrowserMode,
  profileDir: values.profile,
});
let stopping: Promise<never> | undefined;

/** Stops everything once, then exits; later calls (a second Ctrl-C, npm forwarding the same
 * signal) wait for the first instead of exiting early and leaving children behind. */
function shutdown(reason: string, exitCode: number): Promise<never> {
  stopping ??= (async () => {
    console.log(`\n${reason}: stopping the stack…`);
    // A signal during start-up waits for it: startStack cleans up after itself if it fails.
    const stack = await starting.catch(() => undefined);
    await stack?.stop();
    console.log('Everything is stopped.');
    process.exit(exitCode);
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(signal, () => void shutdown(signal, 0));

// If whatever started us dies without a signal reaching us (npm killed with SIGKILL, a closed
// terminal), we are re-parented: take the stack down rather than leave it running unowned.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown('the parent process exited', 1);
}, 1000).unref();

let stack: Stack;
try {
  stack = await starting;
} catch (error) {
  if (stopping) await stopping;
  console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
if (stopping) await stopping;

const chromium = stack.processes.find((child) => child.name === 'chromium');
void chromium?.exited.then(() => {
  if (!stopping) console.log('Chromium was closed; the rest of the stack keeps running.');
});
const launched = chromium !== undefined;
console.log(`
CKM Wallet dev stack
  Dev chain (anvil)  ${stack.urls.anvil}   chain id 31337, 10 funded test accounts
  CKM server A       ${stack.urls.serverA}   health: ${stack.urls.serverA}/health   data: .ckm/server-a
  CKM server B       ${stack.urls.serverB}   health: ${stack.urls.serverB}/health   data: .ckm/server-b
  Test dApp          ${stack.urls.testDapp}
  Extension (built)  ${stack.extensionDir}
${
  launched
    ? '\nChromium is open with the extension loaded and the test dApp showing.'
    : `
Load the extension in Chromium or Chrome:
  1. open chrome://extensions and switch on "Developer mode";
  2. "Load unpacked" and choose ${stack.extensionDir};
  3. open ${stack.urls.testDapp}.${hasDisplay() ? '' : '\n(No display found, so no browser was launched.)'}`
}
CKM Wallet dev stack is up. Press Ctrl-C to stop.`);

const child = await stack.childExited;
if (!stopping) await shutdown(`${child.name} exited unexpectedly`, 1);
