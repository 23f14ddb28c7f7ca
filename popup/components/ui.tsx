/**
 * Small shared pieces: buttons that keep their size while busy, copy, alerts, fields, avatars,
 * bottom sheets, the top bar, and a hook for actions that call the background.
 * @module
 */
import type { ComponentChildren, TargetedKeyboardEvent } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api';
import { BackIcon, CheckIcon, CloseIcon, CopyIcon, InfoIcon, WarningIcon } from './icons';

/** A button label that swaps to a busy text without changing the button's size. */
export function BusyLabel(props: {
  busy: boolean;
  idle: ComponentChildren;
  busyText: string;
  /** Shown instead of the spinner (e.g. a check once done). */
  icon?: ComponentChildren;
}) {
  return (
    <span class="btn-label">
      <span hidden={props.busy}>{props.idle}</span>
      <span hidden={!props.busy} aria-hidden={!props.busy}>
        {props.icon ?? <span class="spinner" />}
        {props.busyText}
      </span>
    </span>
  );
}

/** Copies `text` and says so for a moment. */
export function CopyButton(props: {
  text: string;
  label: string;
  testid?: string;
  small?: boolean;
}) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <button
      type="button"
      class={`icon-btn${props.small ? ' sm' : ''}`}
      aria-label={copied ? 'Copied' : props.label}
      title={copied ? 'Copied' : props.label}
      data-testid={props.testid}
      onClick={() => {
        navigator.clipboard.writeText(props.text).then(
          () => setCopied(true),
          () => setCopied(false),
        );
      }}
    >
      {copied ? (
        <CheckIcon size={props.small ? 14 : 16} />
      ) : (
        <CopyIcon size={props.small ? 14 : 16} />
      )}
      <span class="visually-hidden" aria-live="polite">
        {copied ? 'Copied to the clipboard' : ''}
      </span>
    </button>
  );
}

export function Alert(props: {
  tone: 'danger' | 'caution' | 'info';
  title?: string;
  children?: ComponentChildren;
  testid?: string;
  kind?: string;
  role?: 'alert' | 'status';
}) {
  return (
    <div
      class={`alert ${props.tone}`}
      data-testid={props.testid}
      data-kind={props.kind}
      role={props.role}
    >
      {props.tone === 'info' ? <InfoIcon size={16} /> : <WarningIcon size={16} />}
      <div class="grow">
        {props.title && <strong>{props.title}</strong>}
        {props.children && <div class={props.title ? 'alert-text' : ''}>{props.children}</div>}
      </div>
    </div>
  );
}

/** An error region that is always in the DOM (so screen readers announce what appears). */
export function ErrorText(props: { error?: string; testid?: string; id?: string }) {
  return (
    <div aria-live="assertive" id={props.id}>
      {props.error && (
        <Alert tone="danger" testid={props.testid} role="alert">
          {props.error}
        </Alert>
      )}
    </div>
  );
}

export function Field(props: {
  id: string;
  label: ComponentChildren;
  error?: string;
  hint?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.error ? (
        <div class="field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </div>
      ) : (
        props.hint && (
          <div class="hint" id={`${props.id}-hint`}>
            {props.hint}
          </div>
        )
      )}
    </div>
  );
}

/** A deterministic gradient disc from an address, so accounts are told apart at a glance. */
export function Avatar(props: { address: string; size?: 'xs' | 'lg' }) {
  const hex = props.address.replace(/^0x/i, '').toLowerCase().padEnd(12, '0');
  const h1 = Number.parseInt(hex.slice(0, 4), 16) % 360;
  const h2 = (h1 + 60 + (Number.parseInt(hex.slice(4, 8), 16) % 120)) % 360;
  const angle = Number.parseInt(hex.slice(8, 10), 16) % 360;
  const style = {
    background: `linear-gradient(${angle}deg, hsl(${h1} 70% 58%), hsl(${h2} 72% 48%))`,
  };
  return (
    <span class={`avatar${props.size ? ` ${props.size}` : ''}`} style={style} aria-hidden="true" />
  );
}

/** The top bar of a sub-screen: back, title, an optional action. */
export function Bar(props: { title: string; onBack?: () => void; right?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!document.activeElement || document.activeElement === document.body)
      heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <header class="bar">
      {props.onBack && (
        <button
          type="button"
          class="icon-btn"
          aria-label="Back"
          data-testid="back"
          onClick={props.onBack}
        >
          <BackIcon />
        </button>
      )}
      <h1 tabIndex={-1} ref={heading}>
        {props.title}
      </h1>
      {props.right}
    </header>
  );
}

/** A modal list or form that rises from the bottom; Escape or the scrim closes it. */
export function Sheet(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>(
      '[aria-checked="true"], [aria-current="true"], button, input, [tabindex]',
    );
    first?.focus();
    return () => before?.focus?.();
  }, []);
  const onKeyDown = (event: TargetedKeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      props.onClose();
      return;
    }
    if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && ref.current) {
      const items = [...ref.current.querySelectorAll<HTMLElement>('[role^="menuitem"]')];
      const at = items.indexOf(document.activeElement as HTMLElement);
      if (items.length > 0) {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        items[(at + step + items.length) % items.length]?.focus();
      }
      return;
    }
    if (event.key !== 'Tab' || !ref.current) return;
    const focusable = [
      ...ref.current.querySelectorAll<HTMLElement>('button, input, select, [tabindex="0"]'),
    ].filter((el) => !(el as HTMLButtonElement).disabled);
    const first = focusable[0];
    const last = focusable.at(-1);
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the scrim closes on click; Escape also closes
    <div
      class="scrim"
      onClick={(event) => event.target === event.currentTarget && props.onClose()}
      onKeyDown={onKeyDown}
    >
      <div class="sheet" role="dialog" aria-modal="true" aria-label={props.title} ref={ref}>
        <div class="sheet-head">
          <h2>{props.title}</h2>
          <button type="button" class="icon-btn" aria-label="Close" onClick={props.onClose}>
            <CloseIcon />
          </button>
        </div>
        <div class="sheet-body">{props.children}</div>
      </div>
    </div>
  );
}

/**
 * A screen's title that takes focus when the screen appears, so keyboard and screen-reader users
 * start at the top of the new step instead of on a button that is gone.
 */
export function Title(props: { children: ComponentChildren; style?: Record<string, string> }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!document.activeElement || document.activeElement === document.body)
      ref.current?.focus({ preventScroll: true });
  }, []);
  return (
    <h1 class="title" tabIndex={-1} ref={ref} style={props.style}>
      {props.children}
    </h1>
  );
}

/** A brief confirmation at the bottom of the popup. */
export function Toast(props: { text?: string; onDone: () => void }) {
  const { text, onDone } = props;
  useEffect(() => {
    if (!text) return;
    const t = setTimeout(onDone, 1800);
    return () => clearTimeout(t);
  }, [text, onDone]);
  return (
    <div aria-live="polite" class="visually-hidden-wrapper">
      {text && (
        <div class="toast" role="status">
          {text}
        </div>
      )}
    </div>
  );
}

/**
 * Runs one background action at a time: `busy` while it runs, `error` (the message to show)
 * when it fails. `run` resolves to the action's value, or undefined after a failure.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const running = useRef(false);
  const run = useCallback(async <T,>(action: () => Promise<T>): Promise<T | undefined> => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setError(undefined);
    try {
      return await action();
    } catch (cause) {
      setError(errorMessage(cause));
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
