/**
 * A terminal in its own worker thread (its own JavaScript realm, so its own RxDB collection
 * budget), driven by messages from a test. Started by `WorkerTerminal`.
 */
import { parentPort } from 'node:worker_threads';
import type { Terminal } from '../terminal.js';
import { openTerminal } from './terminal-fixture.js';
import type { OpenedTerminal } from './terminal-fixture.js';

interface Call {
  readonly id: number;
  readonly method: string;
  readonly args: unknown[];
}

let opened: OpenedTerminal | undefined;

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
  login: (staffId: string, pin: string) => terminal().login(staffId, pin),
  staffCount: async () => (await terminal().listStaff()).length,
  enrollMember: (input: never) => terminal().enrollMember(input),
  lookupByPhone: (phone: string) => terminal().lookupByPhone(phone),
  memberCard: (id: string) => terminal().memberCard(id),
  checkout: (input: never) => terminal().checkout(input),
  adjustPoints: (id: string, points: number, reason: string) =>
    terminal().adjustPoints(id, points, reason),
  program: () => terminal().program(),
  status: () => terminal().status,
  cut: () => opened?.network.cut(),
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
