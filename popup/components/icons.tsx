/**
 * The popup's icons: inline SVG strokes (24-unit grid), sized by `size`, coloured by currentColor.
 * @module
 */
import type { JSX } from 'preact';

type IconProps = { size?: number; title?: string };

function svg(paths: JSX.Element, { size = 18, title }: IconProps) {
  return (
    // biome-ignore lint/a11y/noSvgWithoutTitle: decorative unless a title is given (then it has one)
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width={1.8}
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden={title ? undefined : 'true'}
      role={title ? 'img' : undefined}
      focusable="false"
    >
      {title && <title>{title}</title>}
      {paths}
    </svg>
  );
}

export const CopyIcon = (p: IconProps) =>
  svg(
    <>
      <rect x="9" y="9" width="11" height="11" rx="2" />
      <path d="M5 15V6a2 2 0 0 1 2-2h9" />
    </>,
    p,
  );
export const CheckIcon = (p: IconProps) => svg(<path d="M5 12.5 10 17.5 19 7" />, p);
export const LockIcon = (p: IconProps) =>
  svg(
    <>
      <rect x="5" y="11" width="14" height="9" rx="2" />
      <path d="M8 11V8a4 4 0 0 1 8 0v3" />
    </>,
    p,
  );
export const GearIcon = (p: IconProps) =>
  svg(
    <>
      <circle cx="12" cy="12" r="3" />
      <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z" />
    </>,
    p,
  );
export const ChevronDown = (p: IconProps) => svg(<path d="m6 9 6 6 6-6" />, p);
export const ChevronRight = (p: IconProps) => svg(<path d="m9 6 6 6-6 6" />, p);
export const BackIcon = (p: IconProps) => svg(<path d="M15 18 9 12l6-6" />, p);
export const CloseIcon = (p: IconProps) => svg(<path d="M6 6l12 12M18 6 6 18" />, p);
export const PlusIcon = (p: IconProps) => svg(<path d="M12 5v14M5 12h14" />, p);
export const PencilIcon = (p: IconProps) =>
  svg(<path d="M4 20h4L19 9a2.8 2.8 0 0 0-4-4L4 16v4zM13.5 6.5l4 4" />, p);
export const TrashIcon = (p: IconProps) =>
  svg(
    <path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3" />,
    p,
  );
export const ExternalIcon = (p: IconProps) =>
  svg(<path d="M14 4h6v6M20 4l-9 9M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5" />, p);
export const WarningIcon = (p: IconProps) =>
  svg(
    <>
      <path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z" />
      <path d="M12 9v4M12 17h.01" />
    </>,
    p,
  );
export const InfoIcon = (p: IconProps) =>
  svg(
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 11v5M12 8h.01" />
    </>,
    p,
  );
export const ServerIcon = (p: IconProps) =>
  svg(
    <>
      <rect x="3" y="4" width="18" height="7" rx="2" />
      <rect x="3" y="13" width="18" height="7" rx="2" />
      <path d="M7 7.5h.01M7 16.5h.01" />
    </>,
    p,
  );
export const ShieldIcon = (p: IconProps) =>
  svg(
    <>
      <path d="M12 3 4 6v6c0 5 3.5 8 8 9 4.5-1 8-4 8-9V6l-8-3z" />
      <path d="m9 12 2 2 4-4" />
    </>,
    p,
  );
export const GlobeIcon = (p: IconProps) =>
  svg(
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M3 12h18M12 3a14 14 0 0 1 0 18M12 3a14 14 0 0 0 0 18" />
    </>,
    p,
  );
export const ArrowRight = (p: IconProps) => svg(<path d="M5 12h14M13 6l6 6-6 6" />, p);
export const KeyIcon = (p: IconProps) =>
  svg(
    <>
      <circle cx="8" cy="15" r="4" />
      <path d="m11 12 9-9M16 7l3 3" />
    </>,
    p,
  );

/** The CKM mark: two key halves meeting. */
export function Logo({ size = 32 }: { size?: number }) {
  return (
    <span class="logo" style={{ width: `${size}px`, height: `${size}px` }} aria-hidden="true">
      {/* biome-ignore lint/a11y/noSvgWithoutTitle: inside an aria-hidden mark */}
      <svg width={size * 0.62} height={size * 0.62} viewBox="0 0 24 24" fill="none">
        <circle cx="8" cy="12" r="4.2" stroke="currentColor" stroke-width="2.4" />
        <circle cx="16" cy="12" r="4.2" stroke="currentColor" stroke-width="2.4" opacity="0.75" />
      </svg>
    </span>
  );
}
