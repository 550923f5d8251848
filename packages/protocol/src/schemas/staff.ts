import { z } from 'zod';
import type { RxJsonSchema } from 'rxdb';
import { json, zod } from './common.js';

/**
 * Staff who sign in at the till. Only a slow salted hash of the PIN replicates, so a terminal
 * can check a PIN offline: 'scrypt$N$r$p$saltB64$hashB64'.
 */

export const STAFF_ROLES = ['cashier', 'manager'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const PIN_HASH_PATTERN =
  /^scrypt\$[1-9]\d{0,9}\$[1-9]\d{0,3}\$[1-9]\d{0,3}\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/;

export const StaffDocObject = z.strictObject({
  id: zod.recordId(),
  name: zod.text(1, 120),
  role: z.enum(STAFF_ROLES),
  pinHash: zod.text(1, 512, PIN_HASH_PATTERN),
  storeIds: z.array(zod.recordId()).max(500),
  active: z.boolean(),
  ...zod.revision(),
});

export const StaffDocSchema = StaffDocObject;
export type StaffDoc = z.output<typeof StaffDocSchema>;

export const staffRxSchema: RxJsonSchema<StaffDoc> = {
  title: 'staff',
  description: 'Staff with role and PIN hash for offline sign-in',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: json.recordId(),
    name: json.text(1, 120),
    role: json.enumOf(STAFF_ROLES),
    pinHash: json.text(1, 512, PIN_HASH_PATTERN),
    storeIds: json.array(json.recordId(), 500),
    active: json.boolean(),
    ...json.revision(),
  },
  required: ['id', 'name', 'role', 'pinHash', 'storeIds', 'active', 'rev', 'updatedAt'],
};
