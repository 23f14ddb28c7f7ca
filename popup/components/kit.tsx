/**
 * Showing a kit (a backup, the recovery key, the identity document): a file to download, the UR
 * text to copy, and its QR code — one code for a one-part UR, an animated code otherwise
 * (BCR-2020-005 multi-part URs, ~5 frames a second, paused while pointed at or focused so a
 * person can read "part i of n"). {@link ShareSheets} prints SSKR shares, one sheet each.
 *
 * QR codes are always dark on white, in both themes: scanners need that contrast.
 * @module
 */
import { useEffect, useId, useMemo, useState } from 'preact/hooks';
import type { KitView as Kit } from '../../background/ui-api';
import { qrPath } from '../qr';
import { base64ToBytes } from '../recovery-format';
import { Alert, CopyButton } from './ui';

/** Frames a second of an animated QR code (BC's reference wallets use 4–8). */
const FRAMES_PER_SECOND = 5;

/** One static QR code of one UR part. */
export function QrCode(props: { part: string; label: string; testid?: string; size?: number }) {
  const drawn = useMemo(() => {
    try {
      return qrPath(props.part);
    } catch {
      return undefined;
    }
  }, [props.part]);
  if (!drawn)
    return (
      <Alert tone="danger" role="alert">
        This part cannot be drawn as a QR code; use the file or the text instead.
      </Alert>
    );
  return (
    <svg
      class="qr"
      viewBox={`0 0 ${drawn.size} ${drawn.size}`}
      role="img"
      aria-label={props.label}
      data-testid={props.testid}
      shape-rendering="crispEdges"
      style={props.size ? { width: `${props.size}px`, height: `${props.size}px` } : undefined}
    >
      <rect width={drawn.size} height={drawn.size} fill="#ffffff" />
      <path d={drawn.d} fill="#000000" />
    </svg>
  );
}

/** The parts of a multi-part UR in turn; pauses on hover and focus, and by its button. */
export function AnimatedQr(props: { parts: readonly string[]; label: string }) {
  const [at, setAt] = useState(0);
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const [stopped, setStopped] = useState(false);
  const paused = hovered || focused || stopped;
  const n = props.parts.length;
  useEffect(() => {
    if (paused || n < 2) return;
    const t = setInterval(() => setAt((i) => (i + 1) % n), 1000 / FRAMES_PER_SECOND);
    return () => clearInterval(t);
  }, [paused, n]);
  const index = at % n;
  return (
    <div class="qr-frame stack" data-testid="kit-qr-animated" data-parts={n}>
      {/* Pointing at or focusing the code pauses it (a click toggles), so a part can be read. */}
      <button
        type="button"
        class="qr-box"
        onMouseEnter={() => setHovered(true)}
        onMouseLeave={() => setHovered(false)}
        onFocus={() => setFocused(true)}
        onBlur={() => setFocused(false)}
        onClick={() => setStopped((s) => !s)}
        aria-label={`${props.label}, animated QR code, part ${index + 1} of ${n}; ${stopped ? 'press to play' : 'press to pause'}`}
      >
        <QrCode
          part={props.parts[index] ?? ''}
          label={`${props.label}, animated QR code, part ${index + 1} of ${n}`}
        />
      </button>
      <div class="row between subtle">
        <span data-testid="kit-qr-part">
          Part {index + 1} of {n}
          {paused ? ' · paused' : ''}
        </span>
        <button
          type="button"
          class="btn sm ghost"
          aria-pressed={stopped}
          onClick={() => setStopped((s) => !s)}
        >
          {stopped ? 'Play' : 'Pause'}
        </button>
      </div>
    </div>
  );
}

/** Saves `kit` as a file through a temporary link (the popup has no downloads permission). */
function download(kit: Kit) {
  const bytes = base64ToBytes(kit.fileBase64);
  const url = URL.createObjectURL(
    new Blob([bytes.buffer as ArrayBuffer], { type: 'application/octet-stream' }),
  );
  const link = document.createElement('a');
  link.href = url;
  link.download = kit.fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A kit as a file, UR text and QR code. `label` names it ("Backup", "Recovery key"). */
export function KitView(props: { kit: Kit; label: string; testid?: string }) {
  const { kit } = props;
  const id = useId();
  const [saved, setSaved] = useState(false);
  return (
    <div class="kit stack" data-testid={props.testid ?? 'kit'}>
      <div class="qr-center">
        {kit.qrParts.length <= 1 ? (
          <div class="qr-box">
            <QrCode
              part={kit.qrParts[0] ?? kit.urText}
              label={`${props.label}, QR code`}
              testid="kit-qr"
            />
          </div>
        ) : (
          <AnimatedQr parts={kit.qrParts} label={props.label} />
        )}
      </div>
      <div class="field">
        <div class="row between">
          <label class="label" for={`${id}-ur`}>
            {props.label} as text (UR)
          </label>
          <CopyButton
            text={kit.urText}
            label={`Copy the ${props.label.toLowerCase()} text`}
            small
          />
        </div>
        <textarea
          id={`${id}-ur`}
          class="input mono ur-text"
          readOnly
          rows={3}
          spellcheck={false}
          value={kit.urText}
          data-testid="kit-ur"
          onFocus={(e) => e.currentTarget.select()}
        />
      </div>
      <button
        type="button"
        class="btn outline block"
        data-testid="kit-download"
        onClick={() => {
          download(kit);
          setSaved(true);
        }}
      >
        {saved ? 'Downloaded — download again' : 'Download file'}
      </button>
      <p class="subtle" aria-live="polite">
        {saved ? `Saved as ${kit.fileName} in your downloads.` : `File: ${kit.fileName}`}
      </p>
    </div>
  );
}

/**
 * SSKR shares as printable sheets: "Share i of n (k needed)", the UR text and a static QR code of
 * each of its parts. Print shows only the sheets (theme.css `@media print`).
 */
export function ShareSheets(props: {
  kits: readonly Kit[];
  threshold: number;
  label: string;
  testid?: string;
}) {
  const n = props.kits.length;
  return (
    <div class="stack" data-testid={props.testid ?? 'share-sheets'}>
      <Alert tone="info">
        Any {props.threshold} of these {n} shares rebuild the {props.label.toLowerCase()}; fewer
        reveal nothing. Give each to a different person or place.
      </Alert>
      <button
        type="button"
        class="btn primary block no-print"
        data-testid="print-shares"
        onClick={() => window.print()}
      >
        Print {n} sheets
      </button>
      <div class="print-sheets stack">
        {props.kits.map((kit, i) => (
          <section
            key={kit.urText}
            class="card share-sheet stack"
            data-testid="share-sheet"
            aria-label={`Share ${i + 1} of ${n}`}
          >
            <div class="row between">
              <strong>
                {props.label}: share {i + 1} of {n} ({props.threshold} needed)
              </strong>
              <span class="no-print">
                <CopyButton text={kit.urText} label={`Copy share ${i + 1}`} small />
              </span>
            </div>
            <div class="share-qrs">
              {(kit.qrParts.length > 0 ? kit.qrParts : [kit.urText]).map((part, j) => (
                <QrCode
                  key={part}
                  part={part}
                  size={kit.qrParts.length > 1 ? 120 : 168}
                  label={`Share ${i + 1} of ${n}, QR code${kit.qrParts.length > 1 ? ` part ${j + 1} of ${kit.qrParts.length}` : ''}`}
                />
              ))}
            </div>
            <p class="mono break share-ur" data-testid="share-ur">
              {kit.urText}
            </p>
          </section>
        ))}
      </div>
    </div>
  );
}
