/**
 * The platform the screens run on: the Electron preload's `window.tillpoint` when present,
 * otherwise the same contract implemented with web APIs, so the UI also runs in a plain browser
 * (`npm start` without Electron, the Playwright suite): receipts go to the browser's print
 * dialog, settings to localStorage, the version from the build.
 */
import { parseProvisioning } from '../shared/bridge.js';
import type { PrintOutcome, Provisioning, TillpointBridge } from '../shared/bridge.js';
import { ReceiptSchema } from '../shared/receipt.js';
import type { ParsedReceipt } from '../shared/receipt.js';
import {
  applySettingsPatch,
  defaultSettings,
  InvalidSettingsError,
  salvageSettings,
} from '../shared/settings.js';
import type { TerminalSettings, TerminalSettingsPatch } from '../shared/settings.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a plain browser. */
    readonly tillpoint?: TillpointBridge;
  }
}

const SETTINGS_KEY = 'tillpoint.settings';

/**
 * The stored settings; one bad or unknown field (a newer version's) loses only itself, not the
 * server address, as in the desktop app's file.
 */
function readSettings(): TerminalSettings {
  const stored = window.localStorage.getItem(SETTINGS_KEY);
  if (stored === null) return defaultSettings();
  try {
    return salvageSettings(JSON.parse(stored)).settings;
  } catch {
    return defaultSettings();
  }
}

function writeSettings(patch: TerminalSettingsPatch): TerminalSettings {
  const result = applySettingsPatch(readSettings(), patch);
  if (!result.ok) throw new InvalidSettingsError(result.problems);
  window.localStorage.setItem(SETTINGS_KEY, JSON.stringify(result.settings));
  return result.settings;
}

function receiptElement(receipt: ParsedReceipt): HTMLElement {
  const root = document.createElement('section');
  root.setAttribute('aria-label', 'Receipt');
  root.style.font = '12px/1.4 monospace';
  root.style.width = '72mm';
  const centred = (rows: readonly string[]) => {
    for (const row of rows) {
      const p = document.createElement('p');
      p.textContent = row;
      p.style.textAlign = 'center';
      p.style.margin = '0';
      root.append(p);
    }
  };
  centred(receipt.header);
  const table = document.createElement('table');
  table.style.width = '100%';
  table.style.margin = '3mm 0';
  for (const line of receipt.lines) {
    const row = table.insertRow();
    const label = row.insertCell();
    const value = row.insertCell();
    label.textContent = line.label;
    value.textContent = line.value;
    value.style.textAlign = 'right';
    if (line.emphasis) row.style.fontWeight = 'bold';
  }
  root.append(table);
  centred(receipt.footer);
  return root;
}

/**
 * Prints only the receipt: everything else on the page is hidden for the dialog's duration.
 * Styles are set through the DOM, which the content security policy allows (no inline CSS).
 */
function printInBrowser(input: unknown): PrintOutcome {
  const parsed = ReceiptSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, reason: `the receipt is malformed: ${parsed.error.issues[0]?.message}` };
  }
  const receipt = receiptElement(parsed.data);
  const hidden: { element: HTMLElement; display: string }[] = [];
  for (const child of Array.from(document.body.children)) {
    if (child instanceof HTMLElement) {
      hidden.push({ element: child, display: child.style.display });
      child.style.display = 'none';
    }
  }
  document.body.append(receipt);
  try {
    window.print();
    return { ok: true, kind: 'printed' };
  } catch (error) {
    return { ok: false, reason: `the browser could not print: ${String(error)}` };
  } finally {
    receipt.remove();
    for (const { element, display } of hidden) element.style.display = display;
  }
}

export const browserPlatform: TillpointBridge = {
  platform: { kind: 'browser', os: navigator.userAgent, versions: {} },
  appVersion: () => Promise.resolve(__APP_VERSION__),
  printReceipt: (receipt) => Promise.resolve(printInBrowser(receipt)),
  settings: {
    get: () => Promise.resolve(readSettings()),
    set: (patch) => {
      try {
        return Promise.resolve(writeSettings(patch));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  },
};

export const platform: TillpointBridge = window.tillpoint ?? browserPlatform;

/**
 * The first-run hand-off from the page URL (`?serverUrl=&enrollmentCode=`), read once at start
 * and removed from the address bar and history so the code is not left lying around.
 */
export const provisioning: Provisioning | undefined = parseProvisioning(window.location.search);
if (provisioning) {
  window.history.replaceState(
    window.history.state,
    '',
    `${window.location.pathname}${window.location.hash}`,
  );
}

/**
 * The server URL handed over at first run is saved like one typed on the first-run screen.
 * Under Electron the shell already saved it (from --server-url), so only the browser does here.
 */
export async function applyProvisionedServer(): Promise<TerminalSettings> {
  const current = await platform.settings.get();
  if (platform.platform.kind === 'browser' && provisioning?.serverUrl) {
    if (current.serverUrl !== provisioning.serverUrl) {
      return platform.settings.set({ serverUrl: provisioning.serverUrl });
    }
  }
  return current;
}
