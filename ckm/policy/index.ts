/**
 * The server policy firewall (issue #8, docs/ckm.md §10), one entry point for the server and the
 * wallet: the rules' vocabulary (`types.ts`), their wire and stored form (`codec.ts`), what a
 * payload would do (`analyze.ts`), the decision (`evaluate.ts`), the loosen-later timing
 * (`change.ts`), and the refusal as an error a person can read.
 * @module
 */
import { getAddress } from 'viem';
import { CkmError } from '../errors';
import type { AssetRef, PolicyRefusal } from './types';

export {
  type ApprovalEffect,
  analyzePayload,
  intentId,
  type Outflow,
  type PayloadEffects,
} from './analyze';
export {
  applyPolicyChange,
  cancelPendingChange,
  currentPolicyState,
  isUnrestricted,
  samePolicy,
  tightest,
} from './change';
export {
  decodePolicyState,
  encodePolicyState,
  type PolicyState,
  parsePolicy,
  parsePolicyRefusal,
  policyRefusalToWire,
  policyToWire,
} from './codec';
export {
  CANCELLED_HOLD_MS,
  describeIntent,
  type EvaluatePolicyParameters,
  evaluatePolicy,
  type HoldRecord,
  type PolicyDecision,
} from './evaluate';
export { type KnownSpender, knownSpender, knownSpenders } from './known-spenders';
export * from './types';

const MAX_UINT256 = ((1n << 256n) - 1n).toString();

function assetText(asset: AssetRef): string {
  const what = asset.asset === 'native' ? 'the native coin' : `token ${getAddress(asset.asset)}`;
  return `${what} on chain ${asset.chainId}`;
}

function amountText(amount: string): string {
  return amount === MAX_UINT256 ? 'an unlimited amount' : amount;
}

function timeText(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} ms` : date.toISOString();
}

/**
 * One plain-language sentence for a refusal (amounts in the asset's smallest unit; the popup
 * formats them with decimals).
 * @example explainRefusal({ rule: 'allowlist', recipient }); // '… is not on this wallet's list of allowed recipients.'
 */
export function explainRefusal(r: PolicyRefusal): string {
  switch (r.rule) {
    case 'dailyLimit':
      return `The daily limit for ${assetText(r.asset)} is ${r.limit}; ${r.spent} was already signed in the last 24 hours and this asks for ${amountText(r.requested)}.`;
    case 'allowlist':
      return `${r.recipient} is not on this wallet's list of allowed recipients.`;
    case 'unknownApproval': {
      const what =
        r.approval === 'forAll'
          ? 'access to all your items of'
          : r.approval === 'erc20'
            ? 'an unlimited allowance of'
            : 'an unlimited permit for';
      return `The servers do not co-sign ${what} ${assetText(r.asset)} to ${r.spender}, which is neither a known marketplace nor an allowed address.`;
    }
    case 'hold':
      return r.status === 'waiting'
        ? `Sending more than ${r.threshold} of ${assetText(r.asset)} waits: this request can be signed after ${timeText(r.readyAt)} unless the owner cancels it.`
        : `The owner cancelled this held request; it may be asked again after ${timeText(r.readyAt)}.`;
  }
}

/**
 * A server's `PolicyRefused` answer with its reason as data (`refusal`) and as a sentence
 * (`shortMessage`). Holds are refusals too (`refusal.rule === 'hold'`).
 * @example throw new PolicyRefusedError(decision.refusal);
 */
export class PolicyRefusedError extends CkmError {
  readonly refusal: PolicyRefusal;

  constructor(refusal: PolicyRefusal, options: { culprit?: number; cause?: unknown } = {}) {
    super('PolicyRefused', explainRefusal(refusal), options);
    this.refusal = refusal;
  }
}
