/**
 * The terminal's settings file (`settings.json` in Electron's user-data directory) and the
 * command-line switches `npm start` and operators pass. Validation is the shared schema's; this
 * module only reads, writes and parses, so it is testable without Electron.
 */
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Provisioning } from '../shared/bridge.js';
import {
  applySettingsPatch,
  defaultSettings,
  InvalidSettingsError,
  salvageSettings,
} from '../shared/settings.js';
import type { TerminalSettings } from '../shared/settings.js';

export const SETTINGS_FILE_NAME = 'settings.json';

export interface LoadedSettings {
  readonly settings: TerminalSettings;
  /** Why the file was not used, when it was unreadable or invalid (defaults are used then). */
  readonly problems?: readonly string[];
}

export async function loadSettingsFile(file: string): Promise<LoadedSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { settings: defaultSettings() };
    return { settings: defaultSettings(), problems: [`cannot read ${file}: ${String(error)}`] };
  }
  let json: unknown;
  try {
    // A byte-order mark (Windows Notepad writes one) is not part of the JSON.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return {
      settings: defaultSettings(),
      problems: [`${file} is not valid JSON`, await keepAside(file)],
    };
  }
  const { settings, problems } = salvageSettings(json);
  return problems.length === 0
    ? { settings }
    : { settings, problems: [...problems, await keepAside(file)] };
}

/**
 * A copy of a settings file that could not be used whole, beside it, before a later save
 * writes over it: what an operator typed is not lost.
 */
async function keepAside(file: string): Promise<string> {
  const aside = `${file}.bad`;
  try {
    await copyFile(file, aside);
    return `the valid settings were kept; the file as it was is saved as ${aside}`;
  } catch (error) {
    return `the file could not be saved aside as ${aside}: ${String(error)}`;
  }
}

/** Written to a temporary file and renamed, so a crash mid-write never leaves half a file. */
export async function saveSettingsFile(file: string, settings: TerminalSettings): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(settings, null, 2)}\n`, 'utf8');
  await rename(temporary, file);
}

/** One settings file, with writes serialized so two quick `set` calls cannot interleave. */
export class SettingsStore {
  #current: TerminalSettings;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    initial: TerminalSettings,
  ) {
    this.#current = initial;
  }

  static async open(file: string): Promise<{ store: SettingsStore; problems?: readonly string[] }> {
    const loaded = await loadSettingsFile(file);
    return { store: new SettingsStore(file, loaded.settings), problems: loaded.problems };
  }

  get current(): TerminalSettings {
    return this.#current;
  }

  /** Validates the patch against the current settings; throws `InvalidSettingsError`. */
  update(patch: unknown): Promise<TerminalSettings> {
    const next = this.#queue.then(async () => {
      const result = applySettingsPatch(this.#current, patch);
      if (!result.ok) throw new InvalidSettingsError(result.problems);
      await saveSettingsFile(this.file, result.settings);
      this.#current = result.settings;
      return result.settings;
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

export interface LaunchOptions {
  /** `--kiosk`: full screen for this run, whatever the settings say. */
  readonly kiosk: boolean;
  /** `--server-url=<url>`: saved into the settings (first run from `npm start`). */
  readonly serverUrl?: string;
  /** `--enrollment-code=<code>`: handed to the first-run screen in the page URL, never saved. */
  readonly enrollmentCode?: string;
  /** `--user-data-dir=<dir>`: where settings and the terminal's database live. */
  readonly userDataDir?: string;
}

function switchValue(argv: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg.startsWith(prefix)) return arg.slice(prefix.length) || undefined;
    if (arg === `--${name}`) {
      const next = argv[i + 1];
      return next !== undefined && !next.startsWith('--') ? next : undefined;
    }
  }
  return undefined;
}

export function parseLaunchOptions(argv: readonly string[]): LaunchOptions {
  const serverUrl = switchValue(argv, 'server-url');
  const enrollmentCode = switchValue(argv, 'enrollment-code');
  const userDataDir = switchValue(argv, 'user-data-dir');
  return {
    kiosk: argv.includes('--kiosk'),
    ...(serverUrl ? { serverUrl } : {}),
    ...(enrollmentCode ? { enrollmentCode } : {}),
    ...(userDataDir ? { userDataDir } : {}),
  };
}

export function launchProvisioning(options: LaunchOptions): Provisioning {
  return {
    ...(options.serverUrl ? { serverUrl: options.serverUrl } : {}),
    ...(options.enrollmentCode ? { enrollmentCode: options.enrollmentCode } : {}),
  };
}
