/**
 * The password prompt of a locked wallet. Also the body of an `unlock` approval (`PasswordForm`).
 * @module
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { callBackground, errorCode, errorMessage } from '../api';
import { Logo } from '../components/icons';
import { BusyLabel, ErrorText } from '../components/ui';

/** The sentence for a failed unlock. */
export function unlockErrorText(error: unknown): string {
  return errorCode(error) === 'WrongPassword'
    ? 'Wrong password. Nothing was changed.'
    : errorMessage(error);
}

export function Unlock(props: { onUnlocked: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy || password === '') return;
    setBusy(true);
    setError(undefined);
    try {
      await callBackground({ type: 'unlock', password });
      props.onUnlocked();
    } catch (cause) {
      setError(unlockErrorText(cause));
      input.current?.select();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="screen" onSubmit={submit} noValidate>
      <div class="body center">
        <div class="hero">
          <Logo size={64} />
          <h1 class="title">Welcome back</h1>
          <p class="lead">Enter your password to unlock CKM Wallet.</p>
        </div>
        <div class="field" style={{ marginTop: '12px' }}>
          <label for="unlock-password">Password</label>
          <input
            ref={input}
            id="unlock-password"
            class="input"
            type="password"
            autoComplete="current-password"
            value={password}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby="unlock-error-region"
            data-testid="unlock-password"
            onInput={(e) => {
              setPassword(e.currentTarget.value);
              setError(undefined);
            }}
          />
        </div>
        <ErrorText id="unlock-error-region" error={error} testid="unlock-error" />
      </div>
      <div class="footer plain">
        <button
          type="submit"
          class="btn primary lg block"
          data-testid="unlock-submit"
          disabled={busy || password === ''}
          aria-busy={busy}
        >
          <BusyLabel busy={busy} idle="Unlock" busyText="Unlocking…" />
        </button>
        <p class="subtle" style={{ textAlign: 'center' }}>
          Forgot it? Recovery with your servers comes in the recovery update.
        </p>
      </div>
    </form>
  );
}
