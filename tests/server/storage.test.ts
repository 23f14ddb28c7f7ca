/**
 * The whole `Storage` interface, run once on embedded PGlite and once on a real PostgreSQL
 * (started by tests/support/postgres.ts; missing binaries fail the run, they are not skipped).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  MIGRATIONS,
  migrate,
  type OpenStorageOptions,
  openSql,
  openStorage,
  PGLITE_SUBDIR,
  type Storage,
  StorageConflictError,
  StorageCorruptError,
  type StorageError,
  StorageNotFoundError,
  StorageUnavailableError,
} from '../../server/storage';
import type { Sql, SqlQuery } from '../../server/storage/sql';
import { createSqlStorage } from '../../server/storage/sql-storage';
import { startPostgres, type TestPostgres } from '../support/postgres';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 120_000 });

const KEK = new Uint8Array(32).fill(0x11);
const OTHER_KEK = new Uint8Array(32).fill(0x22);
const T0 = 1_800_000_000_000;

type Location = { dataDir: string } | { databaseUrl: string };

type Backend = {
  name: 'pglite' | 'postgres';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** An empty, never opened database. */
  fresh(): Promise<Location>;
  /** A database with the current schema, faster to get than a fresh one on PGlite. */
  migrated(): Promise<Location>;
};

const tempDirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function pgliteBackend(): Backend {
  // A fresh PGlite folder costs an initdb (seconds); copying a migrated template costs little.
  let template = '';
  return {
    name: 'pglite',
    async setup() {
      template = tempDir('ckm-pglite-template-');
      await (await openStorage({ dataDir: template, kek: KEK })).close();
    },
    async teardown() {},
    async fresh() {
      return { dataDir: join(tempDir('ckm-pglite-'), 'data') };
    },
    async migrated() {
      const dataDir = join(tempDir('ckm-pglite-'), 'data');
      cpSync(join(template, PGLITE_SUBDIR), join(dataDir, PGLITE_SUBDIR), { recursive: true });
      return { dataDir };
    },
  };
}

function postgresBackend(): Backend {
  let server: TestPostgres | undefined;
  const database = async () => {
    if (server === undefined) throw new Error('PostgreSQL was not started');
    return { databaseUrl: await server.createDatabase() };
  };
  return {
    name: 'postgres',
    async setup() {
      server = await startPostgres();
    },
    async teardown() {
      await server?.stop();
    },
    fresh: database,
    async migrated() {
      const location = await database();
      const sql = await openSql({ ...location, kek: KEK });
      await migrate(sql);
      await sql.close();
      return location;
    },
  };
}

const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);
const publicKey = (fill: number) => {
  const key = bytes(33, fill);
  key[0] = 0x02;
  return key;
};
/** A recognisable plaintext, so a leak into a raw row can be searched for. */
const secret = (label: string) => new TextEncoder().encode(`SECRET-SHARE-${label}-`.repeat(4));

/** `sql`, except that statements matching `pattern` fail as if the server died right there. */
function crashingOn(sql: Sql, pattern: RegExp): Sql {
  const wrap = (target: SqlQuery): SqlQuery => ({
    query: ((text, params) =>
      pattern.test(text)
        ? Promise.reject(new Error('simulated crash'))
        : target.query(text, params)) as SqlQuery['query'],
  });
  return {
    kind: sql.kind,
    query: wrap(sql).query,
    transaction: (fn) => sql.transaction((tx) => fn(wrap(tx))),
    close: () => sql.close(),
  };
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe.each([pgliteBackend(), postgresBackend()])('storage on $name', (backend) => {
  const clock = { now: T0 };
  const now = () => clock.now;
  const open: Storage[] = [];
  const raws: Sql[] = [];

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    clock.now = T0;
    for (const storage of open.splice(0)) await storage.close();
    for (const sql of raws.splice(0)) await sql.close();
  });

  async function openAt(location: Location, kek = KEK): Promise<Storage> {
    const storage = await openStorage({ ...location, kek, now } as OpenStorageOptions);
    open.push(storage);
    return storage;
  }
  async function fresh(): Promise<{ storage: Storage; location: Location }> {
    const location = await backend.migrated();
    return { storage: await openAt(location), location };
  }
  /** A second instance on the same database: PostgreSQL only; PGlite is one process. */
  async function twin(location: Location, storage: Storage): Promise<Storage> {
    return backend.name === 'postgres' ? openAt(location) : storage;
  }
  /** The raw database, for reading and tampering with rows (PGlite: close the storage first). */
  async function rawSql(location: Location): Promise<Sql> {
    const sql = await openSql({ ...location, kek: KEK } as OpenStorageOptions);
    raws.push(sql);
    return sql;
  }
  async function closeAll() {
    for (const storage of open.splice(0)) await storage.close();
  }

  const wallet = (walletId: string, party = 2) => ({
    walletId,
    deviceSigningKey: bytes(32, 0xd1),
    deviceAgreementKey: bytes(32, 0xd2),
    party,
    config: new TextEncoder().encode(`config-${walletId}`),
  });
  const key = (walletId: string, version: number) => ({
    walletId,
    version,
    publicKey: publicKey(version),
    share: secret(`${walletId}-${version}`),
  });
  const session = (sessionId: string, walletId = 'w1') => ({
    sessionId,
    walletId,
    kind: 'sign',
    step: 1,
    revision: `r1-${sessionId}`,
    state: secret(`state-${sessionId}`),
    expiresAt: T0 + 60_000,
  });

  it('reports its kind', async () => {
    const { storage } = await fresh();
    expect(storage.kind).toBe(backend.name);
  });

  describe('wallets', () => {
    it('creates a wallet once, then reports it exists and keeps the first record', async () => {
      const { storage } = await fresh();
      expect(await storage.createWallet(wallet('w1', 2))).toBe('created');
      expect(
        await storage.createWallet({ ...wallet('w1', 3), deviceSigningKey: bytes(32, 9) }),
      ).toBe('exists');
      expect(await storage.getWallet('w1')).toEqual({ ...wallet('w1', 2), createdAt: T0 });
      expect(await storage.getWallet('w2')).toBeUndefined();
    });
  });

  it('stores bytes of every value and length as given, views into larger buffers included', async () => {
    const { storage } = await fresh();
    const every = Uint8Array.from({ length: 256 }, (_, i) => i);
    const large = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
    const buffer = Uint8Array.from({ length: 100 }, (_, i) => 255 - i);
    const record = {
      walletId: 'w1',
      deviceSigningKey: buffer.subarray(10, 42),
      deviceAgreementKey: every,
      party: 2,
      config: large,
    };
    await storage.createWallet(record);
    expect(await storage.getWallet('w1')).toEqual({
      ...record,
      deviceSigningKey: buffer.slice(10, 42),
      createdAt: T0,
    });
  });

  describe('server keys', () => {
    it('stores create() once and returns the stored blob afterwards', async () => {
      const { storage } = await fresh();
      expect(await storage.serverKeys(() => bytes(64, 7))).toEqual(bytes(64, 7));
      const create = vi.fn(() => bytes(64, 8));
      expect(await storage.serverKeys(create)).toEqual(bytes(64, 7));
      expect(create).not.toHaveBeenCalled();
    });

    it('two instances racing keep one blob', async () => {
      const { storage, location } = await fresh();
      const other = await twin(location, storage);
      const [a, b] = await Promise.all([
        storage.serverKeys(() => bytes(64, 1)),
        other.serverKeys(() => bytes(64, 2)),
      ]);
      expect(a).toEqual(b);
      expect(await storage.serverKeys(() => bytes(64, 3))).toEqual(a);
    });

    it('refuses a create() that is not bytes', async () => {
      const { storage } = await fresh();
      await expect(storage.serverKeys(() => 'nope' as unknown as Uint8Array)).rejects.toThrow(
        TypeError,
      );
    });
  });

  describe('two-phase key versions', () => {
    it('a pending version sits beside the active one until commit switches and deletes the old', async () => {
      const { storage } = await fresh();
      await storage.createWallet(wallet('w1'));
      await storage.putPendingKey(key('w1', 1));
      expect(await storage.getActiveKey('w1')).toBeUndefined();
      await storage.commitKey('w1', 1);
      expect(await storage.getActiveKey('w1')).toEqual({
        ...key('w1', 1),
        status: 'active',
        createdAt: T0,
      });

      clock.now = T0 + 5;
      await storage.putPendingKey(key('w1', 2));
      expect((await storage.getActiveKey('w1'))?.version).toBe(1);
      expect(await storage.getKey('w1', 2)).toEqual({
        ...key('w1', 2),
        status: 'pending',
        createdAt: T0 + 5,
      });
      expect(await storage.listKeys('w1')).toEqual([
        { walletId: 'w1', version: 1, status: 'active', publicKey: publicKey(1), createdAt: T0 },
        {
          walletId: 'w1',
          version: 2,
          status: 'pending',
          publicKey: publicKey(2),
          createdAt: T0 + 5,
        },
      ]);

      await storage.commitKey('w1', 2);
      expect((await storage.getActiveKey('w1'))?.share).toEqual(key('w1', 2).share);
      expect(await storage.getKey('w1', 1)).toBeUndefined();
      expect((await storage.listKeys('w1')).map((k) => [k.version, k.status])).toEqual([
        [2, 'active'],
      ]);
    });

    it('commit is idempotent and never drops a newer pending version', async () => {
      const { storage } = await fresh();
      await storage.createWallet(wallet('w1'));
      await storage.putPendingKey(key('w1', 1));
      await storage.commitKey('w1', 1);
      await storage.putPendingKey(key('w1', 2));
      await storage.commitKey('w1', 1);
      expect((await storage.listKeys('w1')).map((k) => [k.version, k.status])).toEqual([
        [1, 'active'],
        [2, 'pending'],
      ]);
    });

    it('commit of a missing version throws StorageNotFoundError and changes nothing', async () => {
      const { storage } = await fresh();
      await storage.createWallet(wallet('w1'));
      await storage.putPendingKey(key('w1', 1));
      await storage.commitKey('w1', 1);
      await expect(storage.commitKey('w1', 9)).rejects.toThrow(StorageNotFoundError);
      await expect(storage.commitKey('nobody', 1)).rejects.toThrow(StorageNotFoundError);
      expect((await storage.getActiveKey('w1'))?.version).toBe(1);
    });

    it('refuses an existing (walletId, version) with StorageConflictError', async () => {
      const { storage } = await fresh();
      await storage.createWallet(wallet('w1'));
      await storage.putPendingKey(key('w1', 1));
      const error = await storage.putPendingKey(key('w1', 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageConflictError);
      expect((error as StorageError).code).toBe('Conflict');
      await storage.commitKey('w1', 1);
      await expect(storage.putPendingKey({ ...key('w1', 1), share: secret('x') })).rejects.toThrow(
        StorageConflictError,
      );
      expect((await storage.getActiveKey('w1'))?.share).toEqual(key('w1', 1).share);
    });

    it('refuses a key for a wallet that does not exist with StorageNotFoundError', async () => {
      const { storage } = await fresh();
      await expect(storage.putPendingKey(key('ghost', 1))).rejects.toThrow(
        /NotFound: wallet ghost does not exist/,
      );
    });

    it('discard drops a pending version, ignores an absent one, never drops the active one', async () => {
      const { storage } = await fresh();
      await storage.createWallet(wallet('w1'));
      await storage.putPendingKey(key('w1', 1));
      await storage.commitKey('w1', 1);
      await storage.putPendingKey(key('w1', 2));
      await storage.discardPendingKey('w1', 2);
      await storage.discardPendingKey('w1', 7);
      await storage.discardPendingKey('w1', 1);
      expect((await storage.listKeys('w1')).map((k) => [k.version, k.status])).toEqual([
        [1, 'active'],
      ]);
      expect((await storage.getActiveKey('w1'))?.share).toEqual(key('w1', 1).share);
    });

    it('two racing commits of different versions leave exactly one active version', async () => {
      const { storage, location } = await fresh();
      const other = await twin(location, storage);
      await storage.createWallet(wallet('w1'));
      await storage.putPendingKey(key('w1', 1));
      await storage.commitKey('w1', 1);
      await storage.putPendingKey(key('w1', 2));
      await storage.putPendingKey(key('w1', 3));
      const results = await Promise.allSettled([
        storage.commitKey('w1', 2),
        other.commitKey('w1', 3),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(StorageNotFoundError);
      const keys = await storage.listKeys('w1');
      expect(keys).toHaveLength(1);
      expect(keys[0]?.status).toBe('active');
    });

    it('a crash in the middle of commit leaves the old key active and the new one pending', async () => {
      const { storage, location } = await fresh();
      await storage.createWallet(wallet('w1'));
      await storage.putPendingKey(key('w1', 1));
      await storage.commitKey('w1', 1);
      await storage.putPendingKey(key('w1', 2));
      await closeAll();
      // Dies after the old version is deleted, before the new one is activated.
      const crashing = createSqlStorage({
        sql: crashingOn(
          await openSql({ ...location, kek: KEK } as OpenStorageOptions),
          /^UPDATE key_versions SET status/,
        ),
        kek: KEK,
        now,
      });
      open.push(crashing);
      await expect(crashing.commitKey('w1', 2)).rejects.toThrow(StorageUnavailableError);
      await closeAll();
      const storageAgain = await openAt(location);
      expect((await storageAgain.getActiveKey('w1'))?.share).toEqual(key('w1', 1).share);
      expect((await storageAgain.getKey('w1', 2))?.status).toBe('pending');
      // The retried commit completes the switch.
      await storageAgain.commitKey('w1', 2);
      expect((await storageAgain.listKeys('w1')).map((k) => [k.version, k.status])).toEqual([
        [2, 'active'],
      ]);
    });

    it('updateKeyShare replaces the share of an existing version only', async () => {
      const { storage } = await fresh();
      await storage.createWallet(wallet('w1'));
      await storage.putPendingKey(key('w1', 1));
      await storage.updateKeyShare('w1', 1, secret('banned'));
      expect((await storage.getKey('w1', 1))?.share).toEqual(secret('banned'));
      await expect(storage.updateKeyShare('w1', 2, secret('x'))).rejects.toThrow(
        StorageNotFoundError,
      );
    });

    it('a re-share’s new wallet configuration takes effect with its commit, not before', async () => {
      const { storage } = await fresh();
      await storage.createWallet(wallet('w1'));
      await storage.putPendingKey(key('w1', 1));
      await storage.commitKey('w1', 1);
      const next = {
        config: new TextEncoder().encode('config-after-reshare'),
        party: 4,
        deviceSigningKey: bytes(32, 0xe1),
        deviceAgreementKey: bytes(32, 0xe2),
      };
      await storage.putPendingKey({ ...key('w1', 2), walletUpdate: next });
      expect(await storage.getWallet('w1')).toMatchObject(wallet('w1'));
      await storage.discardPendingKey('w1', 2);
      expect(await storage.getWallet('w1')).toMatchObject(wallet('w1'));
      await storage.putPendingKey({ ...key('w1', 2), walletUpdate: next });
      await storage.commitKey('w1', 2);
      expect(await storage.getWallet('w1')).toMatchObject({ walletId: 'w1', ...next });
      // A repeated commit changes nothing more.
      await storage.commitKey('w1', 2);
      expect(await storage.getWallet('w1')).toMatchObject({ walletId: 'w1', ...next });
    });
  });

  describe('sessions', () => {
    it('creates, reads and deletes a session; a duplicate id is a conflict', async () => {
      const { storage } = await fresh();
      await storage.createSession(session('s1'));
      expect(await storage.getSession('s1')).toEqual({ ...session('s1'), updatedAt: T0 });
      await expect(storage.createSession(session('s1'))).rejects.toThrow(StorageConflictError);
      await storage.deleteSession('s1');
      expect(await storage.getSession('s1')).toBeUndefined();
      await storage.deleteSession('s1');
    });

    it('advances by compare-and-swap: a stale step loses', async () => {
      const { storage } = await fresh();
      await storage.createSession(session('s1'));
      clock.now = T0 + 10;
      expect(await storage.advanceSession('s1', 1, 2, secret('two'), T0 + 90_000, 'r2')).toBe(true);
      expect(
        await storage.advanceSession('s1', 1, 2, secret('stale'), T0 + 90_000, 'r2-stale'),
      ).toBe(false);
      expect(await storage.advanceSession('nope', 1, 2, secret('x'), T0 + 90_000, 'r2')).toBe(
        false,
      );
      expect(await storage.getSession('s1')).toMatchObject({
        step: 2,
        revision: 'r2',
        state: secret('two'),
        expiresAt: T0 + 90_000,
        updatedAt: T0 + 10,
      });
    });

    it('two concurrent advances from the same step: exactly one wins, its state is kept', async () => {
      const { storage, location } = await fresh();
      const other = await twin(location, storage);
      await storage.createSession(session('s1'));
      for (let round = 1; round <= 5; round++) {
        const results = await Promise.all([
          storage.advanceSession(
            's1',
            round,
            round + 1,
            secret(`a${round}`),
            T0 + 60_000,
            `a${round}`,
          ),
          other.advanceSession(
            's1',
            round,
            round + 1,
            secret(`b${round}`),
            T0 + 60_000,
            `b${round}`,
          ),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results[0] ? 'a' : 'b';
        expect(await other.getSession('s1')).toMatchObject({
          revision: `${winner}${round}`,
          state: secret(`${winner}${round}`),
        });
      }
    });

    it('refuses a step that does not move forward', async () => {
      const { storage } = await fresh();
      await storage.createSession(session('s1'));
      await expect(storage.advanceSession('s1', 1, 1, secret('x'), T0 + 1, 'r')).rejects.toThrow(
        RangeError,
      );
      await expect(storage.advanceSession('s1', 2, 1, secret('x'), T0 + 1, 'r')).rejects.toThrow(
        RangeError,
      );
    });

    it('an expired session is gone for reads, advances and counts, then swept', async () => {
      const { storage } = await fresh();
      await storage.createSession(session('s1', 'w1'));
      await storage.createSession({ ...session('s2', 'w1'), expiresAt: T0 + 120_000 });
      await storage.createSession(session('s3', 'w2'));
      expect(await storage.countLiveSessions('w1', T0)).toBe(2);

      clock.now = T0 + 60_000; // now == expiresAt: still live
      expect(await storage.getSession('s1')).toBeDefined();
      expect(await storage.countLiveSessions('w1', clock.now)).toBe(2);

      clock.now = T0 + 60_001;
      expect(await storage.getSession('s1')).toBeUndefined();
      expect(await storage.advanceSession('s1', 1, 2, secret('late'), T0 + 999_999, 'r')).toBe(
        false,
      );
      expect(await storage.countLiveSessions('w1', clock.now)).toBe(1);
      expect(await storage.deleteExpiredSessions(clock.now)).toBe(2);
      expect(await storage.deleteExpiredSessions(clock.now)).toBe(0);
      expect(await storage.getSession('s2')).toBeDefined();
      // The id is free again once swept.
      await storage.createSession({ ...session('s1'), expiresAt: T0 + 200_000 });
    });

    it('another instance continues a session', async () => {
      const { storage, location } = await fresh();
      const other = await twin(location, storage);
      await storage.createSession(session('s1'));
      expect(await other.advanceSession('s1', 1, 2, secret('two'), T0 + 60_000, 'r2')).toBe(true);
      expect((await storage.getSession('s1'))?.state).toEqual(secret('two'));
      // An instance that kept the state it wrote (revision r1-s1) gets the newer one in full.
      expect(await storage.getSession('s1', 'r1-s1')).toMatchObject({
        step: 2,
        revision: 'r2',
        state: secret('two'),
      });
    });

    it('leaves the state out only while the session is at the known revision', async () => {
      const { storage, location } = await fresh();
      const other = await twin(location, storage);
      await storage.createSession(session('s1'));
      const header = { ...session('s1'), updatedAt: T0 } as Partial<ReturnType<typeof session>>;
      delete header.state;
      expect(await storage.getSession('s1', 'r1-s1')).toEqual(header);
      expect(await storage.getSession('s1', 'another')).toEqual({
        ...session('s1'),
        updatedAt: T0,
      });
      expect(await other.advanceSession('s1', 1, 2, secret('two'), T0 + 60_000, 'r2')).toBe(true);
      expect(await storage.getSession('s1', 'r1-s1')).toMatchObject({ state: secret('two') });
      expect(await storage.getSession('s1', 'r2')).not.toHaveProperty('state');
      // A stale writer that lost the swap does not change the revision.
      expect(await storage.advanceSession('s1', 1, 2, secret('x'), T0 + 60_000, 'r1-x')).toBe(
        false,
      );
      expect(await storage.getSession('s1', 'r2')).not.toHaveProperty('state');
      await expect(storage.getSession('s1', '')).rejects.toThrow(RangeError);
    });
  });

  describe('replay cache', () => {
    it('refuses a second use until the entry expires; scopes are separate', async () => {
      const { storage } = await fresh();
      expect(await storage.rememberNonce('device:w1', 'n1', T0 + 1000)).toBe(true);
      expect(await storage.rememberNonce('device:w1', 'n1', T0 + 1000)).toBe(false);
      expect(await storage.rememberNonce('device:w2', 'n1', T0 + 1000)).toBe(true);
      clock.now = T0 + 1000;
      expect(await storage.rememberNonce('device:w1', 'n1', T0 + 5000)).toBe(false);
      clock.now = T0 + 1001;
      expect(await storage.rememberNonce('device:w1', 'n1', T0 + 5000)).toBe(true);
      expect(await storage.rememberNonce('device:w1', 'n1', T0 + 5000)).toBe(false);
    });

    it('is shared between instances, and a race admits exactly one', async () => {
      const { storage, location } = await fresh();
      const other = await twin(location, storage);
      expect(await storage.rememberNonce('s', 'n1', T0 + 1000)).toBe(true);
      expect(await other.rememberNonce('s', 'n1', T0 + 1000)).toBe(false);
      const results = await Promise.all([
        storage.rememberNonce('s', 'n2', T0 + 1000),
        other.rememberNonce('s', 'n2', T0 + 1000),
        storage.rememberNonce('s', 'n2', T0 + 1000),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('expired entries are swept with expired sessions', async () => {
      const { storage, location } = await fresh();
      await storage.rememberNonce('s', 'old', T0 + 10);
      await storage.rememberNonce('s', 'live', T0 + 10_000);
      await storage.deleteExpiredSessions(T0 + 11);
      await closeAll();
      const sql = await rawSql(location);
      const rows = await sql.query<{ nonce: string }>('SELECT nonce FROM replay_nonces');
      expect(rows.map((row) => row.nonce)).toEqual(['live']);
    });
  });

  describe('audit log', () => {
    it('records who asked what, when, the digest and the outcome; newest first', async () => {
      const { storage } = await fresh();
      await storage.audit({
        walletId: 'w1',
        actor: 'device',
        action: 'sign',
        digest: 'ab',
        outcome: 'ok',
      });
      clock.now = T0 + 1;
      await storage.audit({ walletId: 'w2', actor: 'device', action: 'sign', outcome: 'ok' });
      await storage.audit({
        walletId: null,
        actor: 'anonymous',
        action: 'create',
        outcome: 'refused',
      });
      clock.now = T0 + 2;
      await storage.audit({
        walletId: 'w1',
        actor: 'device',
        action: 'refresh',
        outcome: 'aborted',
        detail: 'x'.repeat(5000),
      });
      const entries = await storage.listAudit('w1', 10);
      expect(entries.map((e) => [e.at, e.action, e.digest, e.outcome])).toEqual([
        [T0 + 2, 'refresh', null, 'aborted'],
        [T0, 'sign', 'ab', 'ok'],
      ]);
      expect(entries[0]?.detail).toHaveLength(2000);
      expect(entries[0]?.detail?.endsWith('…')).toBe(true);
      expect(await storage.listAudit('w1', 1)).toHaveLength(1);
    });

    it('refuses a limit outside 1..1000 and an empty actor', async () => {
      const { storage } = await fresh();
      await expect(storage.listAudit('w1', 0)).rejects.toThrow(RangeError);
      await expect(storage.listAudit('w1', 1001)).rejects.toThrow(RangeError);
      await expect(
        storage.audit({ walletId: 'w1', actor: '', action: 'sign', outcome: 'ok' }),
      ).rejects.toThrow(RangeError);
    });
  });

  describe('encryption at rest', () => {
    async function populated() {
      const { storage, location } = await fresh();
      await storage.serverKeys(() => secret('server'));
      await storage.createWallet(wallet('w1'));
      await storage.createWallet(wallet('w2'));
      await storage.putPendingKey(key('w1', 1));
      await storage.putPendingKey(key('w1', 2));
      await storage.putPendingKey(key('w2', 1));
      await storage.createSession(session('s1'));
      await storage.createSession(session('s2'));
      return { storage, location };
    }

    it('no plaintext share, state or server key appears in the raw rows', async () => {
      const { location } = await populated();
      await closeAll();
      const sql = await rawSql(location);
      const sealed = [
        ...(await sql.query<{ v: Uint8Array }>('SELECT share_sealed AS v FROM key_versions')),
        ...(await sql.query<{ v: Uint8Array }>('SELECT state_sealed AS v FROM sessions')),
        ...(await sql.query<{ v: Uint8Array }>('SELECT sealed AS v FROM server_keys')),
      ].map((row) => row.v);
      expect(sealed).toHaveLength(6);
      const plaintexts = [
        key('w1', 1).share,
        key('w1', 2).share,
        key('w2', 1).share,
        session('s1').state,
        session('s2').state,
        secret('server'),
      ];
      // The search itself can fail: the marker is found where it is present.
      expect(contains(new Uint8Array([0, ...secret('server'), 0]), secret('server'))).toBe(true);
      for (const blob of sealed) {
        expect(blob).toBeInstanceOf(Uint8Array);
        for (const plaintext of plaintexts) {
          expect(contains(blob, plaintext.subarray(0, 16))).toBe(false);
        }
      }
    });

    it('shares swapped between two rows fail as StorageCorruptError naming the row', async () => {
      const { location } = await populated();
      await closeAll();
      const sql = await rawSql(location);
      await sql.transaction(async (tx) => {
        const read = async (walletId: string, version: number) =>
          (
            await tx.query<{ v: Uint8Array }>(
              'SELECT share_sealed AS v FROM key_versions WHERE wallet_id = $1 AND version = $2',
              [walletId, version],
            )
          )[0]?.v as Uint8Array;
        const a = await read('w1', 1);
        const b = await read('w2', 1);
        const write = (walletId: string, v: Uint8Array) =>
          tx.query(
            'UPDATE key_versions SET share_sealed = $2 WHERE wallet_id = $1 AND version = 1',
            [walletId, v],
          );
        await write('w1', b);
        await write('w2', a);
      });
      await sql.close();
      raws.splice(0);
      const storage = await openAt(location);
      const error = await storage.getKey('w1', 1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageCorruptError);
      expect((error as StorageCorruptError).code).toBe('Corrupt');
      expect((error as StorageCorruptError).row).toBe('key_versions(wallet w1, version 1)');
      await expect(storage.getKey('w2', 1)).rejects.toThrow(StorageCorruptError);
      // Other rows still open.
      expect((await storage.getKey('w1', 2))?.share).toEqual(key('w1', 2).share);
    });

    it('a session state moved to another session, or a changed public key, does not open', async () => {
      const { location } = await populated();
      await closeAll();
      const sql = await rawSql(location);
      await sql.query(
        `UPDATE sessions SET state_sealed = (SELECT state_sealed FROM sessions WHERE session_id = 's2')
         WHERE session_id = 's1'`,
      );
      await sql.query(
        'UPDATE key_versions SET public_key = $1 WHERE wallet_id = $2 AND version = $3',
        [publicKey(9), 'w1', 2],
      );
      await sql.close();
      raws.splice(0);
      const storage = await openAt(location);
      await expect(storage.getSession('s1')).rejects.toThrow(/Corrupt: sessions\(s1\)/);
      expect((await storage.getSession('s2'))?.state).toEqual(session('s2').state);
      await expect(storage.getKey('w1', 2)).rejects.toThrow(StorageCorruptError);
    });

    it('the wrong KEK fails as StorageCorruptError, never as garbage', async () => {
      const { location } = await populated();
      await closeAll();
      const storage = await openAt(location, OTHER_KEK);
      await expect(storage.serverKeys(() => bytes(8, 0))).rejects.toThrow(StorageCorruptError);
      await expect(storage.getKey('w1', 1)).rejects.toThrow(StorageCorruptError);
      await expect(storage.getSession('s1')).rejects.toThrow(StorageCorruptError);
      // Public data is still readable.
      expect((await storage.listKeys('w1')).map((k) => k.version)).toEqual([1, 2]);
    });
  });

  describe('migrations', () => {
    it('are applied once; opening again applies nothing', async () => {
      const location = await backend.fresh();
      await (await openAt(location)).close();
      open.splice(0);
      const sql = await rawSql(location);
      expect(await migrate(sql)).toEqual([]);
      const rows = await sql.query<{ version: number }>('SELECT version FROM schema_migrations');
      expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
    });

    it('refuse a database whose schema is newer than this server', async () => {
      const location = await backend.migrated();
      const sql = await rawSql(location);
      await sql.query(
        `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)`,
      );
      await sql.close();
      raws.splice(0);
      const error = await openAt(location).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect((error as StorageError).shortMessage).toMatch(/schema version 999 is newer/);
    });

    if (backend.name === 'postgres')
      it('two instances opening one fresh database at once apply each migration once', async () => {
        const location = await backend.fresh();
        const [a, b, c] = await Promise.all([openAt(location), openAt(location), openAt(location)]);
        await a?.createWallet(wallet('w1'));
        expect(await b?.getWallet('w1')).toBeDefined();
        expect(await c?.getWallet('w1')).toBeDefined();
        const sql = await rawSql(location);
        const rows = await sql.query<{ version: number }>('SELECT version FROM schema_migrations');
        expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
      });

    if (backend.name === 'pglite')
      it('reopening the data folder keeps everything', async () => {
        const location = await backend.fresh();
        const first = await openAt(location);
        await first.createWallet(wallet('w1'));
        await first.putPendingKey(key('w1', 1));
        await first.commitKey('w1', 1);
        await first.createSession(session('s1'));
        await first.rememberNonce('s', 'n', T0 + 1000);
        await closeAll();
        const again = await openAt(location);
        expect((await again.getActiveKey('w1'))?.share).toEqual(key('w1', 1).share);
        expect((await again.getSession('s1'))?.state).toEqual(session('s1').state);
        expect(await again.rememberNonce('s', 'n', T0 + 1000)).toBe(false);
      });
  });

  describe('bad input and lifecycle', () => {
    const hostile: [string, (s: Storage) => Promise<unknown>, ErrorConstructor][] = [
      ['walletId not a string', (s) => s.getWallet(7 as unknown as string), TypeError],
      ['empty walletId', (s) => s.getWallet(''), RangeError],
      ['walletId too long', (s) => s.getWallet('w'.repeat(257)), RangeError],
      ['version negative', (s) => s.getKey('w1', -1), RangeError],
      ['version fractional', (s) => s.commitKey('w1', 1.5), RangeError],
      ['version NaN', (s) => s.discardPendingKey('w1', Number.NaN), RangeError],
      ['version beyond INTEGER', (s) => s.getKey('w1', 2 ** 31), RangeError],
      [
        'publicKey of 32 bytes',
        (s) => s.putPendingKey({ ...key('w1', 1), publicKey: bytes(32, 2) }),
        RangeError,
      ],
      [
        'share not bytes',
        (s) => s.putPendingKey({ ...key('w1', 1), share: [1, 2] as unknown as Uint8Array }),
        TypeError,
      ],
      ['party negative', (s) => s.createWallet({ ...wallet('w1'), party: -1 }), RangeError],
      [
        'config not bytes',
        (s) => s.createWallet({ ...wallet('w1'), config: null as unknown as Uint8Array }),
        TypeError,
      ],
      [
        'state not bytes',
        (s) => s.createSession({ ...session('s1'), state: 'x' as unknown as Uint8Array }),
        TypeError,
      ],
      [
        'expiresAt not a number',
        (s) => s.createSession({ ...session('s1'), expiresAt: '1' as unknown as number }),
        TypeError,
      ],
      ['revision empty', (s) => s.createSession({ ...session('s1'), revision: '' }), RangeError],
      [
        'revision not a string',
        (s) => s.advanceSession('s1', 1, 2, bytes(1, 1), T0, 5 as unknown as string),
        TypeError,
      ],
      ['nonce empty', (s) => s.rememberNonce('s', '', T0), RangeError],
      ['now negative', (s) => s.countLiveSessions('w1', -5), RangeError],
    ];
    // Checks run before any query, so one storage serves the whole table.
    let shared: Storage | undefined;
    beforeAll(async () => {
      shared = await openStorage({ ...(await backend.migrated()), kek: KEK } as OpenStorageOptions);
    });
    afterAll(() => shared?.close());
    it.each(hostile)('refuses %s', async (_name, call, type) => {
      await expect(call(shared as Storage)).rejects.toThrow(type);
    });

    it('a closed storage refuses with StorageUnavailableError', async () => {
      const { storage } = await fresh();
      await storage.close();
      await storage.close();
      await expect(storage.getWallet('w1')).rejects.toThrow(StorageUnavailableError);
    });
  });
});
