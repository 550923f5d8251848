/**
 * Signing staff out of a till nobody touches (settings `idleSignOut`): a cashier who walks away
 * must not leave a till that keeps selling in their name, nor a manager one that can adjust
 * points. Key presses, clicks, taps and scrolls count as use. Idle time is the longer of the
 * monotonic clock and the wall clock (see `IdleTimer.idleMs`).
 */
import type { StaffRole } from '@tillpoint/protocol';
import type { IdleSignOutSettings } from '../shared/settings.js';

/** How long `role` may leave the till untouched, in ms; undefined when never signed out. */
export function idleLimitMs(role: StaffRole, settings: IdleSignOutSettings): number | undefined {
  const minutes = role === 'manager' ? settings.managerMinutes : settings.cashierMinutes;
  return minutes > 0 ? Math.round(minutes * 60_000) : undefined;
}

/** What the sign-in screen says afterwards, e.g. "Signed out after 15 minutes without use." */
export function idleSignOutNotice(limitMs: number): string {
  const seconds = Math.round(limitMs / 1000);
  const span =
    seconds % 60 === 0
      ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}`
      : `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `Signed out after ${span} without use.`;
}

/** The two clocks idle time is read from: monotonic, and the wall clock. */
export interface IdleClocks {
  /** `performance.now()`: never jumps, but on some systems stands still while the machine sleeps. */
  monotonic(): number;
  /** `Date.now()`: runs on through sleep, but can be set back or forward. */
  wall(): number;
}

const SYSTEM_CLOCKS: IdleClocks = {
  monotonic: () => performance.now(),
  wall: () => Date.now(),
};

/** The time since the till was last used, against one limit. */
export class IdleTimer {
  #lastMonotonic: number;
  #lastWall: number;

  constructor(
    readonly limitMs: number,
    private readonly clocks: IdleClocks = SYSTEM_CLOCKS,
  ) {
    this.#lastMonotonic = clocks.monotonic();
    this.#lastWall = clocks.wall();
  }

  /**
   * How long since the last use: the longer of what the two clocks say. A machine that slept
   * counts its sleep (the wall clock); a wall clock set back cannot shorten it (the monotonic
   * one); a wall clock set forward ends the session early, the safe way to be wrong.
   */
  get idleMs(): number {
    const monotonic = this.clocks.monotonic() - this.#lastMonotonic;
    const wall = Math.max(0, this.clocks.wall() - this.#lastWall);
    return Math.max(monotonic, wall);
  }

  /** The limit has passed since the last use. */
  get expired(): boolean {
    return this.idleMs >= this.limitMs;
  }

  /**
   * The till was used. False when that came after the limit: the session is over, and what the
   * key press or click would have done must not happen in the signed-out person's name.
   */
  used(): boolean {
    if (this.expired) return false;
    this.#lastMonotonic = this.clocks.monotonic();
    this.#lastWall = this.clocks.wall();
    return true;
  }
}

/** The DOM events that count as use, listened to before any screen sees them. */
export const USE_EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;

/**
 * Watches `target` (the window) for use and calls `expire` once the limit passes without any:
 * from a timer, or from the first use after it, which is then stopped before it reaches the
 * screen. Returns the function that stops watching.
 */
export function watchIdle(
  target: Pick<Window, 'addEventListener' | 'removeEventListener'>,
  timer: IdleTimer,
  expire: () => void,
  scheduler: {
    setInterval(callback: () => void, ms: number): unknown;
    clearInterval(handle: unknown): void;
  } = {
    setInterval: (callback, ms) => window.setInterval(callback, ms),
    clearInterval: (handle) => window.clearInterval(handle as number),
  },
): () => void {
  let done = false;
  // `handle` is set below, before any event or tick can call `stop`.
  const stop = () => {
    scheduler.clearInterval(handle);
    for (const type of USE_EVENTS) target.removeEventListener(type, onUse, { capture: true });
  };
  const finish = () => {
    if (done) return;
    done = true;
    stop();
    expire();
  };
  function onUse(event: Event) {
    if (done || timer.used()) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    finish();
  }
  // Not passive: a scroll or tap after the limit must be stopped too (Chromium makes `wheel` and
  // `touchstart` listeners on the window passive unless told otherwise).
  for (const type of USE_EVENTS) {
    target.addEventListener(type, onUse, { capture: true, passive: false });
  }
  // A check every second (or four times within a short limit): a sign-out is at most that late.
  const handle = scheduler.setInterval(
    () => {
      if (timer.expired) finish();
    },
    Math.max(50, Math.min(1_000, timer.limitMs / 4)),
  );
  return () => {
    done = true;
    stop();
  };
}
