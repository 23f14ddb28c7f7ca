/**
 * The popup's one way into the background: a closed union of requests, each with its reply type,
 * and the events the background pushes to open popups. The popup imports these types only;
 * nothing else in the background is reachable from it.
 *
 * Every reply travels as {@link UiOutcome}: a failure is `{ ok: false, error }` with a stable
 * `code` the popup can branch on (e.g. `WrongPassword`) and a sentence it can show.
 * @module
 */
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
    }
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
  | { type: 'updateSettings'; patch: Partial<Settings> };

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
  };
  probeServer: { url: string; name: string; identity: string };
  createWallet: { address: Hex };
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
};

export type UiReply<T extends UiRequest> = UiReplies[T['type']];

/** A failure the popup can show: `code` is stable, `message` is a sentence for people. */
export type UiErrorBody = { readonly code: string; readonly message: string };

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
