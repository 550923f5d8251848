import { describe, expect, it } from 'vitest';
import { IdleTimer, idleLimitMs, idleSignOutNotice, watchIdle } from './idle-sign-out.js';

const settings = { cashierMinutes: 15, managerMinutes: 0.5 };

describe('idle sign-out', () => {
  it('gives each role its limit, and none for 0 minutes', () => {
    expect(idleLimitMs('cashier', settings)).toBe(900_000);
    expect(idleLimitMs('manager', settings)).toBe(30_000);
    expect(idleLimitMs('cashier', { ...settings, cashierMinutes: 0 })).toBeUndefined();
  });

  it('says how long the till was left alone', () => {
    expect(idleSignOutNotice(900_000)).toBe('Signed out after 15 minutes without use.');
    expect(idleSignOutNotice(60_000)).toBe('Signed out after 1 minute without use.');
    expect(idleSignOutNotice(30_000)).toBe('Signed out after 30 seconds without use.');
    expect(idleSignOutNotice(90_000)).toBe('Signed out after 90 seconds without use.');
  });

  it('counts from the last use; a use after the limit does not count', () => {
    let now = 0;
    const timer = new IdleTimer(1_000, { monotonic: () => now, wall: () => 5_000 + now });
    now = 999;
    expect(timer.expired).toBe(false);
    expect(timer.used()).toBe(true);
    now = 1_998;
    expect(timer.expired).toBe(false);
    now = 1_999;
    expect(timer.expired).toBe(true);
    expect(timer.used()).toBe(false);
    expect(timer.expired).toBe(true);
  });

  it('counts a sleep the monotonic clock missed, and not a wall clock set back', () => {
    let monotonic = 0;
    let wall = 1_000_000;
    const timer = new IdleTimer(60_000, { monotonic: () => monotonic, wall: () => wall });
    // The machine slept an hour: the monotonic clock stood still, the wall clock did not.
    wall += 3_600_000;
    monotonic += 10;
    expect(timer.expired).toBe(true);
    expect(timer.used()).toBe(false);

    const second = new IdleTimer(60_000, { monotonic: () => monotonic, wall: () => wall });
    // The wall clock set back a day: the monotonic clock still counts.
    wall -= 86_400_000;
    monotonic += 59_999;
    expect(second.expired).toBe(false);
    monotonic += 1;
    expect(second.expired).toBe(true);
  });

  it('signs out from its timer, or stops the first key press after the limit', () => {
    let now = 0;
    const target = new EventTarget();
    const ticks: (() => void)[] = [];
    const scheduler = {
      setInterval: (callback: () => void) => ticks.push(callback),
      clearInterval: () => ticks.splice(0),
    };
    const reached: string[] = [];
    let expired = 0;
    const press = () => {
      const event = new Event('keydown', { cancelable: true });
      target.dispatchEvent(event);
      return event.defaultPrevented;
    };

    const stop = watchIdle(
      target,
      new IdleTimer(1_000, { monotonic: () => now, wall: () => now }),
      () => (expired += 1),
      scheduler,
    );
    // A screen's own listener. In the page it sits below the window, whose capture listeners run
    // first; here, on one target, being added later puts it after them the same way.
    target.addEventListener('keydown', () => reached.push('screen'));
    now = 900;
    expect(press()).toBe(false);
    now = 1_800;
    for (const tick of ticks) tick();
    expect(expired).toBe(0);
    // Timers late (a sleeping machine, a throttled window): the key press ends the session.
    now = 5_000;
    expect(press()).toBe(true);
    expect(expired).toBe(1);
    expect(reached).toEqual(['screen']);
    expect(ticks).toHaveLength(0);
    // Once ended, nothing more: the next key press reaches the screen (the sign-in screen).
    expect(press()).toBe(false);
    expect(reached).toEqual(['screen', 'screen']);
    stop();

    now = 0;
    const stopSecond = watchIdle(
      target,
      new IdleTimer(1_000, { monotonic: () => now, wall: () => now }),
      () => (expired += 1),
      scheduler,
    );
    now = 1_000;
    for (const tick of [...ticks]) tick();
    expect(expired).toBe(2);
    stopSecond();
  });
});
