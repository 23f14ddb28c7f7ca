/**
 * Settings: a pending recovery (if any), security (auto-lock, "appear as MetaMask", the policy
 * firewall's rules on every server and the phishing list: issue #8), the key (version, last and
 * next refresh, "Refresh now"), servers (each replaceable), networks, connected sites, backup (a
 * kit, or SSKR shares), identity document, version.
 * @module
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type {
  AccountView,
  KeyInfo,
  KitView as Kit,
  NetworkView,
  ServerView,
  UiReplies,
} from '../../background/ui-api';
import { callBackground, errorMessage } from '../api';
import { BackupPanel, SplitBackupPanel } from '../components/backup';
import {
  GlobeIcon,
  KeyIcon,
  PencilIcon,
  PlusIcon,
  ServerIcon,
  TrashIcon,
} from '../components/icons';
import { KitView } from '../components/kit';
import { PhishingList } from '../components/phishing';
import { PolicyFirewall } from '../components/policy';
import { PendingRecoveryBanner } from '../components/recovery-banner';
import { Alert, Bar, BusyLabel, ErrorText, Field, Toast, useAction } from '../components/ui';
import {
  checkServerUrl,
  fingerprint,
  originHost,
  sameServer,
  shortAddress,
  timeAgo,
} from '../format';
import {
  checkRefreshDays,
  formatDateTime,
  formatDuration,
  timeSince,
  timeUntil,
} from '../recovery-format';

type State = UiReplies['getState'];
type Connection = UiReplies['listConnections'][number];

export type SettingsProps = { state: State; onBack: () => void; refresh: () => void };

export function Settings({ state, onBack, refresh }: SettingsProps) {
  const [toast, setToast] = useState<string>();
  const clearToast = useCallback(() => setToast(undefined), []);
  const [keyInfo, setKeyInfo] = useState<KeyInfo>();
  const [keyError, setKeyError] = useState<string>();
  const loadKey = useCallback(() => {
    callBackground({ type: 'getKeyInfo' }).then(
      (info) => {
        setKeyInfo(info);
        setKeyError(undefined);
      },
      (e) => setKeyError(errorMessage(e)),
    );
  }, []);
  useEffect(loadKey, [loadKey]);
  // A refresh or replacement running in the background (scheduled, or started before this
  // popup opened): follow it until it ends.
  const keyBusy = keyInfo?.busy !== undefined;
  useEffect(() => {
    if (!keyBusy) return;
    const t = setInterval(loadKey, 3000);
    return () => clearInterval(t);
  }, [keyBusy, loadKey]);
  return (
    <div class="screen">
      <Bar title="Settings" onBack={onBack} />
      <div class="body">
        {state.pendingRecoveries && state.pendingRecoveries.length > 0 && (
          <section class="stack" aria-labelledby="pending-recovery-title">
            <h2 class="section-title" id="pending-recovery-title">
              Pending recovery
            </h2>
            <PendingRecoveryBanner
              recoveries={state.pendingRecoveries}
              onCancelled={(n) => {
                setToast(n === 1 ? 'Recovery cancelled' : `${n} recoveries cancelled`);
                refresh();
              }}
            />
          </section>
        )}
        <Security
          state={state}
          onSaved={(t) => {
            setToast(t);
            refresh();
          }}
          onToast={setToast}
        />
        <KeySection
          info={keyInfo}
          loadError={keyError}
          intervalDays={state.settings.refreshIntervalDays}
          onInfo={setKeyInfo}
          onToast={setToast}
          onScheduled={(text) => {
            setToast(text);
            refresh();
            loadKey();
          }}
        />
        <Servers
          state={state}
          onReplaced={(info, name) => {
            setKeyInfo(info);
            setToast(`Replaced by ${name}`);
            refresh();
          }}
        />
        <Networks current={state.network.chainId} onChanged={refresh} onToast={setToast} />
        <Connections onToast={setToast} />
        <Backup />
        <Identity imported={state.accounts.filter((a) => a.imported)} />
        <section class="stack" aria-labelledby="about-title">
          <h2 class="section-title" id="about-title">
            About
          </h2>
          <div class="card">
            <dl class="kv">
              <dt>Version</dt>
              <dd data-testid="version">{state.version}</dd>
              <dt>Signing</dt>
              <dd>2 of {state.servers.length + 1} (DKLs23)</dd>
            </dl>
          </div>
        </section>
      </div>
      <Toast text={toast} onDone={clearToast} />
    </div>
  );
}

function Security(props: {
  state: State;
  onSaved: (text: string) => void;
  onToast: (text: string) => void;
}) {
  const { settings, network } = props.state;
  const [minutes, setMinutes] = useState(String(settings.autoLockMinutes));
  const save = useAction();
  useEffect(() => setMinutes(String(settings.autoLockMinutes)), [settings.autoLockMinutes]);

  const saveMinutes = () => {
    const value = Number(minutes);
    if (minutes.trim() === '' || !Number.isInteger(value) || value < 0) {
      save.setError('Enter a whole number of minutes (0 = never).');
      return;
    }
    if (value === settings.autoLockMinutes) return;
    void save
      .run(() => callBackground({ type: 'updateSettings', patch: { autoLockMinutes: value } }))
      .then((r) => r && props.onSaved(value === 0 ? 'Auto-lock off' : `Locks after ${value} min`));
  };

  return (
    <section class="stack" aria-labelledby="security-title" data-testid="security-section">
      <h2 class="section-title" id="security-title">
        Security
      </h2>
      <div class="card stack lg">
        <div class="setting">
          <div class="text">
            <label for="auto-lock">Auto-lock</label>
            <div class="subtle">Minutes of inactivity; 0 = never.</div>
          </div>
          <div class="input-group" style={{ width: '110px' }}>
            <input
              id="auto-lock"
              class="input sm"
              type="text"
              inputMode="numeric"
              pattern="[0-9]*"
              maxLength={4}
              value={minutes}
              data-testid="auto-lock"
              aria-invalid={save.error ? 'true' : undefined}
              onInput={(e) => setMinutes(e.currentTarget.value)}
              onChange={saveMinutes}
              onKeyDown={(e) => e.key === 'Enter' && saveMinutes()}
            />
            <span class="suffix">min</span>
          </div>
        </div>
        <div class="setting">
          <div class="text">
            <label for="appear-metamask">Appear as MetaMask</label>
            <div class="subtle">For sites that only talk to “MetaMask”.</div>
          </div>
          <input
            id="appear-metamask"
            type="checkbox"
            role="switch"
            class="switch"
            checked={settings.appearAsMetaMask}
            aria-checked={settings.appearAsMetaMask}
            disabled={save.busy}
            data-testid="appear-metamask"
            onChange={(e) => {
              const on = e.currentTarget.checked;
              void save
                .run(() =>
                  callBackground({ type: 'updateSettings', patch: { appearAsMetaMask: on } }),
                )
                .then(
                  (r) => r && props.onSaved(on ? 'Appears as MetaMask' : 'Appears as CKM Wallet'),
                );
            }}
          />
        </div>
        {save.error && (
          <Alert tone="danger" role="alert">
            {save.error}
          </Alert>
        )}
      </div>
      <PolicyFirewall
        currentChainId={network.chainId}
        names={{
          nativeSymbol: (chainId) => (chainId === network.chainId ? network.symbol : 'native'),
        }}
        onToast={props.onToast}
      />
      <PhishingList onToast={props.onToast} />
    </section>
  );
}

function Servers(props: { state: State; onReplaced: (info: KeyInfo, name: string) => void }) {
  const [replacing, setReplacing] = useState<number>();
  return (
    <section class="stack" aria-labelledby="servers-title">
      <div class="row between">
        <h2 class="section-title" id="servers-title">
          Servers
        </h2>
        <span class="badge accent">2 of {props.state.servers.length + 1} signers</span>
      </div>
      {props.state.servers.length === 0 ? (
        <div class="card list-empty">No servers.</div>
      ) : (
        <ul class="list">
          {props.state.servers.map((s) => (
            <li
              key={s.party}
              data-testid="settings-server"
              style={{ flexDirection: 'column', alignItems: 'stretch' }}
            >
              <div class="row">
                <span class="token-icon">
                  <ServerIcon size={16} />
                </span>
                <div class="grow">
                  <div class="row between">
                    <strong class="truncate">{s.name}</strong>
                    <span class="subtle" style={{ whiteSpace: 'nowrap' }}>
                      party {s.party}
                    </span>
                  </div>
                  <div class="subtle truncate" title={s.url}>
                    {s.url}
                  </div>
                  <div class="subtle">
                    Identity{' '}
                    <span class="mono" title={s.identity}>
                      {fingerprint(s.identity)}
                    </span>
                  </div>
                </div>
              </div>
              {replacing === s.party ? (
                <ReplaceServerForm
                  server={s}
                  others={props.state.servers.filter((o) => o.party !== s.party)}
                  onCancel={() => setReplacing(undefined)}
                  onReplaced={(info, name) => {
                    setReplacing(undefined);
                    props.onReplaced(info, name);
                  }}
                />
              ) : (
                <button
                  type="button"
                  class="btn sm ghost"
                  style={{ alignSelf: 'flex-end' }}
                  aria-label={`Replace ${s.name}…`}
                  data-testid="server-replace-open"
                  disabled={replacing !== undefined}
                  onClick={() => setReplacing(s.party)}
                >
                  Replace…
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <p class="subtle">This device plus any one of these servers can sign.</p>
    </section>
  );
}

/**
 * Replacing one server: its successor's URL, probed so its name and identity are shown before
 * anything moves, then `replaceServer` (the key is re-shared to {device, others, new}; the old
 * server's share becomes useless).
 */
function ReplaceServerForm(props: {
  server: ServerView;
  others: readonly ServerView[];
  onCancel: () => void;
  onReplaced: (info: KeyInfo, name: string) => void;
}) {
  const [url, setUrl] = useState('');
  const [probed, setProbed] = useState<UiReplies['probeServer']>();
  const probe = useAction();
  const replace = useAction();
  const id = `replace-${props.server.party}`;

  const submit = (event: Event) => {
    event.preventDefault();
    const check = checkServerUrl(url);
    if (!check.ok) return probe.setError(check.message);
    if ([props.server, ...props.others].some((o) => sameServer(o.url, check.url)))
      return probe.setError('That server already holds a share of this wallet.');
    void probe
      .run(() => callBackground({ type: 'probeServer', url: check.url }))
      .then((reply) => {
        if (!reply) return;
        if ([props.server, ...props.others].some((o) => o.identity === reply.identity))
          return probe.setError(`${reply.name} already holds a share of this wallet.`);
        setProbed(reply);
      });
  };

  if (probed)
    return (
      <div class="card stack" data-testid="replace-confirm">
        <p>
          Replace <strong>{props.server.name}</strong> by <strong>{probed.name}</strong>?
        </p>
        <dl class="kv">
          <dt>Address</dt>
          <dd class="truncate" title={probed.url}>
            {probed.url}
          </dd>
          <dt>Identity</dt>
          <dd class="mono" title={probed.identity} data-testid="replace-fingerprint">
            {fingerprint(probed.identity)}
          </dd>
        </dl>
        <p class="subtle">
          Your key is re-shared with {probed.name}; the address stays the same and{' '}
          {props.server.name}’s share stops working.
        </p>
        <ErrorText error={replace.error} testid="replace-error" />
        <div class="btn-pair">
          <button
            type="button"
            class="btn sm"
            disabled={replace.busy}
            onClick={() => setProbed(undefined)}
          >
            Back
          </button>
          <button
            type="button"
            class="btn sm primary"
            data-testid="replace-submit"
            disabled={replace.busy}
            aria-busy={replace.busy}
            onClick={() =>
              void replace
                .run(() =>
                  callBackground({
                    type: 'replaceServer',
                    party: props.server.party,
                    url: probed.url,
                    identity: probed.identity,
                  }),
                )
                .then((info) => info && props.onReplaced(info, probed.name))
            }
          >
            <BusyLabel busy={replace.busy} idle="Replace" busyText="Re-sharing…" />
          </button>
        </div>
      </div>
    );

  return (
    <form class="stack" style={{ marginTop: '8px' }} onSubmit={submit} noValidate>
      <Field id={id} label={`New server instead of ${props.server.name}`} error={probe.error}>
        <input
          id={id}
          class="input sm"
          type="url"
          inputMode="url"
          placeholder="https://"
          spellcheck={false}
          value={url}
          data-testid="replace-url"
          onInput={(e) => {
            setUrl(e.currentTarget.value);
            probe.setError(undefined);
          }}
        />
      </Field>
      <div class="btn-pair">
        <button type="button" class="btn sm" onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type="submit"
          class="btn sm primary"
          data-testid="replace-probe"
          disabled={probe.busy}
          aria-busy={probe.busy}
        >
          <BusyLabel busy={probe.busy} idle="Check server" busyText="Checking…" />
        </button>
      </div>
    </form>
  );
}

/** The key: version, last and next refresh, the schedule, "Refresh now". */
function KeySection(props: {
  info?: KeyInfo;
  loadError?: string;
  /** The schedule from `Settings` (0 = only on demand). */
  intervalDays: number;
  onInfo: (info: KeyInfo) => void;
  onToast: (text: string) => void;
  onScheduled: (text: string) => void;
}) {
  const refresh = useAction();
  const save = useAction();
  const { info } = props;
  const [days, setDays] = useState(String(props.intervalDays));
  useEffect(() => setDays(String(props.intervalDays)), [props.intervalDays]);
  const saveDays = () => {
    const check = checkRefreshDays(days);
    if (!check.ok) return save.setError(check.message);
    const value = check.value;
    if (value === props.intervalDays) return;
    void save
      .run(() => callBackground({ type: 'updateSettings', patch: { refreshIntervalDays: value } }))
      .then(
        (r) =>
          r &&
          props.onScheduled(
            value === 0 ? 'Scheduled refresh off' : `Refreshes every ${value} days`,
          ),
      );
  };
  const busy = refresh.busy || info?.busy !== undefined;
  return (
    <section class="stack" aria-labelledby="key-title">
      <h2 class="section-title" id="key-title">
        Key
      </h2>
      {props.loadError && <Alert tone="danger">{props.loadError}</Alert>}
      {!info && !props.loadError && <span class="spinner" role="status" aria-label="Loading" />}
      {info && (
        <div class="card stack" data-testid="key-info">
          <dl class="kv">
            <dt>Key version</dt>
            <dd data-testid="key-version">{info.keyVersion}</dd>
            <dt>Last refreshed</dt>
            <dd
              data-testid="key-last-refresh"
              title={info.lastRefreshAt ? formatDateTime(info.lastRefreshAt) : undefined}
            >
              {info.lastRefreshAt ? timeSince(info.lastRefreshAt) : 'never'}
            </dd>
            <dt>Next refresh</dt>
            <dd title={info.nextRefreshAt ? formatDateTime(info.nextRefreshAt) : undefined}>
              {info.nextRefreshAt ? timeUntil(info.nextRefreshAt) : 'not scheduled'}
            </dd>
            {info.recoveryDelaySeconds !== undefined && (
              <>
                <dt>Recovery wait</dt>
                <dd>{formatDuration(info.recoveryDelaySeconds)}</dd>
              </>
            )}
          </dl>
          <div class="setting">
            <div class="text">
              <label for="refresh-days">Refresh every</label>
              <div class="subtle">Days between automatic refreshes; 0 = only when you ask.</div>
            </div>
            <div class="input-group" style={{ width: '110px' }}>
              <input
                id="refresh-days"
                class="input sm"
                type="text"
                inputMode="numeric"
                pattern="[0-9]*"
                maxLength={3}
                value={days}
                data-testid="refresh-days"
                aria-invalid={save.error ? 'true' : undefined}
                onInput={(e) => setDays(e.currentTarget.value)}
                onChange={saveDays}
                onKeyDown={(e) => e.key === 'Enter' && saveDays()}
              />
              <span class="suffix">days</span>
            </div>
          </div>
          <ErrorText error={save.error} testid="refresh-days-error" />
          <p class="subtle">
            A refresh gives this device and your servers new shares of the same key; old shares,
            wherever they are, stop working. The address never changes.
          </p>
          <ErrorText error={refresh.error} testid="refresh-error" />
          <button
            type="button"
            class="btn outline block"
            data-testid="refresh-key"
            disabled={busy}
            aria-busy={busy}
            onClick={() =>
              void refresh
                .run(() => callBackground({ type: 'refreshKey' }))
                .then((next) => {
                  if (!next) return;
                  props.onInfo(next);
                  props.onToast('Key refreshed');
                })
            }
          >
            <BusyLabel
              busy={busy}
              idle="Refresh now"
              busyText={info.busy === 'replace' ? 'Replacing a server…' : 'Refreshing…'}
            />
          </button>
        </div>
      )}
    </section>
  );
}

/** "Back up this device" (a kit) and "Split the backup" (printable SSKR sheets). */
function Backup() {
  const [open, setOpen] = useState<'kit' | 'split'>();
  return (
    <section class="stack" aria-labelledby="backup-title">
      <h2 class="section-title" id="backup-title">
        Backup
      </h2>
      <div class="card stack">
        {open === 'kit' && <BackupPanel />}
        {open === 'split' && <SplitBackupPanel />}
        {open === undefined && (
          <p class="subtle">
            With a backup and your password you can restore this wallet in a new browser; the old
            device is retired.
          </p>
        )}
        <div class="btn-pair">
          <button
            type="button"
            class={`btn sm ${open === 'kit' ? 'primary' : 'outline'}`}
            aria-pressed={open === 'kit'}
            data-testid="backup-open"
            onClick={() => setOpen(open === 'kit' ? undefined : 'kit')}
          >
            <KeyIcon size={14} /> Back up this device
          </button>
          <button
            type="button"
            class={`btn sm ${open === 'split' ? 'primary' : 'outline'}`}
            aria-pressed={open === 'split'}
            data-testid="split-backup-open"
            onClick={() => setOpen(open === 'split' ? undefined : 'split')}
          >
            Split the backup
          </button>
        </div>
      </div>
    </section>
  );
}

/** The wallet's identity document and its rotation chain, as a kit anyone can verify. */
/**
 * The wallet's identity document and its rotation chain, as a kit anyone can verify; an imported
 * account has its own (its chain ends in its move to a collaborative key).
 */
function Identity(props: { imported: readonly AccountView[] }) {
  const action = useAction();
  const [which, setWhich] = useState<number>();
  const [shown, setShown] = useState<{ kit: Kit; label: string }>();
  const exportOf = (index: number | undefined, label: string) => {
    setWhich(index);
    void action
      .run(() =>
        callBackground(
          index === undefined ? { type: 'exportIdentity' } : { type: 'exportIdentity', index },
        ),
      )
      .then((kit) => kit && setShown({ kit, label }));
  };
  return (
    <section class="stack" aria-labelledby="identity-title">
      <h2 class="section-title" id="identity-title">
        Identity
      </h2>
      <div class="card stack">
        {shown ? (
          <>
            <KitView kit={shown.kit} label={shown.label} testid="identity-kit" />
            <button type="button" class="btn sm ghost" onClick={() => setShown(undefined)}>
              Done
            </button>
          </>
        ) : (
          <>
            <p class="subtle">
              A signed document naming this wallet’s key, with every refresh and move since. Anyone
              can check it with <span class="mono">npm run verify-identity</span>.
            </p>
            <ErrorText error={action.error} testid="identity-error" />
            <button
              type="button"
              class="btn outline block"
              data-testid="identity-export"
              disabled={action.busy}
              aria-busy={action.busy && which === undefined}
              onClick={() => exportOf(undefined, 'Identity document')}
            >
              <BusyLabel
                busy={action.busy && which === undefined}
                idle="Export identity document"
                busyText="Signing…"
              />
            </button>
            {props.imported.map((a) => (
              <button
                key={a.index}
                type="button"
                class="btn sm ghost block"
                data-testid="identity-export-imported"
                disabled={action.busy}
                aria-busy={action.busy && which === a.index}
                onClick={() => exportOf(a.index, `${a.name} identity`)}
              >
                <BusyLabel
                  busy={action.busy && which === a.index}
                  idle={`Identity of ${a.name} (imported)`}
                  busyText="Signing…"
                />
              </button>
            ))}
          </>
        )}
      </div>
    </section>
  );
}

function Networks(props: {
  current: number;
  onChanged: () => void;
  onToast: (text: string) => void;
}) {
  const [networks, setNetworks] = useState<readonly NetworkView[]>();
  const [loadError, setLoadError] = useState<string>();
  const [editing, setEditing] = useState<number>();
  const [adding, setAdding] = useState(false);
  const remove = useAction();

  const load = useCallback(() => {
    callBackground({ type: 'listNetworks' }).then(
      (list) => {
        setNetworks(list);
        setLoadError(undefined);
      },
      (e) => setLoadError(errorMessage(e)),
    );
  }, []);
  useEffect(load, [load]);
  const changed = (text: string) => {
    props.onToast(text);
    load();
    props.onChanged();
  };

  return (
    <section class="stack" aria-labelledby="networks-title">
      <div class="row between">
        <h2 class="section-title" id="networks-title">
          Networks
        </h2>
        {!adding && (
          <button
            type="button"
            class="btn sm ghost"
            data-testid="network-add-open"
            onClick={() => setAdding(true)}
          >
            <PlusIcon size={14} /> Add network
          </button>
        )}
      </div>
      {loadError && <Alert tone="danger">{loadError}</Alert>}
      {adding && (
        <AddNetworkForm
          onCancel={() => setAdding(false)}
          onAdded={(n) => {
            setAdding(false);
            changed(`Added ${n.name}`);
          }}
        />
      )}
      {networks && (
        <ul class="list">
          {networks.map((n) => (
            <li
              key={n.chainId}
              data-testid="network-row"
              style={{ flexDirection: 'column', alignItems: 'stretch' }}
            >
              <div class="row">
                <span class="token-icon" aria-hidden="true">
                  {n.symbol.slice(0, 3).toUpperCase()}
                </span>
                <div class="grow">
                  <div class="row" style={{ gap: '6px' }}>
                    <strong class="truncate">{n.name}</strong>
                    {n.chainId === props.current && <span class="badge success">Active</span>}
                    {!n.builtIn && <span class="badge">Custom</span>}
                  </div>
                  <div class="subtle truncate" title={n.rpcUrl}>
                    Chain {n.chainId} · {n.rpcUrl}
                  </div>
                </div>
                <button
                  type="button"
                  class="icon-btn sm"
                  aria-label={`Edit ${n.name}`}
                  title="Edit RPC URL"
                  data-testid="network-edit"
                  onClick={() => setEditing(editing === n.chainId ? undefined : n.chainId)}
                >
                  <PencilIcon size={14} />
                </button>
                {!n.builtIn && (
                  <button
                    type="button"
                    class="icon-btn sm"
                    aria-label={`Remove ${n.name}`}
                    title="Remove"
                    data-testid="network-remove"
                    disabled={remove.busy}
                    onClick={() =>
                      void remove
                        .run(() => callBackground({ type: 'removeNetwork', chainId: n.chainId }))
                        .then((r) => r && changed(`Removed ${n.name}`))
                    }
                  >
                    <TrashIcon size={14} />
                  </button>
                )}
              </div>
              {editing === n.chainId && (
                <EditRpcForm
                  network={n}
                  onCancel={() => setEditing(undefined)}
                  onSaved={() => {
                    setEditing(undefined);
                    changed('RPC URL saved');
                  }}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {remove.error && (
        <Alert tone="danger" role="alert">
          {remove.error}
        </Alert>
      )}
    </section>
  );
}

function EditRpcForm(props: { network: NetworkView; onCancel: () => void; onSaved: () => void }) {
  const [rpcUrl, setRpcUrl] = useState(props.network.rpcUrl);
  const save = useAction();
  const id = `rpc-${props.network.chainId}`;
  const submit = (event: Event) => {
    event.preventDefault();
    const check = checkServerUrl(rpcUrl);
    if (!check.ok) return save.setError(check.message.replace('server’s', 'RPC'));
    void save
      .run(() =>
        callBackground({
          type: 'updateNetwork',
          chainId: props.network.chainId,
          rpcUrl: check.url,
        }),
      )
      .then((r) => r && props.onSaved());
  };
  return (
    <form class="stack" style={{ marginTop: '8px' }} onSubmit={submit} noValidate>
      <Field id={id} label="RPC URL" error={save.error}>
        <input
          id={id}
          class="input sm"
          type="url"
          value={rpcUrl}
          spellcheck={false}
          data-testid="network-rpc"
          onInput={(e) => setRpcUrl(e.currentTarget.value)}
        />
      </Field>
      <div class="btn-pair">
        <button type="button" class="btn sm" onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type="submit"
          class="btn sm primary"
          disabled={save.busy}
          data-testid="network-save"
        >
          <BusyLabel busy={save.busy} idle="Save" busyText="Saving…" />
        </button>
      </div>
    </form>
  );
}

function AddNetworkForm(props: { onCancel: () => void; onAdded: (n: NetworkView) => void }) {
  const [form, setForm] = useState({ chainId: '', name: '', symbol: '', rpcUrl: '', explorer: '' });
  const save = useAction();
  const set = (key: keyof typeof form) => (e: { currentTarget: HTMLInputElement }) =>
    setForm({ ...form, [key]: e.currentTarget.value });

  const submit = (event: Event) => {
    event.preventDefault();
    const chainId = Number(form.chainId.trim());
    if (!Number.isSafeInteger(chainId) || chainId <= 0)
      return save.setError('The chain ID is a positive whole number, like 31337.');
    if (form.name.trim() === '') return save.setError('Give the network a name.');
    if (!/^[A-Za-z0-9]{1,11}$/.test(form.symbol.trim()))
      return save.setError('The currency symbol is 1–11 letters or digits, like ETH.');
    const rpc = checkServerUrl(form.rpcUrl);
    if (!rpc.ok) return save.setError(`RPC URL: ${rpc.message}`);
    let explorer: string | undefined;
    if (form.explorer.trim() !== '') {
      const check = checkServerUrl(form.explorer);
      if (!check.ok) return save.setError(`Explorer URL: ${check.message}`);
      explorer = check.url;
    }
    void save
      .run(() =>
        callBackground({
          type: 'addNetwork',
          chainId,
          name: form.name.trim(),
          rpcUrl: rpc.url,
          symbol: form.symbol.trim(),
          ...(explorer ? { blockExplorerUrl: explorer } : {}),
        }),
      )
      .then((n) => n && props.onAdded(n));
  };

  return (
    <form class="card stack" onSubmit={submit} noValidate data-testid="network-add-form">
      <strong>Add a network</strong>
      <div class="fee-grid">
        <Field id="net-chain-id" label="Chain ID">
          <input
            id="net-chain-id"
            class="input sm"
            inputMode="numeric"
            value={form.chainId}
            onInput={set('chainId')}
            data-testid="network-chain-id"
          />
        </Field>
        <Field id="net-symbol" label="Symbol">
          <input
            id="net-symbol"
            class="input sm"
            value={form.symbol}
            placeholder="ETH"
            onInput={set('symbol')}
            data-testid="network-symbol"
          />
        </Field>
      </div>
      <Field id="net-name" label="Name">
        <input
          id="net-name"
          class="input sm"
          value={form.name}
          onInput={set('name')}
          data-testid="network-name"
        />
      </Field>
      <Field id="net-rpc" label="RPC URL">
        <input
          id="net-rpc"
          class="input sm"
          type="url"
          spellcheck={false}
          value={form.rpcUrl}
          placeholder="https://"
          onInput={set('rpcUrl')}
          data-testid="network-rpc-url"
        />
      </Field>
      <Field id="net-explorer" label="Block explorer (optional)">
        <input
          id="net-explorer"
          class="input sm"
          type="url"
          spellcheck={false}
          value={form.explorer}
          placeholder="https://"
          onInput={set('explorer')}
          data-testid="network-explorer"
        />
      </Field>
      {save.error && (
        <Alert tone="danger" role="alert">
          {save.error}
        </Alert>
      )}
      <div class="btn-pair">
        <button type="button" class="btn sm" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="btn sm primary" disabled={save.busy} data-testid="network-add">
          <BusyLabel busy={save.busy} idle="Add network" busyText="Adding…" />
        </button>
      </div>
    </form>
  );
}

function Connections(props: { onToast: (text: string) => void }) {
  const [list, setList] = useState<readonly Connection[]>();
  const [loadError, setLoadError] = useState<string>();
  const action = useAction();
  const load = useCallback(() => {
    callBackground({ type: 'listConnections' }).then(setList, (e) => setLoadError(errorMessage(e)));
  }, []);
  useEffect(load, [load]);
  return (
    <section class="stack" aria-labelledby="connections-title">
      <h2 class="section-title" id="connections-title">
        Connected sites
      </h2>
      {loadError && <Alert tone="danger">{loadError}</Alert>}
      {list &&
        (list.length === 0 ? (
          <div class="card list-empty">No site is connected.</div>
        ) : (
          <ul class="list">
            {list.map((c) => (
              <li key={c.origin} data-testid="connection" data-origin={c.origin}>
                <span class="token-icon" aria-hidden="true">
                  <GlobeIcon size={16} />
                </span>
                <div class="grow">
                  <strong class="truncate" style={{ display: 'block' }} title={c.origin}>
                    {originHost(c.origin)}
                  </strong>
                  <div class="subtle truncate">
                    {c.accounts.map(shortAddress).join(', ')} · {timeAgo(c.connectedAt)}
                  </div>
                </div>
                <button
                  type="button"
                  class="btn sm outline"
                  data-testid="disconnect"
                  disabled={action.busy}
                  onClick={() =>
                    void action
                      .run(() => callBackground({ type: 'disconnectOrigin', origin: c.origin }))
                      .then((r) => {
                        if (!r) return;
                        props.onToast(`Disconnected ${originHost(c.origin)}`);
                        load();
                      })
                  }
                >
                  Disconnect
                </button>
              </li>
            ))}
          </ul>
        ))}
      {action.error && (
        <Alert tone="danger" role="alert">
          {action.error}
        </Alert>
      )}
    </section>
  );
}
