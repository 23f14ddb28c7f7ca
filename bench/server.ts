/**
 * Signing through a real CKM server process (PGlite, loopback HTTP), against the in-process
 * 2-party signature of the same run (`runSign` of tests/tss/support/simulate.ts, both parties in
 * this thread, as `tss.sign.2party.ms` measures it):
 *
 * - `server.sign.p50.ms` / `server.sign.p95.ms`: `wallet.sign` of a 2-of-2 wallet (this device +
 *   the one server), sequential, 50 samples after 10 warm-ups; each sample is taken right after
 *   an in-process signature, so a noisy neighbour slows both alike. Baseline: the in-process
 *   median. Target: p50 ≤ 2× the baseline.
 * - `server.sign.perSecond`: signatures per second one server process sustains for 10 s, with as
 *   many concurrent clients as saturated it in a short sweep (1, 2, 4, 8 clients, 3 s each).
 *   Baseline: the in-process rate (1000 / baseline ms), so the ratio reads as a fraction of it.
 *   Target: ≥ 50 per second.
 *
 * All clients run in this process, so on a small machine they share its cores with the server;
 * the server's CPU time per signature (Linux /proc) and the sweep go to stderr beside the figures.
 *
 * The server keeps a finished session until its TTL (for retried steps) and counts it against
 * the wallet's open-session limit (64 per wallet, sessions live 120 s: server/start.ts
 * DEFAULT_LIMITS; the 64th signature of a fresh wallet is refused, its DKG being the first
 * session), so signatures are spread over a pool of wallets, each used at most
 * {@link SESSIONS_PER_WALLET} times per {@link SESSION_WINDOW_MS}.
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fetchTransport } from '../ckm/client/transport';
import { type CkmWallet, createWallet } from '../ckm/client/wallet';
import { transfer } from '../tests/integration/support/checks';
import { type ServerProcess, serverProcess } from '../tests/integration/support/server-process';
import { runDkg, runSign } from '../tests/tss/support/simulate';
import { cryptoRng, type KeyShare, type Rng } from '../tss/index';
import type { Benchmark } from './harness';

const WARMUP = 10;
const SAMPLES = 50;
const SWEEP_CLIENTS = [1, 2, 4, 8] as const;
const SWEEP_MS = 3_000;
const SUSTAINED_MS = 10_000;
/** Below the server's 64 open sessions per wallet, one of which is the wallet's DKG. */
const SESSIONS_PER_WALLET = 60;
/** The server's session TTL (120 s) plus a margin: a wallet's quota frees up after this. */
const SESSION_WINDOW_MS = 130_000;
const IN_PROCESS_SIGNERS = [1, 2];
/** Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;

export class BenchmarkError extends Error {
  override name = 'BenchmarkError';
}

/** Everything the three figures need, measured once in one run against one server process. */
type ServerSignRun = {
  /** In-process 2-party signature, median, ms. */
  readonly inProcessMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly perSecond: number;
};

let measured: Promise<ServerSignRun> | undefined;

/** The first figure asked for starts the run; the others wait for the same one. */
function serverSignRun(): Promise<ServerSignRun> {
  measured ??= measure();
  return measured;
}

export const serverSignP50: Benchmark = {
  name: 'server.sign.p50.ms',
  unit: 'ms',
  baselineLabel: 'in-process 2-party sign',
  async run() {
    const run = await serverSignRun();
    return { value: run.p50Ms, baseline: run.inProcessMs };
  },
};

export const serverSignP95: Benchmark = {
  name: 'server.sign.p95.ms',
  unit: 'ms',
  baselineLabel: 'in-process 2-party sign',
  async run() {
    const run = await serverSignRun();
    return { value: run.p95Ms, baseline: run.inProcessMs };
  },
};

export const serverSignPerSecond: Benchmark = {
  name: 'server.sign.perSecond',
  unit: '/s',
  baselineLabel: 'in-process 2-party signs',
  async run() {
    const run = await serverSignRun();
    return { value: run.perSecond, baseline: 1000 / run.inProcessMs };
  },
};

export const serverBenchmarks: readonly Benchmark[] = [
  serverSignP50,
  serverSignP95,
  serverSignPerSecond,
];

// ---------------------------------------------------------------------------------------------

async function measure(): Promise<ServerSignRun> {
  const inProcess = inProcessSigner();
  const server = await serverProcess('bench');
  try {
    await server.start();
    const cpu = serverCpu(server);
    const pool = new WalletPool(server.url);
    await pool.reserve(WARMUP + SAMPLES);

    const sequential = await sequentialLatency(pool, inProcess);
    log(
      `server.sign sequential: p50 ${sequential.p50Ms.toFixed(1)} ms, p95 ` +
        `${sequential.p95Ms.toFixed(1)} ms, min ${sequential.minMs.toFixed(1)} ms; in-process ` +
        `${sequential.inProcessMs.toFixed(1)} ms`,
    );

    // Sweep: each step at most doubles the clients, so at most doubles the rate (margin 2.5×).
    let best = { clients: 1, perSecond: 0 };
    for (const clients of SWEEP_CLIENTS) {
      const ceiling = (clients * SWEEP_MS) / sequential.minMs;
      const expected = best.perSecond > 0 ? (2.5 * best.perSecond * SWEEP_MS) / 1000 : ceiling;
      await pool.reserve(Math.ceil(Math.min(ceiling, expected)) + 2 * clients);
      const point = await load(pool, cpu, clients, SWEEP_MS);
      log(`server.sign sweep: ${describeLoad(point)}`);
      if (point.perSecond > best.perSecond) best = { clients, perSecond: point.perSecond };
    }

    await pool.reserve(Math.ceil((1.5 * best.perSecond * SUSTAINED_MS) / 1000) + 2 * best.clients);
    const sustained = await load(pool, cpu, best.clients, SUSTAINED_MS);
    log(`server.sign sustained: ${describeLoad(sustained)}`);
    return {
      inProcessMs: sequential.inProcessMs,
      p50Ms: sequential.p50Ms,
      p95Ms: sequential.p95Ms,
      perSecond: sustained.perSecond,
    };
  } finally {
    await server.dispose();
  }
}

/** A 2-of-2 key made in-process once; each call signs a fresh digest with both parties. */
function inProcessSigner(): () => void {
  const rngs = new Map<number, Rng>(IN_PROCESS_SIGNERS.map((p) => [p, cryptoRng]));
  const key: Map<number, KeyShare> = runDkg(
    { parties: IN_PROCESS_SIGNERS, threshold: IN_PROCESS_SIGNERS.length },
    rngs,
  );
  return () => {
    runSign(
      key,
      {
        signers: [...IN_PROCESS_SIGNERS],
        digest: cryptoRng(32),
        path: [],
        sessionNonce: cryptoRng(32),
      },
      rngs,
    );
  };
}

/** Sequential `wallet.sign`, each sample right after one in-process signature. */
async function sequentialLatency(pool: WalletPool, inProcess: () => void) {
  const server: number[] = [];
  const local: number[] = [];
  for (let k = 0; k < WARMUP + SAMPLES; k++) {
    let start = performance.now();
    inProcess();
    const localMs = performance.now() - start;
    start = performance.now();
    await pool.sign();
    const serverMs = performance.now() - start;
    if (k < WARMUP) continue;
    local.push(localMs);
    server.push(serverMs);
  }
  return {
    inProcessMs: percentile(local, 0.5),
    p50Ms: percentile(server, 0.5),
    p95Ms: percentile(server, 0.95),
    minMs: Math.min(...server),
  };
}

type LoadPoint = {
  readonly clients: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** The server's CPU time per signature (NaN where /proc is not available). */
  readonly serverCpuMs: number;
  /** The server's CPU time over the wall time: 1 is one core busy all the time. */
  readonly serverBusy: number;
};

/**
 * `clients` loops that sign back to back until `windowMs` has passed; signatures in flight at
 * the deadline finish and count, over the time until the last one finished.
 */
async function load(
  pool: WalletPool,
  cpu: { read(): number },
  clients: number,
  windowMs: number,
): Promise<LoadPoint> {
  const cpuBefore = cpu.read();
  const start = performance.now();
  const deadline = start + windowMs;
  let done = 0;
  const client = async () => {
    while (performance.now() < deadline) {
      await pool.sign();
      done++;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const wallMs = performance.now() - start;
  const cpuMs = cpu.read() - cpuBefore;
  return {
    clients,
    seconds: wallMs / 1000,
    perSecond: done / (wallMs / 1000),
    serverCpuMs: cpuMs / done,
    serverBusy: cpuMs / wallMs,
  };
}

function describeLoad(point: LoadPoint): string {
  const cpu = Number.isFinite(point.serverCpuMs)
    ? `; server CPU ${point.serverCpuMs.toFixed(1)} ms per signature, busy ` +
      `${(100 * point.serverBusy).toFixed(0)}% of one core (one process could do ≤ ` +
      `${(1000 / point.serverCpuMs).toFixed(1)}/s)`
    : '';
  return (
    `${point.clients} client(s) for ${point.seconds.toFixed(1)} s → ` +
    `${point.perSecond.toFixed(2)} signatures/s${cpu}`
  );
}

/** Nearest-rank percentile (`q` in 0..1) of `samples`. */
function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

type PooledWallet = { readonly wallet: CkmWallet; readonly uses: number[] };

/**
 * 2-of-2 wallets (this device + the server), each used at most {@link SESSIONS_PER_WALLET}
 * times per {@link SESSION_WINDOW_MS} (see the module doc). `reserve` makes wallets, outside
 * any timed part; `sign` never does, and refuses when the pool is used up.
 */
class WalletPool {
  readonly #url: string;
  readonly #wallets: PooledWallet[] = [];
  /** Every transaction gets its own nonce, so every digest is new. */
  #nonce = 0;

  constructor(url: string) {
    this.#url = url;
  }

  /** Makes wallets until `signatures` more fit in the pool's quota. */
  async reserve(signatures: number): Promise<void> {
    const now = performance.now();
    const room = this.#wallets.reduce((sum, w) => sum + this.#room(w.uses, now), 0);
    const missing = Math.ceil(Math.max(0, signatures - room) / SESSIONS_PER_WALLET);
    const made = await Promise.all(
      Array.from({ length: missing }, () =>
        createWallet({ servers: [{ url: this.#url }], threshold: 2, transport: fetchTransport() }),
      ),
    );
    for (const wallet of made) this.#wallets.push({ wallet, uses: [] });
  }

  /** Signs a fresh transaction with the wallet that has the most quota left. */
  async sign(): Promise<void> {
    const now = performance.now();
    let pick: PooledWallet | undefined;
    for (const w of this.#wallets)
      if (!pick || this.#room(w.uses, now) > this.#room(pick.uses, now)) pick = w;
    if (!pick || this.#room(pick.uses, now) === 0)
      throw new BenchmarkError('the wallet pool is used up: reserve more signatures first');
    pick.uses.push(now);
    await pick.wallet.sign({ payload: transfer(this.#nonce++) });
  }

  #room(uses: number[], now: number): number {
    return SESSIONS_PER_WALLET - uses.filter((at) => now - at < SESSION_WINDOW_MS).length;
  }
}

/**
 * The server process's CPU time (user + system), in ms, read from Linux /proc; the process is
 * the one whose command line names the server's data folder. Elsewhere `read()` gives NaN.
 */
function serverCpu(server: ServerProcess): { read(): number } {
  const pid = findPid(server.dataDir);
  return {
    read() {
      if (pid === undefined) return Number.NaN;
      try {
        // Fields after "(comm) ": state is [0], utime [11], stime [12] (proc(5)).
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      } catch {
        return Number.NaN;
      }
    },
  };
}

function findPid(dataDir: string): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const name of entries) {
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (args.includes(dataDir)) return Number(name);
    } catch {
      // The process ended meanwhile, or is not ours to read.
    }
  }
  return undefined;
}

/** Diagnostics go to stderr, so `--json` output stays one JSON object per line. */
function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
