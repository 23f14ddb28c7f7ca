/**
 * The unlocked wallet: network and account selectors, address, balance, tokens, activity. Also
 * (issue #7) the warning when someone started recovering this wallet elsewhere, with "Cancel
 * recovery"; the "Imported" note with "Move to a collaborative key"; and "Import account".
 * Issue #8: "Waiting", the transactions the servers hold for the owner's waiting period.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type {
  AccountView,
  ActivityItem,
  KitView,
  MigrationPreview,
  NetworkView,
  TokenView,
  UiReplies,
} from '../../background/ui-api';
import { callBackground, errorMessage } from '../api';
import { HeldList } from '../components/held';
import {
  ChevronDown,
  ChevronRight,
  ExternalIcon,
  GearIcon,
  KeyIcon,
  LockIcon,
  PencilIcon,
  PlusIcon,
  TrashIcon,
} from '../components/icons';
import { PendingRecoveryBanner } from '../components/recovery-banner';
import {
  Alert,
  Avatar,
  BusyLabel,
  CopyButton,
  ErrorText,
  Sheet,
  Toast,
  useAction,
} from '../components/ui';
import { checksum, formatNative, shortAddress, shortAmount, timeAgo } from '../format';
import { RecoveryKeyStep } from './Onboarding';

type State = UiReplies['getState'];
type HomeData = UiReplies['getHome'];

export type HomeProps = {
  state: State;
  onOpenSettings: () => void;
  onOpenApprovals: () => void;
  onOpenImport: () => void;
  refresh: () => void;
};

export function Home({ state, onOpenSettings, onOpenApprovals, onOpenImport, refresh }: HomeProps) {
  const [home, setHome] = useState<HomeData>();
  const [error, setError] = useState<string>();
  const [sheet, setSheet] = useState<'network' | 'account' | 'migrate'>();
  const [toast, setToast] = useState<string>();
  /** The recovery key, shown again when the popup closed before it was saved. */
  const [recoveryKit, setRecoveryKit] = useState<KitView>();
  const showKit = useAction();
  const seq = useRef(0);

  const load = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const data = await callBackground({ type: 'getHome' });
      if (mine !== seq.current) return;
      setHome(data);
      setError(undefined);
    } catch (cause) {
      if (mine === seq.current) setError(errorMessage(cause));
    }
  }, []);

  // Reload whenever the wallet's state changes (account, network, new activity).
  useEffect(() => {
    void state;
    void load();
  }, [state, load]);

  // Pending transactions: poll so confirmations show without an event.
  const hasPending = home?.activity.some((a) => a.status === 'pending') ?? false;
  useEffect(() => {
    if (!hasPending) return;
    const t = setInterval(() => void load(), 4000);
    return () => clearInterval(t);
  }, [hasPending, load]);

  const lock = useAction();
  const network = home?.network ?? state.network;
  const account =
    home?.account ??
    state.accounts.find((a) => a.index === state.selectedAccount) ??
    state.accounts[0];
  const clearToast = useCallback(() => setToast(undefined), []);

  if (recoveryKit)
    return (
      <RecoveryKeyStep
        address={account?.address ?? ''}
        kit={recoveryKit}
        onSaved={() => {
          setRecoveryKit(undefined);
          refresh();
        }}
      />
    );

  return (
    <div class="screen">
      <header class="bar">
        <button
          type="button"
          class="selector"
          style={{ maxWidth: '190px' }}
          aria-haspopup="dialog"
          data-testid="network-selector"
          onClick={() => setSheet('network')}
        >
          <span
            class={`dot${home && home.balance === undefined ? ' off' : ''}`}
            title={home && home.balance === undefined ? 'Not answering' : 'Connected'}
            aria-hidden="true"
          />
          <span class="truncate">{network.name}</span>
          <ChevronDown size={14} />
        </button>
        <span class="grow" />
        <button
          type="button"
          class="icon-btn"
          aria-label="Settings"
          title="Settings"
          data-testid="open-settings"
          onClick={onOpenSettings}
        >
          <GearIcon />
        </button>
        <button
          type="button"
          class="icon-btn"
          aria-label="Lock the wallet"
          title="Lock"
          data-testid="lock"
          disabled={lock.busy}
          onClick={() => void lock.run(() => callBackground({ type: 'lock' })).then(refresh)}
        >
          <LockIcon />
        </button>
      </header>
      <div class="body">
        {state.recoveryKitPending && (
          <button
            type="button"
            class="banner"
            data-testid="recovery-kit-pending"
            disabled={showKit.busy}
            onClick={() =>
              void showKit
                .run(() => callBackground({ type: 'showRecoveryKit' }))
                .then((kit) => kit && setRecoveryKit(kit))
            }
          >
            Your recovery key is not saved yet. Show it
          </button>
        )}
        {showKit.error && (
          <Alert tone="danger" role="alert">
            {showKit.error}
          </Alert>
        )}
        {state.pendingRecoveries && state.pendingRecoveries.length > 0 && (
          <PendingRecoveryBanner
            recoveries={state.pendingRecoveries}
            onCancelled={(n) => {
              setToast(n === 1 ? 'Recovery cancelled' : `${n} recoveries cancelled`);
              refresh();
            }}
          />
        )}
        {state.pendingApprovals > 0 && (
          <button
            type="button"
            class="banner"
            data-testid="pending-approvals"
            onClick={onOpenApprovals}
          >
            <span class="grow">
              {state.pendingApprovals === 1
                ? '1 request is waiting for you'
                : `${state.pendingApprovals} requests are waiting for you`}
            </span>
            Review <ChevronRight size={16} />
          </button>
        )}
        {account && (
          <section class="account-card" aria-label="Account">
            <Avatar address={account.address} size="lg" />
            <button
              type="button"
              class="selector"
              aria-haspopup="dialog"
              data-testid="account-selector"
              onClick={() => setSheet('account')}
            >
              <span class="truncate">{account.name}</span>
              <ChevronDown size={14} />
            </button>
            {account.imported && (
              <span class="badge caution wrap" data-testid="imported-badge">
                Imported — this key once existed whole in this browser
              </span>
            )}
            <div class="address-pill">
              <span class="mono" data-testid="account-address" title={checksum(account.address)}>
                {checksum(account.address)}
              </span>
              <CopyButton text={checksum(account.address)} label="Copy address" small />
            </div>
            <div class="balance" data-testid="balance" aria-live="polite">
              {home === undefined ? (
                <span class="muted">…</span>
              ) : home.balance === undefined ? (
                <span class="muted" title="The network did not answer">
                  — <span class="sym">{network.symbol}</span>
                </span>
              ) : (
                <span title={`${home.balance} ${network.symbol}`}>
                  {shortAmount(home.balance)} <span class="sym">{network.symbol}</span>
                </span>
              )}
            </div>
            {home && home.balance === undefined && (
              <p class="subtle">{network.name} did not answer. Balances may be out of date.</p>
            )}
            {account.imported && account.movedTo && (
              <p class="subtle" data-testid="moved-to">
                Moved to a collaborative key: {shortAddress(account.movedTo)}
              </p>
            )}
            {account.imported && (
              <button
                type="button"
                class="btn sm outline"
                data-testid="migrate-open"
                aria-haspopup="dialog"
                onClick={() => setSheet('migrate')}
              >
                <KeyIcon size={14} /> Move to a collaborative key
              </button>
            )}
          </section>
        )}
        {error && (
          <Alert tone="danger" role="alert">
            {error}
          </Alert>
        )}
        {lock.error && (
          <Alert tone="danger" role="alert">
            {lock.error}
          </Alert>
        )}
        <HeldList
          version={state}
          network={network}
          onSent={(text) => {
            setToast(text);
            void load();
          }}
        />
        {home && <Tokens tokens={home.tokens} network={network} onChanged={load} />}
        {home && (
          <Activity items={home.activity} network={network} onChanged={load} onToast={setToast} />
        )}
      </div>
      {sheet === 'network' && (
        <NetworkSheet
          current={network.chainId}
          onClose={() => setSheet(undefined)}
          onManage={() => {
            setSheet(undefined);
            onOpenSettings();
          }}
          onSelected={() => {
            setSheet(undefined);
            refresh();
          }}
        />
      )}
      {sheet === 'migrate' && account && (
        <MigrateSheet
          account={account}
          onClose={() => setSheet(undefined)}
          onMoved={(text) => {
            setToast(text);
            refresh();
            void load();
          }}
        />
      )}
      {sheet === 'account' && (
        <AccountSheet
          state={state}
          current={account?.index}
          onImport={() => {
            setSheet(undefined);
            onOpenImport();
          }}
          onClose={() => setSheet(undefined)}
          onChanged={() => {
            refresh();
            void load();
          }}
        />
      )}
      <Toast text={toast} onDone={clearToast} />
    </div>
  );
}

function Tokens(props: {
  tokens: readonly TokenView[];
  network: NetworkView;
  onChanged: () => void;
}) {
  const remove = useAction();
  if (props.tokens.length === 0) return null;
  return (
    <section class="stack" aria-labelledby="tokens-title">
      <h2 class="section-title" id="tokens-title">
        Tokens
      </h2>
      <ul class="list">
        {props.tokens.map((t) => (
          <li key={`${t.address}:${t.tokenId ?? ''}`} data-testid="token">
            <span class="token-icon" aria-hidden="true">
              {t.symbol.slice(0, 3).toUpperCase()}
            </span>
            <div class="grow">
              <div class="row between">
                <strong class="truncate">{t.symbol}</strong>
                <span class="truncate" title={t.balance ?? 'The network did not answer'}>
                  {t.balance === undefined ? '—' : shortAmount(t.balance)}
                </span>
              </div>
              <div class="subtle truncate" title={checksum(t.address)}>
                {t.standard === 'ERC20' ? 'ERC-20' : t.standard.replace('ERC', 'ERC-')}
                {t.tokenId !== undefined && ` #${t.tokenId}`} · {shortAddress(t.address)}
              </div>
            </div>
            <button
              type="button"
              class="icon-btn sm"
              aria-label={`Stop watching ${t.symbol}`}
              title="Hide"
              disabled={remove.busy}
              onClick={() =>
                void remove
                  .run(() =>
                    callBackground({
                      type: 'removeAsset',
                      chainId: props.network.chainId,
                      address: t.address,
                      ...(t.tokenId === undefined ? {} : { tokenId: t.tokenId }),
                    }),
                  )
                  .then(props.onChanged)
              }
            >
              <TrashIcon size={14} />
            </button>
          </li>
        ))}
      </ul>
      {remove.error && (
        <Alert tone="danger" role="alert">
          {remove.error}
        </Alert>
      )}
    </section>
  );
}

const STATUS_BADGE: Record<ActivityItem['status'], { tone: string; text: string }> = {
  pending: { tone: 'caution', text: 'Pending' },
  confirmed: { tone: 'success', text: 'Confirmed' },
  failed: { tone: 'danger', text: 'Failed' },
  replaced: { tone: '', text: 'Replaced' },
};

function Activity(props: {
  items: readonly ActivityItem[];
  network: NetworkView;
  onChanged: () => void;
  onToast: (text: string) => void;
}) {
  return (
    <section class="stack" aria-labelledby="activity-title">
      <h2 class="section-title" id="activity-title">
        Activity
      </h2>
      {props.items.length === 0 ? (
        <div class="card list-empty">No transactions yet.</div>
      ) : (
        <ul class="list">
          {props.items.map((item) => (
            <ActivityRow
              key={item.id}
              item={item}
              network={props.network}
              onChanged={props.onChanged}
              onToast={props.onToast}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function ActivityRow(props: {
  item: ActivityItem;
  network: NetworkView;
  onChanged: () => void;
  onToast: (text: string) => void;
}) {
  const { item, network } = props;
  const action = useAction();
  const [which, setWhich] = useState<'speedUp' | 'cancel'>();
  const badge = STATUS_BADGE[item.status];
  const explorer =
    network.blockExplorerUrl && item.chainId === network.chainId
      ? `${network.blockExplorerUrl.replace(/\/+$/, '')}/tx/${item.hash}`
      : undefined;
  const value = BigInt(item.value || '0x0');

  const act = (kind: 'speedUp' | 'cancel') => {
    setWhich(kind);
    void action
      .run(() =>
        kind === 'speedUp'
          ? callBackground({ type: 'speedUp', id: item.id })
          : callBackground({ type: 'cancelTransaction', id: item.id }),
      )
      .then((reply) => {
        if (reply) {
          props.onToast(kind === 'speedUp' ? 'Speed-up sent' : 'Cancellation sent');
          props.onChanged();
        }
      });
  };

  return (
    <li class="activity-row" data-testid="activity-item" data-status={item.status}>
      <div class="row between">
        <strong class="truncate" title={item.title}>
          {item.title}
        </strong>
        <span class={`badge ${badge.tone}`}>{badge.text}</span>
      </div>
      <div class="row between subtle">
        <span class="truncate">
          {timeAgo(item.submittedAt)} · nonce {item.nonce}
          {item.to && <> · to {shortAddress(item.to)}</>}
        </span>
        {value > 0n && <span class="mono">{formatNative(value, network.symbol)}</span>}
      </div>
      {item.cosigner && (
        <div class="subtle">
          Co-signed by {item.cosigner.name} in {item.cosigner.ms} ms
        </div>
      )}
      <div class="row subtle">
        <span class="mono truncate grow" title={item.hash}>
          {shortAddress(item.hash)}
        </span>
        {explorer && (
          <a href={explorer} target="_blank" rel="noreferrer" class="row" style={{ gap: '4px' }}>
            Explorer <ExternalIcon size={12} />
          </a>
        )}
      </div>
      {item.status === 'pending' && (
        <div class="activity-actions">
          <button
            type="button"
            class="btn sm primary"
            data-testid="speed-up"
            disabled={action.busy}
            aria-busy={action.busy && which === 'speedUp'}
            onClick={() => act('speedUp')}
          >
            <BusyLabel
              busy={action.busy && which === 'speedUp'}
              idle="Speed up"
              busyText="Signing…"
            />
          </button>
          <button
            type="button"
            class="btn sm outline"
            data-testid="cancel-tx"
            disabled={action.busy}
            aria-busy={action.busy && which === 'cancel'}
            onClick={() => act('cancel')}
          >
            <BusyLabel busy={action.busy && which === 'cancel'} idle="Cancel" busyText="Signing…" />
          </button>
        </div>
      )}
      {action.error && (
        <div class="field-error" role="alert">
          {action.error}
        </div>
      )}
    </li>
  );
}

function NetworkSheet(props: {
  current: number;
  onClose: () => void;
  onManage: () => void;
  onSelected: () => void;
}) {
  const [networks, setNetworks] = useState<readonly NetworkView[]>();
  const select = useAction();
  const [loadError, setLoadError] = useState<string>();
  useEffect(() => {
    callBackground({ type: 'listNetworks' }).then(setNetworks, (e) =>
      setLoadError(errorMessage(e)),
    );
  }, []);
  return (
    <Sheet title="Networks" onClose={props.onClose}>
      {!networks && !loadError && <span class="spinner" role="status" aria-label="Loading" />}
      {loadError && <Alert tone="danger">{loadError}</Alert>}
      <div role="menu" aria-label="Networks" class="stack" style={{ gap: '4px' }}>
        {networks?.map((n) => (
          <button
            key={n.chainId}
            type="button"
            role="menuitemradio"
            aria-checked={n.chainId === props.current}
            class="option"
            data-testid="network-option"
            disabled={select.busy}
            onClick={() =>
              void select
                .run(() => callBackground({ type: 'selectNetwork', chainId: n.chainId }))
                .then((r) => r && props.onSelected())
            }
          >
            <span class="token-icon" aria-hidden="true">
              {n.symbol.slice(0, 3).toUpperCase()}
            </span>
            <span class="grow">
              <span class="truncate" style={{ display: 'block', fontWeight: 600 }}>
                {n.name}
              </span>
              <span class="subtle">
                Chain {n.chainId}
                {n.builtIn ? '' : ' · custom'}
              </span>
            </span>
          </button>
        ))}
      </div>
      {select.error && <Alert tone="danger">{select.error}</Alert>}
      <button type="button" class="btn ghost block" onClick={props.onManage}>
        Manage networks
      </button>
    </Sheet>
  );
}

function AccountSheet(props: {
  state: State;
  current?: number;
  onImport: () => void;
  onClose: () => void;
  onChanged: () => void;
}) {
  const action = useAction();
  const [mode, setMode] = useState<'list' | 'add' | 'rename'>('list');
  const current = props.state.accounts.find((a) => a.index === props.current);
  const [name, setName] = useState('');

  const submit = (event: Event) => {
    event.preventDefault();
    const trimmed = name.trim();
    void action
      .run(() =>
        mode === 'add'
          ? callBackground({ type: 'addAccount', ...(trimmed ? { name: trimmed } : {}) })
          : callBackground({ type: 'renameAccount', index: props.current ?? 0, name: trimmed }),
      )
      .then((reply) => {
        if (!reply) return;
        if (mode === 'add')
          void callBackground({ type: 'selectAccount', index: reply.index }).finally(
            props.onChanged,
          );
        else props.onChanged();
        props.onClose();
      });
  };

  if (mode !== 'list')
    return (
      <Sheet title={mode === 'add' ? 'Add account' : 'Rename account'} onClose={props.onClose}>
        <form class="stack" onSubmit={submit}>
          <div class="field">
            <label for="account-name">Name{mode === 'add' ? ' (optional)' : ''}</label>
            <input
              id="account-name"
              class="input"
              value={name}
              maxLength={40}
              data-testid="account-name"
              placeholder={mode === 'add' ? `Account ${props.state.accounts.length + 1}` : ''}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </div>
          {mode === 'add' && (
            <p class="subtle">
              A new address from the same threshold key. Your servers co-sign for it too.
            </p>
          )}
          {action.error && (
            <Alert tone="danger" role="alert">
              {action.error}
            </Alert>
          )}
          <div class="btn-pair">
            <button type="button" class="btn" onClick={() => setMode('list')}>
              Back
            </button>
            <button
              type="submit"
              class="btn primary"
              data-testid="account-save"
              disabled={action.busy || (mode === 'rename' && name.trim() === '')}
              aria-busy={action.busy}
            >
              <BusyLabel
                busy={action.busy}
                idle={mode === 'add' ? 'Add' : 'Save'}
                busyText="Saving…"
              />
            </button>
          </div>
        </form>
      </Sheet>
    );

  return (
    <Sheet title="Accounts" onClose={props.onClose}>
      <div role="menu" aria-label="Accounts" class="stack" style={{ gap: '4px' }}>
        {props.state.accounts.map((a) => (
          <button
            key={a.index}
            type="button"
            role="menuitemradio"
            aria-checked={a.index === props.current}
            class="option"
            data-testid="account-option"
            disabled={action.busy}
            onClick={() =>
              void action
                .run(() => callBackground({ type: 'selectAccount', index: a.index }))
                .then((r) => {
                  if (!r) return;
                  props.onChanged();
                  props.onClose();
                })
            }
          >
            <Avatar address={a.address} />
            <span class="grow">
              <span class="truncate" style={{ display: 'block', fontWeight: 600 }}>
                {a.name}
              </span>
              <span class="subtle mono">{shortAddress(a.address)}</span>
            </span>
            {a.imported && <span class="badge caution">Imported</span>}
          </button>
        ))}
      </div>
      {action.error && (
        <Alert tone="danger" role="alert">
          {action.error}
        </Alert>
      )}
      <div class="btn-pair">
        <button
          type="button"
          class="btn outline"
          data-testid="add-account"
          onClick={() => {
            setName('');
            setMode('add');
          }}
        >
          <PlusIcon size={16} /> Add
        </button>
        <button
          type="button"
          class="btn outline"
          data-testid="rename-account"
          disabled={!current}
          onClick={() => {
            setName(current?.name ?? '');
            setMode('rename');
          }}
        >
          <PencilIcon size={15} /> Rename
        </button>
      </div>
      <button
        type="button"
        class="btn ghost block"
        data-testid="import-account-open"
        onClick={props.onImport}
      >
        Import account (MetaMask phrase or key)
      </button>
    </Sheet>
  );
}

/**
 * "Move to a collaborative key": the preview (each transfer and the total fee, computed so the
 * imported account ends at zero), a confirmation, then the transaction hashes.
 */
function MigrateSheet(props: {
  account: AccountView;
  onClose: () => void;
  onMoved: (text: string) => void;
}) {
  const [preview, setPreview] = useState<MigrationPreview>();
  const [result, setResult] = useState<UiReplies['migrateAccount']>();
  const load = useAction();
  const move = useAction();
  const { index } = props.account;
  useEffect(() => {
    void load.run(() => callBackground({ type: 'previewMigration', index })).then(setPreview);
  }, [index, load.run]);

  if (result)
    return (
      <Sheet title="Moved to a collaborative key" onClose={props.onClose}>
        <div class="stack" data-testid="migrate-result">
          <p>
            Sent to <strong>{result.to.name}</strong> ({shortAddress(result.to.address)}), a key
            that never exists whole.
          </p>
          <ul class="list">
            {result.hashes.map((h) => (
              <li key={h} class="mono subtle truncate" title={h} data-testid="migrate-hash">
                {h}
              </li>
            ))}
          </ul>
          <button
            type="button"
            class="btn primary block"
            data-testid="migrate-switch"
            onClick={() =>
              void callBackground({ type: 'selectAccount', index: result.to.index })
                .catch(() => undefined)
                .finally(() => {
                  props.onMoved(`Switched to ${result.to.name}`);
                  props.onClose();
                })
            }
          >
            Switch to {result.to.name}
          </button>
        </div>
      </Sheet>
    );

  return (
    <Sheet title="Move to a collaborative key" onClose={props.onClose}>
      <div class="stack" data-testid="migrate-preview">
        <p class="subtle">
          Sends everything on this account to a new account whose key is split with your servers.
          The fee is taken from the ETH so nothing is left behind.
        </p>
        {load.busy && <span class="spinner" role="status" aria-label="Loading" />}
        {preview && (
          <>
            <dl class="kv">
              <dt>From</dt>
              <dd class="mono">{shortAddress(preview.from)}</dd>
              <dt>To (new)</dt>
              <dd class="mono">{shortAddress(preview.to)}</dd>
              <dt>Network fee</dt>
              <dd data-testid="migrate-fee">{preview.fee}</dd>
            </dl>
            {preview.transfers.length === 0 ? (
              <div class="card list-empty">Nothing to move.</div>
            ) : (
              <ul class="list">
                {preview.transfers.map((t) => (
                  <li key={t.title} data-testid="migrate-transfer">
                    <span class="grow truncate">{t.title}</span>
                    <strong class="truncate">{t.amount}</strong>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
        <ErrorText error={load.error ?? move.error} testid="migrate-error" />
        <div class="btn-pair">
          <button type="button" class="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="button"
            class="btn primary"
            data-testid="migrate-confirm"
            disabled={!preview || preview.transfers.length === 0 || move.busy}
            aria-busy={move.busy}
            onClick={() =>
              void move
                .run(() => callBackground({ type: 'migrateAccount', index }))
                .then((r) => r && setResult(r))
            }
          >
            <BusyLabel busy={move.busy} idle="Move everything" busyText="Signing…" />
          </button>
        </div>
      </div>
    </Sheet>
  );
}
