/**
 * `npm start` as a new user runs it: a child process that brings up every service, answers on
 * every port, and on Ctrl-C (SIGINT to its process group) or SIGTERM leaves no port open and no
 * process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWallet } from '../../ckm/client/wallet';
import { PORTS } from '../../scripts/stack/stack';
import { jsonRpc } from '../../scripts/stack/wait';
import { publicKeyToAddress } from '../../tss/index';

const ROOT = resolve(import.meta.dirname, '../..');
const ALL_PORTS = Object.values(PORTS);

type Started = { child: ChildProcess; output: () => string; exited: Promise<number | null> };
let running: Started | undefined;

function npmStart(args: string[]): Started {
  const env = { ...process.env };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn('npm', ['start', '--', ...args], { cwd: ROOT, env, detached: true });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  running = { child, output: () => output, exited };
  return running;
}

async function waitForOutput(started: Started, text: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!started.output().includes(text)) {
    if (Date.now() > deadline || started.child.exitCode !== null)
      throw new Error(`npm start did not print "${text}". Output:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

/** Command lines of live processes that mention `needle` (Linux /proc). */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(needle)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

afterEach(async () => {
  // A failed test must not leave the stack running for the next one. ('close', not 'exit': the
  // output pipes may still hold the last lines when the process exits.)
  if (running && running.child.exitCode === null && running.child.pid) {
    try {
      process.kill(-running.child.pid, 'SIGINT');
    } catch {}
    await running.exited;
  }
  running = undefined;
});

describe('npm start', () => {
  it('brings up anvil, two CKM servers, the test dApp and Chromium with the extension; Ctrl-C stops all', async () => {
    for (const port of ALL_PORTS)
      expect(await portAnswers(port), `port ${port} free before`).toBe(false);
    const profile = await mkdtemp(join(tmpdir(), 'ckm-start-profile-'));
    const started = npmStart(['--browser', 'headless', '--profile', profile]);
    await waitForOutput(started, 'CKM Wallet dev stack is up');

    const output = started.output();
    for (const url of [
      'http://127.0.0.1:8545',
      'http://127.0.0.1:7101',
      'http://127.0.0.1:7102',
      'http://127.0.0.1:9011',
    ])
      expect(output).toContain(url);
    expect(output).toContain('.output/chrome-mv3');

    expect(await jsonRpc('http://127.0.0.1:8545', 'eth_chainId')).toBe('0x7a69');
    for (const [port, name] of [
      [7101, 'server-a'],
      [7102, 'server-b'],
    ] as const) {
      const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
      expect(health).toMatchObject({ status: 'ok', service: 'ckm-server', name });
    }
    const dapp = await fetch('http://127.0.0.1:9011/');
    expect(dapp.status).toBe(200);
    expect(await dapp.text()).toContain('E2E Test Dapp');

    // Chromium runs with the extension loaded and the test dApp open.
    const devtools = (await readFile(join(profile, 'DevToolsActivePort'), 'utf8')).split('\n')[0];
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${devtools}` });
    const worker = await browser.waitForTarget(
      (t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'),
      { timeout: 15_000 },
    );
    expect(worker.url()).toMatch(/\/background\.js$/);
    const dappTarget = await browser.waitForTarget((t) =>
      t.url().startsWith('http://127.0.0.1:9011'),
    );
    const dappPage = await dappTarget.page();
    await dappPage?.waitForFunction(() => 'ethereum' in window);
    expect(
      await dappPage?.evaluate(
        () => (window as { ethereum?: { isCkmWallet?: boolean } }).ethereum?.isCkmWallet,
      ),
    ).toBe(true);
    await browser.disconnect();

    // The two servers are real CKM servers: a 2-of-3 wallet is made with them and signs.
    const wallet = await createWallet({
      servers: [{ url: 'http://127.0.0.1:7101' }, { url: 'http://127.0.0.1:7102' }],
      threshold: 2,
    });
    const signed = await wallet.sign({ payload: { kind: 'message', message: '0x6869' } });
    expect(publicKeyToAddress(signed.signature.publicKey)).toBe(wallet.address);

    // Ctrl-C in a terminal sends SIGINT to the whole foreground process group.
    process.kill(-(started.child.pid as number), 'SIGINT');
    expect(await started.exited).toBe(0);
    expect(started.output()).toContain('Everything is stopped.');
    for (const port of ALL_PORTS)
      expect(await portAnswers(port), `port ${port} closed after`).toBe(false);
    expect(processesMentioning(profile)).toEqual([]);
    expect(processesMentioning(join(ROOT, 'server', 'main.ts'))).toEqual([]);
    expect(processesMentioning('anvil-linux')).toEqual([]);
    await rm(profile, { recursive: true, force: true });
  });

  it('stops everything on SIGTERM to npm alone', async () => {
    const started = npmStart(['--browser', 'none']);
    await waitForOutput(started, 'CKM Wallet dev stack is up');
    expect(started.output()).toContain('Load unpacked');
    for (const port of ALL_PORTS) expect(await portAnswers(port)).toBe(true);
    started.child.kill('SIGTERM');
    await started.exited;
    for (const port of ALL_PORTS)
      expect(await portAnswers(port), `port ${port} closed after`).toBe(false);
    expect(processesMentioning(join(ROOT, 'server', 'main.ts'))).toEqual([]);
    expect(processesMentioning('anvil-linux')).toEqual([]);
  });

  it('names the port that is already in use and starts nothing', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((done) => blocker.listen(PORTS.testDapp, '127.0.0.1', done));
    try {
      const started = npmStart(['--browser', 'none']);
      expect(await started.exited).not.toBe(0);
      expect(started.output()).toContain(
        'Port 9011 on 127.0.0.1 (for the test dApp) is already in use',
      );
      for (const port of [PORTS.anvil, PORTS.serverA, PORTS.serverB])
        expect(await portAnswers(port)).toBe(false);
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });
});
