// GET /api/v1/models and /api/v1/models/:name[@version]: the model registry, read-only and the same for
// every tenant (models are shared; which tables a tenant writes is what tenants guard).
import type { FastifyInstance } from 'fastify';
import type { BatchInferenceClient } from '../../client.js';
import { UnknownModelError, UnknownModelVersionError } from '../../models/errors.js';
import { ModelRefError, parseModelRef } from '../../models/modelRef.js';
import { badRequest, HttpError } from './errors.js';

export const MODELS = '/api/v1/models';

export function modelRoutes(api: FastifyInstance, client: BatchInferenceClient): void {
  api.get(MODELS, async () => ({ models: await client.listModels() }));
  api.get<{ Params: { name: string } }>(`${MODELS}/:name`, async (request) => {
    try {
      return await client.showModel(parseModelRef(request.params.name));
    } catch (err) {
      if (err instanceof ModelRefError) throw badRequest([{ field: 'name', message: err.problem }]);
      if (err instanceof UnknownModelError || err instanceof UnknownModelVersionError) throw new HttpError(404, 'not_found', err.message);
      throw err;
    }
  });
}
