/**
 * The policy firewall in the popup (issue #8): a server's refusal explained in the prompt, and
 * the Settings → Security form that writes the wallet's rules to every server, with what each
 * server reports (rules in force, a looser change waiting, spent today, holds).
 *
 * The servers apply a tighter rule at once and a looser one only after the waiting period (so a
 * thief holding the device cannot switch the rules off); the form says so, and each server's
 * own answer is shown, so a server that missed a change is visible rather than hidden.
 * @module
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { PolicyOverview } from '../../background/ui-api';
import {
  type AssetAmount,
  DEFAULT_POLICY,
  type PolicyRefusal,
  type PolicyView,
  type WalletPolicy,
} from '../../ckm/policy/types';
import { callBackground, errorCode, errorMessage } from '../api';
import {
  type AssetNames,
  type AssetRow,
  assetInfo,
  BLANK_ROW,
  type FormCheck,
  formatAssetAmount,
  formatMoment,
  formatSeconds,
  formFromPolicy,
  type PolicyForm,
  parseAsset,
  parseDelay,
  parseEthAmount,
  policyFromForm,
  policyLines,
  refusalText,
} from '../policy-format';
import { PlusIcon, ServerIcon, TrashIcon } from './icons';
import { Alert, BusyLabel, ErrorText, useAction } from './ui';

/** Why a server would not co-sign, in plain language (`data-rule` names the rule). */
export function PolicyRefusalBlock(props: { refusal: PolicyRefusal; names: AssetNames }) {
  const { refusal } = props;
  const text = refusalText(refusal, props.names);
  return (
    <div data-testid="policy-refusal" data-rule={refusal.rule} role="alert">
      <Alert tone={text.tone} title={text.title}>
        <div>{text.text}</div>
        {text.hint && <div class="subtle">{text.hint}</div>}
      </Alert>
    </div>
  );
}

/** The rules a server's answer starts the form from: the newest intent (waiting, else in force). */
function baseOf(overview: PolicyOverview): WalletPolicy {
  const view = overview.servers.find((s) => s.view)?.view;
  return view?.pending?.policy ?? view?.effective ?? DEFAULT_POLICY;
}

type FormError = Extract<FormCheck<unknown>, { ok: false }>;

/** Settings → Security: the policy form, then every server's report. */
export function PolicyFirewall(props: {
  currentChainId: number;
  names: AssetNames;
  onToast: (text: string) => void;
}) {
  const [overview, setOverview] = useState<PolicyOverview>();
  const [loadError, setLoadError] = useState<{ code: string; message: string }>();
  const [form, setForm] = useState<PolicyForm>();
  const [invalid, setInvalid] = useState<FormError>();
  const save = useAction();
  const cancel = useAction();

  const show = useCallback((next: PolicyOverview, resetForm: boolean) => {
    setOverview(next);
    setLoadError(undefined);
    if (resetForm) setForm(formFromPolicy(baseOf(next)));
  }, []);

  const load = useCallback(
    (resetForm: boolean) => {
      callBackground({ type: 'getPolicy' }).then(
        (next) => show(next, resetForm),
        (e) => setLoadError({ code: errorCode(e), message: errorMessage(e) }),
      );
    },
    [show],
  );
  useEffect(() => load(true), [load]);

  // A looser change takes effect at its time: read again then, so "in force" is not stale.
  const nextChange = overview?.servers
    .map((s) => s.view?.pending?.readyAt)
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b)[0];
  useEffect(() => {
    if (nextChange === undefined) return;
    const wait = Math.min(Math.max(nextChange - Date.now() + 1000, 1000), 2 ** 31 - 1);
    const t = setTimeout(() => load(false), wait);
    return () => clearTimeout(t);
  }, [nextChange, load]);

  if (loadError?.code === 'NotAvailable')
    return (
      <Alert tone="info" title="Transaction firewall" testid="policy-unavailable">
        Your servers’ transaction rules are not available in this version of the wallet yet.
      </Alert>
    );
  if (loadError && !overview)
    return (
      <div class="stack">
        <Alert tone="danger" title="Could not read your transaction rules" role="alert">
          {loadError.message}
        </Alert>
        <button type="button" class="btn sm outline" onClick={() => load(true)}>
          Try again
        </button>
      </div>
    );
  if (!overview || !form) return <span class="spinner" role="status" aria-label="Loading" />;

  const submit = (event: Event) => {
    event.preventDefault();
    const check = policyFromForm(form, props.currentChainId);
    if (!check.ok) {
      setInvalid(check);
      return;
    }
    setInvalid(undefined);
    void save
      .run(() => callBackground({ type: 'setPolicy', policy: check.value }))
      .then((next) => {
        if (!next) return;
        show(next, true);
        const waiting = next.servers.some((s) => s.view?.pending);
        props.onToast(waiting ? 'Saved: looser rules wait' : 'Rules in force');
      });
  };

  const anyPending = overview.servers.some((s) => s.view?.pending);
  return (
    <div class="stack lg" data-testid="policy-firewall">
      <form class="card stack lg" onSubmit={submit} noValidate data-testid="policy-form">
        <div class="stack" style={{ gap: '4px' }}>
          <strong>Transaction firewall</strong>
          <p class="subtle">
            Your servers check every transaction against these rules before they co-sign, even if
            this browser is compromised. Tighter rules apply at once; looser ones only after the
            waiting period, so a thief with your device cannot switch them off.
          </p>
        </div>
        <AssetRows
          kind="limit"
          title="Daily limits"
          hint="The most that may leave in any 24 hours. Native amounts in ETH; tokens in their smallest unit."
          rows={form.limits}
          currentChainId={props.currentChainId}
          invalid={invalid?.field === 'limits' ? invalid : undefined}
          onChange={(limits) => setForm({ ...form, limits })}
        />
        <fieldset class="plain-fieldset stack">
          <legend class="label">Recipients</legend>
          <label class="check">
            <input
              type="checkbox"
              checked={form.allowlistEnabled}
              data-testid="policy-allowlist-enabled"
              onChange={(e) => setForm({ ...form, allowlistEnabled: e.currentTarget.checked })}
            />
            <span>Only send to, and approve, these addresses</span>
          </label>
          <textarea
            class="input sm mono"
            rows={3}
            spellcheck={false}
            aria-label="Allowed addresses, one per line"
            placeholder="0x… one address per line"
            value={form.allowlist}
            data-testid="policy-allowlist"
            aria-invalid={invalid?.field === 'allowlist' ? 'true' : undefined}
            onInput={(e) => setForm({ ...form, allowlist: e.currentTarget.value })}
          />
          {form.allowlistEnabled && form.allowlist.trim() === '' && (
            <div class="hint">An empty allowlist lets nothing be sent.</div>
          )}
          {invalid?.field === 'allowlist' && (
            <div class="field-error" role="alert">
              {invalid.message}
            </div>
          )}
        </fieldset>
        <label class="check">
          <input
            type="checkbox"
            checked={form.blockUnknownApprovals}
            data-testid="policy-block-approvals"
            onChange={(e) => setForm({ ...form, blockUnknownApprovals: e.currentTarget.checked })}
          />
          <span>
            Never co-sign unlimited approvals or setApprovalForAll to unknown spenders
            <span class="subtle" style={{ display: 'block' }}>
              Known marketplaces and addresses on your allowlist are still allowed.
            </span>
          </span>
        </label>
        <AssetRows
          kind="hold"
          title="Hold transfers above"
          hint="Larger transfers wait for the waiting period; you can cancel them meanwhile."
          rows={form.holds}
          currentChainId={props.currentChainId}
          invalid={invalid?.field === 'holds' ? invalid : undefined}
          onChange={(holds) => setForm({ ...form, holds })}
        />
        <DelayField form={form} invalid={invalid} onChange={setForm} />
        <ErrorText error={save.error} testid="policy-error" />
        <button
          type="submit"
          class="btn primary block"
          data-testid="policy-save"
          disabled={save.busy}
          aria-busy={save.busy}
        >
          <BusyLabel busy={save.busy} idle="Save rules on every server" busyText="Saving…" />
        </button>
      </form>
      <ul class="list" aria-label="What each server holds">
        {overview.servers.map((s) => (
          <ServerPolicy
            key={s.party}
            server={s}
            names={props.names}
            currentChainId={props.currentChainId}
          />
        ))}
      </ul>
      {anyPending && (
        <div class="stack">
          <ErrorText error={cancel.error} testid="policy-cancel-error" />
          <button
            type="button"
            class="btn outline block"
            data-testid="policy-cancel-change"
            disabled={cancel.busy}
            aria-busy={cancel.busy}
            onClick={() =>
              void cancel
                .run(() => callBackground({ type: 'cancelPolicyChange' }))
                .then((next) => {
                  if (!next) return;
                  show(next, true);
                  props.onToast('Change cancelled');
                })
            }
          >
            <BusyLabel busy={cancel.busy} idle="Cancel change" busyText="Cancelling…" />
          </button>
        </div>
      )}
    </div>
  );
}

/** Rows of chain, asset and amount ("Daily limits", "Hold transfers above"). */
function AssetRows(props: {
  kind: 'limit' | 'hold';
  title: string;
  hint: string;
  rows: readonly AssetRow[];
  currentChainId: number;
  invalid?: FormError;
  onChange: (rows: AssetRow[]) => void;
}) {
  const { kind, rows } = props;
  const set = (i: number, patch: Partial<AssetRow>) =>
    props.onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset class="plain-fieldset stack">
      <legend class="label">{props.title}</legend>
      <div class="subtle">{props.hint}</div>
      {rows.map((row, i) => {
        const asset = parseAsset(row.asset);
        const wei = asset === 'native' ? parseEthAmount(row.amount) : undefined;
        const bad = props.invalid?.row === i;
        return (
          <div key={i} class="stack" style={{ gap: '2px' }} data-testid={`policy-${kind}-row`}>
            <div class="asset-row">
              <input
                class="input sm"
                inputMode="numeric"
                aria-label={`${props.title} ${i + 1}: chain ID`}
                placeholder={String(props.currentChainId)}
                value={row.chainId}
                data-testid={`policy-${kind}-chain`}
                aria-invalid={bad ? 'true' : undefined}
                onInput={(e) => set(i, { chainId: e.currentTarget.value })}
              />
              <input
                class="input sm mono"
                spellcheck={false}
                aria-label={`${props.title} ${i + 1}: asset, native or a token address`}
                placeholder="native"
                value={row.asset}
                data-testid={`policy-${kind}-asset`}
                aria-invalid={bad ? 'true' : undefined}
                onInput={(e) => set(i, { asset: e.currentTarget.value })}
              />
              <div class="input-group">
                <input
                  class="input sm"
                  inputMode="decimal"
                  aria-label={`${props.title} ${i + 1}: amount`}
                  placeholder={asset === 'native' || asset === undefined ? '0.0' : 'units'}
                  value={row.amount}
                  data-testid={`policy-${kind}-amount`}
                  aria-invalid={bad ? 'true' : undefined}
                  onInput={(e) => set(i, { amount: e.currentTarget.value })}
                />
                {asset === 'native' && <span class="suffix">ETH</span>}
              </div>
              <button
                type="button"
                class="icon-btn sm"
                aria-label={`Remove row ${i + 1} of ${props.title}`}
                title="Remove"
                data-testid={`policy-${kind}-remove`}
                onClick={() => {
                  const next = rows.filter((_, j) => j !== i);
                  props.onChange(next.length === 0 ? [BLANK_ROW] : next);
                }}
              >
                <TrashIcon size={14} />
              </button>
            </div>
            {wei !== undefined && (
              <div class="subtle mono" data-testid={`policy-${kind}-wei`}>
                = {wei.toString()} wei
              </div>
            )}
            {bad && (
              <div class="field-error" role="alert">
                {props.invalid?.message}
              </div>
            )}
          </div>
        );
      })}
      {props.invalid && props.invalid.row === undefined && (
        <div class="field-error" role="alert">
          {props.invalid.message}
        </div>
      )}
      <button
        type="button"
        class="btn sm ghost"
        style={{ alignSelf: 'flex-start' }}
        data-testid={`policy-add-${kind}`}
        onClick={() => props.onChange([...rows, BLANK_ROW])}
      >
        <PlusIcon size={14} /> Add
      </button>
    </fieldset>
  );
}

/** The waiting period: hours, or exact seconds (which win when filled). */
function DelayField(props: {
  form: PolicyForm;
  invalid?: FormError;
  onChange: (form: PolicyForm) => void;
}) {
  const { form } = props;
  const delay = parseDelay(form.delayHours, form.delaySeconds);
  return (
    <fieldset class="plain-fieldset stack">
      <legend class="label">Waiting period</legend>
      <div class="subtle">
        How long held transfers wait, and how long before looser rules apply.
      </div>
      <div class="row between">
        <div class="input-group" style={{ width: '110px' }}>
          <input
            class="input sm"
            inputMode="decimal"
            aria-label="Waiting period in hours"
            value={form.delayHours}
            disabled={form.delaySeconds.trim() !== ''}
            data-testid="policy-delay-hours"
            onInput={(e) => props.onChange({ ...form, delayHours: e.currentTarget.value })}
          />
          <span class="suffix">h</span>
        </div>
        <span class="subtle">or</span>
        <div class="input-group" style={{ width: '110px' }}>
          <input
            class="input sm"
            inputMode="numeric"
            aria-label="Waiting period in seconds"
            placeholder="seconds"
            value={form.delaySeconds}
            data-testid="policy-delay-seconds"
            onInput={(e) => props.onChange({ ...form, delaySeconds: e.currentTarget.value })}
          />
          <span class="suffix">s</span>
        </div>
      </div>
      {delay.ok ? (
        <div class="subtle" data-testid="policy-delay-total">
          {formatSeconds(delay.value)} ({delay.value} s)
        </div>
      ) : (
        props.invalid?.field === 'delay' && (
          <div class="field-error" role="alert">
            {delay.message}
          </div>
        )
      )}
    </fieldset>
  );
}

function SpentLines(props: { view: PolicyView; names: AssetNames }) {
  const { view } = props;
  if (view.effective.dailyLimits.length === 0) return null;
  const spentOf = (limit: AssetAmount) =>
    view.spent.find(
      (s) => s.chainId === limit.chainId && s.asset.toLowerCase() === limit.asset.toLowerCase(),
    )?.amount ?? '0';
  return (
    <div class="stack" style={{ gap: '2px' }} data-testid="policy-spent">
      {view.effective.dailyLimits.map((limit) => {
        const info = assetInfo(limit, props.names);
        return (
          <div key={`${limit.chainId}:${limit.asset}`} class="subtle">
            Spent today: {formatAssetAmount(spentOf(limit), info)} of{' '}
            {formatAssetAmount(limit.amount, info)}
          </div>
        );
      })}
    </div>
  );
}

const HOLD_STATUS: Record<string, { tone: string; text: string }> = {
  waiting: { tone: 'caution', text: 'Waiting' },
  ready: { tone: 'success', text: 'Ready' },
  cancelled: { tone: '', text: 'Cancelled' },
  used: { tone: '', text: 'Sent' },
};

/** One server's report: in force, a looser change waiting, spent today, holds. */
function ServerPolicy(props: {
  server: PolicyOverview['servers'][number];
  names: AssetNames;
  currentChainId: number;
}) {
  const { server, names } = props;
  const { view } = server;
  return (
    <li
      data-testid="policy-server"
      data-party={server.party}
      style={{ flexDirection: 'column', alignItems: 'stretch' }}
    >
      <div class="row">
        <span class="token-icon" aria-hidden="true">
          <ServerIcon size={16} />
        </span>
        <div class="grow">
          <strong class="truncate" style={{ display: 'block' }}>
            {server.name}
          </strong>
          <div class="subtle truncate" title={server.url}>
            {server.url}
          </div>
        </div>
      </div>
      {server.error && (
        <Alert tone="danger" testid="policy-server-error">
          {server.name} did not answer: {server.error}
        </Alert>
      )}
      {view && (
        <div class="stack" style={{ gap: '6px' }}>
          <div class="stack" style={{ gap: '2px' }} data-testid="policy-effective">
            <span class="label">In force</span>
            {policyLines(view.effective, names, props.currentChainId).map((line) => (
              <div key={line}>{line}</div>
            ))}
          </div>
          <SpentLines view={view} names={names} />
          {view.pending && (
            <div class="card tight stack pending-change" data-testid="policy-pending">
              <strong>Looser rules take effect at {formatMoment(view.pending.readyAt)}</strong>
              {policyLines(view.pending.policy, names, props.currentChainId).map((line) => (
                <div key={line} class="subtle">
                  {line}
                </div>
              ))}
            </div>
          )}
          {view.holds.length > 0 && (
            <div class="stack" style={{ gap: '2px' }}>
              <span class="label">Held transfers</span>
              {view.holds.map((hold) => {
                const status = HOLD_STATUS[hold.status] ?? { tone: '', text: hold.status };
                return (
                  <div
                    key={hold.holdId}
                    class="row between"
                    data-testid="policy-hold"
                    data-status={hold.status}
                  >
                    <span class="grow truncate" title={hold.summary}>
                      {hold.summary}
                      {hold.status === 'waiting' && (
                        <span class="subtle"> · until {formatMoment(hold.readyAt)}</span>
                      )}
                    </span>
                    <span class={`badge ${status.tone}`}>{status.text}</span>
                  </div>
                );
              })}
            </div>
          )}
        </div>
      )}
    </li>
  );
}
