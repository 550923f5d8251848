import { z } from 'zod';
import type { RxJsonSchema } from 'rxdb';
import {
  E164_MAX_LENGTH,
  E164_PATTERN,
  EMAIL_PATTERN,
  RECORD_ID_MAX_LENGTH,
  json,
  zod,
} from './common.js';

/**
 * Member profiles, written by terminals. Edits are merged field by field on the server:
 * `fieldClocks` holds, per top-level field, the hybrid logical clock of its last edit (see
 * `mergeFieldwise` in hlc.ts). An erased member (privacy request) keeps its id, so the ledger
 * stays attached to a pseudonymous record, and has every personal field blanked.
 */

export const MEMBER_STATUSES = [
  'active',
  'inactive',
  'blocked',
  'dormant',
  'merged',
  'erased',
] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const SPICE_LEVELS = ['mild', 'medium', 'hot', 'extra-hot'] as const;
export type SpiceLevel = (typeof SPICE_LEVELS)[number];

/** Fields whose edits carry a clock in `fieldClocks`. */
export const MEMBER_CLOCKED_FIELDS = [
  'phone',
  'phoneSuffix',
  'name',
  'searchName',
  'email',
  'birthday',
  'anniversary',
  'occasions',
  'preferences',
  'consents',
  'tags',
  'status',
  'mergedInto',
  'referralCode',
  'referredBy',
  'notes',
  'homeStoreId',
] as const;
export type MemberClockedField = (typeof MEMBER_CLOCKED_FIELDS)[number];

export const MEMBER_NAME_MAX_LENGTH = 120;
export const PHONE_SUFFIX_LENGTH = 4;
const REFERRAL_CODE_PATTERN = /^[A-Z0-9]{6,16}$/;
/** E.164, or empty once the member is erased. */
const PHONE_OR_ERASED_PATTERN = new RegExp(`^(${E164_PATTERN.source.slice(1, -1)})?$`);
const PHONE_SUFFIX_OR_ERASED_PATTERN = /^(\d{4})?$/;
/** As `HlcString` in hlc.ts: 15-digit ms, 5-digit counter, node id. */
export const HLC_STRING_PATTERN = /^\d{15}-\d{5}-[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const HLC_STRING_MAX_LENGTH = 15 + 1 + 5 + 1 + RECORD_ID_MAX_LENGTH;

/**
 * The form of a name used for partial name search: diacritics stripped, lower case, runs of
 * white space folded to one space. 'Zoë  Ångström' → 'zoe angstrom'.
 */
export function toSearchName(name: string): string {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
  // Compatibility decomposition can lengthen a name; keep it within the indexed length.
  return Array.from(folded).slice(0, MEMBER_NAME_MAX_LENGTH).join('').trimEnd();
}

/** The digits a cashier types to find a member by the end of a mistyped number. */
export function toPhoneSuffix(phone: string): string {
  return phone.replace(/\D/g, '').slice(-PHONE_SUFFIX_LENGTH);
}

// ---------------------------------------------------------------------------------------------
// zod

const label = zod.text(1, 60);

export const MemberDocObject = z.strictObject({
  id: zod.uuidV7(),
  phone: z
    .string()
    .regex(PHONE_OR_ERASED_PATTERN, 'must be an E.164 phone number like +12125550123'),
  phoneSuffix: z.string().regex(PHONE_SUFFIX_OR_ERASED_PATTERN, 'must be the last 4 digits'),
  name: zod.text(0, MEMBER_NAME_MAX_LENGTH),
  searchName: zod.text(0, MEMBER_NAME_MAX_LENGTH),
  email: zod.text(3, 254, EMAIL_PATTERN).optional(),
  birthday: zod.calendarDate().optional(),
  anniversary: zod.calendarDate().optional(),
  occasions: z
    .array(
      z.strictObject({
        id: zod.recordId(),
        name: zod.text(1, 80),
        date: zod.calendarDate(),
        recurring: z.boolean(),
      }),
    )
    .max(20),
  preferences: z.strictObject({
    dietary: z.array(label).max(20),
    allergies: z.array(label).max(20),
    spiceLevel: z.enum(SPICE_LEVELS).optional(),
    seating: label.optional(),
    favoriteItems: z.array(z.strictObject({ name: zod.text(1, 120), count: zod.int(0) })).max(50),
  }),
  consents: z.strictObject({
    email: z.boolean(),
    sms: z.boolean(),
    push: z.boolean(),
    specialOffers: z.boolean(),
    birthdayOffers: z.boolean(),
    anniversaryOffers: z.boolean(),
  }),
  tags: z.array(label).max(50),
  status: z.enum(MEMBER_STATUSES),
  mergedInto: zod.uuidV7().optional(),
  referralCode: z.string().regex(REFERRAL_CODE_PATTERN, 'must be 6 to 16 letters and digits'),
  referredBy: zod.uuidV7().optional(),
  notes: z
    .array(
      z.strictObject({
        id: zod.recordId(),
        text: zod.text(1, 1000),
        staffId: zod.recordId(),
        at: zod.instant(),
      }),
    )
    .max(200),
  homeStoreId: zod.recordId(),
  createdAt: zod.instant(),
  createdBy: z.strictObject({ terminalId: zod.recordId(), staffId: zod.recordId() }),
  fieldClocks: z.strictObject(
    Object.fromEntries(
      MEMBER_CLOCKED_FIELDS.map((field) => [
        field,
        z.string().regex(HLC_STRING_PATTERN, 'must be an HLC string').optional(),
      ]),
    ) as Record<MemberClockedField, z.ZodOptional<z.ZodString>>,
  ),
  ...zod.revision(),
});

/** Rules across fields, which the JSON Schema does not express. */
export function checkMemberRules(member: z.output<typeof MemberDocObject>, ctx: z.RefinementCtx) {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  if (member.status === 'erased') {
    if (member.phone !== '' || member.phoneSuffix !== '') {
      issue('phone', 'an erased member keeps no phone number');
    }
    if (member.name !== '' || member.searchName !== '') {
      issue('name', 'an erased member keeps no name');
    }
    for (const field of ['email', 'birthday', 'anniversary'] as const) {
      if (member[field] !== undefined) issue(field, `an erased member keeps no ${field}`);
    }
    if (member.occasions.length > 0) issue('occasions', 'an erased member keeps no occasions');
    if (member.notes.length > 0) issue('notes', 'an erased member keeps no notes');
  } else {
    if (member.phone === '') issue('phone', 'a phone number is required');
    if (member.name === '') issue('name', 'a name is required');
    if (member.phoneSuffix !== toPhoneSuffix(member.phone)) {
      issue('phoneSuffix', 'must be the last 4 digits of the phone number');
    }
    if (member.searchName !== toSearchName(member.name)) {
      issue('searchName', 'must be the search form of the name (see toSearchName)');
    }
  }
  if (member.status === 'merged' && member.mergedInto === undefined) {
    issue('mergedInto', 'a merged member names the member it was merged into');
  }
  if (member.status !== 'merged' && member.mergedInto !== undefined) {
    issue('mergedInto', 'only a merged member names a survivor');
  }
  if (member.mergedInto === member.id) issue('mergedInto', 'a member cannot merge into itself');
  if (member.referredBy === member.id) issue('referredBy', 'a member cannot refer itself');
}

export const MemberDocSchema = MemberDocObject.superRefine(checkMemberRules);
export type MemberDoc = z.output<typeof MemberDocSchema>;
export type MemberPreferences = MemberDoc['preferences'];
export type MemberConsents = MemberDoc['consents'];
export type MemberOccasion = MemberDoc['occasions'][number];
export type MemberNote = MemberDoc['notes'][number];

// ---------------------------------------------------------------------------------------------
// RxDB

const jsonLabel = json.text(1, 60);

export const membersRxSchema: RxJsonSchema<MemberDoc> = {
  title: 'members',
  description: 'Member profiles; field-level merge by hybrid logical clocks',
  // 1: the `status` index, so a survivor's card finds the (few) merged duplicates without
  // scanning every member (Dexie cannot index the optional `mergedInto`); the documents are
  // unchanged, see COLLECTION_MIGRATIONS.
  version: 1,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: json.uuidV7(),
    phone: json.text(0, E164_MAX_LENGTH, PHONE_OR_ERASED_PATTERN),
    phoneSuffix: json.text(0, PHONE_SUFFIX_LENGTH, PHONE_SUFFIX_OR_ERASED_PATTERN),
    name: json.text(0, MEMBER_NAME_MAX_LENGTH),
    searchName: json.text(0, MEMBER_NAME_MAX_LENGTH),
    email: json.text(3, 254, EMAIL_PATTERN),
    birthday: json.calendarDate(),
    anniversary: json.calendarDate(),
    occasions: json.array(
      json.object(
        {
          id: json.recordId(),
          name: json.text(1, 80),
          date: json.calendarDate(),
          recurring: json.boolean(),
        },
        ['id', 'name', 'date', 'recurring'],
      ),
      20,
    ),
    preferences: json.object(
      {
        dietary: json.array(jsonLabel, 20),
        allergies: json.array(jsonLabel, 20),
        spiceLevel: json.enumOf(SPICE_LEVELS),
        seating: jsonLabel,
        favoriteItems: json.array(
          json.object({ name: json.text(1, 120), count: json.int(0) }, ['name', 'count']),
          50,
        ),
      },
      ['dietary', 'allergies', 'favoriteItems'],
    ),
    consents: json.object(
      {
        email: json.boolean(),
        sms: json.boolean(),
        push: json.boolean(),
        specialOffers: json.boolean(),
        birthdayOffers: json.boolean(),
        anniversaryOffers: json.boolean(),
      },
      ['email', 'sms', 'push', 'specialOffers', 'birthdayOffers', 'anniversaryOffers'],
    ),
    tags: json.array(jsonLabel, 50),
    status: json.enumOf(MEMBER_STATUSES),
    mergedInto: json.uuidV7(),
    referralCode: json.text(6, 16, REFERRAL_CODE_PATTERN),
    referredBy: json.uuidV7(),
    notes: json.array(
      json.object(
        {
          id: json.recordId(),
          text: json.text(1, 1000),
          staffId: json.recordId(),
          at: json.instant(),
        },
        ['id', 'text', 'staffId', 'at'],
      ),
      200,
    ),
    homeStoreId: json.recordId(),
    createdAt: json.instant(),
    createdBy: json.object({ terminalId: json.recordId(), staffId: json.recordId() }, [
      'terminalId',
      'staffId',
    ]),
    fieldClocks: json.object(
      Object.fromEntries(
        MEMBER_CLOCKED_FIELDS.map((field) => [
          field,
          json.text(1, HLC_STRING_MAX_LENGTH, HLC_STRING_PATTERN),
        ]),
      ),
      [],
    ),
    ...json.revision(),
  },
  required: [
    'id',
    'phone',
    'phoneSuffix',
    'name',
    'searchName',
    'occasions',
    'preferences',
    'consents',
    'tags',
    'status',
    'referralCode',
    'notes',
    'homeStoreId',
    'createdAt',
    'createdBy',
    'fieldClocks',
    'rev',
    'updatedAt',
  ],
  indexes: ['phone', 'phoneSuffix', 'searchName', 'referralCode', 'status'],
};
