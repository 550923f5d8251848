import { z } from 'zod';
import type { RxJsonSchema } from 'rxdb';
import { ProgramSettingsSchema } from '@tillpoint/loyalty';
import { json, zod } from './common.js';

/**
 * The loyalty program a manager configures. One document per program (id 'default'); every
 * save bumps `version`, which transactions record. `settings` is validated by
 * `ProgramSettingsSchema` from @tillpoint/loyalty at the edge; RxDB only checks it is an object,
 * so the rules live in one place.
 */

export const DEFAULT_PROGRAM_ID = 'default';

export const ProgramDocObject = z.strictObject({
  id: zod.recordId(),
  version: zod.int(1),
  settings: ProgramSettingsSchema,
  updatedBy: zod.recordId(),
  ...zod.revision(),
});

export function checkProgramRules(
  program: z.output<typeof ProgramDocObject>,
  ctx: z.RefinementCtx,
): void {
  if (program.settings.version !== program.version) {
    ctx.addIssue({
      code: 'custom',
      path: ['settings', 'version'],
      message: 'must equal the document version',
    });
  }
}

export const ProgramDocSchema = ProgramDocObject.superRefine(checkProgramRules);
/** With every setting filled in (defaults applied). */
export type ProgramDoc = z.output<typeof ProgramDocSchema>;

export const programRxSchema: RxJsonSchema<ProgramDoc> = {
  title: 'program',
  description: 'Versioned loyalty program settings',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: json.recordId(),
    version: json.int(1),
    settings: { type: 'object' },
    updatedBy: json.recordId(),
    ...json.revision(),
  },
  required: ['id', 'version', 'settings', 'updatedBy', 'rev', 'updatedAt'],
};
