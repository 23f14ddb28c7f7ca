/**
 * Home → "Waiting" (issue #8): transactions the servers held under the owner's "above this
 * amount, wait" rule. Each row says when the servers will co-sign it; "Send" is enabled once that
 * time has come (the row updates itself on a timer), "Cancel" cancels it on every server.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { HeldTransactionView, NetworkView } from '../../background/ui-api';
import type { PolicyRefusal } from '../../ckm/policy/types';
import { callBackground, errorCode, errorMessage, errorPolicy } from '../api';
import { formatNative, hexToBigInt, shortAddress } from '../format';
import { type AssetNames, formatMoment } from '../policy-format';
import { countdown } from '../recovery-format';
import { PolicyRefusalBlock } from './policy';
import { Alert, BusyLabel } from './ui';

/**
 * The waiting list; nothing when there is none (or the background cannot list them yet).
 * `version` changes whenever the wallet's state does, to read the list again.
 */
export function HeldList(props: {
  version: unknown;
  network: NetworkView;
  onSent: (text: string) => void;
}) {
  const [items, setItems] = useState<readonly HeldTransactionView[]>();
  const [error, setError] = useState<string>();
  const seq = useRef(0);
  const load = useCallback(() => {
    const mine = ++seq.current;
    callBackground({ type: 'listHeld' }).then(
      (list) => {
        if (mine !== seq.current) return;
        setItems(list);
        setError(undefined);
      },
      (e) => {
        if (mine !== seq.current) return;
        // A background without held transactions yet: there is nothing to list.
        if (errorCode(e) === 'NotAvailable') setItems([]);
        else setError(errorMessage(e));
      },
    );
  }, []);
  useEffect(() => {
    void props.version;
    load();
  }, [props.version, load]);

  // Tick while a row is still waiting, so its countdown moves and "Send" enables on time.
  const [now, setNow] = useState(() => Date.now());
  const waiting = items?.some((i) => i.readyAt > now) ?? false;
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [waiting]);

  if (error)
    return (
      <section class="stack" aria-labelledby="held-title">
        <h2 class="section-title" id="held-title">
          Waiting
        </h2>
        <Alert tone="danger" role="alert">
          {error}
        </Alert>
      </section>
    );
  if (!items || items.length === 0) return null;
  const names: AssetNames = {
    nativeSymbol: (chainId) =>
      chainId === props.network.chainId ? props.network.symbol : 'native',
  };
  return (
    <section class="stack" aria-labelledby="held-title">
      <h2 class="section-title" id="held-title">
        Waiting
      </h2>
      <ul class="list" data-testid="held-list">
        {items.map((item) => (
          <HeldRow
            key={item.id}
            item={item}
            now={now}
            network={props.network}
            names={names}
            onDone={(text) => {
              load();
              props.onSent(text);
            }}
          />
        ))}
      </ul>
      <p class="subtle">
        Your servers hold larger transfers for your waiting period. Send them once it is over, or
        cancel them if you did not ask for them.
      </p>
    </section>
  );
}

function HeldRow(props: {
  item: HeldTransactionView;
  now: number;
  network: NetworkView;
  names: AssetNames;
  onDone: (text: string) => void;
}) {
  const { item, now } = props;
  const [busy, setBusy] = useState<'send' | 'cancel'>();
  const [failure, setFailure] = useState<{ message: string; policy?: PolicyRefusal }>();
  const ready = item.readyAt <= now;
  const value = hexToBigInt(item.value);
  const symbol = item.chainId === props.network.chainId ? props.network.symbol : 'native';

  const act = async (kind: 'send' | 'cancel') => {
    if (busy) return;
    setBusy(kind);
    setFailure(undefined);
    try {
      if (kind === 'send') await callBackground({ type: 'sendHeld', id: item.id });
      else await callBackground({ type: 'cancelHeld', id: item.id });
      props.onDone(kind === 'send' ? 'Sent' : 'Cancelled on every server');
    } catch (cause) {
      const policy = errorPolicy(cause);
      setFailure({ message: errorMessage(cause), ...(policy ? { policy } : {}) });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <li
      class="activity-row"
      data-testid="held-item"
      data-id={item.id}
      data-ready={ready ? 'true' : 'false'}
    >
      <div class="row between">
        <strong class="truncate" title={item.title}>
          {item.title}
        </strong>
        <span class={`badge ${ready ? 'success' : 'caution'}`}>{ready ? 'Ready' : 'Waiting'}</span>
      </div>
      <div class="row between subtle">
        <span class="truncate">
          {item.to ? <>to {shortAddress(item.to)}</> : 'creates a contract'} · {item.origin}
        </span>
        {value > 0n && <span class="mono">{formatNative(value, symbol)}</span>}
      </div>
      <div class="subtle" data-testid="held-ready-at">
        {ready
          ? `Ready since ${formatMoment(item.readyAt)}`
          : `Ready at ${formatMoment(item.readyAt)} (${countdown(item.readyAt, now)})`}
      </div>
      <div class="activity-actions">
        <button
          type="button"
          class="btn sm primary"
          data-testid="held-send"
          disabled={!ready || busy !== undefined}
          aria-busy={busy === 'send'}
          title={ready ? undefined : 'The servers co-sign it once the waiting period is over'}
          onClick={() => void act('send')}
        >
          <BusyLabel busy={busy === 'send'} idle="Send" busyText="Signing…" />
        </button>
        <button
          type="button"
          class="btn sm outline"
          data-testid="held-cancel"
          disabled={busy !== undefined}
          aria-busy={busy === 'cancel'}
          onClick={() => void act('cancel')}
        >
          <BusyLabel busy={busy === 'cancel'} idle="Cancel" busyText="Cancelling…" />
        </button>
      </div>
      {failure?.policy ? (
        <PolicyRefusalBlock refusal={failure.policy} names={props.names} />
      ) : (
        failure && (
          <div class="field-error" role="alert" data-testid="held-error">
            {failure.message}
          </div>
        )
      )}
    </li>
  );
}
