import { STAFF_ROLES } from '@tillpoint/protocol';
import type { StaffRole } from '@tillpoint/protocol';
import type { Database } from '../db/database.js';
import { ServiceError } from '../errors.js';
import { uuidv7 } from '../ids.js';
import type { CollectionRegistry } from '../sync/collection-handlers.js';
import { writeDocument } from '../sync/document-store.js';
import type { SyncDocument } from '../sync/sync-types.js';
import { hashPin } from './secrets.js';

const PIN_PATTERN = /^\d{4,8}$/;

/**
 * Creates a staff member as a `staff` document (so it replicates to the terminals) holding only
 * the scrypt hash of the PIN. The PIN itself is never stored or logged.
 */
export async function createStaff(
  db: Database,
  registry: CollectionRegistry,
  input: { name: string; role: string; pin: string; storeIds: readonly string[]; id?: string },
): Promise<SyncDocument> {
  if (!(STAFF_ROLES as readonly string[]).includes(input.role)) {
    throw new ServiceError('invalid-body', `role must be one of ${STAFF_ROLES.join(', ')}`);
  }
  if (!PIN_PATTERN.test(input.pin))
    throw new ServiceError('invalid-body', 'the PIN must be 4 to 8 digits');
  const collection = registry.require('staff');
  const doc = {
    id: input.id ?? uuidv7(),
    name: input.name.trim(),
    role: input.role as StaffRole,
    pinHash: await hashPin(input.pin),
    storeIds: [...input.storeIds],
    active: true,
    rev: 0,
    updatedAt: new Date().toISOString(),
  };
  const problems = collection.validate(doc);
  if (problems.length > 0) {
    throw new ServiceError('invalid-document', 'invalid staff member', { issues: problems });
  }
  return db.transaction((tx) => writeDocument(tx, collection, doc));
}
