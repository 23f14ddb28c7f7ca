/**
 * The backup actions shared by onboarding's last step and Settings: back up this device (its
 * password → `exportBackup` → a kit) and split the backup k-of-n (`splitBackup` → printable
 * sheets), plus the k-of-n form the recovery key's split uses too.
 * @module
 */
import { useState } from 'preact/hooks';
import type { KitView as Kit } from '../../background/ui-api';
import { callBackground } from '../api';
import { checkSplit } from '../recovery-format';
import { KitView, ShareSheets } from './kit';
import { BusyLabel, ErrorText, useAction } from './ui';

/** "k of n" number fields and a submit button; `onSplit` runs with checked numbers. */
export function SplitForm(props: {
  idPrefix: string;
  busy: boolean;
  error?: string;
  submitLabel: string;
  onSplit: (threshold: number, count: number) => void;
  setError: (message: string | undefined) => void;
}) {
  const [threshold, setThreshold] = useState('2');
  const [count, setCount] = useState('3');
  const submit = (event: Event) => {
    event.preventDefault();
    const check = checkSplit(threshold, count);
    if (!check.ok) return props.setError(check.message);
    props.onSplit(check.value.threshold, check.value.count);
  };
  return (
    <form class="stack" onSubmit={submit} noValidate>
      <div class="row split-row">
        <label for={`${props.idPrefix}-k`}>Any</label>
        <input
          id={`${props.idPrefix}-k`}
          class="input sm num"
          inputMode="numeric"
          value={threshold}
          aria-label="Shares needed"
          data-testid={`${props.idPrefix}-threshold`}
          onInput={(e) => setThreshold(e.currentTarget.value)}
        />
        <label for={`${props.idPrefix}-n`}>of</label>
        <input
          id={`${props.idPrefix}-n`}
          class="input sm num"
          inputMode="numeric"
          value={count}
          aria-label="Shares to make"
          data-testid={`${props.idPrefix}-count`}
          onInput={(e) => setCount(e.currentTarget.value)}
        />
        <span class="subtle">shares</span>
      </div>
      <ErrorText error={props.error} />
      <button
        type="submit"
        class="btn outline block"
        disabled={props.busy}
        aria-busy={props.busy}
        data-testid={`${props.idPrefix}-submit`}
      >
        <BusyLabel busy={props.busy} idle={props.submitLabel} busyText="Splitting…" />
      </button>
    </form>
  );
}

/** A password field with a submit button (the backup is sealed under the wallet's password). */
function PasswordForm(props: {
  id: string;
  label: string;
  busy: boolean;
  submitLabel: string;
  onSubmit: (password: string) => void;
}) {
  const [password, setPassword] = useState('');
  return (
    <form
      class="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (password !== '') props.onSubmit(password);
      }}
    >
      <div class="field">
        <label for={props.id}>{props.label}</label>
        <input
          id={props.id}
          class="input"
          type="password"
          autoComplete="current-password"
          value={password}
          data-testid={props.id}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </div>
      <button
        type="submit"
        class="btn primary block"
        disabled={props.busy || password === ''}
        aria-busy={props.busy}
        data-testid={`${props.id}-submit`}
      >
        <BusyLabel busy={props.busy} idle={props.submitLabel} busyText="Sealing…" />
      </button>
    </form>
  );
}

/** "Back up this device": the password, then the kit. */
export function BackupPanel() {
  const action = useAction();
  const [kit, setKit] = useState<Kit>();
  if (kit) return <KitView kit={kit} label="Backup" testid="backup-kit" />;
  return (
    <div class="stack">
      <p class="subtle">
        The backup is this device’s key share, sealed under your wallet password. With it and the
        password you can restore the wallet in a new browser.
      </p>
      <PasswordForm
        id="backup-password"
        label="Wallet password"
        busy={action.busy}
        submitLabel="Make the backup"
        onSubmit={(password) =>
          void action
            .run(() => callBackground({ type: 'exportBackup', password }))
            .then((k) => k && setKit(k))
        }
      />
      <ErrorText error={action.error} testid="backup-error" />
    </div>
  );
}

/** "Split the backup": the password and k-of-n, then printable sheets. */
export function SplitBackupPanel() {
  const action = useAction();
  const [password, setPassword] = useState('');
  const [sheets, setSheets] = useState<{ kits: readonly Kit[]; threshold: number }>();
  if (sheets) return <ShareSheets kits={sheets.kits} threshold={sheets.threshold} label="Backup" />;
  return (
    <div class="stack">
      <p class="subtle">
        Split the backup into shares (SSKR): any k of them, with your password, restore the wallet.
      </p>
      <div class="field">
        <label for="split-backup-password">Wallet password</label>
        <input
          id="split-backup-password"
          class="input"
          type="password"
          autoComplete="current-password"
          value={password}
          data-testid="split-backup-password"
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </div>
      <SplitForm
        idPrefix="split-backup"
        busy={action.busy}
        error={action.error}
        setError={action.setError}
        submitLabel="Split the backup"
        onSplit={(threshold, count) => {
          if (password === '') return action.setError('Enter your wallet password first.');
          void action
            .run(() => callBackground({ type: 'splitBackup', password, threshold, count }))
            .then((kits) => kits && setSheets({ kits, threshold }));
        }}
      />
    </div>
  );
}
