// Cron expressions and time zones, checked before a Schedule is created so that a bad one is
// reported with its file and field instead of as a server error.
import { z } from 'zod';

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

const CRON_HELP = 'use five fields "minute hour day-of-month month day-of-week", e.g. "*/15 * * * *" or "0 6 * * MON-FRI", or @hourly, @daily, @every 10m';

/** The first thing wrong with a cron expression, or undefined when Temporal will accept it. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (MACROS.includes(text.toLowerCase())) return undefined;
  if (text.toLowerCase().startsWith('@every')) {
    return /^@every\s+(\d+(ms|s|m|h|d))+$/i.test(text) ? undefined : `"${text}": write @every with a duration such as 30s, 10m or 1h`;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return `"${text}" has ${parts.length} field${parts.length === 1 ? '' : 's'}; ${CRON_HELP}`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(parts[i], FIELDS[i]);
    if (problem) return `"${text}": ${problem}; ${CRON_HELP}`;
  }
  return undefined;
}

function fieldProblem(part: string, field: Field): string | undefined {
  const value = (token: string): number | undefined => {
    if (/^\d+$/.test(token)) return Number(token);
    const index = field.names?.indexOf(token.toUpperCase()) ?? -1;
    return index >= 0 ? index + field.min : undefined;
  };
  for (const item of part.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `bad step in ${field.name} "${item}"`;
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `bad range in ${field.name} "${item}"`;
    const numbers = bounds.map(value);
    for (let j = 0; j < bounds.length; j++) {
      const n = numbers[j];
      if (n === undefined || n < field.min || n > field.max) {
        return `${field.name} "${bounds[j]}" is not between ${field.min} and ${field.max}`;
      }
    }
    if (numbers.length === 2 && numbers[0]! > numbers[1]!) return `${field.name} range "${range}" runs backwards`;
  }
  return undefined;
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
