/**
 * Terminal settings: where the sync server is, whether the till runs as a full-screen kiosk, how
 * receipts are printed, and how long an untouched till keeps its staff signed in. The Electron shell stores them as JSON in its user-data directory, the
 * browser build in localStorage; both validate with these schemas, so a hand-edited or stale file
 * can never configure the app into an unsafe state.
 */
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The app runs on a secure origin, where Chromium blocks plain-HTTP requests to anything but
 * the loopback address (mixed content). Refusing those here gives the cashier a reason instead
 * of a silent network failure later.
 */
export const ServerUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a URL (e.g. https://sync.example.com)' });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'must start with https://' });
      return z.NEVER;
    }
    if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must use https:// (http:// only for this computer)',
      });
      return z.NEVER;
    }
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not contain a user name or password' });
      return z.NEVER;
    }
    if (url.search !== '' || url.hash !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not contain ? or #' });
      return z.NEVER;
    }
    // A host name of letters, digits, dots and dashes, or an IP address: the origin goes into
    // the content security policy, where a `;` would start a directive of its own.
    if (!/^[a-z0-9.-]+$/i.test(url.hostname) && !/^\[[0-9a-f:.]+\]$/i.test(url.hostname)) {
      ctx.addIssue({ code: 'custom', message: 'must have a plain host name or IP address' });
      return z.NEVER;
    }
    // One spelling per server: no trailing slash, so `${serverUrl}/sync/v1` is always right.
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  });

export const PrinterSettingsSchema = z
  .object({
    /** `pdf`: save each receipt as a PDF file; `system`: send it to an installed printer. */
    mode: z.enum(['pdf', 'system']).default('pdf'),
    /** The system printer's name; empty means the default printer. */
    deviceName: z.string().trim().max(200).default(''),
    /** Print without the system dialog (what a till wants). */
    silent: z.boolean().default(true),
  })
  .strict();

/** How long a signed-in till may go untouched before it signs its staff member out. */
export const DEFAULT_IDLE_MINUTES = { cashier: 15, manager: 5 } as const;

/** The shortest idle limit: long enough for a manager to reach the settings to change it. */
export const MIN_IDLE_MINUTES = 0.2;

/**
 * Minutes, at most 12 hours; fractions allowed (0.5 is 30 seconds), at least 0.2 (12 seconds:
 * shorter would sign a manager out before they could change it back); 0 never signs out.
 */
const IdleMinutesSchema = z
  .number()
  .min(0)
  .max(720)
  .refine((minutes) => minutes === 0 || minutes >= MIN_IDLE_MINUTES, {
    message: `must be 0 (never) or at least ${MIN_IDLE_MINUTES} minutes`,
  });

export const IdleSignOutSchema = z
  .object({
    /**
     * Minutes without a key press, click, tap or scroll after which a cashier is signed out, so
     * a till left alone does not keep selling in their name.
     */
    cashierMinutes: IdleMinutesSchema.default(DEFAULT_IDLE_MINUTES.cashier),
    /** The same for a manager, shorter: a manager's session can adjust points and resolve reviews. */
    managerMinutes: IdleMinutesSchema.default(DEFAULT_IDLE_MINUTES.manager),
  })
  .strict();

export const TerminalSettingsSchema = z
  .object({
    /** The sync server, e.g. `https://sync.example.com`; null until first run sets it. */
    serverUrl: ServerUrlSchema.nullable().default(null),
    /**
     * Full-screen kiosk mode: no window frame and no menu (no reload or close-window shortcuts),
     * and the window refuses Alt+F4 and the window manager's close; it closes when the app quits
     * (shutdown, log-off, a signal).
     */
    kiosk: z.boolean().default(false),
    printer: PrinterSettingsSchema.default({ mode: 'pdf', deviceName: '', silent: true }),
    idleSignOut: IdleSignOutSchema.default({
      cashierMinutes: DEFAULT_IDLE_MINUTES.cashier,
      managerMinutes: DEFAULT_IDLE_MINUTES.manager,
    }),
  })
  .strict();

export type PrinterSettings = z.output<typeof PrinterSettingsSchema>;
export type IdleSignOutSettings = z.output<typeof IdleSignOutSchema>;
export type TerminalSettings = z.output<typeof TerminalSettingsSchema>;

/** What `settings.set` accepts: any subset; `printer` may be partial too. */
export const TerminalSettingsPatchSchema = z
  .object({
    serverUrl: z.string().nullable().optional(),
    kiosk: z.boolean().optional(),
    // Not `PrinterSettingsSchema.partial()`: its defaults would fill in, and overwrite, the
    // fields a patch leaves out.
    printer: z
      .object({
        mode: PrinterSettingsSchema.shape.mode.unwrap().optional(),
        deviceName: z.string().trim().max(200).optional(),
        silent: z.boolean().optional(),
      })
      .strict()
      .optional(),
    idleSignOut: z
      .object({
        cashierMinutes: IdleMinutesSchema.optional(),
        managerMinutes: IdleMinutesSchema.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type TerminalSettingsPatch = z.input<typeof TerminalSettingsPatchSchema>;

export type SettingsResult =
  | { readonly ok: true; readonly settings: TerminalSettings }
  | { readonly ok: false; readonly problems: readonly string[] };

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
}

export function defaultSettings(): TerminalSettings {
  return TerminalSettingsSchema.parse({});
}

/** Validates stored settings (a file's JSON, localStorage); missing fields get their defaults. */
export function parseSettings(input: unknown): SettingsResult {
  const parsed = TerminalSettingsSchema.safeParse(input);
  return parsed.success
    ? { ok: true, settings: parsed.data }
    : { ok: false, problems: problemsOf(parsed.error) };
}

/**
 * Stored settings read as well as they can be: valid as a whole, or else each setting that is
 * valid on its own is kept (a hand edit that broke one field, a key from a newer version), the
 * rest gets its default, and `problems` says what was dropped.
 */
export function salvageSettings(input: unknown): {
  readonly settings: TerminalSettings;
  readonly problems: readonly string[];
} {
  const whole = parseSettings(input);
  if (whole.ok) return { settings: whole.settings, problems: [] };
  const source = isRecord(input) ? input : {};
  const kept: Record<string, unknown> = {};
  const shape = TerminalSettingsSchema.shape;
  if (shape.serverUrl.safeParse(source['serverUrl']).success)
    kept['serverUrl'] = source['serverUrl'];
  if (shape.kiosk.safeParse(source['kiosk']).success) kept['kiosk'] = source['kiosk'];
  const printer = isRecord(source['printer']) ? source['printer'] : {};
  const keptPrinter: Record<string, unknown> = {};
  for (const key of ['mode', 'deviceName', 'silent'] as const) {
    if (key in printer && PrinterSettingsSchema.shape[key].safeParse(printer[key]).success) {
      keptPrinter[key] = printer[key];
    }
  }
  kept['printer'] = keptPrinter;
  const idle = isRecord(source['idleSignOut']) ? source['idleSignOut'] : {};
  const keptIdle: Record<string, unknown> = {};
  for (const key of ['cashierMinutes', 'managerMinutes'] as const) {
    if (key in idle && IdleSignOutSchema.shape[key].safeParse(idle[key]).success) {
      keptIdle[key] = idle[key];
    }
  }
  kept['idleSignOut'] = keptIdle;
  const salvaged = TerminalSettingsSchema.safeParse(kept);
  return {
    settings: salvaged.success ? salvaged.data : defaultSettings(),
    problems: whole.problems,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Applies a patch from the screens to the current settings; the result is validated whole. */
export function applySettingsPatch(current: TerminalSettings, patch: unknown): SettingsResult {
  const parsedPatch = TerminalSettingsPatchSchema.safeParse(patch);
  if (!parsedPatch.success) return { ok: false, problems: problemsOf(parsedPatch.error) };
  const { printer, idleSignOut, ...rest } = parsedPatch.data;
  return parseSettings({
    ...current,
    ...definedOnly(rest),
    printer: { ...current.printer, ...definedOnly(printer ?? {}) },
    idleSignOut: { ...current.idleSignOut, ...definedOnly(idleSignOut ?? {}) },
  });
}

/** A key present with `undefined` (IPC's structured clone keeps them) changes nothing. */
function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

export class InvalidSettingsError extends Error {
  override readonly name = 'InvalidSettingsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid settings: ${problems.join('; ')}`);
  }
}

/** The origin the content security policy lets the app connect to, or undefined when unset. */
export function serverOrigin(settings: Pick<TerminalSettings, 'serverUrl'>): string | undefined {
  return settings.serverUrl === null ? undefined : new URL(settings.serverUrl).origin;
}
