/**
 * The wallet's icon, one source for the EIP-6963 announcement and the extension's PNG icons
 * (rendered by `scripts/render-icons.ts`). Three key shares around one key: the threshold idea.
 * @module
 */

export const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">' +
  '<rect width="96" height="96" rx="22" fill="#14213d"/>' +
  '<g stroke="#fca311" stroke-width="6" stroke-linecap="round">' +
  '<line x1="48" y1="48" x2="48" y2="20"/><line x1="48" y1="48" x2="24" y2="64"/>' +
  '<line x1="48" y1="48" x2="72" y2="64"/></g>' +
  '<circle cx="48" cy="20" r="10" fill="#e5e5e5"/><circle cx="24" cy="66" r="10" fill="#e5e5e5"/>' +
  '<circle cx="72" cy="66" r="10" fill="#e5e5e5"/><circle cx="48" cy="48" r="9" fill="#fca311"/>' +
  '</svg>';

/**
 * EIP-6963 asks for an RFC 2397 data URI. Base64, not URL-encoded: dApps that paste the icon into
 * `innerHTML` inside double quotes break on the quotes of a plain SVG URI.
 */
export const ICON_DATA_URI = `data:image/svg+xml;base64,${btoa(ICON_SVG)}`;
