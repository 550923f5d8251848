/**
 * The one contract between the screens and the platform they run on. The Electron preload
 * exposes it as `window.tillpoint` (checked with `satisfies TillpointBridge`); in a plain browser
 * `src/renderer/platform.ts` implements it with web APIs. The renderer sees nothing else: no
 * Node, no raw IPC.
 */
import type { Receipt } from './receipt.js';
import type { TerminalSettings, TerminalSettingsPatch } from './settings.js';

export type { Receipt } from './receipt.js';
export type { PrinterSettings, TerminalSettings, TerminalSettingsPatch } from './settings.js';

export type PrintOutcome =
  /** Sent to the printer (or, in a browser, to its print dialog). */
  | { readonly ok: true; readonly kind: 'printed' }
  /** Saved as a PDF file at `path`. */
  | { readonly ok: true; readonly kind: 'pdf'; readonly path: string }
  /** Nothing printed; `reason` is in plain words for the cashier. */
  | { readonly ok: false; readonly reason: string };

export interface PlatformInfo {
  readonly kind: 'electron' | 'browser';
  /** `linux`, `win32`, `darwin` under Electron; the browser's user agent platform otherwise. */
  readonly os: string;
  /** Runtime versions (electron, chrome, node) under Electron; empty in a browser. */
  readonly versions: Readonly<Record<string, string>>;
}

export interface TillpointBridge {
  readonly platform: PlatformInfo;
  /** The app's version, e.g. `0.1.0`. */
  appVersion(): Promise<string>;
  /** Prints a receipt (or saves it as a PDF, per the printer settings); never throws. */
  printReceipt(receipt: Receipt): Promise<PrintOutcome>;
  readonly settings: {
    get(): Promise<TerminalSettings>;
    /**
     * Validates and saves a change; rejects with the problems in plain words. Under Electron a
     * changed `serverUrl` reloads the window once saved, because the content security policy
     * (which servers the page may connect to) is fixed when a page loads.
     */
    set(patch: TerminalSettingsPatch): Promise<TerminalSettings>;
  };
}

/** IPC channel names shared by the preload and the main process. */
export const IPC = {
  printReceipt: 'tillpoint:print-receipt',
  appVersion: 'tillpoint:app-version',
  settingsGet: 'tillpoint:settings-get',
  settingsSet: 'tillpoint:settings-set',
} as const;

/**
 * First-run hand-off in the page URL (`?serverUrl=...&enrollmentCode=...`): `npm start` and the
 * Electron shell put them there so the first-run screen can enroll without typing.
 */
export interface Provisioning {
  readonly serverUrl?: string;
  readonly enrollmentCode?: string;
}

export const PROVISIONING_PARAMS = { serverUrl: 'serverUrl', enrollmentCode: 'enrollmentCode' };

export function parseProvisioning(search: string): Provisioning | undefined {
  const params = new URLSearchParams(search);
  const serverUrl = params.get(PROVISIONING_PARAMS.serverUrl)?.trim();
  const enrollmentCode = params.get(PROVISIONING_PARAMS.enrollmentCode)?.trim();
  if (!serverUrl && !enrollmentCode) return undefined;
  return {
    ...(serverUrl ? { serverUrl } : {}),
    ...(enrollmentCode ? { enrollmentCode } : {}),
  };
}

export function provisioningSearch(provisioning: Provisioning): string {
  const params = new URLSearchParams();
  if (provisioning.serverUrl) params.set(PROVISIONING_PARAMS.serverUrl, provisioning.serverUrl);
  if (provisioning.enrollmentCode) {
    params.set(PROVISIONING_PARAMS.enrollmentCode, provisioning.enrollmentCode);
  }
  const search = params.toString();
  return search === '' ? '' : `?${search}`;
}
