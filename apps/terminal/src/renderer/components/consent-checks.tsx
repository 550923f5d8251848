import { CheckField } from './check-field.js';
import type { MemberConsents } from '@tillpoint/protocol';

export type ConsentKey = keyof MemberConsents;

/** Every consent a member record holds, as a cashier reads it. */
export const CONSENT_LABELS: Readonly<Record<ConsentKey, string>> = {
  sms: 'Text messages',
  email: 'Email',
  push: 'App notifications',
  specialOffers: 'Special offers',
  birthdayOffers: 'Birthday offers',
  anniversaryOffers: 'Anniversary offers',
};

/** The consents as checkboxes: `keys` in that order, ticked as `value` says. */
export function ConsentChecks<K extends ConsentKey>({
  keys,
  value,
  onChange,
  legend = 'The customer agrees to receive',
}: {
  readonly keys: readonly K[];
  readonly value: Readonly<Record<K, boolean>>;
  readonly onChange: (next: Record<K, boolean>) => void;
  readonly legend?: string;
}) {
  return (
    <fieldset className="consents">
      <legend>{legend}</legend>
      {keys.map((key) => (
        <CheckField
          key={key}
          label={CONSENT_LABELS[key]}
          name={`consent-${key}`}
          checked={value[key]}
          onCheck={(checked) => onChange({ ...value, [key]: checked })}
        />
      ))}
    </fieldset>
  );
}
