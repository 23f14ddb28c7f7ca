/**
 * Import from MetaMask (issue #7): a BIP-39 seed phrase (pick which of the first N addresses,
 * m/44'/60'/0'/0/i) or a raw private key. The background splits each as a trusted dealer and
 * wipes it; the popup forgets the phrase or key as soon as the import answers. The screen says
 * plainly that such a key is weaker than a collaborative one (it once existed whole).
 * @module
 */
import { useState } from 'preact/hooks';
import type { AccountView } from '../../background/ui-api';
import { callBackground } from '../api';
import { SourceTabs } from '../components/segmented';
import { Alert, Bar, BusyLabel, ErrorText, useAction } from '../components/ui';
import { checksum, shortAddress } from '../format';
import { checkAccountCount, checkPhrase, checkPrivateKey } from '../recovery-format';

type Preview = readonly { index: number; address: `0x${string}` }[];

export function Import(props: { onBack: () => void; refresh: () => void }) {
  const [kind, setKind] = useState<'phrase' | 'key'>('phrase');
  const [imported, setImported] = useState<readonly AccountView[]>();
  const select = useAction();

  if (imported)
    return (
      <div class="screen">
        <Bar title="Imported" onBack={props.onBack} />
        <div class="body">
          <Alert tone="info" title={`${imported.length === 1 ? 'Account' : 'Accounts'} imported`}>
            Your addresses are the same as in MetaMask. Move their funds to a collaborative key when
            you can.
          </Alert>
          <ul class="list" data-testid="imported-accounts">
            {imported.map((a) => (
              <li key={a.index} data-testid="imported-account" data-address={a.address}>
                <div class="grow">
                  <strong class="truncate" style={{ display: 'block' }}>
                    {a.name}
                  </strong>
                  <span class="mono subtle" title={checksum(a.address)}>
                    {checksum(a.address)}
                  </span>
                </div>
              </li>
            ))}
          </ul>
          <ErrorText error={select.error} />
        </div>
        <div class="footer">
          <button
            type="button"
            class="btn primary lg block"
            data-testid="import-done"
            disabled={select.busy}
            onClick={() => {
              const first = imported[0];
              void select
                .run(async () => {
                  if (first) await callBackground({ type: 'selectAccount', index: first.index });
                  return true;
                })
                .then((r) => {
                  if (!r) return;
                  props.refresh();
                  props.onBack();
                });
            }}
          >
            Go to {imported[0]?.name ?? 'the wallet'}
          </button>
        </div>
      </div>
    );

  return (
    <div class="screen">
      <Bar title="Import account" onBack={props.onBack} />
      <div class="body">
        <Alert tone="caution" title="Imported keys are weaker" testid="import-warning">
          An imported key once existed whole, in MetaMask and in this browser. Anyone who ever saw
          it can spend without your servers. Move the funds to a collaborative key afterwards.
        </Alert>
        <SourceTabs
          name="import-kind"
          label="Import from"
          value={kind}
          onChange={setKind}
          options={[
            { value: 'phrase', text: 'Seed phrase' },
            { value: 'key', text: 'Private key' },
          ]}
        />
        {kind === 'phrase' ? (
          <PhraseImport onImported={setImported} />
        ) : (
          <KeyImport onImported={(a) => setImported([a])} />
        )}
      </div>
    </div>
  );
}

function PhraseImport(props: { onImported: (accounts: readonly AccountView[]) => void }) {
  const [phrase, setPhrase] = useState('');
  const [count, setCount] = useState('5');
  const [preview, setPreview] = useState<Preview>();
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set([0]));
  const action = useAction();

  const show = (event: Event) => {
    event.preventDefault();
    const words = checkPhrase(phrase);
    if (!words.ok) return action.setError(words.message);
    const n = checkAccountCount(count);
    if (!n.ok) return action.setError(n.message);
    void action
      .run(() => callBackground({ type: 'previewMnemonic', phrase: words.value, count: n.value }))
      .then((list) => {
        if (!list) return;
        setPreview(list);
        setPicked(new Set(list.slice(0, 1).map((a) => a.index)));
      });
  };

  const importPicked = () => {
    const words = checkPhrase(phrase);
    if (!words.ok) return action.setError(words.message);
    if (picked.size === 0) return action.setError('Pick at least one account.');
    const indexes = [...picked].sort((a, b) => a - b);
    void action
      .run(() => callBackground({ type: 'importMnemonic', phrase: words.value, indexes }))
      .then((accounts) => {
        if (!accounts) return;
        setPhrase('');
        props.onImported(accounts);
      });
  };

  return (
    <form class="stack" onSubmit={show} noValidate>
      <div class="field">
        <label for="import-phrase">Secret recovery phrase</label>
        <textarea
          id="import-phrase"
          class="input mono"
          rows={3}
          spellcheck={false}
          autoComplete="off"
          autoCapitalize="off"
          placeholder="12 or 24 words, separated by spaces"
          value={phrase}
          data-testid="import-phrase"
          onInput={(e) => {
            setPhrase(e.currentTarget.value);
            setPreview(undefined);
          }}
        />
      </div>
      <div class="setting">
        <div class="text">
          <label for="import-count">Accounts to show</label>
          <div class="subtle">The first addresses of the phrase, as MetaMask numbers them.</div>
        </div>
        <input
          id="import-count"
          class="input sm"
          style={{ width: '64px', textAlign: 'center' }}
          inputMode="numeric"
          value={count}
          data-testid="import-count"
          onInput={(e) => setCount(e.currentTarget.value)}
        />
      </div>
      {!preview && (
        <button
          type="submit"
          class="btn outline block"
          data-testid="import-preview"
          disabled={action.busy}
          aria-busy={action.busy}
        >
          <BusyLabel busy={action.busy} idle="Show accounts" busyText="Deriving…" />
        </button>
      )}
      {preview && (
        <fieldset class="stack plain-fieldset" data-testid="import-preview-list">
          <legend class="section-title">Accounts to import</legend>
          <ul class="list">
            {preview.map((a) => (
              <li key={a.index}>
                <label class="check grow">
                  <input
                    type="checkbox"
                    checked={picked.has(a.index)}
                    data-testid="import-pick"
                    data-address={a.address}
                    onChange={(e) => {
                      const next = new Set(picked);
                      if (e.currentTarget.checked) next.add(a.index);
                      else next.delete(a.index);
                      setPicked(next);
                    }}
                  />
                  <span class="grow">
                    <span style={{ display: 'block', fontWeight: 600 }}>Account {a.index + 1}</span>
                    <span class="mono subtle" title={checksum(a.address)}>
                      {shortAddress(checksum(a.address))}
                    </span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
          <button
            type="button"
            class="btn primary block"
            data-testid="import-submit"
            disabled={action.busy || picked.size === 0}
            aria-busy={action.busy}
            onClick={importPicked}
          >
            <BusyLabel
              busy={action.busy}
              idle={`Import ${picked.size} ${picked.size === 1 ? 'account' : 'accounts'}`}
              busyText="Splitting with your servers…"
            />
          </button>
        </fieldset>
      )}
      <ErrorText error={action.error} testid="import-error" />
    </form>
  );
}

function KeyImport(props: { onImported: (account: AccountView) => void }) {
  const [key, setKey] = useState('');
  const action = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    const check = checkPrivateKey(key);
    if (!check.ok) return action.setError(check.message);
    void action
      .run(() => callBackground({ type: 'importPrivateKey', privateKey: check.value }))
      .then((account) => {
        if (!account) return;
        setKey('');
        props.onImported(account);
      });
  };
  return (
    <form class="stack" onSubmit={submit} noValidate>
      <div class="field">
        <label for="import-key">Private key</label>
        <input
          id="import-key"
          class="input mono"
          type="password"
          autoComplete="off"
          spellcheck={false}
          placeholder="0x…"
          value={key}
          data-testid="import-key"
          onInput={(e) => setKey(e.currentTarget.value)}
        />
        <div class="hint">In MetaMask: account details → Show private key.</div>
      </div>
      <ErrorText error={action.error} testid="import-error" />
      <button
        type="submit"
        class="btn primary block"
        data-testid="import-key-submit"
        disabled={action.busy}
        aria-busy={action.busy}
      >
        <BusyLabel busy={action.busy} idle="Import" busyText="Splitting with your servers…" />
      </button>
    </form>
  );
}
