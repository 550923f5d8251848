/**
 * The preload: runs sandboxed, so it is bundled into one CommonJS file whose only import is
 * `electron` (sandboxed preloads cannot load ES modules or other files). It exposes exactly one
 * object, `window.tillpoint`, and every call goes through a named IPC channel.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { IPC } from '../shared/bridge.js';
import type { PrintOutcome, TillpointBridge } from '../shared/bridge.js';
import type { TerminalSettings } from '../shared/settings.js';

/** Electron wraps a handler's error as "Error invoking remote method 'x': Error: why"; keep "why". */
async function invoke<T>(channel: string, ...args: unknown[]): Promise<T> {
  try {
    return (await ipcRenderer.invoke(channel, ...args)) as T;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, ''), {
      cause: error,
    });
  }
}

const api = {
  platform: {
    kind: 'electron',
    os: process.platform,
    versions: {
      electron: process.versions.electron ?? '',
      chrome: process.versions.chrome ?? '',
      node: process.versions.node,
    },
  },
  appVersion: () => invoke<string>(IPC.appVersion),
  printReceipt: async (receipt) => {
    try {
      return await invoke<PrintOutcome>(IPC.printReceipt, receipt);
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  },
  settings: {
    get: () => invoke<TerminalSettings>(IPC.settingsGet),
    set: (patch) => invoke<TerminalSettings>(IPC.settingsSet, patch),
  },
} satisfies TillpointBridge;

contextBridge.exposeInMainWorld('tillpoint', api);
