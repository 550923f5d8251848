import { z } from 'zod';
import type { RxJsonSchema } from 'rxdb';
import { REWARD_KINDS, RewardDefinitionSchema } from '@tillpoint/loyalty';
import type { RewardDefinition } from '@tillpoint/loyalty';
import { forwardIssues, json, zod } from './common.js';

/**
 * The reward catalog: `RewardDefinitionSchema` of @tillpoint/loyalty in stored form (defaults
 * filled in, instants in UTC) plus `usage` (units redeemed), derived by the server.
 */

export const RewardDocObject = z.strictObject({
  id: zod.recordId(),
  name: zod.text(1, 120),
  description: zod.text(0, 2000),
  kind: z.enum(REWARD_KINDS),
  pointsCost: zod.int(1),
  value: zod.int(0).optional(),
  /** Units in stock; null = unlimited. */
  stock: zod.int(0).nullable(),
  tierExclusive: z.array(zod.tierId()).max(12),
  validFrom: zod.instant().optional(),
  validUntil: zod.instant().optional(),
  active: z.boolean(),
  usage: z.strictObject({ redeemed: zod.int(0) }),
  ...zod.revision(),
});

/** The reward rules of @tillpoint/loyalty, applied to the definition part of the document. */
export function checkRewardRules(
  reward: z.output<typeof RewardDocObject>,
  ctx: z.RefinementCtx,
): void {
  forwardIssues(RewardDefinitionSchema.safeParse(reward), ctx);
}

export const RewardDocSchema = RewardDocObject.superRefine(checkRewardRules);
export type RewardDoc = z.output<typeof RewardDocSchema>;

// A reward document is a `RewardDefinition` with every field of it (fails to compile on drift).
true satisfies RewardDoc extends RewardDefinition ? true : false;
true satisfies [Exclude<keyof RewardDefinition, keyof RewardDoc>] extends [never] ? true : false;

export const rewardsRxSchema: RxJsonSchema<RewardDoc> = {
  title: 'rewards',
  description: 'Reward catalog; usage is server-derived',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: json.recordId(),
    name: json.text(1, 120),
    description: json.text(0, 2000),
    kind: json.enumOf(REWARD_KINDS),
    pointsCost: json.int(1),
    value: json.int(0),
    stock: { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    tierExclusive: json.array(json.tierId(), 12),
    validFrom: json.instant(),
    validUntil: json.instant(),
    active: json.boolean(),
    usage: json.object({ redeemed: json.int(0) }, ['redeemed']),
    ...json.revision(),
  },
  required: [
    'id',
    'name',
    'description',
    'kind',
    'pointsCost',
    'stock',
    'tierExclusive',
    'active',
    'usage',
    'rev',
    'updatedAt',
  ],
};
