import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { CheckField } from '../components/check-field.js';
import { ProblemText } from '../components/feedback.js';
import { TextField } from '../components/text-field.js';
import { errorText } from '../format.js';
import { platform, useApp } from '../store.js';
import {
  applySettingsPatch,
  defaultSettings,
  InvalidSettingsError,
  MIN_IDLE_MINUTES,
} from '../../shared/settings.js';
import type { TerminalSettings, TerminalSettingsPatch } from '../../shared/settings.js';

interface SettingsForm {
  readonly cashierMinutes: string;
  readonly managerMinutes: string;
  readonly kiosk: boolean;
  readonly printerMode: 'pdf' | 'system';
  readonly deviceName: string;
  readonly silent: boolean;
}

function formOf(settings: TerminalSettings): SettingsForm {
  return {
    cashierMinutes: String(settings.idleSignOut.cashierMinutes),
    managerMinutes: String(settings.idleSignOut.managerMinutes),
    kiosk: settings.kiosk,
    printerMode: settings.printer.mode,
    deviceName: settings.printer.deviceName,
    silent: settings.printer.silent,
  };
}

/** Minutes as typed ("15", "0.5", "0,5"): 0, or 0.2 to 720; or the reason they are not. */
function minutesOf(typed: string, who: string): number | string {
  const text = typed.trim();
  const minutes = /^\d{1,3}(?:[.,]\d{1,3})?$/.test(text) ? Number(text.replace(',', '.')) : NaN;
  if (!(minutes === 0 || (minutes >= MIN_IDLE_MINUTES && minutes <= 720))) {
    return `${who}: type the minutes, 0 (never) or from ${MIN_IDLE_MINUTES} to 720.`;
  }
  return minutes;
}

/**
 * A manager's settings of this till: when idle staff are signed out and, in the desktop app,
 * kiosk mode and how receipts are printed. The server address and enrollment are first run's.
 */
export function TillSettingsScreen() {
  const current = useApp((state) => state.settings) ?? defaultSettings();
  const saveSettings = useApp((state) => state.saveSettings);
  const desktop = platform.platform.kind === 'electron';
  const [form, setForm] = useState<SettingsForm>(() => formOf(current));
  const [problem, setProblem] = useState<string>();
  const [saved, setSaved] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState<string>();

  useEffect(() => {
    void platform.appVersion().then(setVersion, () => undefined);
  }, []);

  const set = (patch: Partial<SettingsForm>) => {
    setForm((value) => ({ ...value, ...patch }));
    setSaved(undefined);
  };

  async function save(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setSaved(undefined);
    const cashierMinutes = minutesOf(form.cashierMinutes, 'Cashiers');
    const managerMinutes = minutesOf(form.managerMinutes, 'Managers');
    if (typeof cashierMinutes === 'string' || typeof managerMinutes === 'string') {
      const reasons = [cashierMinutes, managerMinutes].filter((m) => typeof m === 'string');
      setProblem(`Not saved. ${reasons.join(' ')}`);
      return;
    }
    const patch: TerminalSettingsPatch = {
      idleSignOut: { cashierMinutes, managerMinutes },
      ...(desktop
        ? {
            kiosk: form.kiosk,
            printer: { mode: form.printerMode, deviceName: form.deviceName, silent: form.silent },
          }
        : {}),
    };
    // The same check the shell makes before it writes the file, for a reason in plain words.
    const checked = applySettingsPatch(current, patch);
    if (!checked.ok) {
      setProblem(`Not saved: ${checked.problems.join('; ')}.`);
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const stored = await saveSettings(patch);
      setForm(formOf(stored));
      setSaved('Saved.');
    } catch (error) {
      setProblem(
        error instanceof InvalidSettingsError
          ? `Not saved: ${error.problems.join('; ')}.`
          : `Not saved: ${errorText(error)}`,
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="desk">
      <section className="panel" aria-labelledby="settings-title">
        <h1 id="settings-title">This till</h1>
        <p className="muted" data-testid="till-identity">
          Server {current.serverUrl ?? 'not set'}
          {version ? ` · Tillpoint ${version}` : ''}
        </p>
        <form onSubmit={(event) => void save(event)} noValidate>
          <fieldset>
            <legend>Sign staff out after this long without use (minutes, 0 for never)</legend>
            <div className="field-row">
              <TextField
                label="Cashiers"
                name="cashierMinutes"
                inputMode="decimal"
                maxLength={6}
                value={form.cashierMinutes}
                onText={(cashierMinutes) => set({ cashierMinutes })}
                autoFocus
              />
              <TextField
                label="Managers"
                name="managerMinutes"
                inputMode="decimal"
                maxLength={6}
                value={form.managerMinutes}
                onText={(managerMinutes) => set({ managerMinutes })}
              />
            </div>
          </fieldset>
          {desktop ? (
            <>
              <fieldset>
                <legend>Window</legend>
                <CheckField
                  label="Kiosk: full screen, no menu; the window closes only when the app quits"
                  name="kiosk"
                  checked={form.kiosk}
                  onCheck={(kiosk) => set({ kiosk })}
                />
                <p className="muted">
                  A till started with <code>--kiosk</code> stays a kiosk whatever this says.
                </p>
              </fieldset>
              <fieldset>
                <legend>Receipts</legend>
                <div className="field-row">
                  <label className="field">
                    <span>Print to</span>
                    <select
                      name="printerMode"
                      value={form.printerMode}
                      onChange={(event) =>
                        set({ printerMode: event.target.value === 'system' ? 'system' : 'pdf' })
                      }
                    >
                      <option value="pdf">PDF files</option>
                      <option value="system">A printer</option>
                    </select>
                  </label>
                  {form.printerMode === 'system' ? (
                    <TextField
                      label="Printer name (empty: the default printer)"
                      name="deviceName"
                      maxLength={200}
                      value={form.deviceName}
                      onText={(deviceName) => set({ deviceName })}
                    />
                  ) : null}
                </div>
                {form.printerMode === 'system' ? (
                  <CheckField
                    label="Print without asking"
                    name="silent"
                    checked={form.silent}
                    onCheck={(silent) => set({ silent })}
                  />
                ) : null}
              </fieldset>
            </>
          ) : (
            <p className="muted">
              Kiosk mode and the receipt printer are set in the desktop app; this browser prints
              through its own dialog.
            </p>
          )}
          <ProblemText text={problem} testId="settings-problem" />
          {saved ? (
            <p className="success" role="status" data-testid="settings-saved">
              {saved}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save (Enter)'}
            </button>
          </div>
        </form>
      </section>
    </main>
  );
}
