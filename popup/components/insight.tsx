/**
 * What the decoders say about a request: trees of labelled values and warnings.
 * @module
 */
import type { TreeNode, Warning } from '../../background/decode/types';
import { Alert } from './ui';

/** A readable tree: leaves as label/value rows, branches as disclosures (open near the top). */
export function Tree(props: { nodes: readonly TreeNode[]; depth?: number; testid?: string }) {
  const depth = props.depth ?? 0;
  return (
    <ul class="tree" data-testid={props.testid}>
      {props.nodes.map((node, i) => (
        <li key={i} class="tree-item">
          {node.children && node.children.length > 0 ? (
            <details open={depth < 2}>
              <summary title={node.type}>
                {node.label}
                {node.value !== undefined && <span class="subtle"> {node.value}</span>}
              </summary>
              <Tree nodes={node.children} depth={depth + 1} />
            </details>
          ) : (
            <div class={(node.value?.length ?? 0) > 28 ? 'leaf wide' : 'leaf'}>
              <span class="k" title={node.type}>
                {node.label}
              </span>
              <span class="v">{node.value ?? '—'}</span>
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Warnings, danger first; each `data-testid="warning"` with its `data-kind`. */
export function Warnings(props: { warnings: readonly Warning[] }) {
  if (props.warnings.length === 0) return null;
  const sorted = [...props.warnings].sort(
    (a, b) => (a.severity === 'danger' ? 0 : 1) - (b.severity === 'danger' ? 0 : 1),
  );
  return (
    <section class="stack" aria-label="Warnings">
      {sorted.map((w, i) => (
        <Alert
          key={i}
          tone={w.severity === 'danger' ? 'danger' : 'caution'}
          title={w.severity === 'danger' ? 'Danger' : 'Check this'}
          testid="warning"
          kind={w.kind}
        >
          {w.message}
        </Alert>
      ))}
    </section>
  );
}
