/**
 * The popup's one way into the background: a closed union of requests, each with its reply type,
 * and the events the background pushes to open popups. The popup imports these types only;
 * nothing else in the background is reachable from it.
 *
 * Every reply travels as {@link UiOutcome}: a failure is `{ ok: false, error }` with a stable
 * `code` the popup can branch on (e.g. `WrongPassword`) and a sentence it can show.
 * @module
 */

import type { PolicyRefusal, PolicyView, WalletPolicy } from '../ckm/policy/types';
import type { ApprovalItem, ApprovalResults, ChainView } from './approvals-api';
import type { Settings } from './services/settings';

type Hex = `0x${string}`;

export type WalletStatus = 'uninitialized' | 'locked' | 'unlocked';

export type AccountView = {
  readonly index: number;
  readonly name: string;
  readonly address: Hex;
  /** "imported: this key once existed whole in this browser" (issue #7); false for DKG keys. */
  readonly imported: boolean;
  /** An imported account's own key (its wallet id on the servers); absent for DKG accounts. */
  readonly walletId?: string;
  /** An imported account whose funds were moved to a collaborative account: that address. */
  readonly movedTo?: Hex;
};

export type ServerView = {
  readonly party: number;
  readonly name: string;
  readonly url: string;
  /** `identityId` of the pinned keys (64 hex). */
  readonly identity: string;
};

export type NetworkView = ChainView & {
  readonly rpcUrl: string;
  readonly blockExplorerUrl?: string;
  readonly builtIn: boolean;
};

export type ActivityStatus = 'pending' | 'confirmed' | 'failed' | 'replaced';

export type ActivityItem = {
  readonly id: string;
  readonly hash: Hex;
  readonly chainId: number;
  readonly from: Hex;
  readonly to?: Hex;
  readonly value: Hex;
  readonly nonce: number;
  readonly origin: string;
  readonly status: ActivityStatus;
  readonly submittedAt: number;
  /** What the row says ("Send 0.1 ETH", "ERC-20 approve", "Cancel"…). */
  readonly title: string;
  /** Which server co-signed and how long the signature took. */
  readonly cosigner?: { readonly name: string; readonly ms: number };
  /** Set on a speed-up or cancel: the hash it replaces. */
  readonly replaces?: Hex;
};

export type TokenView = {
  readonly standard: 'ERC20' | 'ERC721' | 'ERC1155';
  readonly address: Hex;
  readonly symbol: string;
  readonly decimals?: number;
  readonly tokenId?: string;
  /** Formatted balance, or absent when the chain did not answer. */
  readonly balance?: string;
};

export type CreateProgress =
  | { readonly stage: 'identity' | 'enroll' | 'seal' | 'commit' | 'done' }
  | { readonly stage: 'dkg'; readonly step: number; readonly steps: number };

/** Something to save or show: a file, UR text, and the UR parts of an (animated) QR code. */
export type KitView = {
  readonly fileName: string;
  /** The file's bytes, base64. */
  readonly fileBase64: string;
  readonly urText: string;
  readonly qrParts: readonly string[];
};

export type BackupInput =
  | { readonly kind: 'file'; readonly base64: string }
  | { readonly kind: 'ur'; readonly text: string }
  | { readonly kind: 'shares'; readonly texts: readonly string[] };

export type RecoveryKitInput =
  | { readonly kind: 'ur'; readonly text: string }
  | { readonly kind: 'shares'; readonly texts: readonly string[] };

/** A recovery as one server reports it. */
export type RecoveryView = {
  readonly server: string;
  /** Fingerprint of the device the key would move to. */
  readonly newDevice: string;
  readonly startedAt: number;
  /** When the servers may re-share (ms since the epoch). */
  readonly readyAt: number;
};

export type KeyInfo = {
  /** The first account's address (m/0), unchanged by every refresh and re-share. */
  readonly address: Hex;
  readonly keyVersion: number;
  /** ms since the epoch; undefined if never refreshed since creation or restore. */
  readonly lastRefreshAt?: number;
  readonly nextRefreshAt?: number;
  readonly refreshIntervalDays: number;
  /** A refresh or re-share in progress. */
  readonly busy?: 'refresh' | 'replace';
  readonly servers: readonly ServerView[];
  /** The recovery key's waiting period, if the wallet has one. */
  readonly recoveryDelaySeconds?: number;
};

/** The policy firewall as every server reports it (issue #8): one row per server. */
export type PolicyOverview = {
  readonly servers: readonly {
    readonly party: number;
    readonly name: string;
    readonly url: string;
    /** What this server holds; absent when it did not answer (`error` says why). */
    readonly view?: PolicyView;
    readonly error?: string;
  }[];
};

/**
 * A transaction a server held under the "above this amount, wait" rule, kept by the wallet so
 * that it can be sent once the waiting period is over (or cancelled on every server).
 */
export type HeldTransactionView = {
  readonly id: string;
  /** The servers' hold id (the same on every server). */
  readonly holdId: string;
  readonly chainId: number;
  readonly from: Hex;
  readonly to?: Hex;
  readonly value: Hex;
  readonly origin: string;
  readonly title: string;
  readonly createdAt: number;
  /** When the servers will co-sign it (ms since the epoch). */
  readonly readyAt: number;
};

/** The local phishing list and what the user did about it. */
export type PhishingInfo = {
  /** `bundled`: shipped with the extension; `file`: loaded by the user from a file. */
  readonly source: 'bundled' | 'file';
  readonly version: string;
  readonly domains: number;
  readonly updatedAt: number;
  /** Every "continue anyway" on a listed site, newest first (kept: the last 200). */
  readonly log: readonly { readonly origin: string; readonly at: number; readonly what: string }[];
};

export type MigrationPreview = {
  readonly from: Hex;
  readonly to: Hex;
  readonly chainId: number;
  /** One line per transfer, in order: tokens first, then ETH minus the fees. */
  readonly transfers: readonly { readonly title: string; readonly amount: string }[];
  /** Total network fee, formatted in the native symbol. */
  readonly fee: string;
};

export type UiRequest =
  /** Everything the popup needs to pick its screen. */
  | { type: 'getState' }
  /** Reads a server's identity document, to show it before it is pinned. */
  | { type: 'probeServer'; url: string }
  /** Creates the wallet: pins the servers, runs the DKG, seals the vault. Progress: `createProgress` events. */
  | {
      type: 'createWallet';
      servers: readonly { url: string; identity: string }[];
      password: string;
      /**
       * The recovery key's waiting period (ARCHITECTURE.md flow 4b); 48 hours by default. Tests
       * use seconds.
       */
      recoveryDelaySeconds?: number;
    }
  /** The recovery key made at creation, shown once: split it for friends (SSKR), then forget it. */
  | { type: 'splitRecoveryKit'; threshold: number; count: number }
  /** The recovery key again, while it is not yet saved (the popup closed before "I have saved it"). */
  | { type: 'showRecoveryKit' }
  /** The user has saved the recovery key: the background forgets it (it cannot be shown again). */
  | { type: 'dismissRecoveryKit' }
  /** Seals the device state under `password` (the wallet's own) as a backup kit. */
  | { type: 'exportBackup'; password: string }
  /** The same backup, SSKR-split `threshold`-of-`count` into printable shares. */
  | { type: 'splitBackup'; password: string; threshold: number; count: number }
  /**
   * A fresh profile restores from a backup (file bytes, UR text, or SSKR shares as UR texts) and
   * its password, then moves the key to a new device identity with the servers (the old one is
   * retired). Progress: `createProgress` events. `password` also seals the new vault.
   */
  | { type: 'restoreBackup'; backup: BackupInput; password: string }
  /**
   * A fresh profile without a backup: presents the recovery key (UR text, or SSKR shares) to
   * every server, which start the waiting period. `password` seals the new vault.
   */
  | { type: 'startRecovery'; kit: RecoveryKitInput; password: string }
  /** Where a started recovery stands (on the new device). */
  | { type: 'recoveryStatus' }
  /**
   * Once the waiting period is over: the servers re-share the key to this device. `password`
   * (the one chosen at `startRecovery`) is needed after the browser was restarted.
   */
  | { type: 'finishRecovery'; password?: string }
  /** Abandons a recovery this device started (on the new device; asks the servers to drop it). */
  | { type: 'abandonRecovery' }
  /** On the wallet's own device: a recovery someone started elsewhere, as the servers report it. */
  | { type: 'pendingRecoveries' }
  /** On the wallet's own device: cancel every pending recovery on every server. */
  | { type: 'cancelRecovery' }
  /** Key facts for Settings: version, last and next refresh, servers. */
  | { type: 'getKeyInfo' }
  /** Refreshes every share now (two-phase; the address never changes). */
  | { type: 'refreshKey' }
  /** Replaces server `party` by the server at `url` (its identity as shown by `probeServer`). */
  | { type: 'replaceServer'; party: number; url: string; identity: string }
  /** The first `count` addresses of a BIP-39 phrase (m/44'/60'/0'/0/i), to pick from. */
  | { type: 'previewMnemonic'; phrase: string; count: number }
  /** Imports the picked accounts of a phrase (each becomes its own imported key). */
  | { type: 'importMnemonic'; phrase: string; indexes: readonly number[] }
  /** Imports a raw private key (0x + 64 hex). */
  | { type: 'importPrivateKey'; privateKey: string }
  /** What "Move to a collaborative key" would send from an imported account, fees included. */
  | { type: 'previewMigration'; index: number }
  /** Moves ETH and watched tokens of imported account `index` to a fresh collaborative account. */
  | { type: 'migrateAccount'; index: number }
  /**
   * The wallet's identity document and rotation chain (a signed Envelope) as a file and UR; with
   * `index`, that imported account's (whose chain ends in its move to a collaborative key).
   */
  | { type: 'exportIdentity'; index?: number }
  | { type: 'unlock'; password: string }
  | { type: 'lock' }
  | { type: 'addAccount'; name?: string }
  | { type: 'renameAccount'; index: number; name: string }
  | { type: 'selectAccount'; index: number }
  | { type: 'getHome' }
  | { type: 'listApprovals' }
  | {
      type: 'resolveApproval';
      id: string;
      result: ApprovalResults[keyof ApprovalResults];
      /** Required for a request from a site on the phishing list; logged. */
      continueAnyway?: boolean;
    }
  | { type: 'rejectApproval'; id: string }
  /** The approval window asks to close once its queue is empty (it shows the last completion first). */
  | { type: 'closeApprovalWindow' }
  | { type: 'getActivity' }
  | { type: 'speedUp'; id: string }
  | { type: 'cancelTransaction'; id: string }
  | { type: 'listConnections' }
  | { type: 'disconnectOrigin'; origin: string }
  | { type: 'listNetworks' }
  | { type: 'selectNetwork'; chainId: number }
  | {
      type: 'addNetwork';
      chainId: number;
      name: string;
      rpcUrl: string;
      symbol: string;
      blockExplorerUrl?: string;
    }
  | { type: 'updateNetwork'; chainId: number; rpcUrl: string; name?: string }
  | { type: 'removeNetwork'; chainId: number }
  | { type: 'removeAsset'; chainId: number; address: Hex; tokenId?: string }
  | { type: 'updateSettings'; patch: Partial<Settings> }
  /** The policy firewall (issue #8): read from, and written to, every server. */
  | { type: 'getPolicy' }
  | { type: 'setPolicy'; policy: WalletPolicy }
  | { type: 'cancelPolicyChange' }
  | { type: 'listHeld' }
  /** Sends a held transaction once its waiting period is over (a fresh nonce and fees). */
  | { type: 'sendHeld'; id: string }
  /** Cancels a held transaction on every server and forgets it. */
  | { type: 'cancelHeld'; id: string }
  | { type: 'getPhishingInfo' }
  /** Replaces the phishing list with a file's text (eth-phishing-detect's JSON config format). */
  | { type: 'loadPhishingList'; text: string };

export type UiReplies = {
  getState: {
    status: WalletStatus;
    version: string;
    accounts: readonly AccountView[];
    /** Index of the selected account; undefined before onboarding. */
    selectedAccount?: number;
    network: NetworkView;
    servers: readonly ServerView[];
    /** The default servers offered at onboarding (those `npm start` runs). */
    defaultServers: readonly string[];
    pendingApprovals: number;
    settings: Settings;
    /** A `createWallet` in progress (the popup may have been closed and reopened). */
    creating?: CreateProgress;
    /** The recovery key made at creation is not saved yet: the popup offers to show it again. */
    recoveryKitPending?: boolean;
    /** A recovery started on this (new) device and not finished: the popup shows its screen. */
    recovering?: boolean;
    /** On the wallet's own device: recoveries pending on the servers (the popup warns). */
    pendingRecoveries?: readonly RecoveryView[];
  };
  probeServer: { url: string; name: string; identity: string };
  /** `recoveryKit`: the recovery key, shown once (the popup must not store it). */
  createWallet: { address: Hex; recoveryKit?: KitView };
  splitRecoveryKit: readonly KitView[];
  showRecoveryKit: KitView;
  dismissRecoveryKit: Record<string, never>;
  exportBackup: KitView;
  splitBackup: readonly KitView[];
  restoreBackup: { address: Hex };
  startRecovery: { walletId: string; readyAt: number; recoveries: readonly RecoveryView[] };
  recoveryStatus: {
    /** `none`: no recovery on this device; `waiting`: until `readyAt`; `cancelled`: the old device refused. */
    state: 'none' | 'waiting' | 'ready' | 'cancelled';
    readyAt?: number;
    recoveries: readonly RecoveryView[];
  };
  finishRecovery: { address: Hex };
  abandonRecovery: Record<string, never>;
  pendingRecoveries: readonly RecoveryView[];
  cancelRecovery: { cancelled: number };
  getKeyInfo: KeyInfo;
  refreshKey: KeyInfo;
  replaceServer: KeyInfo;
  previewMnemonic: readonly { index: number; address: Hex }[];
  importMnemonic: readonly AccountView[];
  importPrivateKey: AccountView;
  previewMigration: MigrationPreview;
  migrateAccount: { hashes: readonly Hex[]; to: AccountView };
  exportIdentity: KitView;
  unlock: Record<string, never>;
  lock: Record<string, never>;
  addAccount: AccountView;
  renameAccount: AccountView;
  selectAccount: Record<string, never>;
  getHome: {
    account: AccountView;
    network: NetworkView;
    /** Native balance, formatted (e.g. "1.2345"); absent when the RPC did not answer. */
    balance?: string;
    tokens: readonly TokenView[];
    activity: readonly ActivityItem[];
  };
  listApprovals: readonly ApprovalItem[];
  /** Answers when the request is done: for a signature, after the threshold signature, with
   * the server that co-signed and how long it took (the prompt shows it). */
  resolveApproval: { cosigner?: { name: string; ms: number } };
  rejectApproval: Record<string, never>;
  /** `closed: false` when a new request arrived meanwhile: keep showing the queue. */
  closeApprovalWindow: { closed: boolean };
  getActivity: readonly ActivityItem[];
  speedUp: ActivityItem;
  cancelTransaction: ActivityItem;
  listConnections: readonly {
    origin: string;
    accounts: readonly Hex[];
    chainId: number;
    connectedAt: number;
  }[];
  disconnectOrigin: Record<string, never>;
  listNetworks: readonly NetworkView[];
  selectNetwork: Record<string, never>;
  addNetwork: NetworkView;
  updateNetwork: NetworkView;
  removeNetwork: Record<string, never>;
  removeAsset: Record<string, never>;
  updateSettings: Settings;
  getPolicy: PolicyOverview;
  setPolicy: PolicyOverview;
  cancelPolicyChange: PolicyOverview;
  listHeld: readonly HeldTransactionView[];
  sendHeld: ActivityItem;
  cancelHeld: Record<string, never>;
  getPhishingInfo: PhishingInfo;
  loadPhishingList: PhishingInfo;
};

export type UiReply<T extends UiRequest> = UiReplies[T['type']];

/** A failure the popup can show: `code` is stable, `message` is a sentence for people. */
export type UiErrorBody = {
  readonly code: string;
  readonly message: string;
  /** `PolicyRefused`: which rule refused, as data the popup explains (issue #8). */
  readonly policy?: PolicyRefusal;
};

export type UiOutcome<T> = { ok: true; value: T } | { ok: false; error: UiErrorBody };

export const UI_MESSAGE_TAG = 'ckm-wallet:ui';
export const UI_EVENT_TAG = 'ckm-wallet:ui-event';

export type UiEnvelope = { tag: typeof UI_MESSAGE_TAG; request: UiRequest };

/** Background → open popups (a broadcast; nobody listening is fine). */
export type UiEvent =
  | { type: 'stateChanged' }
  | { type: 'approvalsChanged' }
  | { type: 'createProgress'; progress: CreateProgress };

export type UiEventEnvelope = { tag: typeof UI_EVENT_TAG; event: UiEvent };
