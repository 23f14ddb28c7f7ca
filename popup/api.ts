/**
 * The popup's typed call into the background (`background/ui-api.ts`) and its event feed.
 *
 * Every reply travels as `UiOutcome`; {@link callBackground} unwraps it, returning the value or
 * throwing a {@link UiError} whose `message` is a sentence to show as is.
 * @module
 */
import browser from 'webextension-polyfill';
import {
  UI_EVENT_TAG,
  UI_MESSAGE_TAG,
  type UiEnvelope,
  type UiEvent,
  type UiOutcome,
  type UiReply,
  type UiRequest,
} from '../background/ui-api';
import type { PolicyRefusal } from '../ckm/policy/types';

/** A failure from the background: `code` is stable (`WrongPassword`, `Locked`, …), `message` is for people. */
export class UiError extends Error {
  override readonly name = 'UiError';
  readonly code: string;
  /** `PolicyRefused`: which rule of the policy firewall refused, for the popup to explain. */
  readonly policy: PolicyRefusal | undefined;
  constructor(code: string, message: string, policy?: PolicyRefusal) {
    super(message);
    this.code = code;
    this.policy = policy;
  }
}

function isOutcome(reply: unknown): reply is UiOutcome<unknown> {
  if (typeof reply !== 'object' || reply === null) return false;
  const { ok, error } = reply as Record<string, unknown>;
  if (ok === true) return true;
  return (
    ok === false &&
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Record<string, unknown>).message === 'string'
  );
}

/** The value of an outcome, or its error thrown as a {@link UiError}. */
export function unwrapOutcome<T>(reply: unknown): T {
  if (!isOutcome(reply))
    throw new UiError(
      'BadReply',
      'The wallet’s background gave an answer this popup does not understand.',
    );
  if (reply.ok) return reply.value as T;
  const { code, message, policy } = reply.error;
  throw new UiError(
    typeof code === 'string' ? code : 'Error',
    message,
    typeof policy === 'object' && policy !== null && typeof policy.rule === 'string'
      ? policy
      : undefined,
  );
}

/** Sends one request to the background and returns its reply, or throws a {@link UiError}. */
export async function callBackground<T extends UiRequest>(request: T): Promise<UiReply<T>> {
  const envelope: UiEnvelope = { tag: UI_MESSAGE_TAG, request };
  let reply: unknown;
  try {
    reply = await browser.runtime.sendMessage(envelope);
  } catch (cause) {
    const detail = cause instanceof Error ? ` (${cause.message})` : '';
    throw new UiError('Unreachable', `The wallet’s background did not answer${detail}.`);
  }
  return unwrapOutcome<UiReply<T>>(reply);
}

function isUiEvent(message: unknown): message is { tag: typeof UI_EVENT_TAG; event: UiEvent } {
  if (typeof message !== 'object' || message === null) return false;
  const { tag, event } = message as Record<string, unknown>;
  return (
    tag === UI_EVENT_TAG &&
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { type?: unknown }).type === 'string'
  );
}

/** Calls `listener` for each event the background broadcasts; returns the unsubscribe. */
export function onUiEvent(listener: (event: UiEvent) => void): () => void {
  const handler = (message: unknown): undefined => {
    if (isUiEvent(message)) listener(message.event);
    return undefined;
  };
  browser.runtime.onMessage.addListener(handler);
  return () => browser.runtime.onMessage.removeListener(handler);
}

/** The sentence to show for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The stable code of a thrown value ('' when it has none). */
export function errorCode(error: unknown): string {
  return error instanceof UiError ? error.code : '';
}

/** The policy firewall's refusal carried by a thrown value, if any. */
export function errorPolicy(error: unknown): PolicyRefusal | undefined {
  return error instanceof UiError ? error.policy : undefined;
}
