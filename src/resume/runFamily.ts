// A failed run and its resumes form a family: <root>, <root>-resume-1, <root>-resume-2, … The ids are
// a pure function of the root and a count, so whoever holds one id can find the others by asking
// Temporal (retention, status links) without a search attribute or a list query.

const RESUME_SUFFIX = /-resume-(\d+)$/;

/** The run that the family started from: the id without its -resume-<n> suffix. */
export function familyRoot(runId: string): string {
  return runId.replace(RESUME_SUFFIX, '');
}

/** The n-th resume of the family (n from 1). */
export const resumeId = (root: string, n: number) => `${root}-resume-${n}`;

/** Past this many resumes of one run, something other than an operational field is wrong. */
export const MAX_RESUMES = 100;

/**
 * The family's members in order (the root first, then each resume until the first id Temporal does not
 * know), each with what `lookup` says of it. Resumes are numbered without gaps: the client takes the
 * next free number, and Temporal refuses a second start under the same id.
 */
export async function familyMembers<T>(runId: string, lookup: (id: string) => Promise<T | undefined>): Promise<{ id: string; found: T }[]> {
  const root = familyRoot(runId);
  const members: { id: string; found: T }[] = [];
  for (let n = 0; n <= MAX_RESUMES; n++) {
    const id = n === 0 ? root : resumeId(root, n);
    const found = await lookup(id);
    if (found === undefined) {
      if (n === 0) continue; // the root may be gone (past Temporal's retention) while its resumes are not
      break;
    }
    members.push({ id, found });
  }
  return members;
}
