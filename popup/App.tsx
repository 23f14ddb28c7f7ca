/**
 * The popup: asks the background for its state, picks the screen (`screen.ts`), and re-asks on
 * every `stateChanged` / `approvalsChanged` event.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { ApprovalItem } from '../background/approvals-api';
import type { CreateProgress, UiReplies } from '../background/ui-api';
import { callBackground, errorMessage, onUiEvent } from './api';
import { Logo } from './components/icons';
import { Alert } from './components/ui';
import { isApprovalMode, pickScreen, type View } from './screen';
import { Approvals } from './screens/Approvals';
import { Home } from './screens/Home';
import { Import } from './screens/Import';
import { Onboarding } from './screens/Onboarding';
import { Settings } from './screens/Settings';
import { Unlock } from './screens/Unlock';

export type WalletState = UiReplies['getState'];

export function App() {
  const approvalMode = isApprovalMode(location.search);
  const [state, setState] = useState<WalletState>();
  const [approvals, setApprovals] = useState<readonly ApprovalItem[]>();
  const [loadError, setLoadError] = useState<string>();
  const [onboarding, setOnboarding] = useState(false);
  const [view, setView] = useState<View>('home');
  const [progress, setProgress] = useState<CreateProgress>();
  const seq = useRef(0);

  const refresh = useCallback(async () => {
    const mine = ++seq.current;
    try {
      const listing = () =>
        callBackground({ type: 'listApprovals' }).catch((): undefined => undefined);
      // In the approval window both answers are needed at once: ask in parallel.
      const early = approvalMode ? listing() : undefined;
      const next = await callBackground({ type: 'getState' });
      let items: readonly ApprovalItem[] | undefined = [];
      if (early) items = await early;
      else if (next.pendingApprovals > 0) items = await listing();
      if (mine !== seq.current) return;
      setState(next);
      setApprovals(items);
      setLoadError(undefined);
      if (next.status === 'uninitialized' || next.recovering) setOnboarding(true);
    } catch (error) {
      if (mine === seq.current) setLoadError(errorMessage(error));
    }
  }, [approvalMode]);

  useEffect(() => {
    void refresh();
    return onUiEvent((event) => {
      if (event.type === 'createProgress') setProgress(event.progress);
      else void refresh();
    });
  }, [refresh]);

  // The approval window with nothing left to show (a locked wallet whose prompts were withdrawn).
  useEffect(() => {
    if (approvalMode && state?.status === 'locked' && approvals?.length === 0)
      void closeApprovalWindow(refresh);
  }, [approvalMode, state, approvals, refresh]);

  const screen = pickScreen({
    status: state?.status,
    approvalMode,
    onboarding,
    recovering: state?.recovering === true,
    firstApproval: approvals?.[0]?.request.kind,
    view,
  });

  if (!state || screen === 'loading') return <Splash error={loadError} onRetry={refresh} />;
  switch (screen) {
    case 'onboarding':
      return (
        <Onboarding
          state={state}
          progress={progress}
          onDone={() => {
            setOnboarding(false);
            setView('home');
            void refresh();
          }}
        />
      );
    case 'unlock':
      return <Unlock onUnlocked={refresh} />;
    case 'home':
      return (
        <Home
          state={state}
          onOpenSettings={() => setView('settings')}
          onOpenApprovals={() => setView('approvals')}
          onOpenImport={() => setView('import')}
          refresh={refresh}
        />
      );
    case 'import':
      return <Import onBack={() => setView('home')} refresh={refresh} />;
    case 'settings':
      return <Settings state={state} onBack={() => setView('home')} refresh={refresh} />;
    case 'approvals':
      return (
        <Approvals
          state={state}
          items={approvals}
          approvalMode={approvalMode}
          refresh={refresh}
          onEmpty={() => (approvalMode ? void closeApprovalWindow(refresh) : setView('home'))}
          onBack={approvalMode ? undefined : () => setView('home')}
        />
      );
  }
}

/**
 * The approval window with an empty queue asks the background to close it: the background
 * forgets the window before closing it, so a request that arrived meanwhile gets a new window
 * instead of dying with this one. If one arrived first, the queue is shown again.
 */
async function closeApprovalWindow(refresh: () => Promise<void> | void): Promise<void> {
  try {
    const { closed } = await callBackground({ type: 'closeApprovalWindow' });
    if (!closed) await refresh();
  } catch {
    window.close();
  }
}

/** Shown while the first `getState` is on its way (after a short delay), or when it failed. */
function Splash(props: { error?: string; onRetry: () => void }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setSlow(true), 250);
    return () => clearTimeout(t);
  }, []);
  return (
    <div class="screen">
      <div class="body center" aria-busy={!props.error}>
        <div class="hero">
          <Logo size={56} />
          <div class="brand" style={{ fontSize: '18px' }}>
            CKM Wallet
          </div>
          {!props.error && slow && <span class="spinner lg" role="status" aria-label="Loading" />}
        </div>
        <div aria-live="assertive">
          {props.error && (
            <div class="stack">
              <Alert
                tone="danger"
                title="The wallet did not answer"
                role="alert"
                testid="load-error"
              >
                {props.error}
              </Alert>
              <button type="button" class="btn primary block" onClick={props.onRetry}>
                Try again
              </button>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
