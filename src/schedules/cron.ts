// Cron expressions and time zones, checked before a Schedule is created so that a bad one is
// reported with its file and field instead of as a server error. croner (a maintained parser) decides
// whether five fields are valid; we say what is wrong in the user's own terms.
import { Cron } from 'croner';
import { z } from 'zod';

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

const FIELDS = [
  { name: 'minute', croner: 'minute', min: 0, max: 59 },
  { name: 'hour', croner: 'hour', min: 0, max: 23 },
  { name: 'day of month', croner: 'day', min: 1, max: 31 },
  { name: 'month', croner: 'month', min: 1, max: 12 },
  { name: 'day of week', croner: 'dayOfWeek', min: 0, max: 7 },
];

const CRON_HELP =
  'use five fields "minute hour day-of-month month day-of-week", e.g. "*/15 * * * *" or "0 6 * * MON-FRI", or @hourly, @daily, @every 10m';

/** The first thing wrong with a cron expression, or undefined when Temporal will accept it. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (MACROS.includes(text.toLowerCase())) return undefined;
  if (text.toLowerCase().startsWith('@every')) {
    return /^@every\s+(\d+(ms|s|m|h|d))+$/i.test(text) ? undefined : `"${text}": write @every with a duration such as 30s, 10m or 1h`;
  }
  // croner also takes a seconds field; Temporal's cron strings have five.
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return `"${text}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; ${CRON_HELP}`;
  try {
    new Cron(text, { paused: true });
    return undefined;
  } catch (err) {
    return `"${text}": ${describe((err as Error).message, parts)}; ${CRON_HELP}`;
  }
}

/** croner's complaint, said with the field's name and the value as the user wrote it. */
function describe(message: string, parts: string[]): string {
  const reason = message.replace(/^CronPattern:\s*/, '');
  const invalid = /Invalid value for (\w+)/.exec(reason);
  const index = invalid ? FIELDS.findIndex((f) => f.croner === invalid[1]) : -1;
  if (index >= 0) {
    const f = FIELDS[index];
    return `${f.name} "${parts[index]}" is not between ${f.min} and ${f.max}`;
  }
  const illegal = /configuration entry (\d) \(([^)]*)\) contains illegal characters/.exec(reason);
  // croner counts a seconds field first: entry 1 is the minute.
  const field = illegal ? FIELDS[Number(illegal[1]) - 1] : undefined;
  if (illegal && field) return `${field.name} "${illegal[2]}" is not a value, range, list or step`;
  const backwards = /larger than to value: '([^']+)'/.exec(reason);
  if (backwards) return `range "${backwards[1]}" runs backwards`;
  if (/stepping/i.test(reason)) return `bad step in "${parts.find((p) => p.includes('/')) ?? ''}"`;
  return reason;
}

export function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone "${zone}"; use an IANA name such as UTC, Europe/Paris or America/New_York`;
  }
}

export const cronExpression = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const timeZone = z.string().superRefine((value, ctx) => {
  const problem = timeZoneProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
