/**
 * A segmented control: a few mutually exclusive choices (where a backup comes from, seed phrase
 * or private key), built from real radio inputs so arrow keys and screen readers work natively.
 * @module
 */

/** A segmented choice between the ways to give a backup or a recovery key (real radios). */
export function SourceTabs<T extends string>(props: {
  name: string;
  label: string;
  options: readonly { value: T; text: string }[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <fieldset class="segmented">
      <legend class="visually-hidden">{props.label}</legend>
      {props.options.map((o) => (
        <label key={o.value} class={props.value === o.value ? 'on' : ''}>
          <input
            type="radio"
            class="visually-hidden"
            name={props.name}
            value={o.value}
            checked={props.value === o.value}
            data-testid={`source-${o.value}`}
            onChange={() => props.onChange(o.value)}
          />
          {o.text}
        </label>
      ))}
    </fieldset>
  );
}
