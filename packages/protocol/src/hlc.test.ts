import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compareHlc,
  formatHlc,
  hlcInit,
  hlcReceive,
  hlcTick,
  mergeFieldwise,
  parseHlc,
  stampFields,
} from './hlc.js';
import type { FieldClocked, Hlc } from './hlc.js';
import { HLC_STRING_PATTERN } from './schemas/index.js';

const nodeArb = fc.constantFrom('terminal-1', 'terminal-2', 'server', 't3');
const hlcArb: fc.Arbitrary<Hlc> = fc.record({
  ms: fc.integer({ min: 0, max: 2_000_000_000_000 }),
  counter: fc.integer({ min: 0, max: 99_999 }),
  node: nodeArb,
});

describe('HLC', () => {
  it('formats as a sortable string that parses back', () => {
    expect(formatHlc({ ms: 1_741_964_966_535, counter: 7, node: 'terminal-1' })).toBe(
      '001741964966535-00007-terminal-1',
    );
    fc.assert(
      fc.property(hlcArb, hlcArb, (a, b) => {
        const sa = formatHlc(a);
        const sb = formatHlc(b);
        expect(parseHlc(sa)).toEqual(a);
        expect(HLC_STRING_PATTERN.test(sa)).toBe(true);
        expect(Math.sign(compareHlc(a, b))).toBe(sa < sb ? -1 : sa > sb ? 1 : 0);
      }),
    );
  });

  it.each(['', '1-2-x', '001741964966535-00007-', '001741964966535-7-t', 'garbage'])(
    'parseHlc(%j) is undefined',
    (text) => {
      expect(parseHlc(text)).toBeUndefined();
    },
  );

  it('ticks forward even when the wall clock goes back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1e13 }), { minLength: 1, maxLength: 50 }),
        (walls) => {
          let state: Hlc | undefined;
          for (const wall of walls) {
            const next = hlcTick(state, wall, 'terminal-1');
            if (state) expect(compareHlc(next, state)).toBeGreaterThan(0);
            expect(next.ms).toBeGreaterThanOrEqual(wall);
            state = next;
          }
        },
      ),
    );
  });

  it('follows the wall clock when it moves forward', () => {
    const first = hlcTick(undefined, 1000, 'terminal-1');
    expect(first).toEqual({ ms: 1000, counter: 0, node: 'terminal-1' });
    expect(hlcTick(first, 1000, 'terminal-1')).toEqual({
      ms: 1000,
      counter: 1,
      node: 'terminal-1',
    });
    expect(hlcTick(first, 999, 'terminal-1')).toEqual({ ms: 1000, counter: 1, node: 'terminal-1' });
    expect(hlcTick(first, 2000, 'terminal-1')).toEqual({
      ms: 2000,
      counter: 0,
      node: 'terminal-1',
    });
  });

  it('borrows the next millisecond when the counter runs out', () => {
    expect(hlcTick({ ms: 5, counter: 99_999, node: 'a' }, 5, 'a')).toEqual({
      ms: 6,
      counter: 0,
      node: 'a',
    });
  });

  it('after receiving, is ahead of both its own state and the remote stamp', () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, fc.integer({ min: 0, max: 2e12 }), (local, remote, wall) => {
        const next = hlcReceive(local, remote, wall);
        expect(next.node).toBe(local.node);
        // Ahead in time and counter alone, whatever the node ids.
        expect(compareHlc(next, { ...local, node: next.node })).toBeGreaterThan(0);
        expect(compareHlc(next, { ...remote, node: next.node })).toBeGreaterThan(0);
        expect(next.ms).toBeGreaterThanOrEqual(wall);
      }),
    );
  });

  it('a terminal with a slow clock still stamps its next edit after an edit it pulled', () => {
    const fast = hlcTick(undefined, 1_000_000, 'terminal-fast');
    const slow = hlcReceive(hlcInit('terminal-slow'), fast, 10);
    const edit = hlcTick(slow, 11, 'terminal-slow');
    expect(formatHlc(edit) > formatHlc(fast)).toBe(true);
  });

  it('refuses a bad node id or wall time', () => {
    expect(() => hlcTick(undefined, 1, 'bad node')).toThrow(RangeError);
    expect(() => hlcTick(undefined, Number.NaN, 'a')).toThrow(RangeError);
    expect(() => hlcTick(undefined, -1, 'a')).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------

type Doc = FieldClocked & Record<string, unknown>;

const FIELDS = ['name', 'email', 'tags', 'consents'] as const;
const valueArb = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('Zoë', 'Zoe', 'zoe@example.com', ''),
  fc.integer({ min: -2, max: 2 }),
  fc.constantFrom(['a'], ['a', 'b'], []),
  fc.constantFrom({ sms: true }, { sms: false }, { sms: true, email: false }),
  fc.constant(null),
);
// A small clock domain, so equal clocks (and equal clocks with different values) happen often.
const clockArb = fc.option(
  fc
    .record({
      ms: fc.integer({ min: 0, max: 3 }),
      counter: fc.integer({ min: 0, max: 1 }),
      node: fc.constantFrom('a', 'b'),
    })
    .map(formatHlc),
  { nil: undefined },
);
const docArb: fc.Arbitrary<Doc> = fc
  .tuple(fc.tuple(...FIELDS.map(() => valueArb)), fc.tuple(...FIELDS.map(() => clockArb)))
  .map(([values, clocks]) => {
    const doc: Doc = { id: 'm1', fieldClocks: {} };
    const fieldClocks: Record<string, string> = {};
    FIELDS.forEach((field, i) => {
      if (values[i] !== undefined) doc[field] = values[i];
      const clock = clocks[i];
      if (clock !== undefined) fieldClocks[field] = clock;
    });
    return { ...doc, fieldClocks };
  });

describe('mergeFieldwise', () => {
  it('takes each field from the side that edited it last and keeps the newer clock', () => {
    const local = {
      id: 'm1',
      name: 'Zoe',
      email: 'old@example.com',
      fieldClocks: { name: '000000000000002-00000-a', email: '000000000000001-00000-a' },
    };
    const remote = {
      id: 'm1',
      name: 'Zoë',
      email: 'new@example.com',
      fieldClocks: { name: '000000000000001-00000-b', email: '000000000000003-00000-b' },
    };
    expect(mergeFieldwise(local, remote)).toEqual({
      id: 'm1',
      name: 'Zoe',
      email: 'new@example.com',
      fieldClocks: { name: '000000000000002-00000-a', email: '000000000000003-00000-b' },
    });
  });

  it('breaks a tie of time and counter by node id', () => {
    const a = { id: 'm1', name: 'from a', fieldClocks: { name: '000000000000002-00000-a' } };
    const b = { id: 'm1', name: 'from b', fieldClocks: { name: '000000000000002-00000-b' } };
    expect(mergeFieldwise(a, b).name).toBe('from b');
    expect(mergeFieldwise(b, a).name).toBe('from b');
  });

  it('a newer clearing of an optional field removes it', () => {
    const base = {
      id: 'm1',
      name: 'Zoe',
      email: 'zoe@example.com',
      fieldClocks: { email: '000000000000001-00000-a' },
    };
    const cleared = stampFields(base, { email: undefined }, '000000000000002-00000-b');
    expect(cleared).not.toHaveProperty('email');
    expect(mergeFieldwise(base, cleared)).not.toHaveProperty('email');
    expect(mergeFieldwise(cleared, base).fieldClocks.email).toBe('000000000000002-00000-b');
  });

  it('is commutative', () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => {
        expect(mergeFieldwise(a, b)).toStrictEqual(mergeFieldwise(b, a));
      }),
      { numRuns: 500 },
    );
  });

  it('is associative', () => {
    fc.assert(
      fc.property(docArb, docArb, docArb, (a, b, c) => {
        expect(mergeFieldwise(mergeFieldwise(a, b), c)).toStrictEqual(
          mergeFieldwise(a, mergeFieldwise(b, c)),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => {
        expect(mergeFieldwise(a, a)).toEqual(a);
        const ab = mergeFieldwise(a, b);
        expect(mergeFieldwise(ab, b)).toStrictEqual(ab);
      }),
      { numRuns: 500 },
    );
  });

  it('concurrent edits of different fields both survive', () => {
    const base = { id: 'm1', name: 'Zoe', email: 'zoe@example.com', fieldClocks: {} };
    const onA = stampFields(
      base,
      { name: 'Zoë' },
      formatHlc({ ms: 10, counter: 0, node: 'terminal-a' }),
    );
    const onB = stampFields(
      base,
      { email: 'z@example.org' },
      formatHlc({ ms: 5, counter: 0, node: 'terminal-b' }),
    );
    expect(mergeFieldwise(onA, onB)).toMatchObject({ name: 'Zoë', email: 'z@example.org' });
  });
});
