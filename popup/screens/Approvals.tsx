/**
 * The approval prompts: the first queued request ("1 of N"), its origin, account and chain,
 * what it asks in readable form, warnings, then Reject / Approve. While approve is in flight the
 * prompt stays put (no layout jump); a co-signed request says who co-signed and how fast.
 *
 * Issue #8: a transaction shows its balance-change preview; a site on the phishing list gets a
 * danger panel and approve waits for "continue anyway"; a request that failed once it was
 * answered (the background has already settled it) stays on screen with its error, and a server's
 * policy refusal explained, until the user closes it.
 * @module
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type {
  ApprovalItem,
  ApprovalRequest,
  ApprovalResults,
  ChainView,
} from '../../background/approvals-api';
import type { Warning } from '../../background/decode/types';
import type { UiReplies } from '../../background/ui-api';
import type { PolicyRefusal } from '../../ckm/policy/types';
import { callBackground, errorCode, errorMessage, errorPolicy } from '../api';
import { ArrowRight, CheckIcon, GlobeIcon } from '../components/icons';
import { Tree, Warnings } from '../components/insight';
import { PhishingGate } from '../components/phishing';
import { PolicyRefusalBlock } from '../components/policy';
import { BalanceChanges } from '../components/preview';
import { Alert, Avatar, Bar, BusyLabel, CopyButton, ErrorText } from '../components/ui';
import {
  checksum,
  type FeeInputs,
  feeInputsOf,
  formatNative,
  hexToBigInt,
  hexToDecimal,
  maxNetworkFee,
  originHost,
  shortAddress,
  transactionEdits,
} from '../format';
import type { AssetNames } from '../policy-format';
import { unlockErrorText } from './Unlock';

type State = UiReplies['getState'];
type Hex = `0x${string}`;
type Cosigner = { name: string; ms: number };
type AnyResult = ApprovalResults[keyof ApprovalResults];

/** What a prompt's body hands up: the result approve sends, or why approve is not possible yet. */
type Draft = { result: AnyResult; invalid?: string; password?: string };

/** How long "Co-signed by …" stays before the next prompt. */
const COSIGNER_MS = 1100;

export type ApprovalsProps = {
  state: State;
  items?: readonly ApprovalItem[];
  approvalMode: boolean;
  refresh: () => Promise<void> | void;
  onEmpty: () => void;
  onBack?: () => void;
};

export function Approvals(props: ApprovalsProps) {
  const { items, onEmpty, refresh } = props;
  const [held, setHeld] = useState<ApprovalItem>();
  const [cosigner, setCosigner] = useState<Cosigner>();
  /**
   * The held prompt failed after it was answered: shown with its error until "Close". `listed`
   * is the queue as it was then, so that only a newer listing can show it is still waiting.
   */
  const [failed, setFailed] = useState<{ listed?: readonly ApprovalItem[] }>();
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const item = held ?? items?.[0];
  useEffect(() => {
    if (!held && items && items.length === 0) onEmpty();
  }, [held, items, onEmpty]);
  // A failed request the background still lists (it was not settled) can simply be tried again.
  useEffect(() => {
    if (!failed || !held || items === failed.listed) return;
    if (items?.some((i) => i.id === held.id)) {
      setFailed(undefined);
      setHeld(undefined);
    }
  }, [failed, held, items]);

  if (!items && !held)
    return (
      <div class="screen">
        {props.onBack && <Bar title="Requests" onBack={props.onBack} />}
        <div class="body center">
          <Alert tone="danger" title="Could not load the requests" role="alert">
            The wallet did not list its pending requests.
          </Alert>
          <button type="button" class="btn primary block" onClick={() => void refresh()}>
            Try again
          </button>
        </div>
      </div>
    );
  if (!item) return <div class="screen" aria-busy="true" />;

  const list = items ?? [];
  const index = Math.max(
    0,
    list.findIndex((i) => i.id === item.id),
  );
  const count = Math.max(list.length + (list.some((i) => i.id === item.id) ? 0 : 1), 1);

  return (
    <Prompt
      key={item.id}
      item={item}
      state={props.state}
      position={index + 1}
      count={count}
      cosigner={held ? cosigner : undefined}
      failed={held !== undefined && failed !== undefined}
      onBack={props.onBack}
      onStart={() => setHeld(item)}
      onDismiss={() => {
        setFailed(undefined);
        setHeld(undefined);
        void refresh();
      }}
      onFinish={(outcome) => {
        if (outcome.kind === 'failed') {
          if (outcome.settled) {
            setFailed({ listed: items });
          } else setHeld(undefined);
          void refresh();
          return;
        }
        if (outcome.cosigner) {
          setCosigner(outcome.cosigner);
          timer.current = setTimeout(() => {
            setHeld(undefined);
            setCosigner(undefined);
            void refresh();
          }, COSIGNER_MS);
          return;
        }
        setHeld(undefined);
        void refresh();
      }}
    />
  );
}

/**
 * `settled`: the failure came from the background's answer to approve or reject, which has
 * already taken the request off the queue (the dApp got the error): nothing to retry.
 */
type Outcome =
  | { kind: 'approved' | 'rejected'; cosigner?: Cosigner }
  | { kind: 'failed'; settled: boolean };

/** A failure to show: its sentence, and a policy refusal to explain. */
type Failure = { message: string; policy?: PolicyRefusal };

const SIGNING_KINDS = new Set(['message', 'typedData', 'transaction']);

function approveLabel(request: ApprovalRequest): string {
  switch (request.kind) {
    case 'connect':
      return 'Connect';
    case 'unlock':
      return 'Unlock';
    case 'message':
    case 'typedData':
      return 'Sign';
    case 'transaction':
      return 'Confirm';
    case 'switchChain':
      return 'Switch network';
    case 'addChain':
      return 'Add network';
    case 'watchAsset':
      return 'Add token';
  }
}

function busyLabel(request: ApprovalRequest): string {
  if (SIGNING_KINDS.has(request.kind)) return 'Signing…';
  if (request.kind === 'unlock') return 'Unlocking…';
  return 'Approving…';
}

function titleOf(request: ApprovalRequest): string {
  switch (request.kind) {
    case 'connect':
      return 'Connect to this site?';
    case 'unlock':
      return 'Unlock to continue';
    case 'message':
      return request.insight.siwe ? 'Sign in with Ethereum' : 'Signature request';
    case 'typedData':
      return request.insight.title;
    case 'transaction':
      return request.insight.action;
    case 'switchChain':
      return 'Switch network?';
    case 'addChain':
      return 'Add this network?';
    case 'watchAsset':
      return 'Add this token?';
  }
}

function warningsOf(request: ApprovalRequest): readonly Warning[] {
  return 'insight' in request ? request.insight.warnings : [];
}

function initialDraft(request: ApprovalRequest): Draft {
  if (request.kind === 'connect') {
    const first = request.accounts[0];
    return first
      ? { result: { accounts: [first] } }
      : { result: { accounts: [] }, invalid: 'Choose at least one account.' };
  }
  if (request.kind === 'unlock')
    return { result: {}, password: '', invalid: 'Enter your password.' };
  return { result: {} };
}

function Prompt(props: {
  item: ApprovalItem;
  state: State;
  position: number;
  count: number;
  cosigner?: Cosigner;
  /** The request failed after it was answered: show the failure and "Close" only. */
  failed: boolean;
  onBack?: () => void;
  onStart: () => void;
  onDismiss: () => void;
  onFinish: (outcome: Outcome) => void;
}) {
  const { item, state } = props;
  const { request } = item;
  const [draft, setDraft] = useState<Draft>(() => initialDraft(request));
  const [busy, setBusy] = useState<'approve' | 'reject'>();
  const [failure, setFailure] = useState<Failure>();
  /** A listed (phishing) site: ticked "continue anyway". */
  const [accepted, setAccepted] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const failureRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (request.kind !== 'unlock') heading.current?.focus();
  }, [request.kind]);
  useEffect(() => {
    if (props.failed) failureRef.current?.scrollIntoView({ block: 'nearest' });
  }, [props.failed]);

  const done = props.cosigner !== undefined;
  const locked = busy !== undefined || done || props.failed;
  const gated = item.phishing !== undefined && !accepted;
  const error = failure?.message;

  const fail = (cause: unknown, settled: boolean) => {
    const policy = errorPolicy(cause);
    setFailure({ message: errorMessage(cause), ...(policy ? { policy } : {}) });
    setBusy(undefined);
    props.onFinish({ kind: 'failed', settled });
  };

  const approve = async () => {
    if (locked || draft.invalid || gated) return;
    setBusy('approve');
    setFailure(undefined);
    props.onStart();
    if (request.kind === 'unlock') {
      try {
        await callBackground({ type: 'unlock', password: draft.password ?? '' });
      } catch (cause) {
        // The prompt is still queued: the password can be typed again.
        fail(new Error(unlockErrorText(cause)), false);
        return;
      }
    }
    try {
      const reply = await callBackground({
        type: 'resolveApproval',
        id: item.id,
        result: draft.result,
        ...(item.phishing ? { continueAnyway: true } : {}),
      }).catch((cause: unknown): UiReplies['resolveApproval'] => {
        // Unlocking may already have settled an unlock prompt.
        if (request.kind === 'unlock' && errorCode(cause) === 'NotFound') return {};
        throw cause;
      });
      props.onFinish({ kind: 'approved', ...(reply.cosigner ? { cosigner: reply.cosigner } : {}) });
    } catch (cause) {
      fail(cause, true);
    }
  };

  const reject = async () => {
    if (locked) return;
    setBusy('reject');
    setFailure(undefined);
    props.onStart();
    try {
      await callBackground({ type: 'rejectApproval', id: item.id });
      props.onFinish({ kind: 'rejected' });
    } catch (cause) {
      fail(cause, true);
    }
  };

  const names = assetNamesOf(request, state);
  const failureBlock = failure && (
    <div class="stack" ref={failureRef} data-testid="approval-failure">
      {failure.policy ? (
        <>
          <PolicyRefusalBlock refusal={failure.policy} names={names} />
          <div class="subtle" data-testid="approval-error">
            {error}
          </div>
        </>
      ) : (
        <ErrorText error={error} testid="approval-error" />
      )}
    </div>
  );

  const statusText = props.cosigner
    ? `Co-signed by ${props.cosigner.name} in ${props.cosigner.ms} ms`
    : busy === 'approve' && SIGNING_KINDS.has(request.kind)
      ? 'Co-signing with your server…'
      : '';

  return (
    <div class="screen" data-testid="approval" data-kind={request.kind} data-id={item.id}>
      {props.onBack && <Bar title="Requests" onBack={props.onBack} />}
      <PromptHead item={item} state={state} position={props.position} count={props.count} />
      <div class="body">
        <h1 class="prompt-title" tabIndex={-1} ref={heading}>
          {titleOf(request)}
        </h1>
        {props.failed && failureBlock}
        {item.phishing && (
          <PhishingGate
            listedDomain={item.phishing.listedDomain}
            accepted={accepted}
            disabled={locked}
            onAccepted={setAccepted}
          />
        )}
        <Warnings warnings={warningsOf(request)} />
        <PromptBody
          request={request}
          state={state}
          draft={draft}
          setDraft={setDraft}
          disabled={locked}
          error={error}
          onSubmit={() => void approve()}
        />
        {!props.failed && (failureBlock ?? <ErrorText testid="approval-error" />)}
      </div>
      <div class="footer">
        <div
          class={`status-line${props.cosigner ? ' ok' : ''}`}
          aria-live="polite"
          data-testid={props.cosigner ? 'cosigner' : undefined}
        >
          {props.cosigner && <CheckIcon size={14} />}
          {statusText}
        </div>
        {props.failed ? (
          <button
            type="button"
            class="btn lg block"
            data-testid="dismiss-failure"
            onClick={props.onDismiss}
          >
            Close
          </button>
        ) : (
          <div class="btn-pair">
            <button
              type="button"
              class="btn lg"
              data-testid="reject"
              disabled={locked}
              aria-busy={busy === 'reject'}
              onClick={() => void reject()}
            >
              <BusyLabel busy={busy === 'reject'} idle="Reject" busyText="Rejecting…" />
            </button>
            <button
              type="button"
              class={`btn lg ${item.phishing || warningsOf(request).some((w) => w.severity === 'danger') ? 'danger' : 'primary'}`}
              data-testid="approve"
              disabled={locked || draft.invalid !== undefined || gated}
              aria-busy={busy === 'approve'}
              title={gated ? 'Tick “continue anyway” first' : draft.invalid}
              onClick={() => void approve()}
            >
              <BusyLabel
                busy={busy === 'approve' || done}
                idle={approveLabel(request)}
                busyText={done ? 'Done' : busyLabel(request)}
                icon={done ? <CheckIcon size={18} /> : undefined}
              />
            </button>
          </div>
        )}
      </div>
    </div>
  );
}

/**
 * How a refusal names assets: the prompt's chain symbol for its native coin, and tokens as the
 * balance-change preview knows them (symbol, decimals).
 */
function assetNamesOf(request: ApprovalRequest, state: State): AssetNames {
  const chain = chainOf(request, state);
  const preview =
    request.kind === 'transaction' && request.insight.preview?.status === 'ok'
      ? request.insight.preview.changes
      : [];
  return {
    nativeSymbol: (chainId) =>
      chainId === chain?.chainId
        ? chain.symbol
        : chainId === state.network.chainId
          ? state.network.symbol
          : 'native',
    token: (chainId, address) => {
      if (chainId !== chain?.chainId) return undefined;
      const change = preview.find((c) => c.address?.toLowerCase() === address.toLowerCase());
      if (!change || change.standard === 'native') return undefined;
      return {
        symbol: change.symbol,
        standard: change.standard,
        ...(change.decimals !== undefined && change.standard === 'ERC20'
          ? { decimals: change.decimals }
          : {}),
      };
    },
  };
}

function chainOf(request: ApprovalRequest, state: State): ChainView | undefined {
  switch (request.kind) {
    case 'message':
    case 'typedData':
    case 'transaction':
    case 'watchAsset':
      return request.chain;
    case 'addChain':
      return state.network;
    case 'switchChain':
      return request.from;
    case 'connect':
      return state.network;
    case 'unlock':
      return undefined;
  }
}

function accountOf(request: ApprovalRequest, state: State): string | undefined {
  if ('account' in request) return request.account;
  if (request.kind === 'unlock' || request.kind === 'connect') return undefined;
  const selected = state.accounts.find((a) => a.index === state.selectedAccount);
  return selected?.address;
}

function accountName(address: string, state: State): string | undefined {
  return state.accounts.find((a) => a.address.toLowerCase() === address.toLowerCase())?.name;
}

function PromptHead(props: { item: ApprovalItem; state: State; position: number; count: number }) {
  const { item, state } = props;
  const host = originHost(item.origin);
  const chain = chainOf(item.request, state);
  const account = accountOf(item.request, state);
  const insecure =
    item.origin.startsWith('http://') &&
    !/^http:\/\/(localhost|127\.0\.0\.1)(:|$)/.test(item.origin);
  return (
    <header class="prompt-head">
      <div class="prompt-origin">
        <span class="site-icon" aria-hidden="true">
          {/^[a-z]/i.test(host) && !host.startsWith('localhost') ? (
            host.replace(/^www\./, '').charAt(0)
          ) : (
            <GlobeIcon size={22} />
          )}
        </span>
        <div class="grow">
          <div class="host" data-testid="approval-origin" title={item.origin}>
            {host}
          </div>
          <div class="subtle truncate" title={item.origin}>
            {insecure ? 'Not secure · ' : ''}
            {item.origin}
          </div>
        </div>
        {props.count > 1 && (
          <span class="badge accent" data-testid="approval-position">
            {props.position} of {props.count}
          </span>
        )}
      </div>
      {(account || chain) && (
        <div class="prompt-meta">
          {account && (
            <span class="badge" title={checksum(account)} data-testid="approval-account">
              <Avatar address={account} size="xs" />
              <span class="truncate">{accountName(account, state) ?? 'Account'}</span>
              <span class="mono" style={{ flex: 'none' }}>
                {shortAddress(account)}
              </span>
            </span>
          )}
          {chain && (
            <span
              class="badge chain"
              data-testid="approval-chain"
              title={`${chain.name} (chain ID ${chain.chainId})`}
            >
              <span class="dot" aria-hidden="true" />
              <span class="truncate">{chain.name}</span>
            </span>
          )}
        </div>
      )}
    </header>
  );
}

type BodyProps = {
  request: ApprovalRequest;
  /** The last approve's failure, if any (the unlock prompt selects its field again). */
  error?: string;
  state: State;
  draft: Draft;
  setDraft: (draft: Draft) => void;
  disabled: boolean;
  onSubmit: () => void;
};

function PromptBody(props: BodyProps) {
  const { request } = props;
  switch (request.kind) {
    case 'connect':
      return <ConnectBody {...props} request={request} />;
    case 'unlock':
      return <UnlockBody {...props} />;
    case 'message':
      return <MessageBody request={request} />;
    case 'typedData':
      return <TypedDataBody request={request} />;
    case 'transaction':
      return <TransactionBody {...props} request={request} />;
    case 'switchChain':
      return (
        <div class="stack lg">
          <p class="lead">This site wants to use another network.</p>
          <div class="arrow-flow" data-testid="switch-chain">
            <div class="chain-chip">
              {request.from.name}
              <div class="subtle">Chain {request.from.chainId}</div>
            </div>
            <ArrowRight />
            <div class="chain-chip" style={{ background: 'var(--accent-soft)' }}>
              {request.to.name}
              <div class="subtle">Chain {request.to.chainId}</div>
            </div>
          </div>
        </div>
      );
    case 'addChain':
      return (
        <div class="stack lg">
          <p class="lead">This site suggests a network. Only add networks you trust.</p>
          <div class="card tight">
            <table class="kv-table" data-testid="add-chain">
              <tbody>
                <tr>
                  <th scope="row">Chain ID</th>
                  <td>{request.chain.chainId}</td>
                </tr>
                <tr>
                  <th scope="row">Name</th>
                  <td>{request.chain.name}</td>
                </tr>
                <tr>
                  <th scope="row">Currency</th>
                  <td>{request.chain.symbol}</td>
                </tr>
                <tr>
                  <th scope="row">RPC URL</th>
                  <td class="mono">{request.rpcUrl}</td>
                </tr>
                <tr>
                  <th scope="row">Explorer</th>
                  <td class="mono">{request.blockExplorerUrl ?? '—'}</td>
                </tr>
              </tbody>
            </table>
          </div>
          <Alert tone="info">
            The RPC server sees your addresses and can report wrong balances. Your servers still
            check every transaction before they co-sign.
          </Alert>
        </div>
      );
    case 'watchAsset': {
      const a = request.asset;
      return (
        <div class="stack lg">
          <p class="lead">This site suggests a token to show in your wallet.</p>
          <div class="card tight">
            <table class="kv-table" data-testid="watch-asset">
              <tbody>
                <tr>
                  <th scope="row">Token</th>
                  <td>
                    <strong>{a.symbol ?? '—'}</strong> ({a.standard.replace('ERC', 'ERC-')})
                  </td>
                </tr>
                <tr>
                  <th scope="row">Contract</th>
                  <td class="mono">{checksum(a.address)}</td>
                </tr>
                {a.decimals !== undefined && (
                  <tr>
                    <th scope="row">Decimals</th>
                    <td>{a.decimals}</td>
                  </tr>
                )}
                {a.tokenId !== undefined && (
                  <tr>
                    <th scope="row">Token ID</th>
                    <td class="mono">{a.tokenId}</td>
                  </tr>
                )}
                <tr>
                  <th scope="row">Network</th>
                  <td>{request.chain.name}</td>
                </tr>
              </tbody>
            </table>
          </div>
          <p class="subtle">
            A token’s name and symbol are chosen by its creator; anyone can copy them.
          </p>
        </div>
      );
    }
  }
}

function ConnectBody(
  props: BodyProps & { request: Extract<ApprovalRequest, { kind: 'connect' }> },
) {
  const { request, state, draft, setDraft } = props;
  const chosen = 'accounts' in draft.result ? draft.result.accounts : [];
  const toggle = (address: Hex, on: boolean) => {
    const next = request.accounts.filter((a) => (a === address ? on : chosen.includes(a)));
    setDraft({
      result: { accounts: next },
      ...(next.length === 0 ? { invalid: 'Choose at least one account.' } : {}),
    });
  };
  return (
    <div class="stack lg">
      <p class="lead">Choose the accounts this site may see.</p>
      <fieldset class="list" style={{ margin: 0, padding: 0 }} data-testid="connect-accounts">
        <legend class="visually-hidden">Accounts</legend>
        {request.accounts.map((address, i) => (
          <label
            key={address}
            class="check"
            style={{
              padding: '12px',
              borderTop: i === 0 ? 'none' : '1px solid var(--border)',
            }}
          >
            <input
              type="checkbox"
              checked={chosen.includes(address)}
              disabled={props.disabled}
              data-testid="connect-account"
              value={address}
              onChange={(e) => toggle(address, e.currentTarget.checked)}
            />
            <Avatar address={address} />
            <span class="grow">
              <span style={{ display: 'block', fontWeight: 600 }}>
                {accountName(address, state) ?? `Account ${i + 1}`}
              </span>
              <span class="subtle mono" title={checksum(address)}>
                {shortAddress(address)}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      {draft.invalid && <div class="field-error">{draft.invalid}</div>}
      <div class="card tight stack subtle" style={{ fontSize: '12px' }}>
        <div class="row">
          <CheckIcon size={14} /> See the address, balance and activity of the chosen accounts
        </div>
        <div class="row">
          <CheckIcon size={14} /> Ask you to approve transactions and signatures
        </div>
      </div>
    </div>
  );
}

function UnlockBody(props: BodyProps) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (props.error) input.current?.select();
    else input.current?.focus();
  }, [props.error]);
  return (
    <form
      class="stack lg"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
      noValidate
    >
      <p class="lead">This site sent a request. Unlock CKM Wallet to see it.</p>
      <div class="field">
        <label for="approval-unlock-password">Password</label>
        <input
          ref={input}
          id="approval-unlock-password"
          class="input"
          type="password"
          autoComplete="current-password"
          data-testid="unlock-password"
          value={props.draft.password ?? ''}
          disabled={props.disabled}
          onInput={(e) => {
            const password = e.currentTarget.value;
            props.setDraft({
              result: {},
              password,
              ...(password === '' ? { invalid: 'Enter your password.' } : {}),
            });
          }}
        />
      </div>
    </form>
  );
}

function MessageBody(props: { request: Extract<ApprovalRequest, { kind: 'message' }> }) {
  const { insight, message } = props.request;
  if (insight.siwe) {
    return (
      <div class="stack lg">
        <p class="lead">This site asks you to sign in with your account. Signing costs nothing.</p>
        <div class="card tight">
          <table class="kv-table" data-testid="siwe">
            <tbody>
              {Object.entries(insight.siwe).map(([key, value]) => (
                <tr key={key}>
                  <th scope="row">{siweLabel(key)}</th>
                  <td class={/address|uri|nonce|chain/i.test(key) ? 'mono' : ''}>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <details class="disclosure">
          <summary>Full message</summary>
          <pre class="message-box" data-testid="message-text">
            {insight.text ?? message}
          </pre>
        </details>
      </div>
    );
  }
  return (
    <div class="stack">
      <span class="label">
        {insight.text !== undefined ? 'Message' : 'Message (hex: not readable text)'}
      </span>
      <pre class="message-box" data-testid="message-text">
        {insight.text ?? message}
      </pre>
      <p class="subtle">Signing a message costs nothing and moves no funds by itself.</p>
    </div>
  );
}

const SIWE_LABELS: Record<string, string> = {
  domain: 'Domain',
  address: 'Account',
  statement: 'Statement',
  uri: 'URI',
  version: 'Version',
  chainId: 'Chain ID',
  nonce: 'Nonce',
  issuedAt: 'Issued at',
  expirationTime: 'Expires',
  notBefore: 'Not before',
  requestId: 'Request ID',
  resources: 'Resources',
};

function siweLabel(key: string): string {
  return (
    SIWE_LABELS[key] ??
    key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase())
  );
}

function TypedDataBody(props: { request: Extract<ApprovalRequest, { kind: 'typedData' }> }) {
  const { insight, json, version } = props.request;
  let pretty = json;
  try {
    pretty = JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    // shown as received
  }
  return (
    <div class="stack lg">
      <div class="card tight stack">
        <span class="label">Message</span>
        {insight.message.length > 0 ? (
          <Tree nodes={insight.message} testid="typed-message" />
        ) : (
          <span class="subtle">Empty</span>
        )}
      </div>
      <details class="card tight disclosure" open={insight.domain.length <= 4}>
        <summary>Domain</summary>
        <Tree nodes={insight.domain} testid="typed-domain" />
      </details>
      <details class="disclosure">
        <summary>Raw data (EIP-712 {version})</summary>
        <pre class="message-box">{pretty}</pre>
      </details>
    </div>
  );
}

function TransactionBody(
  props: BodyProps & { request: Extract<ApprovalRequest, { kind: 'transaction' }> },
) {
  const { request, setDraft, disabled } = props;
  const tx = request.transaction;
  const symbol = request.chain.symbol;
  const [inputs, setInputs] = useState<FeeInputs>(() => feeInputsOf(tx));
  const [invalid, setInvalid] = useState<{ field: string; message: string }>();

  const update = (next: FeeInputs) => {
    setInputs(next);
    const check = transactionEdits(tx, next);
    if (check.ok) {
      setInvalid(undefined);
      setDraft({ result: check.edits });
    } else {
      setInvalid({ field: check.field, message: check.message });
      setDraft({ result: {}, invalid: check.message });
    }
  };
  const value = hexToBigInt(tx.value);
  const fee = maxNetworkFee(tx, inputs);
  const dataBytes = Math.max(0, (tx.data.length - 2) / 2);
  const legacy = inputs.gasPrice !== undefined;

  const feeField = (
    field: 'maxFeePerGas' | 'maxPriorityFeePerGas' | 'gasPrice' | 'nonce',
    label: string,
    testid: string,
  ) => {
    const id = `tx-${field}`;
    const bad = invalid?.field === field;
    return (
      <div class="field">
        <label for={id}>{label}</label>
        <div class="input-group">
          <input
            id={id}
            class="input sm"
            inputMode={field === 'nonce' ? 'numeric' : 'decimal'}
            value={inputs[field] ?? ''}
            disabled={disabled}
            aria-invalid={bad ? 'true' : undefined}
            aria-describedby={bad ? 'tx-fee-error' : undefined}
            data-testid={testid}
            onInput={(e) => update({ ...inputs, [field]: e.currentTarget.value })}
          />
          {field !== 'nonce' && <span class="suffix">gwei</span>}
        </div>
      </div>
    );
  };

  return (
    <div class="stack lg">
      <BalanceChanges preview={request.insight.preview} />
      <div class="card stack">
        <div class="row between">
          <span class="label">Amount</span>
          <strong data-testid="tx-value" style={{ fontSize: '18px' }}>
            {formatNative(value, symbol)}
          </strong>
        </div>
        <div class="stack" style={{ gap: '2px' }}>
          <span class="label">{tx.to ? 'To' : 'Creates a contract'}</span>
          {tx.to && (
            <div class="row">
              <span class="mono break grow" data-testid="tx-to" title={checksum(tx.to)}>
                {checksum(tx.to)}
              </span>
              <CopyButton text={checksum(tx.to)} label="Copy address" small />
            </div>
          )}
        </div>
      </div>
      {request.insight.args && request.insight.args.length > 0 && (
        <div class="card tight stack">
          <span class="label">Details</span>
          <Tree nodes={request.insight.args} testid="tx-args" />
        </div>
      )}
      {dataBytes > 0 && (
        <details class="disclosure">
          <summary>Raw data ({dataBytes} bytes)</summary>
          <pre class="message-box" data-testid="tx-data">
            {tx.data}
          </pre>
        </details>
      )}
      <div class="card stack">
        <div class="row between">
          <span class="label">Network fee (at most)</span>
          <strong data-testid="tx-max-network-fee" style={{ whiteSpace: 'nowrap' }}>
            {fee === undefined ? '—' : formatNative(fee, symbol)}
          </strong>
        </div>
        <div class="subtle">Gas limit {hexToDecimal(tx.gas)}</div>
        <div class="fee-grid">
          {legacy ? (
            feeField('gasPrice', 'Gas price', 'tx-gas-price')
          ) : (
            <>
              {feeField('maxFeePerGas', 'Max fee', 'tx-max-fee')}
              {feeField('maxPriorityFeePerGas', 'Priority fee', 'tx-priority-fee')}
            </>
          )}
          {feeField('nonce', 'Nonce', 'tx-nonce')}
        </div>
        <div aria-live="polite">
          {invalid && (
            <div class="field-error" id="tx-fee-error" role="alert">
              {invalid.message}
            </div>
          )}
        </div>
        {fee !== undefined && (
          <div class="row between subtle">
            <span>Total (at most)</span>
            <span>{formatNative(value + fee, symbol)}</span>
          </div>
        )}
      </div>
    </div>
  );
}
