/**
 * The warning the wallet's own device shows while someone else's recovery is pending (Home and
 * Settings): when it can take over, and "Cancel recovery" (`cancelRecovery` on every server).
 * @module
 */
import type { RecoveryView } from '../../background/ui-api';
import { callBackground } from '../api';
import { fingerprint } from '../format';
import { formatDateTime } from '../recovery-format';
import { WarningIcon } from './icons';
import { BusyLabel, ErrorText, useAction } from './ui';

/**
 * Someone presented the recovery key on another device: until `readyAt` this device can refuse.
 * The earliest hand-over among the servers is the date that matters.
 */
export function PendingRecoveryBanner(props: {
  recoveries: readonly RecoveryView[];
  onCancelled: (count: number) => void;
}) {
  const cancel = useAction();
  const readyAt = Math.min(...props.recoveries.map((r) => r.readyAt));
  return (
    <div class="recovery-banner" role="alert" data-testid="pending-recovery">
      <div class="stack" style={{ gap: '4px' }}>
        <WarningIcon size={18} />
        <strong>Someone started recovering this wallet on another device.</strong>
        <span>It can take over on {formatDateTime(readyAt)}. If this was not you, cancel it.</span>
        <span class="subtle">
          New device {fingerprint(props.recoveries[0]?.newDevice ?? '')} · via{' '}
          {props.recoveries.map((r) => r.server).join(', ')}
        </span>
      </div>
      <button
        type="button"
        class="btn danger block"
        data-testid="cancel-recovery"
        disabled={cancel.busy}
        aria-busy={cancel.busy}
        onClick={() =>
          void cancel
            .run(() => callBackground({ type: 'cancelRecovery' }))
            .then((r) => r && props.onCancelled(r.cancelled))
        }
      >
        <BusyLabel busy={cancel.busy} idle="Cancel recovery" busyText="Cancelling…" />
      </button>
      <ErrorText error={cancel.error} testid="cancel-recovery-error" />
    </div>
  );
}
