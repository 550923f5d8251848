/**
 * The main-process side of the bridge: receipt printing, the app version and the terminal
 * settings. Every handler first checks that the message comes from our window's main frame on
 * our own origin; arguments from the page are validated like any other untrusted input.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BrowserWindow, ipcMain } from 'electron';
import type { IpcMainInvokeEvent } from 'electron';
import { IPC } from '../shared/bridge.js';
import type { PrintOutcome } from '../shared/bridge.js';
import {
  RECEIPT_WIDTH_MM,
  ReceiptSchema,
  receiptHeightMm,
  receiptHtml,
} from '../shared/receipt.js';
import type { ParsedReceipt } from '../shared/receipt.js';
import type { PrinterSettings, TerminalSettings } from '../shared/settings.js';
import { isTrustedSender } from './security.js';
import type { SettingsStore } from './settings.js';

export interface IpcContext {
  /** The one app window, whose main frame alone may call in. */
  readonly window: () => BrowserWindow | undefined;
  readonly trustedOrigins: readonly string[];
  readonly settings: SettingsStore;
  readonly appVersion: string;
  /** Where receipts are saved as PDFs (`<userData>/receipts`). */
  readonly receiptsDir: string;
  /** Applies a saved change that needs more than the file (kiosk mode, the CSP's server). */
  readonly onSettingsSaved: (before: TerminalSettings, after: TerminalSettings) => void;
}

function assertTrusted(event: IpcMainInvokeEvent, ctx: IpcContext): void {
  const window = ctx.window();
  const frame = event.senderFrame;
  const fromOurWindow =
    window !== undefined && !window.isDestroyed() && event.sender === window.webContents;
  const trusted =
    fromOurWindow &&
    frame !== null &&
    isTrustedSender(
      // A frame without a parent is its page's main frame; the sender check makes it our page's.
      { url: frame.url, isMainFrame: frame.parent === null },
      ctx.trustedOrigins,
    );
  if (!trusted) throw new Error('refused: this message did not come from the Tillpoint window');
}

const MM_PER_INCH = 25.4;

/** A hidden window with JavaScript off renders the receipt; it never shares the app's session. */
async function renderReceiptWindow(receipt: ParsedReceipt): Promise<BrowserWindow> {
  const window = new BrowserWindow({
    show: false,
    webPreferences: {
      partition: 'tillpoint-receipts',
      javascript: false,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    },
  });
  await window.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(receiptHtml(receipt))}`);
  return window;
}

async function saveReceiptPdf(
  window: BrowserWindow,
  receipt: ParsedReceipt,
  dir: string,
): Promise<PrintOutcome> {
  const pdf = await window.webContents.printToPDF({
    pageSize: {
      width: RECEIPT_WIDTH_MM / MM_PER_INCH,
      height: receiptHeightMm(receipt) / MM_PER_INCH,
    },
    // Inches; the receipt's own @page rule sets its margins.
    margins: { top: 0, bottom: 0, left: 0, right: 0 },
    preferCSSPageSize: true,
  });
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `receipt-${receipt.id}.pdf`);
  await writeFile(file, pdf);
  return { ok: true, kind: 'pdf', path: file };
}

function sendToPrinter(
  window: BrowserWindow,
  receipt: ParsedReceipt,
  printer: PrinterSettings,
): Promise<PrintOutcome> {
  return new Promise((resolve) => {
    window.webContents.print(
      {
        silent: printer.silent,
        printBackground: false,
        ...(printer.deviceName === '' ? {} : { deviceName: printer.deviceName }),
        margins: { marginType: 'none' },
        // Microns here, unlike printToPDF.
        pageSize: {
          width: RECEIPT_WIDTH_MM * 1000,
          height: receiptHeightMm(receipt) * 1000,
        },
      },
      (success, failureReason) =>
        resolve(
          success
            ? { ok: true, kind: 'printed' }
            : { ok: false, reason: `the receipt was not printed (${failureReason})` },
        ),
    );
  });
}

export async function printReceipt(
  input: unknown,
  printer: PrinterSettings,
  receiptsDir: string,
): Promise<PrintOutcome> {
  const parsed = ReceiptSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, reason: `the receipt is malformed: ${parsed.error.issues[0]?.message}` };
  }
  let window: BrowserWindow | undefined;
  try {
    window = await renderReceiptWindow(parsed.data);
    return printer.mode === 'pdf'
      ? await saveReceiptPdf(window, parsed.data, receiptsDir)
      : await sendToPrinter(window, parsed.data, printer);
  } catch (error) {
    return {
      ok: false,
      reason: `the receipt could not be printed: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    window?.destroy();
  }
}

export function registerIpcHandlers(ctx: IpcContext): void {
  ipcMain.handle(IPC.appVersion, (event) => {
    assertTrusted(event, ctx);
    return ctx.appVersion;
  });
  ipcMain.handle(IPC.settingsGet, (event) => {
    assertTrusted(event, ctx);
    return ctx.settings.current;
  });
  ipcMain.handle(IPC.settingsSet, async (event, patch: unknown) => {
    assertTrusted(event, ctx);
    const before = ctx.settings.current;
    const saved = await ctx.settings.update(patch);
    ctx.onSettingsSaved(before, saved);
    return saved;
  });
  ipcMain.handle(IPC.printReceipt, (event, receipt: unknown) => {
    assertTrusted(event, ctx);
    return printReceipt(receipt, ctx.settings.current.printer, ctx.receiptsDir);
  });
}
