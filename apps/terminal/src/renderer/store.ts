/**
 * UI state shared by the screens (zustand): which terminal, its sync status, who is signed in,
 * the program settings, and the customer at the till. The rules and the data stay in
 * terminal-core; this only mirrors what the screens show.
 */
import { create } from 'zustand';
import type { ProgramSettings } from '@tillpoint/loyalty';
import type {
  MemberCard,
  Receipt,
  StaffSession,
  Terminal,
  TerminalStatus,
} from '@tillpoint/terminal-core';
import type { TerminalSettings, TerminalSettingsPatch } from '../shared/settings.js';
import { errorText } from './format.js';
import { applyProvisionedServer, platform } from './platform.js';
import { openTerminal } from './terminal-host.js';

export type Phase = 'starting' | 'first-run' | 'login' | 'till' | 'failed';

/** What the till shows once signed in: the customer at the till, or a manager's desk. */
export type View = 'till' | 'reviews' | 'coupons' | 'settings';

/** Who is at the till: nobody yet, a member, or a number nobody has. */
export type Customer =
  | { readonly kind: 'none' }
  | { readonly kind: 'member'; readonly card: MemberCard }
  | { readonly kind: 'unknown'; readonly phone: string };

export interface AppState {
  readonly phase: Phase;
  readonly terminal?: Terminal;
  readonly status?: TerminalStatus;
  readonly session?: StaffSession;
  readonly program?: ProgramSettings;
  readonly settings?: TerminalSettings;
  readonly startupError?: string;
  readonly customer: Customer;
  readonly receipt?: Receipt;
  /** Bumped to ask the phone field to take the focus (a new customer). */
  readonly focusPhoneTick: number;
  readonly view: View;
  /** Why the last session ended when the till ended it (idle), for the sign-in screen. */
  readonly signedOutNotice?: string;

  start(): Promise<void>;
  enrolled(): void;
  signedIn(session: StaffSession): Promise<void>;
  /** Ends the session; `notice` says why when the till ended it rather than the person. */
  signOut(notice?: string): void;
  showMember(card: MemberCard): void;
  showUnknown(phone: string): void;
  /** Re-reads the member card from the local store (after a sync or a manager action). */
  refreshMember(): Promise<void>;
  showReceipt(receipt: Receipt): void;
  nextCustomer(): void;
  /** Reviews, coupons and the till's settings are a manager's; anyone else stays at the till. */
  showView(view: View): void;
  /** Saves a change to this till's settings (validated whole by the platform) and uses it. */
  saveSettings(patch: TerminalSettingsPatch): Promise<TerminalSettings>;
}

export const useApp = create<AppState>()((set, get) => ({
  phase: 'starting',
  customer: { kind: 'none' },
  focusPhoneTick: 0,
  view: 'till',

  async start() {
    if (get().terminal) return;
    try {
      const settings = await applyProvisionedServer();
      const terminal = await openTerminal();
      terminal.status$.subscribe((status) => {
        set({ status });
        // The program (offline caps, currency) may have changed with what was pulled.
        void terminal.program().then((program) => set({ program }));
      });
      const program = await terminal.program();
      set({
        terminal,
        settings,
        program,
        status: terminal.status,
        phase: terminal.status.enrolled ? 'login' : 'first-run',
      });
    } catch (error) {
      set({ phase: 'failed', startupError: errorText(error) });
    }
  },

  enrolled() {
    set({ phase: 'login' });
  },

  async signedIn(session) {
    const program = await get().terminal?.program();
    set({
      session,
      phase: 'till',
      view: 'till',
      signedOutNotice: undefined,
      // Nothing of the last session, even what an action it started set after it ended.
      customer: { kind: 'none' },
      receipt: undefined,
      ...(program ? { program } : {}),
      focusPhoneTick: get().focusPhoneTick + 1,
    });
  },

  signOut(notice) {
    get().terminal?.logout();
    set({
      session: undefined,
      phase: 'login',
      view: 'till',
      customer: { kind: 'none' },
      receipt: undefined,
      signedOutNotice: notice,
    });
  },

  showMember(card) {
    set({ customer: { kind: 'member', card }, receipt: undefined });
  },

  showUnknown(phone) {
    set({ customer: { kind: 'unknown', phone }, receipt: undefined });
  },

  async refreshMember() {
    const { terminal, customer } = get();
    if (!terminal || customer.kind !== 'member') return;
    const fresh = await terminal.memberCard(customer.card.member.id);
    const current = get().customer;
    if (fresh.ok && current.kind === 'member' && current.card.member.id === fresh.value.member.id) {
      set({ customer: { kind: 'member', card: fresh.value } });
    }
  },

  showReceipt(receipt) {
    set({ receipt });
  },

  nextCustomer() {
    set({
      customer: { kind: 'none' },
      receipt: undefined,
      focusPhoneTick: get().focusPhoneTick + 1,
    });
  },

  async saveSettings(patch) {
    const settings = await platform.settings.set(patch);
    set({ settings });
    return settings;
  },

  showView(view) {
    const manager = get().session?.role === 'manager';
    set({
      view: manager ? view : 'till',
      ...(view === 'till' ? { focusPhoneTick: get().focusPhoneTick + 1 } : {}),
    });
  },
}));

export { platform };
