/**
 * The policy firewall at the servers (docs/ckm.md §10), through the real client against real CKM
 * servers in this process (HTTP app, service, PGlite): every rule on BOTH servers of a 2-of-3
 * wallet, each with what it allows and what it refuses, the 24 h window and the hold's waiting
 * period through the servers' injectable clock (`Date.now() + skip`), loosen/tighten timing
 * through `CkmWallet.setPolicy`, and the audit rows.
 */
import { type Address, getAddress, parseEther } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseErrorBody, parsePolicyView } from '../../ckm/api';
import { ServerConnection } from '../../ckm/client/connection';
import { type CkmWallet, createWallet } from '../../ckm/client/wallet';
import { CkmError } from '../../ckm/errors';
import type { SignPayload } from '../../ckm/payload';
import {
  DEFAULT_POLICY,
  type PolicyRefusal,
  PolicyRefusedError,
  policyToWire,
  type WalletPolicy,
} from '../../ckm/policy/index';
import { openStorage } from '../../server/storage';
import {
  CONDUIT,
  call,
  DRAINER,
  eip2612,
  encode,
  MAX_UINT256,
  PERMIT2,
  TOKEN,
  tx,
} from './policy/fixtures';
import { type InProcessCluster, startCluster } from './support/in-process';

const CHAIN = 31337;
const SERVERS = [2, 3] as const;
const HOUR_MS = 3_600_000;
const ALICE: Address = getAddress('0xa11cea11cea11cea11cea11cea11cea11cea11ce');
const MALLORY: Address = getAddress('0x3a11040000000000000000000000000000000003');
/** The in-process cluster's KEK (tests/ckm/support/in-process.ts), to read a stopped server's log. */
const KEK = Uint8Array.from(Buffer.from('ab'.repeat(32), 'hex'));

const send = (to: Address, value: bigint, nonce: number, chainId = CHAIN) =>
  tx({ to, value, nonce, chainId });
const tokenTransfer = (to: Address, amount: bigint, nonce: number) =>
  call(encode('transfer', [to, amount]), { nonce, chainId: CHAIN });

function rules(overrides: Partial<WalletPolicy>): WalletPolicy {
  return { ...DEFAULT_POLICY, ...overrides };
}

/** The refusal `promise` fails with; fails the test unless it is the firewall's typed refusal. */
async function refusal(promise: Promise<unknown>): Promise<PolicyRefusal> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a policy refusal').toBeInstanceOf(PolicyRefusedError);
  expect((error as CkmError).code).toBe('PolicyRefused');
  return (error as PolicyRefusedError).refusal;
}

describe('the policy firewall on both servers', { timeout: 600_000 }, () => {
  let cluster: InProcessCluster;
  let skip = 0;

  beforeAll(async () => {
    cluster = await startCluster(2, {}, () => Date.now() + skip);
  }, 240_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  async function wallet(policy?: WalletPolicy): Promise<CkmWallet> {
    const created = await createWallet({
      servers: cluster.servers.map((s) => ({ url: s.url })),
      threshold: 2,
      transport: cluster.transport,
    });
    if (policy) {
      const answers = await created.setPolicy(policy);
      // An unrestricted wallet takes its first rules at once, on every server.
      for (const answer of answers) {
        expect(answer.error).toBeUndefined();
        expect(answer.view?.effective).toEqual(policy);
        expect(answer.view?.pending).toBeUndefined();
      }
    }
    return created;
  }

  const signOn = (w: CkmWallet, server: number, payload: SignPayload) =>
    w.sign({ payload, servers: [server] });

  /** The wallet's audit log on `server` (newest first), read while that server is stopped. */
  async function auditOf(server: number, walletId: string) {
    const index = server - 2;
    const s = cluster.servers[index];
    if (!s) throw new Error(`no server ${server}`);
    await s.running.close();
    const storage = await openStorage({ dataDir: s.dataDir, kek: KEK });
    try {
      return await storage.listAudit(walletId, 1000);
    } finally {
      await storage.close();
      await cluster.restart(index);
    }
  }

  it('a daily native limit: under passes, over is refused, a re-sign of the same nonce replaces, the window rolls after 24 h', async () => {
    const limit = parseEther('1');
    const w = await wallet(
      rules({ dailyLimits: [{ chainId: CHAIN, asset: 'native', amount: limit.toString() }] }),
    );
    for (const server of SERVERS) {
      await signOn(w, server, send(ALICE, parseEther('0.6'), 0));
      expect(await refusal(signOn(w, server, send(ALICE, parseEther('0.5'), 1)))).toEqual({
        rule: 'dailyLimit',
        asset: { chainId: CHAIN, asset: 'native' },
        limit: limit.toString(),
        spent: parseEther('0.6').toString(),
        requested: parseEther('0.5').toString(),
      });
      // A speed-up of nonce 0 replaces its 0.6 instead of adding 0.7 to it.
      await signOn(w, server, send(ALICE, parseEther('0.7'), 0));
      await signOn(w, server, send(ALICE, parseEther('0.3'), 1));
      expect((await refusal(signOn(w, server, send(ALICE, 1n, 2)))).rule).toBe('dailyLimit');
      // Another chain's coin is another asset.
      await signOn(w, server, send(ALICE, parseEther('5'), 0, 1));
    }
    const views = await w.policies();
    for (const answer of views)
      expect(answer.view?.spent).toEqual([
        { chainId: CHAIN, asset: 'native', amount: parseEther('1').toString() },
      ]);
    skip += 25 * HOUR_MS;
    for (const server of SERVERS) await signOn(w, server, send(ALICE, parseEther('0.9'), 2));
  });

  it('a daily token limit counts transfers and approvals of that token only', async () => {
    const w = await wallet(
      rules({ dailyLimits: [{ chainId: CHAIN, asset: TOKEN, amount: '1000' }] }),
    );
    for (const server of SERVERS) {
      await signOn(w, server, tokenTransfer(ALICE, 600n, 0));
      const refused = await refusal(signOn(w, server, tokenTransfer(ALICE, 500n, 1)));
      expect(refused).toMatchObject({
        rule: 'dailyLimit',
        asset: { chainId: CHAIN, asset: TOKEN },
        spent: '600',
        requested: '500',
      });
      // An approval is an outflow the spender can take.
      const approval = call(encode('approve', [ALICE, 401n]), { nonce: 1, chainId: CHAIN });
      expect((await refusal(signOn(w, server, approval))).rule).toBe('dailyLimit');
      await signOn(w, server, tokenTransfer(ALICE, 400n, 1));
      // Native value is not limited by a token limit.
      await signOn(w, server, send(ALICE, parseEther('10'), 2));
    }
  });

  it('the allowlist: listed recipients and spenders pass, known spenders pass, anything else is refused', async () => {
    const w = await wallet(rules({ allowlist: [ALICE] }));
    for (const server of SERVERS) {
      await signOn(w, server, send(ALICE, parseEther('1'), 0));
      expect(await refusal(signOn(w, server, send(MALLORY, 1n, 1)))).toEqual({
        rule: 'allowlist',
        recipient: MALLORY,
      });
      expect(await refusal(signOn(w, server, tokenTransfer(MALLORY, 5n, 1)))).toEqual({
        rule: 'allowlist',
        recipient: MALLORY,
      });
      const toMallory = call(encode('approve', [MALLORY, 5n]), { nonce: 1, chainId: CHAIN });
      expect((await refusal(signOn(w, server, toMallory))).rule).toBe('allowlist');
      await signOn(w, server, call(encode('approve', [ALICE, 5n]), { nonce: 1, chainId: CHAIN }));
      // Permit2 is a known spender on chain 1.
      await signOn(w, server, call(encode('approve', [PERMIT2, 5n]), { nonce: 2, chainId: 1 }));
    }
  });

  it('unknown unlimited approvals are refused; known, allowlisted or limited ones pass', async () => {
    const w = await wallet(rules({ blockUnknownApprovals: true }));
    for (const server of SERVERS) {
      const unlimited = (spender: Address, nonce: number, chainId = 1) =>
        call(encode('approve', [spender, MAX_UINT256]), { nonce, chainId });
      expect(await refusal(signOn(w, server, unlimited(DRAINER, 0)))).toEqual({
        rule: 'unknownApproval',
        spender: DRAINER,
        approval: 'erc20',
        asset: { chainId: 1, asset: TOKEN },
      });
      await signOn(w, server, unlimited(PERMIT2, 0));
      await signOn(w, server, call(encode('approve', [DRAINER, 10n]), { nonce: 1, chainId: 1 }));
      const forAll = call(encode('setApprovalForAll', [DRAINER, true]), { nonce: 2, chainId: 1 });
      expect(await refusal(signOn(w, server, forAll))).toMatchObject({
        rule: 'unknownApproval',
        approval: 'forAll',
        spender: DRAINER,
      });
      await signOn(
        w,
        server,
        call(encode('setApprovalForAll', [CONDUIT, true]), { nonce: 2, chainId: 1 }),
      );
      expect(await refusal(signOn(w, server, eip2612(DRAINER, MAX_UINT256)))).toMatchObject({
        rule: 'unknownApproval',
        approval: 'permit',
        spender: DRAINER,
      });
      await signOn(w, server, eip2612(DRAINER, 10n));
    }
    // A spender on the allowlist may get an unlimited approval.
    const listed = await wallet(rules({ blockUnknownApprovals: true, allowlist: [ALICE] }));
    for (const server of SERVERS) {
      await signOn(
        listed,
        server,
        call(encode('approve', [ALICE, MAX_UINT256]), { nonce: 0, chainId: 1 }),
      );
      expect(
        (
          await refusal(
            signOn(
              listed,
              server,
              call(encode('approve', [DRAINER, MAX_UINT256]), { nonce: 0, chainId: 1 }),
            ),
          )
        ).rule,
      ).toBe('allowlist');
    }
  });

  it('a hold: the first request waits, cancel refuses it; after the wait the same intent is co-signed once, then held again', async () => {
    const w = await wallet(
      rules({
        holdAbove: [{ chainId: CHAIN, asset: 'native', amount: parseEther('1').toString() }],
        delaySeconds: 3600,
      }),
    );
    // Under the threshold: no hold.
    for (const server of SERVERS) await signOn(w, server, send(ALICE, parseEther('1'), 0));
    const held = new Map<number, PolicyRefusal & { rule: 'hold' }>();
    for (const server of SERVERS) {
      const first = await refusal(signOn(w, server, send(ALICE, parseEther('2'), 1)));
      expect(first).toMatchObject({
        rule: 'hold',
        asset: { chainId: CHAIN, asset: 'native' },
        threshold: parseEther('1').toString(),
        requested: parseEther('2').toString(),
        status: 'waiting',
      });
      if (first.rule !== 'hold') throw new Error('unreachable');
      expect(first.readyAt).toBeGreaterThan(Date.now() + skip + 3_500_000);
      // Asked again (even with other fees or nonce) before readyAt: the same hold, still waiting.
      const again = await refusal(signOn(w, server, send(ALICE, parseEther('2'), 2)));
      expect(again).toEqual(first);
      held.set(server, first);
    }
    const [h2, h3] = [held.get(2), held.get(3)];
    // The hold id is the intent's hash: the same on both servers.
    expect(h2?.holdId).toBe(h3?.holdId);
    const views = await w.policies();
    for (const answer of views)
      expect(answer.view?.holds).toContainEqual(
        expect.objectContaining({ holdId: h2?.holdId, status: 'waiting' }),
      );

    // The owner cancels a second held request on every server: it stays refused, also after readyAt.
    const cancelled = new Map<number, string>();
    for (const server of SERVERS) {
      const r = await refusal(signOn(w, server, send(MALLORY, parseEther('3'), 1)));
      if (r.rule !== 'hold') throw new Error('expected a hold');
      cancelled.set(server, r.holdId);
    }
    const answers = await w.cancelHold(cancelled.get(2) as string);
    for (const answer of answers)
      expect(answer.view?.holds).toContainEqual(
        expect.objectContaining({ holdId: cancelled.get(2), status: 'cancelled' }),
      );

    skip += 2 * HOUR_MS;
    for (const server of SERVERS) {
      // Ready: the same intent with a new nonce is co-signed once …
      await signOn(w, server, send(ALICE, parseEther('2'), 3));
      // (a used hold can no longer be cancelled)
      const connection = new ServerConnection(
        w.state.urls.get(server) as string,
        cluster.transport,
      );
      const used = await connection
        .cancelHold(w.state.deviceKeys, w.state.config.walletId, h2?.holdId as string)
        .catch((e: unknown) => e);
      expect((used as CkmError).code).toBe('Conflict');
      // … and a third time starts a new hold.
      const third = await refusal(signOn(w, server, send(ALICE, parseEther('2'), 4)));
      expect(third).toMatchObject({ rule: 'hold', status: 'waiting' });
      expect(await refusal(signOn(w, server, send(MALLORY, parseEther('3'), 4)))).toMatchObject({
        rule: 'hold',
        status: 'cancelled',
      });
    }
    for (const answer of await w.policies())
      expect(answer.view?.holds).toContainEqual(
        expect.objectContaining({ holdId: h2?.holdId, status: 'waiting' }),
      );
    // A hold a server never saw is not found there: fine for cancelHold.
    const w2 = await wallet();
    for (const answer of await w2.cancelHold('ab'.repeat(32))) expect(answer.error).toBeUndefined();
  });

  it('tightening applies at once on both servers; loosening waits for the old delay and can be cancelled', async () => {
    const one = parseEther('1');
    const limitOf = (amount: bigint, delaySeconds = 3600) =>
      rules({
        dailyLimits: [{ chainId: CHAIN, asset: 'native', amount: amount.toString() }],
        delaySeconds,
      });
    const w = await wallet(limitOf(one));
    const tighter = limitOf(parseEther('0.5'));
    for (const answer of await w.setPolicy(tighter)) {
      expect(answer.view?.effective).toEqual(tighter);
      expect(answer.view?.pending).toBeUndefined();
    }
    for (const server of SERVERS)
      expect((await refusal(signOn(w, server, send(ALICE, parseEther('0.8'), 0)))).rule).toBe(
        'dailyLimit',
      );
    // Loosen: pending for the delay in force (1 h), even though the new policy asks for 60 s.
    const looser = limitOf(parseEther('5'), 60);
    const now = Date.now() + skip;
    for (const answer of await w.setPolicy(looser)) {
      expect(answer.view?.effective).toEqual(tighter);
      expect(answer.view?.pending?.policy).toEqual(looser);
      expect(answer.view?.pending?.readyAt).toBeGreaterThanOrEqual(now + 3_600_000);
    }
    for (const server of SERVERS)
      expect((await refusal(signOn(w, server, send(ALICE, parseEther('0.8'), 0)))).rule).toBe(
        'dailyLimit',
      );
    // Cancelled: nothing pending, and waiting changes nothing.
    for (const answer of await w.cancelPolicyChange()) {
      expect(answer.view?.pending).toBeUndefined();
      expect(answer.view?.effective).toEqual(tighter);
    }
    skip += 2 * HOUR_MS;
    for (const answer of await w.policies()) expect(answer.view?.effective).toEqual(tighter);
    // Asked again: after the delay it is in force on both servers.
    await w.setPolicy(looser);
    skip += 2 * HOUR_MS;
    for (const answer of await w.policies()) {
      expect(answer.view?.effective).toEqual(looser);
      expect(answer.view?.pending).toBeUndefined();
    }
    for (const server of SERVERS) await signOn(w, server, send(ALICE, parseEther('0.8'), 0));

    const log = await auditOf(2, w.state.config.walletId);
    const details = log.filter((r) => r.action === 'policy.set').map((r) => r.detail ?? '');
    expect(details).toContain('tightened now');
    expect(details.some((d) => d.startsWith('loosening at '))).toBe(true);
    expect(details).toContain('the pending loosening took effect');
    expect(log.some((r) => r.action === 'policy.cancel' && r.outcome === 'ok')).toBe(true);
  });

  it('the audit log names the outflows of a co-signature and the rule of a refusal, with the digest', async () => {
    const w = await wallet(
      rules({
        dailyLimits: [{ chainId: CHAIN, asset: 'native', amount: parseEther('1').toString() }],
      }),
    );
    const signed = await signOn(w, 3, send(ALICE, parseEther('0.25'), 0));
    await refusal(signOn(w, 3, send(MALLORY, parseEther('2'), 1)));
    const log = await auditOf(3, w.state.config.walletId);
    const digest = Buffer.from(signed.digest).toString('hex');
    const request = log.find((r) => r.action === 'sign.request' && r.digest === digest);
    expect(request?.detail).toContain(`outflows native ${parseEther('0.25')} on chain ${CHAIN}`);
    expect(request?.detail).toContain(`to ${ALICE}`);
    const refused = log.find((r) => r.action === 'sign.open' && r.outcome === 'refused');
    expect(refused?.detail).toMatch(/^policy dailyLimit: /);
    expect(refused?.digest).toMatch(/^[0-9a-f]{64}$/);
    // Refused before any tss work: no session was opened for it.
    expect(log.filter((r) => r.action === 'sign.request')).toHaveLength(1);
  });

  it('two concurrent requests of one wallet cannot both pass a daily limit', async () => {
    const w = await wallet(
      rules({
        dailyLimits: [{ chainId: CHAIN, asset: 'native', amount: parseEther('1').toString() }],
      }),
    );
    for (const server of SERVERS) {
      const outcomes = await Promise.allSettled([
        signOn(w, server, send(ALICE, parseEther('0.6'), 0)),
        signOn(w, server, send(ALICE, parseEther('0.6'), 1)),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(PolicyRefusedError);
      expect((rejected.reason as PolicyRefusedError).refusal).toMatchObject({
        rule: 'dailyLimit',
        spent: parseEther('0.6').toString(),
      });
    }
  });

  it('every server refuses a malformed policy, naming the field', async () => {
    const w = await wallet();
    const bad = { ...DEFAULT_POLICY, delaySeconds: 0 };
    for (const answer of await w.setPolicy(bad)) {
      expect(answer.view).toBeUndefined();
      expect(answer.error).toBeInstanceOf(CkmError);
      expect(answer.error?.code).toBe('InvalidParameters');
      expect(answer.error?.message).toContain('policy.delaySeconds');
    }
  });
});

describe('the policy wire on the client side', () => {
  const refusalWire = {
    rule: 'allowlist',
    recipient: MALLORY,
  };

  it('an error body keeps a readable refusal and drops a malformed one', () => {
    expect(
      parseErrorBody({ code: 'PolicyRefused', message: 'no', policy: refusalWire }).policy,
    ).toEqual({ rule: 'allowlist', recipient: MALLORY });
    for (const policy of [{ rule: 'bogus' }, { rule: 'allowlist' }, 'allowlist', undefined])
      expect(
        parseErrorBody({ code: 'PolicyRefused', message: 'no', policy }).policy,
      ).toBeUndefined();
    // Only a PolicyRefused body carries one.
    expect(
      parseErrorBody({ code: 'Conflict', message: 'no', policy: refusalWire }).policy,
    ).toBeUndefined();
  });

  it('a policy view is read field by field', () => {
    const view = {
      effective: policyToWire(DEFAULT_POLICY),
      spent: [{ chainId: 1, asset: 'native', amount: '5' }],
      holds: [
        { holdId: 'ab'.repeat(32), createdAt: 1, readyAt: 2, status: 'ready', summary: 'Send' },
      ],
    };
    expect(parsePolicyView(view).holds[0]?.status).toBe('ready');
    for (const [bad, field] of [
      [{ ...view, extra: 1 }, 'policy.extra'],
      [
        { ...view, spent: [{ chainId: 1, asset: 'native', amount: '05' }] },
        'policy.spent[0].amount',
      ],
      [{ ...view, spent: [{ chainId: 1, asset: '0x12', amount: '5' }] }, 'policy.spent[0].asset'],
      [
        { ...view, holds: [{ ...view.holds[0], holdId: 'AB'.repeat(32) }] },
        'policy.holds[0].holdId',
      ],
      [{ ...view, holds: [{ ...view.holds[0], status: 'gone' }] }, 'policy.holds[0].status'],
      [{ ...view, pending: { policy: view.effective } }, 'policy.pending.readyAt'],
      [
        { ...view, effective: { ...view.effective, delaySeconds: -1 } },
        'policy.effective.delaySeconds',
      ],
    ] as const) {
      let error: unknown;
      try {
        parsePolicyView(bad);
      } catch (e) {
        error = e;
      }
      expect(error, field).toBeInstanceOf(CkmError);
      expect((error as CkmError).shortMessage).toContain(`"${field}`);
    }
  });
});
