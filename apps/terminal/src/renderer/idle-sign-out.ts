/**
 * Signing staff out of a till nobody touches (settings `idleSignOut`): a cashier who walks away
 * must not leave a till that keeps selling in their name, nor a manager one that can adjust
 * points. Key presses, clicks, taps and scrolls count as use; time is the monotonic clock, so a
 * system clock that jumps neither signs anyone out early nor keeps them in.
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

/** The time since the till was last used, against one limit. */
export class IdleTimer {
  #last: number;

  constructor(
    readonly limitMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.#last = now();
  }

  /** The limit has passed since the last use. */
  get expired(): boolean {
    return this.now() - this.#last >= this.limitMs;
  }

  /**
   * The till was used. False when that came after the limit: the session is over, and what the
   * key press or click would have done must not happen in the signed-out person's name.
   */
  used(): boolean {
    if (this.expired) return false;
    this.#last = this.now();
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
  for (const type of USE_EVENTS) target.addEventListener(type, onUse, { capture: true });
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
