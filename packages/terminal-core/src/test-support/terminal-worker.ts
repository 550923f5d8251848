/**
 * A terminal in its own worker thread (its own JavaScript realm, so its own RxDB collection
 * budget), driven by messages from a test. Started by `WorkerTerminal`.
 */
import { parentPort } from 'node:worker_threads';
import type { Terminal } from '../terminal.js';
import { couponDraftOf } from '../member-views.js';
import { openTerminal } from './terminal-fixture.js';
import type { OpenedTerminal } from './terminal-fixture.js';

interface Call {
  readonly id: number;
  readonly method: string;
  readonly args: unknown[];
}

let opened: OpenedTerminal | undefined;
/** The last staff member signed in, signed in again after a restart. */
let credentials: { staffId: string; pin: string } | undefined;

/** What a till stores of a collection, as plain documents sorted by id. */
async function stored(
  collection: 'members' | 'accounts' | 'transactions' | 'coupons' | 'rewards' | 'reviews',
) {
  const docs: { toMutableJSON(): unknown }[] = await terminal().database[collection].find().exec();
  return docs
    .map((doc) => doc.toMutableJSON() as Record<string, unknown>)
    .sort((a, b) => String(a['id']).localeCompare(String(b['id'])));
}

function terminal(): Terminal {
  if (!opened) throw new Error('open the terminal first');
  return opened.terminal;
}

const methods: Record<string, (...args: never[]) => unknown> = {
  async open(serverUrl: string, code: string) {
    opened = await openTerminal();
    const enrolled = await opened.terminal.enrollTerminal(serverUrl, code, 'worker till');
    if (!enrolled.ok) throw new Error(enrolled.refusal.message);
    return enrolled.value;
  },
  async login(staffId: string, pin: string) {
    const result = await terminal().login(staffId, pin);
    if (result.ok) credentials = { staffId, pin };
    return result;
  },
  staffCount: async () => (await terminal().listStaff()).length,
  enrollMember: (input: never) => terminal().enrollMember(input),
  lookupByPhone: (phone: string) => terminal().lookupByPhone(phone),
  memberCard: (id: string) => terminal().memberCard(id),
  checkout: (input: never) => terminal().checkout(input),
  previewCheckout: (input: never) => terminal().previewCheckout(input),
  refund: (checkoutId: string) => terminal().refund(checkoutId),
  editProfile: (id: string, patch: never) => terminal().editProfile(id, patch),
  adjustPoints: (id: string, points: number, reason: string) =>
    terminal().adjustPoints(id, points, reason),
  program: () => terminal().program(),
  status: () => terminal().status,
  cut: () => opened?.network.cut(),
  /** Lose the server's answers to pushes (the server has done the work) until `keepAnswers`. */
  loseAnswers: () => opened?.network.dropAnswers((url) => url.endsWith('/push')),
  keepAnswers: () => opened?.network.stopDropping(),
  /** Moves this till's clock (ms, either way). */
  skewClock: (ms: number) => opened?.clock.advance(ms),
  /**
   * Closes the terminal and opens it again on the same storage, network and clock, as after a
   * restart of the app, and signs the last staff member in again.
   */
  async restart() {
    if (!opened) throw new Error('open the terminal first');
    const { name, network, clock } = opened;
    await opened.terminal.close();
    opened = await openTerminal({ name, network, clock });
    if (credentials) {
      const login = await opened.terminal.login(credentials.staffId, credentials.pin);
      if (!login.ok) throw new Error(`login after restart: ${login.refusal.message}`);
    }
  },
  /** Resolves the open review at `pick` (0–1) of this till's list, if there is one. */
  async resolveOpenReview(pick: number) {
    const open = await terminal().listReviews('open');
    if (!open.ok) return open;
    const item = open.value[Math.floor(pick * open.value.length)];
    if (!item) return { ok: true, value: undefined };
    return terminal().resolveReview(item.review.id, 'Checked at the till');
  },
  /** Renames the coupon with this code, as a manager editing it on this till. */
  async renameCoupon(code: string, name: string) {
    const coupons = await terminal().listCoupons();
    if (!coupons.ok) return coupons;
    const coupon = coupons.value.find((each) => each.code === code);
    if (!coupon) throw new Error(`no coupon ${code} on this till`);
    return terminal().saveCoupon({ ...couponDraftOf(coupon), name });
  },
  redeemReward: (memberId: string, rewardId: string) => terminal().redeemReward(memberId, rewardId),
  /** The members this till stores: id, phone, status and referral code. */
  async members() {
    return (await stored('members')).map((doc) => ({
      id: doc['id'] as string,
      phone: doc['phone'] as string,
      status: doc['status'] as string,
      referralCode: doc['referralCode'] as string,
    }));
  },
  /** Everything this till stores of the collections the server decides (sorted by id). */
  async snapshot() {
    return {
      members: await stored('members'),
      accounts: await stored('accounts'),
      transactions: await stored('transactions'),
      coupons: await stored('coupons'),
      rewards: await stored('rewards'),
      reviews: await stored('reviews'),
    };
  },
  restore: () => {
    opened?.network.restore();
    terminal().syncNow();
  },
  async transactions(memberId: string) {
    const docs = await terminal().database.transactions.find({ selector: { memberId } }).exec();
    return docs.map((doc) => doc.toMutableJSON());
  },
  async reviews() {
    return (await terminal().database.reviews.find().exec()).map((doc) => doc.toMutableJSON());
  },
  async close() {
    await opened?.terminal.close();
    opened = undefined;
  },
};

parentPort?.on('message', (call: Call) => {
  void (async () => {
    try {
      const method = methods[call.method];
      if (!method) throw new Error(`no method ${call.method}`);
      const value = await (method as (...args: unknown[]) => unknown)(...call.args);
      parentPort?.postMessage({ id: call.id, ok: true, value });
    } catch (error) {
      parentPort?.postMessage({
        id: call.id,
        ok: false,
        error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error),
      });
    }
  })();
});
