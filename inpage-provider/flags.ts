/**
 * The user's settings the provider must know synchronously, before the page's first script:
 * today only "appear as MetaMask". A MAIN-world script cannot read extension storage, so the
 * background registers a tiny MAIN-world script (`extension/inpage-no-metamask.content.ts`) only
 * when the setting is off, and that script hands the flags over here.
 *
 * Both scripts run at `document_start` in the same world, before any page script. The hand-off
 * works in either order: whichever runs second finds what the first left under {@link FLAGS_KEY}
 * (the flags, or the provider's function that applies them). A page script could call that
 * function too, but it can only change what this page itself sees.
 * @module
 */

export type InpageFlags = {
  /** `isMetaMask` on the provider (default true, as the setting's default). */
  readonly appearAsMetaMask: boolean;
};

export const DEFAULT_FLAGS: InpageFlags = Object.freeze({ appearAsMetaMask: true });

/** Shared between the two scripts, which are separate bundles: a registry symbol. */
export const FLAGS_KEY: unique symbol = Symbol.for('ckm-wallet:inpage-flags') as never;

type FlagsHost = { [FLAGS_KEY]?: unknown };

function isFlags(value: unknown): value is InpageFlags {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { appearAsMetaMask?: unknown }).appearAsMetaMask === 'boolean'
  );
}

function store(host: object, value: unknown): void {
  Object.defineProperty(host, FLAGS_KEY, { value, configurable: true, writable: true });
}

/** Called by the flags script: apply `flags` to a provider already there, or leave them for it. */
export function publishFlags(host: object, flags: InpageFlags): void {
  const waiting = (host as FlagsHost)[FLAGS_KEY];
  if (typeof waiting === 'function') waiting(flags);
  else store(host, Object.freeze({ ...flags }));
}

/**
 * Called by the provider: applies flags published earlier, if any, and applies any published
 * later the moment they are. `apply` receives only well-formed flags.
 */
export function receiveFlags(host: object, apply: (flags: InpageFlags) => void): void {
  const early = (host as FlagsHost)[FLAGS_KEY];
  if (isFlags(early)) apply(early);
  store(host, (flags: unknown) => {
    if (isFlags(flags)) apply(flags);
  });
}
