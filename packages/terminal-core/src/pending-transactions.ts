/**
 * The transactions without a ledger seq (not applied by the server as far as the store knows),
 * kept in memory from the collection's change events.
 *
 * The pending count and the pending coupon uses of a checkout need exactly these; a query for
 * them (`seq` / `couponId` `$exists`) cannot use an index (Dexie cannot index optional fields)
 * and scans the whole ledger, which on a till grows with the chain. Here one scan at start-up,
 * then every write updates the set: a transaction leaves it when its applied copy (with seq)
 * is stored.
 */
import type { Subscription } from 'rxjs';
import type { RxCollection } from 'rxdb';
import type { TransactionDoc } from '@tillpoint/protocol';

export interface UnsequencedTransaction {
  readonly id: string;
  readonly terminalId: string;
  readonly couponId?: string;
}

interface ChangeEventLike {
  readonly operation: 'INSERT' | 'UPDATE' | 'DELETE';
  readonly documentId: string;
  readonly documentData?: Partial<TransactionDoc> & { _deleted?: boolean };
}

export class PendingTransactions {
  readonly #unsequenced = new Map<string, UnsequencedTransaction>();
  #subscription: Subscription | undefined;

  private constructor() {}

  /** Subscribes first, then scans once: no write between the two is missed. */
  static async open(collection: RxCollection<TransactionDoc>): Promise<PendingTransactions> {
    const tracker = new PendingTransactions();
    let buffered: ChangeEventLike[] | undefined = [];
    tracker.#subscription = collection.$.subscribe((event) => {
      const change = event as unknown as ChangeEventLike;
      if (buffered) buffered.push(change);
      else tracker.#apply(change);
    });
    try {
      const docs = await collection.find({ selector: { seq: { $exists: false } } }).exec();
      for (const doc of docs) tracker.#set(doc.toJSON() as TransactionDoc);
      // Events after the subscription are newer than or as new as the scan: applied in order.
      const events = buffered;
      buffered = undefined;
      for (const change of events) tracker.#apply(change);
    } catch (error) {
      tracker.stop();
      throw error;
    }
    return tracker;
  }

  /** Every transaction stored without a seq, in no particular order. */
  values(): IterableIterator<UnsequencedTransaction> {
    return this.#unsequenced.values();
  }

  has(id: string): boolean {
    return this.#unsequenced.has(id);
  }

  stop(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  #apply(change: ChangeEventLike): void {
    const doc = change.documentData;
    if (change.operation === 'DELETE' || !doc || doc._deleted === true) {
      this.#unsequenced.delete(change.documentId);
      return;
    }
    this.#set(doc as TransactionDoc);
  }

  #set(doc: TransactionDoc): void {
    if (doc.seq !== undefined) {
      this.#unsequenced.delete(doc.id);
      return;
    }
    this.#unsequenced.set(doc.id, {
      id: doc.id,
      terminalId: doc.terminalId,
      ...(doc.couponId !== undefined ? { couponId: doc.couponId } : {}),
    });
  }
}
