/**
 * The collections this server replicates: every collection of @tillpoint/protocol, with the
 * protocol's ownership map (who may write what). Push handlers other than the generic document
 * store are registered here.
 */
import {
  COLLECTIONS,
  COLLECTION_NAMES,
  COLLECTION_OWNERSHIP,
  DOCUMENT_SCHEMAS,
  INITIAL_SERVER_OWNED_VALUES,
} from '@tillpoint/protocol';
import type { z } from 'zod';
import { catalogPushHandler } from '../ledger/catalog-push-handler.js';
import { transactionsPushHandler } from '../ledger/transactions-push-handler.js';
import { membersPushHandler } from '../members/members-service.js';
import { CollectionRegistry } from './collection-handlers.js';
import type { CollectionDefinition } from './collection-definition.js';

/** Validation problems of a zod schema as "path: message" lines. */
export function zodProblems(schema: z.ZodType, document: unknown): string[] {
  const result = schema.safeParse(document);
  return result.success
    ? []
    : result.error.issues.map(
        (issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`,
      );
}

/** Validates the fields of a pushed state; `_deleted` is the wire's tombstone flag, not a field. */
function documentValidator(schema: z.ZodType): CollectionDefinition['validate'] {
  return (document) => {
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      return ['(document): must be an object'];
    }
    const { _deleted: deleted, ...fields } = document as Record<string, unknown>;
    if (deleted !== undefined && typeof deleted !== 'boolean')
      return ['_deleted: must be a boolean'];
    return zodProblems(schema, fields);
  };
}

export function protocolCollectionDefinitions(): CollectionDefinition[] {
  return COLLECTION_NAMES.map((name) => ({
    name,
    primaryKey: String(COLLECTIONS[name].primaryKey),
    terminalWrites: COLLECTION_OWNERSHIP[name].terminalWrites,
    serverOwnedFields: COLLECTION_OWNERSHIP[name].serverOwnedFields,
    serverOwnedInitialValues: INITIAL_SERVER_OWNED_VALUES[name] as
      Readonly<Record<string, unknown>> | undefined,
    validate: documentValidator(DOCUMENT_SCHEMAS[name]),
  }));
}

/**
 * A registry of every protocol collection. The ledger's handlers replace the generic one for
 * transactions (applied in server order), members (field merge, duplicate phones) and the
 * catalog (usage is server-derived); the others use the generic rev-checked store.
 */
export function createSyncCollections(): CollectionRegistry {
  // Deadlock victims (lock order across members, phones and coupons) are retried whole.
  const ledgerRetries = { maxAttempts: 8 };
  return new CollectionRegistry(protocolCollectionDefinitions())
    .setPushHandler('transactions', transactionsPushHandler, ledgerRetries)
    .setPushHandler('members', membersPushHandler, ledgerRetries)
    .setPushHandler('coupons', catalogPushHandler)
    .setPushHandler('rewards', catalogPushHandler);
}
