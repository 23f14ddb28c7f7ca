/**
 * The shape of the RPC method table and of the services a handler may use. Each method carries
 * its handler next to its policy, so the router is one short pipeline (see STYLE.md §4).
 * @module
 */

import type { AccountsService } from '../services/accounts';
import type { ActivityService } from '../services/activity';
import type { ApprovalsService } from '../services/approvals';
import type { AssetsService } from '../services/assets';
import type { HeldService } from '../services/held';
import type { IdentityService } from '../services/identity';
import type { KeyMaintenanceService } from '../services/key-maintenance';
import type { KeyringService } from '../services/keyring';
import type { NetworksService } from '../services/networks';
import type { PermissionsService } from '../services/permissions';
import type { PhishingService } from '../services/phishing';
import type { ProviderEventsService } from '../services/provider-events';
import type { RecoveryWatchService } from '../services/recovery-watch';
import type { SettingsService } from '../services/settings';
import type { SignerService } from '../services/signer';
import type { SubscriptionsService } from '../services/subscriptions';
import type { TransactionsService } from '../services/transactions';

/** What the router knows about the caller; `origin` always comes from the browser. */
export type RequestContext = {
  readonly origin: string;
  /** The port the request came on (for `eth_subscribe` notifications); absent in unit tests. */
  readonly portId?: string;
};

/**
 * The services a handler may use. Each has one responsibility (Rabby's background split); the
 * popup reaches them only through `ui-api.ts`.
 */
export type Services = {
  readonly settings: SettingsService;
  readonly networks: NetworksService;
  readonly keyring: KeyringService;
  readonly accounts: AccountsService;
  readonly permissions: PermissionsService;
  readonly approvals: ApprovalsService;
  readonly events: ProviderEventsService;
  readonly signer: SignerService;
  readonly transactions: TransactionsService;
  readonly activity: ActivityService;
  readonly assets: AssetsService;
  readonly subscriptions: SubscriptionsService;
  readonly keyMaintenance: KeyMaintenanceService;
  readonly recoveryWatch: RecoveryWatchService;
  readonly identity: IdentityService;
  readonly held: HeldService;
  readonly phishing: PhishingService;
};

export type RpcRequest = { readonly method: string; readonly params?: unknown };

export type MethodHandler = (
  request: RpcRequest,
  context: RequestContext,
  services: Services,
) => unknown | Promise<unknown>;

export type MethodSpec = {
  /**
   * `public`: answered for any origin, connected or not, locked or not.
   * `connected`: the origin must hold the `eth_accounts` permission (else 4100 before the
   * handler runs); a handler that needs the key asks the user to unlock first.
   */
  readonly policy: 'public' | 'connected';
  readonly handle: MethodHandler;
};

export type MethodTable = Readonly<Record<string, MethodSpec>>;
