import { describe, expect, it } from 'vitest';
import { applySettingsPatch, defaultSettings, parseSettings, serverOrigin } from './settings.js';

describe('server URL', () => {
  it.each([
    ['https://sync.example.com', 'https://sync.example.com'],
    ['https://sync.example.com/', 'https://sync.example.com'],
    ['  https://sync.example.com/tillpoint/  ', 'https://sync.example.com/tillpoint'],
    ['HTTPS://Sync.Example.com:8443', 'https://sync.example.com:8443'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
    ['http://localhost:8787/', 'http://localhost:8787'],
    ['http://[::1]:8787', 'http://[::1]:8787'],
  ])('%j is saved as %j', (input, saved) => {
    const result = applySettingsPatch(defaultSettings(), { serverUrl: input });
    expect(result).toEqual({ ok: true, settings: { ...defaultSettings(), serverUrl: saved } });
  });

  it.each([
    ['sync.example.com', /not a URL/],
    ['ftp://sync.example.com', /https/],
    ['http://192.168.1.20:8787', /must use https/],
    ['https://user:secret@sync.example.com', /user name or password/],
    ['https://sync.example.com/?token=1', /\?/],
    ['https://sync.example.com;sandbox', /plain host name/],
    ['https://sync.example.com%3Bsandbox', /plain host name/],
    ['', /not a URL/],
  ])('%j is refused with a reason', (input, reason) => {
    const result = applySettingsPatch(defaultSettings(), { serverUrl: input });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(reason);
  });

  it('can be cleared', () => {
    const configured = { ...defaultSettings(), serverUrl: 'https://sync.example.com' };
    expect(applySettingsPatch(configured, { serverUrl: null })).toEqual({
      ok: true,
      settings: defaultSettings(),
    });
  });

  it('gives the origin the content security policy allows', () => {
    expect(serverOrigin({ serverUrl: 'https://sync.example.com/tillpoint' })).toBe(
      'https://sync.example.com',
    );
    expect(serverOrigin({ serverUrl: null })).toBeUndefined();
  });
});

describe('settings', () => {
  it('fill in missing fields with defaults', () => {
    expect(parseSettings({ kiosk: true })).toEqual({
      ok: true,
      settings: { ...defaultSettings(), kiosk: true },
    });
  });

  it.each([
    [{ kiosk: 'true' }, /kiosk/],
    [{ printer: { mode: 'fax' } }, /printer\.mode/],
    [{ printer: { deviceName: 'x'.repeat(201) } }, /printer\.deviceName/],
    [{ extra: 1 }, /extra/],
    [{ idleSignOut: { cashierMinutes: -1 } }, /idleSignOut\.cashierMinutes/],
    [{ idleSignOut: { managerMinutes: 721 } }, /idleSignOut\.managerMinutes/],
    [{ idleSignOut: { managerMinutes: '5' } }, /idleSignOut\.managerMinutes/],
    [{ idleSignOut: { minutes: 5 } }, /minutes/],
    [{ idleSignOut: { managerMinutes: 0.001 } }, /idleSignOut\.managerMinutes: must be 0/],
    ['settings', /object/],
  ])('refuse %j', (input, reason) => {
    const result = parseSettings(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(reason);
  });

  it('sign a cashier out after 15 idle minutes and a manager after 5 unless set otherwise', () => {
    expect(defaultSettings().idleSignOut).toEqual({ cashierMinutes: 15, managerMinutes: 5 });
    const result = parseSettings({ idleSignOut: { cashierMinutes: 0, managerMinutes: 0.5 } });
    expect(result.ok && result.settings.idleSignOut).toEqual({
      cashierMinutes: 0,
      managerMinutes: 0.5,
    });
  });

  it('merge a partial idle sign-out change, and refuse one out of range', () => {
    const current = defaultSettings();
    expect(applySettingsPatch(current, { idleSignOut: { managerMinutes: 2 } })).toEqual({
      ok: true,
      settings: { ...current, idleSignOut: { cashierMinutes: 15, managerMinutes: 2 } },
    });
    // A key sent as undefined (IPC keeps them) leaves the setting as it was.
    expect(
      applySettingsPatch(
        { ...current, idleSignOut: { cashierMinutes: 30, managerMinutes: 5 } },
        { idleSignOut: { cashierMinutes: undefined }, printer: { mode: undefined } },
      ),
    ).toEqual({
      ok: true,
      settings: { ...current, idleSignOut: { cashierMinutes: 30, managerMinutes: 5 } },
    });
    const refused = applySettingsPatch(current, { idleSignOut: { cashierMinutes: 1_000 } });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problems.join('\n')).toMatch(/idleSignOut\.cashierMinutes/);
  });

  it('merge a partial printer change into the current printer settings', () => {
    const current = {
      ...defaultSettings(),
      printer: { mode: 'system', deviceName: 'TM', silent: false },
    } as const;
    expect(applySettingsPatch(current, { printer: { silent: true } })).toEqual({
      ok: true,
      settings: { ...current, printer: { mode: 'system', deviceName: 'TM', silent: true } },
    });
  });
});
