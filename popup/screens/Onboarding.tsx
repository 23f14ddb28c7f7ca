/**
 * Onboarding. Creating a wallet: welcome → servers (probed, identities shown) → password (and,
 * under "Advanced", the recovery waiting period) → DKG progress → the recovery key, shown once
 * → the new address and a backup. The welcome screen also leads to restoring from a backup and
 * to recovering with the recovery key (`Recovery.tsx`); a recovery in progress reopens there.
 * @module
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { CreateProgress, KitView as Kit, UiReplies } from '../../background/ui-api';
import { callBackground, errorMessage } from '../api';
import { BackupPanel, SplitForm } from '../components/backup';
import {
  ChevronRight,
  KeyIcon,
  Logo,
  PlusIcon,
  ServerIcon,
  ShieldIcon,
  TrashIcon,
} from '../components/icons';
import { KitView, ShareSheets } from '../components/kit';
import { StrengthMeter } from '../components/password';
import { Alert, BusyLabel, CopyButton, ErrorText, Field, Title, useAction } from '../components/ui';
import {
  checkServerUrl,
  checksum,
  fingerprint,
  originHost,
  progressPercent,
  progressSentence,
  sameServer,
} from '../format';
import { estimatePasswordStrength } from '../password-strength';
import { checkWaitingPeriod, DEFAULT_RECOVERY_HOURS, formatDuration } from '../recovery-format';
import { Recover, Restore } from './Recovery';

type State = UiReplies['getState'];
type Step =
  | 'welcome'
  | 'servers'
  | 'password'
  | 'progress'
  | 'recovery-key'
  | 'done'
  | 'restore'
  | 'recover';

type ServerRow = {
  readonly url: string;
  readonly status: 'probing' | 'ok' | 'error';
  readonly name?: string;
  readonly identity?: string;
  readonly error?: string;
};

export type OnboardingProps = {
  state: State;
  progress?: CreateProgress;
  onDone: () => void;
};

const STEP_ORDER: readonly Step[] = ['servers', 'password', 'progress', 'done'];

function Steps(props: { step: Step }) {
  const at = STEP_ORDER.indexOf(props.step);
  return (
    <div class="steps" role="img" aria-label={`Step ${at + 1} of ${STEP_ORDER.length}`}>
      {STEP_ORDER.map((s, i) => (
        <span key={s} class={i <= at ? 'on' : ''} />
      ))}
    </div>
  );
}

export function Onboarding({ state, progress, onDone }: OnboardingProps) {
  const resumed = state.creating !== undefined;
  const [step, setStep] = useState<Step>(
    state.recovering ? 'recover' : resumed ? 'progress' : 'welcome',
  );
  const [delaySeconds, setDelaySeconds] = useState<number>();
  const [recoveryKit, setRecoveryKit] = useState<Kit>();
  const [servers, setServers] = useState<readonly ServerRow[]>([]);
  const [password, setPassword] = useState('');
  const [address, setAddress] = useState<string>();
  const [createError, setCreateError] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [localProgress, setLocalProgress] = useState<CreateProgress | undefined>(state.creating);

  useEffect(() => {
    if (progress) setLocalProgress(progress);
  }, [progress]);

  // A creation that ran while this popup was closed: finish when the wallet appears.
  useEffect(() => {
    if (step !== 'progress' || creating || address) return;
    const first = state.accounts[0];
    if (state.status !== 'uninitialized' && first) {
      setAddress(first.address);
      setStep('done');
    } else if (resumed && !state.creating && state.status === 'uninitialized' && !createError) {
      setCreateError(
        'Creating the wallet stopped before it finished. Nothing was kept; start again.',
      );
    }
  }, [state, step, creating, address, resumed, createError]);

  const probe = (url: string) => {
    setServers((rows) => rows.map((r) => (r.url === url ? { url, status: 'probing' } : r)));
    callBackground({ type: 'probeServer', url }).then(
      (reply) =>
        setServers((rows) =>
          rows.map((r) =>
            r.url === url ? { url, status: 'ok', name: reply.name, identity: reply.identity } : r,
          ),
        ),
      (error) =>
        setServers((rows) =>
          rows.map((r) =>
            r.url === url ? { url, status: 'error', error: errorMessage(error) } : r,
          ),
        ),
    );
  };

  const startServers = () => {
    setStep('servers');
    if (servers.length > 0) return;
    const defaults = state.defaultServers.filter(
      (u, i, all) => all.findIndex((v) => sameServer(u, v)) === i,
    );
    setServers(defaults.map((url) => ({ url, status: 'probing' })));
    for (const url of defaults) probe(url);
  };

  const create = async (pw: string, delay = delaySeconds) => {
    setPassword(pw);
    setDelaySeconds(delay);
    setStep('progress');
    setCreateError(undefined);
    setCreating(true);
    setLocalProgress(undefined);
    try {
      const reply = await callBackground({
        type: 'createWallet',
        servers: servers.map((s) => ({ url: s.url, identity: s.identity ?? '' })),
        password: pw,
        ...(delay === undefined ? {} : { recoveryDelaySeconds: delay }),
      });
      setLocalProgress({ stage: 'done' });
      setAddress(reply.address);
      setRecoveryKit(reply.recoveryKit);
      setStep(reply.recoveryKit ? 'recovery-key' : 'done');
    } catch (error) {
      setCreateError(errorMessage(error));
    } finally {
      setCreating(false);
    }
  };

  switch (step) {
    case 'welcome':
      return (
        <Welcome
          onStart={startServers}
          onRestore={() => setStep('restore')}
          onRecover={() => setStep('recover')}
        />
      );
    case 'restore':
      return <Restore progress={progress} onBack={() => setStep('welcome')} onDone={onDone} />;
    case 'recover':
      return (
        <Recover
          resume={state.recovering === true}
          onBack={() => setStep('welcome')}
          onDone={onDone}
        />
      );
    case 'recovery-key':
      return (
        <RecoveryKeyStep
          address={address ?? ''}
          kit={recoveryKit}
          delaySeconds={delaySeconds}
          onSaved={() => {
            setRecoveryKit(undefined);
            setStep('done');
          }}
        />
      );
    case 'servers':
      return (
        <ServersStep
          servers={servers}
          setServers={setServers}
          probe={probe}
          onBack={() => setStep('welcome')}
          onContinue={() => setStep('password')}
        />
      );
    case 'password':
      return (
        <PasswordStep
          initial={password}
          onBack={() => setStep('servers')}
          initialDelay={delaySeconds}
          onCreate={(pw, delay) => void create(pw, delay)}
        />
      );
    case 'progress':
      return (
        <ProgressStep
          progress={localProgress}
          error={createError}
          canRetry={password !== ''}
          onRetry={() => void create(password)}
          onStartOver={() => {
            setCreateError(undefined);
            startServers();
          }}
        />
      );
    case 'done':
      return <DoneStep address={address ?? ''} onDone={onDone} />;
  }
}

function Welcome(props: { onStart: () => void; onRestore: () => void; onRecover: () => void }) {
  return (
    <div class="screen">
      <div class="body">
        <div class="hero" style={{ marginTop: '4px' }}>
          <Logo size={52} />
          <h1 class="title" style={{ fontSize: '24px' }}>
            CKM Wallet
          </h1>
          <p class="lead">An Ethereum wallet whose key never exists whole.</p>
        </div>
        <ul class="list">
          <li>
            <span class="token-icon">
              <KeyIcon size={16} />
            </span>
            <div class="grow">
              <div style={{ fontWeight: 600 }}>No seed phrase to lose</div>
              <div class="subtle">Your key is born split between this device and your servers.</div>
            </div>
          </li>
          <li>
            <span class="token-icon">
              <ShieldIcon size={16} />
            </span>
            <div class="grow">
              <div style={{ fontWeight: 600 }}>Nothing to steal in one place</div>
              <div class="subtle">A stolen laptop or a hacked server alone cannot sign.</div>
            </div>
          </li>
          <li>
            <span class="token-icon">
              <ServerIcon size={16} />
            </span>
            <div class="grow">
              <div style={{ fontWeight: 600 }}>No single point of failure</div>
              <div class="subtle">If one server is down, another co-signs.</div>
            </div>
          </li>
        </ul>
      </div>
      <div class="footer plain">
        <button
          type="button"
          class="btn primary lg block"
          data-testid="create-start"
          onClick={props.onStart}
        >
          Create a new wallet
        </button>
        <button
          type="button"
          class="btn outline block"
          data-testid="restore-start"
          onClick={props.onRestore}
        >
          Restore from a backup
        </button>
        <button
          type="button"
          class="btn ghost block"
          data-testid="recover-start"
          onClick={props.onRecover}
        >
          Recover with a recovery key
        </button>
      </div>
    </div>
  );
}

function ServersStep(props: {
  servers: readonly ServerRow[];
  setServers: (update: (rows: readonly ServerRow[]) => readonly ServerRow[]) => void;
  probe: (url: string) => void;
  onBack: () => void;
  onContinue: () => void;
}) {
  const { servers, setServers, probe } = props;
  const [url, setUrl] = useState('');
  const [addError, setAddError] = useState<string>();
  const [adding, setAdding] = useState(false);
  const ready = servers.length >= 1 && servers.every((s) => s.status === 'ok');
  const probing = servers.some((s) => s.status === 'probing');

  const add = async (event: Event) => {
    event.preventDefault();
    const check = checkServerUrl(url);
    if (!check.ok) return setAddError(check.message);
    if (servers.some((s) => sameServer(s.url, check.url)))
      return setAddError('That server is already in the list.');
    setAdding(true);
    setAddError(undefined);
    try {
      const reply = await callBackground({ type: 'probeServer', url: check.url });
      if (servers.some((s) => s.identity === reply.identity))
        throw new Error(`${reply.name} is already in the list under another address.`);
      setServers((rows) => [
        ...rows,
        { url: check.url, status: 'ok', name: reply.name, identity: reply.identity },
      ]);
      setUrl('');
    } catch (error) {
      setAddError(`Could not reach a CKM server there: ${errorMessage(error)}`);
    } finally {
      setAdding(false);
    }
  };

  const n = servers.length + 1;
  return (
    <div class="screen">
      <div class="body">
        <Steps step="servers" />
        <div class="stack">
          <Title>Choose your servers</Title>
          <p class="lead">
            Your key is split between this device and these servers.{' '}
            <strong>2-of-N: this device plus any one server can sign</strong>; no server can sign
            alone.
          </p>
        </div>
        <div class="row between">
          <span class="section-title">Servers</span>
          <span class="badge accent" title="This device and the servers below">
            2 of {n} signers
          </span>
        </div>
        {servers.length === 0 ? (
          <div class="list-empty card">Add at least one server.</div>
        ) : (
          <ul class="list" aria-live="polite" aria-busy={probing}>
            {servers.map((s) => (
              <li key={s.url} data-testid="server-row" data-status={s.status}>
                <span class="token-icon">
                  <ServerIcon size={16} />
                </span>
                <div class="grow">
                  <div class="truncate" style={{ fontWeight: 600 }} title={s.url}>
                    {s.name ?? originHost(s.url)}
                  </div>
                  <div class="subtle truncate" title={s.url}>
                    {s.url}
                  </div>
                  {s.status === 'probing' && (
                    <div class="subtle row">
                      <span class="spinner" /> Checking…
                    </div>
                  )}
                  {s.status === 'ok' && s.identity && (
                    <div class="subtle">
                      Identity{' '}
                      <span class="mono" title={s.identity} data-testid="server-fingerprint">
                        {fingerprint(s.identity)}
                      </span>
                    </div>
                  )}
                  {s.status === 'error' && (
                    <div class="field-error" role="alert">
                      {s.error}{' '}
                      <button type="button" class="btn sm ghost" onClick={() => probe(s.url)}>
                        Retry
                      </button>
                    </div>
                  )}
                </div>
                <button
                  type="button"
                  class="icon-btn sm"
                  aria-label={`Remove ${s.name ?? s.url}`}
                  title="Remove"
                  data-testid="server-remove"
                  onClick={() => setServers((rows) => rows.filter((r) => r.url !== s.url))}
                >
                  <TrashIcon size={15} />
                </button>
              </li>
            ))}
          </ul>
        )}
        <form class="stack" onSubmit={add} noValidate>
          <Field
            id="server-url"
            label="Add a server"
            error={addError}
            hint="The address of a CKM server you trust, like https://ckm.example.com."
          >
            <div class="row">
              <input
                id="server-url"
                class="input grow"
                type="url"
                inputMode="url"
                placeholder="https://"
                autoComplete="off"
                spellcheck={false}
                value={url}
                aria-invalid={addError ? 'true' : undefined}
                aria-describedby={addError ? 'server-url-error' : 'server-url-hint'}
                data-testid="server-url"
                onInput={(e) => {
                  setUrl(e.currentTarget.value);
                  setAddError(undefined);
                }}
              />
              <button
                type="submit"
                class="btn outline"
                data-testid="server-add"
                disabled={adding}
                aria-busy={adding}
              >
                <BusyLabel
                  busy={adding}
                  busyText="…"
                  idle={
                    <>
                      <PlusIcon size={16} /> Add
                    </>
                  }
                />
              </button>
            </div>
          </Field>
        </form>
      </div>
      <div class="footer">
        <div class="btn-pair">
          <button type="button" class="btn" onClick={props.onBack}>
            Back
          </button>
          <button
            type="button"
            class="btn primary"
            data-testid="servers-continue"
            disabled={!ready}
            onClick={props.onContinue}
          >
            Continue
          </button>
        </div>
      </div>
    </div>
  );
}

function PasswordStep(props: {
  initial: string;
  initialDelay?: number;
  onBack: () => void;
  onCreate: (password: string, recoveryDelaySeconds: number | undefined) => void;
}) {
  const [password, setPassword] = useState(props.initial);
  const [hours, setHours] = useState(
    props.initialDelay !== undefined && props.initialDelay % 3600 === 0
      ? String(props.initialDelay / 3600)
      : String(DEFAULT_RECOVERY_HOURS),
  );
  const [seconds, setSeconds] = useState(
    props.initialDelay !== undefined && props.initialDelay % 3600 !== 0
      ? String(props.initialDelay)
      : '',
  );
  const delay = checkWaitingPeriod(hours, seconds);
  const [confirm, setConfirm] = useState(props.initial);
  const [touched, setTouched] = useState(false);
  const strength = estimatePasswordStrength(password);
  const mismatch = confirm !== '' && confirm !== password;
  const showMismatch = mismatch && (touched || confirm.length >= password.length);
  const canCreate = strength.acceptable && confirm === password;
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);

  const submit = (event: Event) => {
    event.preventDefault();
    setTouched(true);
    // The default is left to the background (48 hours), so only a change is sent.
    if (canCreate && delay.ok)
      props.onCreate(
        password,
        delay.value === DEFAULT_RECOVERY_HOURS * 3600 ? undefined : delay.value,
      );
  };
  const error =
    !strength.acceptable && touched
      ? 'Choose a stronger password: at least 8 characters and rated “Fair” or better.'
      : undefined;

  return (
    <form class="screen" onSubmit={submit} noValidate>
      <div class="body">
        <Steps step="password" />
        <div class="stack">
          <h1 class="title">Set a password</h1>
          <p class="lead">
            It unlocks this device’s key share. The servers never see it, and nobody can reset it.
          </p>
        </div>
        <Field id="password" label="Password" error={error}>
          <input
            ref={first}
            id="password"
            class="input"
            type="password"
            autoComplete="new-password"
            value={password}
            data-testid="password"
            aria-invalid={error ? 'true' : undefined}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </Field>
        <StrengthMeter password={password} />
        <Field
          id="password-confirm"
          label="Confirm password"
          error={showMismatch ? 'The passwords do not match.' : undefined}
        >
          <input
            id="password-confirm"
            class="input"
            type="password"
            autoComplete="new-password"
            value={confirm}
            data-testid="password-confirm"
            aria-invalid={showMismatch ? 'true' : undefined}
            onInput={(e) => setConfirm(e.currentTarget.value)}
            onBlur={() => setTouched(true)}
          />
        </Field>
        <details class="disclosure" open={!delay.ok || undefined}>
          <summary data-testid="advanced-toggle">Advanced</summary>
          <div class="stack" style={{ marginTop: '10px' }}>
            <div class="setting">
              <div class="text">
                <label for="recovery-hours">Recovery waiting period</label>
                <div class="subtle">
                  How long your servers wait before a recovery key takes over; your device can
                  cancel meanwhile.
                </div>
              </div>
              <div class="input-group" style={{ width: '96px' }}>
                <input
                  id="recovery-hours"
                  class="input sm"
                  inputMode="decimal"
                  value={hours}
                  disabled={seconds.trim() !== ''}
                  data-testid="recovery-hours"
                  onInput={(e) => setHours(e.currentTarget.value)}
                />
                <span class="suffix">h</span>
              </div>
            </div>
            <div class="row between">
              <span class="subtle">Or in seconds (for testing)</span>
              <input
                class="input sm"
                style={{ width: '96px' }}
                inputMode="numeric"
                aria-label="Recovery waiting period in seconds"
                placeholder="seconds"
                value={seconds}
                data-testid="recovery-seconds"
                onInput={(e) => setSeconds(e.currentTarget.value)}
              />
            </div>
            {delay.ok ? (
              <p class="subtle">Waiting period: {formatDuration(delay.value)}.</p>
            ) : (
              <div class="field-error" role="alert">
                {delay.message}
              </div>
            )}
          </div>
        </details>
      </div>
      <div class="footer">
        <div class="btn-pair">
          <button type="button" class="btn" onClick={props.onBack}>
            Back
          </button>
          <button
            type="submit"
            class="btn primary"
            data-testid="create-wallet"
            disabled={!canCreate || !delay.ok}
          >
            Create wallet
          </button>
        </div>
      </div>
    </form>
  );
}

function ProgressStep(props: {
  progress?: CreateProgress;
  error?: string;
  canRetry: boolean;
  onRetry: () => void;
  onStartOver: () => void;
}) {
  const percent = progressPercent(props.progress);
  const sentence = progressSentence(props.progress);
  const retry = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (props.error) retry.current?.focus();
  }, [props.error]);
  return (
    <div class="screen">
      <div class="body">
        <Steps step="progress" />
        <div class="hero" style={{ marginTop: '24px' }}>
          <Logo size={56} />
          <Title>{props.error ? 'Creation failed' : 'Creating your wallet'}</Title>
        </div>
        <div class="card stack lg">
          <div
            class="progress"
            role="progressbar"
            aria-label="Creating the wallet"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            data-testid="create-progress"
          >
            <span style={{ width: `${percent}%` }} />
          </div>
          <div class="row between">
            <p class="muted" aria-live="polite" style={{ fontSize: '13px' }}>
              {props.error ? 'Stopped.' : sentence}
            </p>
            <span class="subtle" aria-hidden="true">
              {percent}%
            </span>
          </div>
        </div>
        <div aria-live="assertive">
          {props.error && (
            <Alert
              tone="danger"
              title="The wallet was not created"
              testid="create-error"
              role="alert"
            >
              {props.error}
            </Alert>
          )}
        </div>
        {!props.error && (
          <p class="subtle" style={{ textAlign: 'center' }}>
            This takes a few seconds. Keep this window open.
          </p>
        )}
      </div>
      {props.error && (
        <div class="footer">
          <div class="btn-pair">
            <button type="button" class="btn" onClick={props.onStartOver}>
              Change servers
            </button>
            {props.canRetry ? (
              <button
                ref={retry}
                type="button"
                class="btn primary"
                data-testid="create-retry"
                onClick={props.onRetry}
              >
                Retry
              </button>
            ) : (
              <button
                ref={retry}
                type="button"
                class="btn primary"
                data-testid="create-retry"
                onClick={props.onStartOver}
              >
                Start again
              </button>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

function DoneStep(props: { address: string; onDone: () => void }) {
  const address = checksum(props.address);
  const [backingUp, setBackingUp] = useState(false);
  return (
    <div class="screen">
      <div class="body">
        <Steps step="done" />
        <div class="hero" style={{ marginTop: '16px' }}>
          <span
            class="logo"
            style={{
              width: '56px',
              height: '56px',
              background: 'var(--success)',
              color: 'var(--on-success)',
            }}
          >
            <ShieldIcon size={28} />
          </span>
          <Title>Your wallet is ready</Title>
          <p class="lead">This is your Ethereum address. It is safe to share.</p>
        </div>
        <div class="card tight row">
          <span
            class="mono break grow"
            data-testid="created-address"
            data-address={address}
            title={address}
          >
            {address}
          </span>
          <CopyButton text={address} label="Copy address" />
        </div>
        <div class="card stack">
          <div class="row">
            <KeyIcon size={16} />
            <strong>Make a backup</strong>
          </div>
          <p class="subtle">
            A backup lets you restore this wallet on a new device. Until then, your servers and this
            device hold the only shares.
          </p>
          {backingUp ? (
            <BackupPanel />
          ) : (
            <button
              type="button"
              class="btn outline block"
              data-testid="backup-now"
              onClick={() => setBackingUp(true)}
            >
              Back up now
            </button>
          )}
        </div>
      </div>
      <div class="footer">
        <button
          type="button"
          class="btn primary lg block"
          data-testid="onboarding-done"
          onClick={props.onDone}
        >
          Go to my wallet <ChevronRight size={18} />
        </button>
      </div>
    </div>
  );
}

/**
 * The recovery key, shown once right after creation: its kit, an optional k-of-n split for
 * trusted friends, and an explicit "I have saved it" (`dismissRecoveryKit`: the background
 * forgets it). The popup keeps it only in this component's memory.
 */
export function RecoveryKeyStep(props: {
  address: string;
  kit?: Kit;
  delaySeconds?: number;
  onSaved: () => void;
}) {
  const address = checksum(props.address);
  const split = useAction();
  const dismiss = useAction();
  const [splitting, setSplitting] = useState(false);
  const [sheets, setSheets] = useState<{ kits: readonly Kit[]; threshold: number }>();
  const [confirmed, setConfirmed] = useState(false);
  const wait = formatDuration(props.delaySeconds ?? DEFAULT_RECOVERY_HOURS * 3600);
  return (
    <div class="screen">
      <div class="body">
        <Steps step="done" />
        <div class="stack">
          <Title>Save your recovery key</Title>
          <p class="lead">
            If you lose this device and its backup, this key moves the wallet to a new device after
            a waiting period ({wait}) during which this device can cancel.{' '}
            <strong>It is shown only once.</strong>
          </p>
        </div>
        <div class="card tight row">
          <span class="subtle">Wallet</span>
          <span
            class="mono truncate grow"
            data-testid="created-address"
            data-address={address}
            title={address}
          >
            {address}
          </span>
          <CopyButton text={address} label="Copy address" small />
        </div>
        {props.kit ? (
          <KitView kit={props.kit} label="Recovery key" testid="recovery-kit" />
        ) : (
          <Alert tone="caution">The recovery key is no longer available in this window.</Alert>
        )}
        <section class="stack" aria-labelledby="split-key-title">
          <h2 class="section-title" id="split-key-title">
            Split for trusted friends
          </h2>
          {sheets ? (
            <ShareSheets kits={sheets.kits} threshold={sheets.threshold} label="Recovery key" />
          ) : splitting ? (
            <SplitForm
              idPrefix="split-key"
              busy={split.busy}
              error={split.error}
              setError={split.setError}
              submitLabel="Split the recovery key"
              onSplit={(threshold, count) =>
                void split
                  .run(() => callBackground({ type: 'splitRecoveryKit', threshold, count }))
                  .then((kits) => kits && setSheets({ kits, threshold }))
              }
            />
          ) : (
            <>
              <p class="subtle">
                Give shares to people you trust: any k of them together rebuild the key; fewer
                reveal nothing.
              </p>
              <button
                type="button"
                class="btn outline block"
                data-testid="split-key-open"
                onClick={() => setSplitting(true)}
              >
                Split into shares
              </button>
            </>
          )}
        </section>
        <label class="check">
          <input
            type="checkbox"
            checked={confirmed}
            data-testid="recovery-key-confirm"
            onChange={(e) => setConfirmed(e.currentTarget.checked)}
          />
          <span>I have saved my recovery key somewhere safe, away from this device.</span>
        </label>
        <ErrorText error={dismiss.error} testid="recovery-key-error" />
      </div>
      <div class="footer">
        <button
          type="button"
          class="btn primary lg block"
          data-testid="recovery-key-saved"
          disabled={!confirmed || dismiss.busy}
          aria-busy={dismiss.busy}
          onClick={() =>
            void dismiss
              .run(() => callBackground({ type: 'dismissRecoveryKit' }))
              .then((r) => r && props.onSaved())
          }
        >
          <BusyLabel busy={dismiss.busy} idle="I have saved my recovery key" busyText="…" />
        </button>
      </div>
    </div>
  );
}
