import { useState } from 'react';
import type { FormEvent } from 'react';
import { Numpad } from '../components/numpad.js';
import { ProblemText } from '../components/feedback.js';
import { TextField } from '../components/text-field.js';
import { errorText } from '../format.js';
import { useApp } from '../store.js';

interface Match {
  readonly id: string;
  readonly name: string;
  readonly phone: string;
}

/**
 * Phone → member card; an unknown number leads to enrollment, a partial one to a short list.
 * The till remounts it for every new customer (a fresh, focused, empty field).
 */
export function PhoneLookup() {
  const terminal = useApp((state) => state.terminal);
  const showMember = useApp((state) => state.showMember);
  const showUnknown = useApp((state) => state.showUnknown);
  const [phone, setPhone] = useState('');
  const [problem, setProblem] = useState<string>();
  const [matches, setMatches] = useState<readonly Match[]>([]);

  async function lookup(event?: FormEvent) {
    event?.preventDefault();
    if (!terminal) return;
    const typed = phone.trim();
    setProblem(undefined);
    setMatches([]);
    if (typed === '') {
      setProblem('Type the customer’s phone number.');
      return;
    }
    try {
      const found = await terminal.lookupByPhone(typed);
      if (found.ok) {
        showMember(found.value);
        return;
      }
      if (found.refusal.code === 'member-not-found') {
        const normalized = (found.refusal.details as { phone?: string } | undefined)?.phone;
        showUnknown(normalized ?? typed);
        return;
      }
      // Not a whole number: perhaps the end of one, or a name.
      const search = await terminal.searchMembers(typed, 8);
      if (search.ok && search.value.length > 0) {
        setMatches(search.value);
        setProblem(`${found.refusal.message} Members matching “${typed}”:`);
      } else {
        setProblem(found.refusal.message);
      }
    } catch (error) {
      setProblem(errorText(error));
    }
  }

  async function pick(id: string) {
    if (!terminal) return;
    const card = await terminal.memberCard(id);
    if (card.ok) showMember(card.value);
    else setProblem(card.refusal.message);
  }

  return (
    <section className="panel lookup" aria-labelledby="lookup-title">
      <h2 id="lookup-title">Customer</h2>
      <form onSubmit={(event) => void lookup(event)}>
        <TextField
          label="Phone number (or last digits, or name)"
          name="phone"
          type="tel"
          inputMode="tel"
          maxLength={40}
          value={phone}
          onText={setPhone}
          aria-describedby={problem ? 'lookup-problem' : undefined}
          autoFocus
        />
        <Numpad
          label="Phone keypad"
          onDigit={(digit) => setPhone((value) => (value + digit).slice(0, 40))}
          onBackspace={() => setPhone((value) => value.slice(0, -1))}
          onClear={() => setPhone('')}
        />
        <button type="submit" className="primary big">
          Find customer (Enter)
        </button>
      </form>
      <ProblemText text={problem} id="lookup-problem" />
      {matches.length > 0 ? (
        <ul className="matches" aria-label="Matching members">
          {matches.map((match) => (
            <li key={match.id}>
              <button type="button" className="match" onClick={() => void pick(match.id)}>
                <span>{match.name}</span> <span className="muted">{match.phone}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
