// POST /api/v1/inference/batch/:job_id/resume: the client's resumeRun over HTTP. The job must be the
// caller's (checked before anything else, 404 like any other tenant's job); the body is an optional
// object of the operational fields to change, in job spec names ({ "timeoutPerBatch": 600 }).
import type { BatchInferenceClient } from '../../client.js';
import { ResumeRefusedError } from '../../client/resumeRun.js';
import { SpecError } from '../../spec/errors.js';
import { badRequest, HttpError, notFound } from './errors.js';
import type { ResumeResponse } from './schemas.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function resumeJob(
  client: BatchInferenceClient,
  /** Resolves when the job exists and is the caller's; throws the 404 otherwise. */
  owned: () => Promise<unknown>,
  jobId: string,
  body: unknown,
): Promise<ResumeResponse> {
  await owned();
  if (body !== undefined && !isRecord(body)) {
    throw badRequest([{ field: '(body)', message: 'send an object of the fields to change, e.g. {"timeoutPerBatch": 600}, or no body' }]);
  }
  try {
    const { runId } = await client.resumeRun(jobId, body ?? {});
    return { job_id: runId, status: 'submitted', resume_of: jobId };
  } catch (err) {
    if (err instanceof SpecError) throw badRequest(err.problems);
    if (err instanceof ResumeRefusedError) {
      if (err.reason === 'unknown') throw notFound(jobId);
      throw new HttpError(409, 'conflict', err.message);
    }
    throw err;
  }
}
