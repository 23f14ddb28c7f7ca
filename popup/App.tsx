import { useEffect, useState } from 'preact/hooks';
import type { UiReplies } from '../background/ui-api';
import { callBackground } from './api';

type Status = UiReplies['getStatus'];

export function App() {
  const [status, setStatus] = useState<Status | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    callBackground({ type: 'getStatus' }).then(setStatus, (cause: unknown) =>
      setError(cause instanceof Error ? cause.message : String(cause)),
    );
  }, []);

  return (
    <main class="popup">
      <header>
        <img src="/icon-48.png" alt="" width={32} height={32} />
        <h1>CKM Wallet</h1>
      </header>
      {error && (
        <p role="alert" class="error">
          The wallet's background did not answer: {error}
        </p>
      )}
      {status ? (
        <dl data-testid="status">
          <dt>Network</dt>
          <dd data-testid="network">{status.networkName}</dd>
          <dt>Chain id</dt>
          <dd data-testid="chain-id">{status.chainId}</dd>
          <dt>Version</dt>
          <dd>{status.version}</dd>
        </dl>
      ) : (
        !error && <p aria-busy="true">Loading…</p>
      )}
      <p class="note">
        No wallet yet: creating one with the CKM servers (onboarding) is not built in this version.
      </p>
    </main>
  );
}
