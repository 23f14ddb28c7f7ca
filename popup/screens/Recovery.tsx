/**
 * The two ways into an existing wallet from a fresh browser (issue #7):
 * - {@link Restore}: a backup (file, UR text or SSKR shares) and its password → `restoreBackup`;
 *   the background then moves the key to this device's new identity, so the old one is retired.
 * - {@link Recover}: no backup, the recovery key → `startRecovery`; the servers wait out the
 *   period (the old device may cancel), then `finishRecovery` re-shares the key here. The popup
 *   reopens on the waiting screen while `getState.recovering` is set.
 * Bad input is explained before anything is sent, and a failure keeps everything typed.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type {
  BackupInput,
  CreateProgress,
  RecoveryKitInput,
  UiReplies,
} from '../../background/ui-api';
import { callBackground, errorCode, errorMessage } from '../api';
import { KeyIcon, Logo, PlusIcon, ShieldIcon, TrashIcon } from '../components/icons';
import { NewPassword } from '../components/password';
import { SourceTabs } from '../components/segmented';
import { Alert, Bar, BusyLabel, CopyButton, ErrorText, Title, useAction } from '../components/ui';
import { checksum, progressPercent } from '../format';
import {
  bytesToBase64,
  checkShareTexts,
  checkUrText,
  countdown,
  formatDateTime,
} from '../recovery-format';

type Source = 'file' | 'ur' | 'shares';
type RecoveryStatus = UiReplies['recoveryStatus'];

/** How often the waiting screen asks the servers where the recovery stands. */
const POLL_MS = 3000;

/** One field per SSKR share, with "Add share" and a remove button per field. */
function ShareFields(props: {
  idPrefix: string;
  shares: readonly string[];
  onChange: (shares: readonly string[]) => void;
}) {
  const { shares } = props;
  return (
    <div class="stack">
      {shares.map((text, i) => (
        <div class="field" key={i}>
          <div class="row between">
            <label class="label" for={`${props.idPrefix}-${i}`}>
              Share {i + 1}
            </label>
            {shares.length > 2 && (
              <button
                type="button"
                class="icon-btn sm"
                aria-label={`Remove share ${i + 1}`}
                title="Remove"
                onClick={() => props.onChange(shares.filter((_, j) => j !== i))}
              >
                <TrashIcon size={14} />
              </button>
            )}
          </div>
          <textarea
            id={`${props.idPrefix}-${i}`}
            class="input mono ur-text"
            rows={2}
            spellcheck={false}
            placeholder="ur:…"
            value={text}
            data-testid="share-input"
            onInput={(e) => {
              const value = e.currentTarget.value;
              props.onChange(shares.map((s, j) => (j === i ? value : s)));
            }}
          />
        </div>
      ))}
      <button
        type="button"
        class="btn sm ghost"
        data-testid="share-add"
        disabled={shares.length >= 16}
        onClick={() => props.onChange([...shares, ''])}
      >
        <PlusIcon size={14} /> Add share
      </button>
    </div>
  );
}

/** The success screen of both flows: the wallet's address, then the wallet. */
function Restored(props: { address: string; title: string; onDone: () => void }) {
  const address = checksum(props.address);
  return (
    <div class="screen">
      <div class="body">
        <div class="hero" style={{ marginTop: '16px' }}>
          <span class="logo done-mark">
            <ShieldIcon size={28} />
          </span>
          <Title>{props.title}</Title>
          <p class="lead">
            Your address is the same as before. This device now holds a fresh key share; the old one
            no longer works.
          </p>
        </div>
        <div class="card tight row">
          <span
            class="mono break grow"
            data-testid="restored-address"
            data-address={address}
            title={address}
          >
            {address}
          </span>
          <CopyButton text={address} label="Copy address" />
        </div>
      </div>
      <div class="footer">
        <button
          type="button"
          class="btn primary lg block"
          data-testid="restore-done"
          onClick={props.onDone}
        >
          Go to my wallet
        </button>
      </div>
    </div>
  );
}

/** Restore from a backup kit: file, UR text or SSKR shares, plus the backup's password. */
export function Restore(props: {
  progress?: CreateProgress;
  onBack: () => void;
  onDone: () => void;
}) {
  const [source, setSource] = useState<Source>('file');
  const [file, setFile] = useState<{ name: string; base64: string }>();
  const [text, setText] = useState('');
  const [shares, setShares] = useState<readonly string[]>(['', '']);
  const [password, setPassword] = useState('');
  const [address, setAddress] = useState<string>();
  const action = useAction();

  const readFile = async (input: HTMLInputElement) => {
    const chosen = input.files?.[0];
    if (!chosen) return setFile(undefined);
    try {
      const bytes = new Uint8Array(await chosen.arrayBuffer());
      if (bytes.length === 0) throw new Error('That file is empty.');
      setFile({ name: chosen.name, base64: bytesToBase64(bytes) });
      action.setError(undefined);
    } catch (cause) {
      setFile(undefined);
      action.setError(`Could not read the file: ${errorMessage(cause)}`);
    }
  };

  const backupInput = (): BackupInput | string => {
    if (source === 'file')
      return file ? { kind: 'file', base64: file.base64 } : 'Choose the backup file.';
    if (source === 'ur') {
      const check = checkUrText(text);
      return check.ok ? { kind: 'ur', text: check.value } : check.message;
    }
    const check = checkShareTexts(shares);
    return check.ok ? { kind: 'shares', texts: check.value } : check.message;
  };

  const submit = (event: Event) => {
    event.preventDefault();
    const backup = backupInput();
    if (typeof backup === 'string') return action.setError(backup);
    if (password === '') return action.setError('Enter the password of the backup.');
    void action
      .run(() => callBackground({ type: 'restoreBackup', backup, password }))
      .then((reply) => reply && setAddress(reply.address));
  };

  if (address)
    return <Restored address={address} title="Your wallet is restored" onDone={props.onDone} />;
  const percent = progressPercent(props.progress);
  return (
    <form class="screen" onSubmit={submit} noValidate>
      <Bar title="Restore from a backup" onBack={action.busy ? undefined : props.onBack} />
      <div class="body">
        <p class="lead">
          Use the backup file, its text, or enough of its shares, and the wallet password it was
          made with.
        </p>
        <SourceTabs
          name="restore-source"
          label="Backup from"
          value={source}
          onChange={(v) => {
            setSource(v);
            action.setError(undefined);
          }}
          options={[
            { value: 'file', text: 'File' },
            { value: 'ur', text: 'Text' },
            { value: 'shares', text: 'Shares' },
          ]}
        />
        {source === 'file' && (
          <div class="field">
            <label for="restore-file">Backup file</label>
            <input
              id="restore-file"
              class="input"
              type="file"
              data-testid="restore-file"
              onChange={(e) => void readFile(e.currentTarget)}
            />
            <div class="hint" aria-live="polite">
              {file ? `Chosen: ${file.name}` : 'The file you downloaded when you made the backup.'}
            </div>
          </div>
        )}
        {source === 'ur' && (
          <div class="field">
            <label for="restore-ur">Backup text (UR)</label>
            <textarea
              id="restore-ur"
              class="input mono ur-text"
              rows={4}
              spellcheck={false}
              placeholder="ur:envelope/…"
              value={text}
              data-testid="restore-ur"
              onInput={(e) => setText(e.currentTarget.value)}
            />
          </div>
        )}
        {source === 'shares' && (
          <ShareFields idPrefix="restore-share" shares={shares} onChange={setShares} />
        )}
        <div class="field">
          <label for="restore-password">Backup password</label>
          <input
            id="restore-password"
            class="input"
            type="password"
            autoComplete="current-password"
            value={password}
            data-testid="restore-password"
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <div class="hint">It also locks the wallet in this browser.</div>
        </div>
        {action.busy && (
          <div class="card stack">
            <div
              class="progress"
              role="progressbar"
              aria-label="Restoring the wallet"
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={percent}
              data-testid="restore-progress"
            >
              <span style={{ width: `${percent}%` }} />
            </div>
            <p class="subtle" aria-live="polite">
              Restoring, then giving this device a fresh key share with your servers…
            </p>
          </div>
        )}
        <ErrorText error={action.error} testid="restore-error" />
      </div>
      <div class="footer">
        <button
          type="submit"
          class="btn primary lg block"
          data-testid="restore-submit"
          disabled={action.busy}
          aria-busy={action.busy}
        >
          <BusyLabel busy={action.busy} idle="Restore" busyText="Restoring…" />
        </button>
      </div>
    </form>
  );
}

/**
 * Recover with the recovery key: the key (UR text or shares) and a new password, then the
 * waiting screen until the servers re-share. `resume`: a recovery already started (the popup
 * was reopened).
 */
export function Recover(props: { resume: boolean; onBack: () => void; onDone: () => void }) {
  const [step, setStep] = useState<'input' | 'waiting' | 'done'>(
    props.resume ? 'waiting' : 'input',
  );
  const [address, setAddress] = useState<string>();
  const [startedReadyAt, setStartedReadyAt] = useState<number>();
  if (step === 'done' && address)
    return <Restored address={address} title="Your wallet is recovered" onDone={props.onDone} />;
  if (step === 'waiting')
    return (
      <RecoveryWaiting
        readyAt={startedReadyAt}
        onAgain={() => setStep('input')}
        onAbandoned={props.onBack}
        onFinished={(a) => {
          setAddress(a);
          setStep('done');
        }}
      />
    );
  return (
    <RecoverInput
      onBack={props.onBack}
      onStarted={(readyAt) => {
        setStartedReadyAt(readyAt);
        setStep('waiting');
      }}
    />
  );
}

function RecoverInput(props: { onBack: () => void; onStarted: (readyAt: number) => void }) {
  const [source, setSource] = useState<'ur' | 'shares'>('ur');
  const [text, setText] = useState('');
  const [shares, setShares] = useState<readonly string[]>(['', '']);
  const [password, setPassword] = useState<string>();
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    let kit: RecoveryKitInput;
    if (source === 'ur') {
      const check = checkUrText(text);
      if (!check.ok) return action.setError(check.message);
      kit = { kind: 'ur', text: check.value };
    } else {
      const check = checkShareTexts(shares);
      if (!check.ok) return action.setError(check.message);
      kit = { kind: 'shares', texts: check.value };
    }
    if (!password)
      return action.setError('Choose a new password (rated “Fair” or better) and confirm it.');
    void action
      .run(() => callBackground({ type: 'startRecovery', kit, password }))
      .then((reply) => reply && props.onStarted(reply.readyAt));
  };

  return (
    <form class="screen" onSubmit={submit} noValidate>
      <Bar title="Recover with a recovery key" onBack={action.busy ? undefined : props.onBack} />
      <div class="body">
        <p class="lead">
          Your servers move the wallet to this browser after a waiting period. Until then, the
          wallet’s own device can cancel.
        </p>
        <SourceTabs
          name="recover-source"
          label="Recovery key from"
          value={source}
          onChange={(v) => {
            setSource(v);
            action.setError(undefined);
          }}
          options={[
            { value: 'ur', text: 'Text' },
            { value: 'shares', text: 'Shares' },
          ]}
        />
        {source === 'ur' ? (
          <div class="field">
            <label for="recover-ur">Recovery key (UR text)</label>
            <textarea
              id="recover-ur"
              class="input mono ur-text"
              rows={4}
              spellcheck={false}
              placeholder="ur:…"
              value={text}
              data-testid="recover-ur"
              onInput={(e) => setText(e.currentTarget.value)}
            />
          </div>
        ) : (
          <ShareFields idPrefix="recover-share" shares={shares} onChange={setShares} />
        )}
        <NewPassword idPrefix="recover" onChange={setPassword} />
        <ErrorText error={action.error} testid="recover-error" />
      </div>
      <div class="footer">
        <button
          type="submit"
          class="btn primary lg block"
          data-testid="recover-submit"
          disabled={action.busy}
          aria-busy={action.busy}
        >
          <BusyLabel busy={action.busy} idle="Start recovery" busyText="Asking the servers…" />
        </button>
      </div>
    </form>
  );
}

/** Counts down to `readyAt`, polling `recoveryStatus`; then "Finish recovery". */
function RecoveryWaiting(props: {
  readyAt?: number;
  onAgain: () => void;
  onAbandoned: () => void;
  onFinished: (address: string) => void;
}) {
  const [status, setStatus] = useState<RecoveryStatus>();
  const [pollError, setPollError] = useState<string>();
  const [now, setNow] = useState(Date.now());
  const finish = useAction();
  const abandon = useAction();
  const [confirmAbandon, setConfirmAbandon] = useState(false);
  // After a browser restart the recovery's record is sealed: finishing needs the password chosen
  // at the start (the background answers `Locked` until it has it).
  const [needPassword, setNeedPassword] = useState(false);
  const [password, setPassword] = useState('');
  const seq = useRef(0);

  const poll = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const next = await callBackground({ type: 'recoveryStatus' });
      if (mine !== seq.current) return;
      setStatus(next);
      setPollError(undefined);
    } catch (cause) {
      if (mine === seq.current) setPollError(errorMessage(cause));
    }
  }, []);

  useEffect(() => {
    void poll();
    const t = setInterval(() => void poll(), POLL_MS);
    return () => clearInterval(t);
  }, [poll]);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  const readyAt = status?.readyAt ?? props.readyAt;
  const state = status?.state ?? 'waiting';
  // While the record is sealed the servers cannot be asked, so the clock decides; a server that
  // disagrees refuses and says why.
  const ready =
    state === 'ready' || (state === 'waiting' && readyAt !== undefined && readyAt <= now);

  const finishNow = () =>
    void finish
      .run(async () => {
        try {
          return await callBackground({
            type: 'finishRecovery',
            ...(password === '' ? {} : { password }),
          });
        } catch (cause) {
          if (errorCode(cause) === 'Locked') setNeedPassword(true);
          throw cause;
        }
      })
      .then((r) => r && props.onFinished(r.address));

  const startAgain = () =>
    void abandon.run(() => callBackground({ type: 'abandonRecovery' })).finally(props.onAgain);

  if (state === 'cancelled')
    return (
      <div class="screen">
        <Bar title="Recovery cancelled" />
        <div class="body">
          <Alert
            tone="danger"
            title="The wallet’s device cancelled this recovery"
            role="alert"
            testid="recovery-cancelled"
          >
            Someone with the wallet’s own device refused to hand the wallet over. Nothing changed.
            If that was you, start again; if not, ask who has that device.
          </Alert>
        </div>
        <div class="footer">
          <button
            type="button"
            class="btn primary lg block"
            data-testid="recovery-again"
            disabled={abandon.busy}
            onClick={startAgain}
          >
            Start again
          </button>
        </div>
      </div>
    );

  if (state === 'none')
    return (
      <div class="screen">
        <Bar title="No recovery in progress" onBack={props.onAbandoned} />
        <div class="body">
          <Alert tone="info" testid="recovery-none">
            This browser has no recovery in progress. Start one with your recovery key.
          </Alert>
        </div>
        <div class="footer">
          <button type="button" class="btn primary lg block" onClick={props.onAgain}>
            Start a recovery
          </button>
        </div>
      </div>
    );

  return (
    <div class="screen">
      <div class="body">
        <div class="hero" style={{ marginTop: '12px' }}>
          <Logo size={48} />
          <Title>{ready ? 'Ready to finish' : 'Waiting period'}</Title>
        </div>
        <div class="card stack" data-testid="recovery-waiting" data-state={state}>
          <div class="countdown" aria-live="off" data-testid="recovery-countdown">
            {readyAt === undefined ? '…' : countdown(readyAt, now)}
          </div>
          <p class="subtle" style={{ textAlign: 'center' }}>
            {readyAt === undefined
              ? 'Asking the servers…'
              : ready
                ? 'The waiting period is over.'
                : `Your servers hand the wallet over on ${formatDateTime(readyAt)}.`}
          </p>
        </div>
        {!ready && (
          <Alert tone="info">
            The wallet’s own device can cancel this until then. You can close this window; the
            wallet reopens here.
          </Alert>
        )}
        {status && status.recoveries.length > 0 && (
          <ul class="list" aria-label="Servers">
            {status.recoveries.map((r) => (
              <li key={r.server}>
                <span class="token-icon">
                  <KeyIcon size={16} />
                </span>
                <div class="grow">
                  <strong class="truncate" style={{ display: 'block' }}>
                    {r.server}
                  </strong>
                  <span class="subtle">Ready {formatDateTime(r.readyAt)}</span>
                </div>
              </li>
            ))}
          </ul>
        )}
        <div aria-live="polite">
          {pollError && (
            <Alert tone="caution" title="The servers did not answer">
              {pollError} Trying again…
            </Alert>
          )}
        </div>
        {needPassword && (
          <div class="field">
            <label for="recovery-unlock">The password you chose for this recovery</label>
            <input
              id="recovery-unlock"
              class="input"
              type="password"
              autoComplete="current-password"
              value={password}
              data-testid="recovery-password"
              onInput={(e) => setPassword(e.currentTarget.value)}
              onKeyDown={(e) => e.key === 'Enter' && ready && password !== '' && finishNow()}
            />
          </div>
        )}
        <ErrorText error={finish.error ?? abandon.error} testid="recovery-error" />
        {confirmAbandon && (
          <Alert tone="caution" title="Abandon this recovery?">
            The servers drop it. You can start again later with the recovery key, and wait again.
          </Alert>
        )}
      </div>
      <div class="footer">
        {confirmAbandon ? (
          <div class="btn-pair">
            <button type="button" class="btn" onClick={() => setConfirmAbandon(false)}>
              Keep waiting
            </button>
            <button
              type="button"
              class="btn danger"
              data-testid="recovery-abandon-confirm"
              disabled={abandon.busy}
              aria-busy={abandon.busy}
              onClick={() =>
                void abandon
                  .run(() => callBackground({ type: 'abandonRecovery' }))
                  .then((r) => r && props.onAbandoned())
              }
            >
              <BusyLabel busy={abandon.busy} idle="Abandon" busyText="Abandoning…" />
            </button>
          </div>
        ) : (
          <div class="btn-pair">
            <button
              type="button"
              class="btn"
              data-testid="recovery-abandon"
              disabled={finish.busy}
              onClick={() => setConfirmAbandon(true)}
            >
              Abandon
            </button>
            <button
              type="button"
              class="btn primary"
              data-testid="recovery-finish"
              disabled={!ready || finish.busy || (needPassword && password === '')}
              aria-busy={finish.busy}
              onClick={finishNow}
            >
              <BusyLabel busy={finish.busy} idle="Finish recovery" busyText="Re-sharing…" />
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
