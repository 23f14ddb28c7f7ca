/**
 * The transaction prompt's balance-change preview (issue #8): what the chain's simulation says
 * the account gains and loses, one row per asset, red out and green in. A simulation that
 * reverts says the transaction would fail; a chain that cannot simulate says so ("Could not
 * simulate: …") rather than showing nothing, so an empty list always means "no change".
 * @module
 */
import type { BalanceChange, SimulationPreview } from '../../background/decode/types';
import { Alert } from './ui';

const METHOD_LABEL: Record<string, string> = {
  eth_simulateV1: 'eth_simulateV1',
  debug_traceCall: 'a traced call',
};

/** A reason as a sentence ending in one full stop. */
function sentence(reason: string): string {
  const t = reason.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function standardLabel(change: BalanceChange): string {
  if (change.standard === 'native') return 'Native coin';
  const name = change.standard.replace('ERC', 'ERC-');
  return change.tokenId === undefined ? name : `${name} #${change.tokenId}`;
}

/** One change; `data-amount` is the raw signed amount, for tests to compare with the chain. */
function ChangeRow(props: { change: BalanceChange }) {
  const { change } = props;
  const out = change.amount.startsWith('-');
  return (
    <li
      class={`change ${out ? 'out' : 'in'}`}
      data-testid="balance-change"
      data-amount={change.amount}
      data-address={change.address ?? 'native'}
      data-token-id={change.tokenId}
    >
      <span class="token-icon" aria-hidden="true">
        {change.symbol.replace(/^0x/, '').slice(0, 3).toUpperCase()}
      </span>
      <span class="grow">
        <span class="truncate" style={{ display: 'block', fontWeight: 600 }}>
          {change.symbol}
        </span>
        <span class="subtle truncate" title={change.address}>
          {standardLabel(change)}
        </span>
      </span>
      <strong class="change-amount">
        <span class="visually-hidden">{out ? 'You send ' : 'You receive '}</span>
        {change.display}
      </strong>
    </li>
  );
}

/** The "Balance changes" block; nothing when the background sent no preview at all. */
export function BalanceChanges(props: { preview?: SimulationPreview }) {
  const { preview } = props;
  if (preview === undefined) return null;
  if (preview.status === 'unavailable')
    return (
      <Alert tone="caution" testid="preview-unavailable" title="Balance changes unknown">
        Could not simulate: {sentence(preview.reason)} Check the details below before you confirm.
      </Alert>
    );
  if (preview.status === 'reverted')
    return (
      <Alert tone="danger" testid="preview-reverted" title="Would fail">
        This transaction would fail: {sentence(preview.reason)}
      </Alert>
    );
  return (
    <section class="card tight stack" aria-labelledby="balance-changes-title">
      <div class="row between">
        <span class="label" id="balance-changes-title">
          Balance changes
        </span>
        <span class="subtle" style={{ fontSize: '11px' }}>
          simulated with {METHOD_LABEL[preview.method] ?? preview.method}
        </span>
      </div>
      {preview.changes.length === 0 ? (
        <div class="subtle" data-testid="balance-no-change">
          No balance changes, apart from the network fee.
        </div>
      ) : (
        <ul class="changes" data-testid="balance-changes">
          {preview.changes.map((change, i) => (
            <ChangeRow
              key={`${change.address ?? 'native'}:${change.tokenId ?? ''}:${i}`}
              change={change}
            />
          ))}
        </ul>
      )}
      <div class="subtle" style={{ fontSize: '11px' }}>
        The network fee is not included above.
      </div>
    </section>
  );
}
