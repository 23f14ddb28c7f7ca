/**
 * Progress of the one key ceremony the popup can start at a time (create, restore, recover):
 * pushed to open popups as `createProgress` events and kept for a popup opened meanwhile
 * (`getState.creating`).
 * @module
 */
import browser from 'webextension-polyfill';
import type { Progress } from '../../ckm/client/wallet';
import { type CreateProgress, UI_EVENT_TAG, type UiEvent, type UiEventEnvelope } from '../ui-api';

/** Sends an event to every open popup; nobody listening is fine. */
export function broadcastUiEvent(event: UiEvent): void {
  const envelope: UiEventEnvelope = { tag: UI_EVENT_TAG, event };
  browser.runtime.sendMessage(envelope).catch(() => {});
}

let current: CreateProgress | undefined;

export const ceremonyProgress = () => current;

/** Reports a ceremony's stages (a refresh or re-share inside it counts as its DKG). */
export function reportProgress(progress: Progress | CreateProgress | { stage: 'seal' }): void {
  current =
    progress.stage === 'refresh' || progress.stage === 'reshare'
      ? { stage: 'dkg', step: progress.step, steps: progress.steps }
      : (progress as CreateProgress);
  broadcastUiEvent({ type: 'createProgress', progress: current });
}

/** Runs a ceremony with progress, clearing it at the end. */
export async function withProgress<T>(run: () => Promise<T>): Promise<T> {
  try {
    reportProgress({ stage: 'identity' });
    const result = await run();
    reportProgress({ stage: 'done' });
    return result;
  } finally {
    current = undefined;
    broadcastUiEvent({ type: 'stateChanged' });
  }
}
