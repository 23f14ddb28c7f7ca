/**
 * The local phishing list in the popup (issue #8): the prompt's gate for a listed site (a danger
 * panel; approve stays disabled until "continue anyway" is ticked, and that choice is logged by
 * the background), and the Settings section that shows the list, loads a newer one from a file,
 * and lists every "continue anyway".
 * @module
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { PhishingInfo } from '../../background/ui-api';
import { callBackground, errorCode, errorMessage } from '../api';
import { formatDateTime } from '../recovery-format';
import { Alert, BusyLabel, ErrorText, useAction } from './ui';

/** Above the prompt of a listed site: why, and the "continue anyway" box. */
export function PhishingGate(props: {
  listedDomain: string;
  accepted: boolean;
  disabled: boolean;
  onAccepted: (accepted: boolean) => void;
}) {
  return (
    <div class="phishing-panel" data-testid="phishing-warning" role="alert">
      <Alert tone="danger" title="Known phishing site">
        This site is on the phishing list ({props.listedDomain}). Sites like this copy real ones to
        make you sign away your funds. Reject unless you are certain it is safe.
      </Alert>
      <label class="check">
        <input
          type="checkbox"
          checked={props.accepted}
          disabled={props.disabled}
          data-testid="continue-anyway"
          onChange={(e) => props.onAccepted(e.currentTarget.checked)}
        />
        <span>I understand the risk, continue anyway</span>
      </label>
    </div>
  );
}

/** The largest list file read (eth-phishing-detect's config is a few MB). */
const MAX_LIST_BYTES = 32 * 1024 * 1024;

/** Settings: the phishing list's source, version and size; load one from a file; the log. */
export function PhishingList(props: { onToast: (text: string) => void }) {
  const [info, setInfo] = useState<PhishingInfo>();
  const [loadError, setLoadError] = useState<{ code: string; message: string }>();
  const upload = useAction();

  const load = useCallback(() => {
    callBackground({ type: 'getPhishingInfo' }).then(
      (next) => {
        setInfo(next);
        setLoadError(undefined);
      },
      (e) => setLoadError({ code: errorCode(e), message: errorMessage(e) }),
    );
  }, []);
  useEffect(load, [load]);

  const onFile = (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (file.size > MAX_LIST_BYTES)
      return upload.setError('That file is too large to be a phishing list.');
    void upload
      .run(async () => callBackground({ type: 'loadPhishingList', text: await file.text() }))
      .then((next) => {
        if (!next) return;
        setInfo(next);
        props.onToast(`Phishing list loaded: ${next.domains} domains`);
      });
  };

  return (
    <div class="card stack" data-testid="phishing-section">
      <strong>Phishing list</strong>
      {loadError?.code === 'NotAvailable' ? (
        <p class="subtle" data-testid="phishing-unavailable">
          The phishing list is not available in this version of the wallet yet.
        </p>
      ) : loadError ? (
        <Alert tone="danger">{loadError.message}</Alert>
      ) : !info ? (
        <span class="spinner" role="status" aria-label="Loading" />
      ) : (
        <>
          <dl class="kv" data-testid="phishing-info">
            <dt>Source</dt>
            <dd data-testid="phishing-source">
              {info.source === 'bundled' ? 'Shipped with the wallet' : 'Loaded from a file'}
            </dd>
            <dt>Version</dt>
            <dd class="truncate" title={info.version}>
              {info.version}
            </dd>
            <dt>Domains</dt>
            <dd data-testid="phishing-domains">{info.domains}</dd>
            <dt>Updated</dt>
            <dd>{formatDateTime(info.updatedAt)}</dd>
          </dl>
          <PhishingLog log={info.log} />
        </>
      )}
      <div class="field">
        <label for="phishing-file">Load a newer list (eth-phishing-detect JSON)</label>
        <input
          id="phishing-file"
          type="file"
          accept=".json,application/json,text/plain"
          class="input sm"
          data-testid="phishing-file"
          disabled={upload.busy || loadError?.code === 'NotAvailable'}
          onChange={(e) => onFile(e.currentTarget)}
        />
      </div>
      {upload.busy && (
        <div class="subtle" role="status">
          <BusyLabel busy idle="" busyText="Loading the list…" />
        </div>
      )}
      <ErrorText error={upload.error} testid="phishing-error" />
    </div>
  );
}

function PhishingLog(props: { log: PhishingInfo['log'] }) {
  if (props.log.length === 0) return <p class="subtle">You never continued on a listed site.</p>;
  return (
    <div class="stack" style={{ gap: '2px' }}>
      <span class="label">You continued anyway on</span>
      <ul class="list" data-testid="phishing-log">
        {props.log.map((entry, i) => (
          <li
            key={`${entry.at}:${i}`}
            data-testid="phishing-log-item"
            data-origin={entry.origin}
            style={{ flexDirection: 'column', alignItems: 'stretch', gap: '0' }}
          >
            <strong class="truncate" title={entry.origin}>
              {entry.origin}
            </strong>
            <span class="subtle truncate" title={entry.what}>
              {formatDateTime(entry.at)} · {entry.what}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
