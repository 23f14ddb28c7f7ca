/**
 * Choosing a password: the strength meter (onboarding, recovery) and the password + confirmation
 * pair a new vault is sealed under.
 * @module
 */
import { useMemo, useState } from 'preact/hooks';
import { estimatePasswordStrength } from '../password-strength';
import { Field } from './ui';

export function StrengthMeter(props: { password: string }) {
  const strength = useMemo(() => estimatePasswordStrength(props.password), [props.password]);
  const empty = props.password === '';
  return (
    <div class="stack" style={{ gap: '6px' }}>
      {/* biome-ignore lint/a11y/useSemanticElements: a segmented bar; <meter> cannot be styled the same in every browser */}
      <div
        class="meter"
        role="meter"
        aria-label="Password strength"
        aria-valuemin={0}
        aria-valuemax={4}
        aria-valuenow={strength.score}
        aria-valuetext={empty ? 'empty' : strength.label}
        data-score={strength.score}
        data-testid="password-strength"
      >
        {[0, 1, 2, 3].map((i) => (
          <span key={i} class={!empty && i <= Math.max(strength.score - 1, 0) ? 'on' : ''} />
        ))}
      </div>
      <div class="meter-text subtle" aria-live="polite">
        <span>{empty ? 'At least 8 characters' : (strength.hint ?? 'Looks good.')}</span>
        {!empty && <strong data-score={strength.score}>{strength.label}</strong>}
      </div>
    </div>
  );
}

/**
 * A new password and its confirmation; `onChange` gets the password once it is acceptable and
 * confirmed, or undefined.
 */
export function NewPassword(props: {
  idPrefix: string;
  onChange: (password: string | undefined) => void;
}) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const update = (pw: string, again: string) => {
    setPassword(pw);
    setConfirm(again);
    props.onChange(estimatePasswordStrength(pw).acceptable && pw === again ? pw : undefined);
  };
  const mismatch = confirm !== '' && confirm !== password;
  const showMismatch = mismatch && (touched || confirm.length >= password.length);
  return (
    <div class="stack">
      <Field id={`${props.idPrefix}-password`} label="New password">
        <input
          id={`${props.idPrefix}-password`}
          class="input"
          type="password"
          autoComplete="new-password"
          value={password}
          data-testid={`${props.idPrefix}-password`}
          onInput={(e) => update(e.currentTarget.value, confirm)}
        />
      </Field>
      <StrengthMeter password={password} />
      <Field
        id={`${props.idPrefix}-password-confirm`}
        label="Confirm password"
        error={showMismatch ? 'The passwords do not match.' : undefined}
      >
        <input
          id={`${props.idPrefix}-password-confirm`}
          class="input"
          type="password"
          autoComplete="new-password"
          value={confirm}
          data-testid={`${props.idPrefix}-password-confirm`}
          aria-invalid={showMismatch ? 'true' : undefined}
          onInput={(e) => update(password, e.currentTarget.value)}
          onBlur={() => setTouched(true)}
        />
      </Field>
    </div>
  );
}
