import { Router } from 'express';
import { EnrollRequestSchema } from '@tillpoint/protocol';
import { parseBody } from '../sync/sync-router.js';
import type { AuthService } from './auth-service.js';

/** `POST /api/v1/enroll`: a single-use code in, a device token out (shown once). */
export function createEnrollRouter(auth: AuthService): Router {
  const router = Router();
  router.post('/enroll', async (req, res) => {
    const body = parseBody(EnrollRequestSchema, req.body);
    const result = await auth.enroll(body);
    res.status(201).json(result);
  });
  return router;
}
