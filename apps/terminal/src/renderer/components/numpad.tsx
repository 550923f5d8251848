const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'back'] as const;

interface Props {
  readonly label: string;
  readonly onDigit: (digit: string) => void;
  readonly onBackspace: () => void;
  readonly onClear: () => void;
  readonly onEnter?: () => void;
  readonly enterLabel?: string;
}

/**
 * The on-screen keypad for touch. Its keys are left out of the Tab order and do not take the
 * focus, so the field being typed into keeps it; the physical keyboard types there directly.
 */
export function Numpad({ label, onDigit, onBackspace, onClear, onEnter, enterLabel }: Props) {
  return (
    <div className="numpad" role="group" aria-label={label}>
      {KEYS.map((key) => (
        <button
          key={key}
          type="button"
          tabIndex={-1}
          className={key === 'clear' || key === 'back' ? 'numpad-key numpad-aux' : 'numpad-key'}
          aria-label={key === 'clear' ? 'Clear' : key === 'back' ? 'Delete last digit' : key}
          onMouseDown={(event) => event.preventDefault()}
          onClick={() =>
            key === 'clear' ? onClear() : key === 'back' ? onBackspace() : onDigit(key)
          }
        >
          {key === 'clear' ? 'C' : key === 'back' ? '⌫' : key}
        </button>
      ))}
      {onEnter ? (
        <button
          type="button"
          tabIndex={-1}
          className="numpad-key numpad-enter primary"
          onMouseDown={(event) => event.preventDefault()}
          onClick={onEnter}
        >
          {enterLabel ?? 'Enter'}
        </button>
      ) : null}
    </div>
  );
}
