// The HTTP door: Fastify routes over JobService. Requests are validated with zod inside the routes
// (one code path for the answer's shape); every error is JSON.
import { modelRoutes } from './models.js';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { MAX_SPEC_BYTES } from '../../spec/specSize.js';
import { bearerAuth } from './auth.js';
import { badRequest, HttpError } from './errors.js';
import { JobService, type JobServiceDeps } from './jobs.js';
import { parseJsonBody } from './jsonBody.js';
import { openApiDocument } from './openapi.js';
import { pageTokenKey } from './pageToken.js';
import { sanitizeMessage } from './sanitize.js';
import { ScheduleService } from './schedules.js';
import { TEMPORAL_DEADLINE_MS, TemporalUnavailableError, withTemporalDeadline } from './temporalDeadline.js';

export interface ApiOptions extends JobServiceDeps {
  /** token → tenant; BATCH_API_TOKENS by default. */
  tokens?: Record<string, string>;
  version?: string;
}

const BASE = '/api/v1/inference/batch';
const SCHEDULES = '/api/v1/inference/schedules';
/** The same 1 MiB as a job spec's limit (src/spec/specSize.ts): a body that fits is a spec Temporal takes. */
const BODY_LIMIT = MAX_SPEC_BYTES;
const MAX_PARAM_LENGTH = 200;
const FASTIFY_CODES: Record<number, string> = { 413: 'payload_too_large', 415: 'unsupported_media_type' };

export function buildApi(options: ApiOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    // As long as the longest job_id jobIdSchema accepts; a longer one is answered 414 below.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors the router answers before any route (a too-long or undecodable URL): in our shape too.
    frameworkErrors: (err, _request, reply) => {
      const status = err.statusCode ?? 400;
      const tooLong = status === 414;
      const message = tooLong
        ? `The URL is too long: a path parameter (job_id, schedule_id) has at most ${MAX_PARAM_LENGTH} characters; use an id as the API returned it`
        : `The URL is not valid: ${err.message}`;
      return (reply as FastifyReply)
        .code(status)
        .send({ error: tooLong ? 'uri_too_long' : 'invalid_request', message, problems: [{ field: '(url)', message }] });
    },
  });
  // JSON only: any other content type is answered 415.
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, parseJsonBody(text as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const tokens = options.tokens ?? options.config.api.tokens;
  const jobs = new JobService({ ...options, pageTokenKey: pageTokenKey(tokens) });
  const schedules = new ScheduleService(options.client);
  const authenticate = bearerAuth(tokens);
  const document = openApiDocument(options.version ?? '0.1.0');
  const connection = options.client.calls;
  /** Every route's work, its Temporal calls bounded by one deadline (503 + Retry-After when it passes). */
  const bounded = <T>(fn: () => Promise<T>) => withTemporalDeadline(connection, options.temporalDeadlineMs ?? TEMPORAL_DEADLINE_MS, fn);

  app.setErrorHandler((err: FastifyError | HttpError, _request, reply) => {
    if (err instanceof TemporalUnavailableError) reply.header('retry-after', String(err.retryAfterSeconds));
    if (err instanceof HttpError) return reply.code(err.status).send(err.body);
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      // Fastify's own checks: body not JSON, wrong content type, body too large.
      // They are all about the body: not JSON, not an accepted content type, too large.
      const field = '(body)';
      const code = FASTIFY_CODES[status] ?? 'invalid_request';
      const message =
        status === 413
          ? `The body is above the limit of ${BODY_LIMIT} bytes (1 MiB) for a job; keep large SQL in the warehouse (a view or table) and large values out of input.params`
          : err.message;
      return reply.code(status).send({ error: code, message, problems: [{ field, message }] });
    }
    return reply.code(500).send({ error: 'internal', message: sanitizeMessage(err.message) });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.get('/api/v1/openapi.json', async () => document);

  app.register(async (api) => {
    api.decorateRequest('tenant', '');
    api.addHook('onRequest', async (request) => {
      (request as { tenant?: string }).tenant = authenticate(request.headers.authorization);
    });
    const tenantOf = (request: object) => (request as { tenant: string }).tenant;

    api.post(BASE, async (request, reply) => {
      if (request.body === undefined)
        throw badRequest([{ field: '(body)', message: 'send the job as a JSON object (Content-Type: application/json)' }]);
      const key = request.headers['idempotency-key'];
      const answer = await bounded(() => jobs.submit(tenantOf(request), request.body, typeof key === 'string' ? key : undefined));
      // A single run is accepted (202); a schedule block creates a Schedule (201).
      return reply.code('schedule_id' in answer ? 201 : 202).send(answer);
    });
    api.get(BASE, async (request) => bounded(() => jobs.list(tenantOf(request), request.query)));
    api.get<{ Params: { job_id: string } }>(`${BASE}/:job_id`, async (request) =>
      bounded(() => jobs.get(tenantOf(request), request.params.job_id)),
    );
    api.get<{ Params: { job_id: string } }>(`${BASE}/:job_id/logs`, async (request) =>
      bounded(() => jobs.logs(tenantOf(request), request.params.job_id)),
    );
    api.delete<{ Params: { job_id: string } }>(`${BASE}/:job_id`, async (request, reply) =>
      reply.code(202).send(await bounded(() => jobs.cancel(tenantOf(request), request.params.job_id))),
    );
    api.post<{ Params: { job_id: string } }>(`${BASE}/:job_id/resume`, async (request, reply) =>
      reply.code(202).send(await bounded(() => jobs.resume(tenantOf(request), request.params.job_id, request.body))),
    );
    modelRoutes(api, options.client);
    api.get<{ Params: { schedule_id: string } }>(`${SCHEDULES}/:schedule_id`, async (request) =>
      bounded(() => schedules.get(tenantOf(request), request.params.schedule_id)),
    );
    api.patch<{ Params: { schedule_id: string } }>(`${SCHEDULES}/:schedule_id`, async (request) =>
      bounded(() => schedules.update(tenantOf(request), request.params.schedule_id, request.body)),
    );
    api.delete<{ Params: { schedule_id: string } }>(`${SCHEDULES}/:schedule_id`, async (request) =>
      bounded(() => schedules.remove(tenantOf(request), request.params.schedule_id)),
    );
  });
  return app;
}
