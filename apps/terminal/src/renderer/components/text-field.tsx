import type { ComponentPropsWithRef, ReactNode } from 'react';

type InputProps = Omit<ComponentPropsWithRef<'input'>, 'value' | 'onChange'>;

/**
 * A labelled text input as the screens use it: the label above, no browser autofill (a till is
 * shared, and autofill would offer the last customer's details), the typed text to `onText`.
 */
export function TextField({
  label,
  value,
  onText,
  ...input
}: InputProps & {
  readonly label: ReactNode;
  readonly value: string;
  readonly onText: (text: string) => void;
}) {
  return (
    <label className="field">
      <span>{label}</span>
      <input
        autoComplete="off"
        {...input}
        value={value}
        onChange={(event) => onText(event.target.value)}
      />
    </label>
  );
}
