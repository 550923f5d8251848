import type { ComponentPropsWithRef, ReactNode } from 'react';

type InputProps = Omit<ComponentPropsWithRef<'input'>, 'type' | 'checked' | 'onChange'>;

/** A labelled checkbox as the screens use it: the box, then its label; the new state to `onCheck`. */
export function CheckField({
  label,
  checked,
  onCheck,
  ...input
}: InputProps & {
  readonly label: ReactNode;
  readonly checked: boolean;
  readonly onCheck: (checked: boolean) => void;
}) {
  return (
    <label className="check">
      <input
        {...input}
        type="checkbox"
        checked={checked}
        onChange={(event) => onCheck(event.target.checked)}
      />
      {label}
    </label>
  );
}
