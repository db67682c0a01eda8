// The config files of a deploy folder: each .json/.yaml/.yml file is a sensor (it has `sensor` or
// `data`) or a job spec (it has `inputQuery`); a job spec becomes a cron Schedule when it has a
// `schedule` block. Every file is checked on its own: a bad one is reported and leaves the rest alone.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { prepareSpecForStart } from '../spec/prepareForStart.js';
import type { Config } from '../config.js';
import { cronScheduleId, sensorScheduleId } from './managed.js';
import { NAME, nameFromFile, parseSensorFile } from '../sensors/sensorConfig.js';
import type { SensorDefinition } from '../sensors/types.js';
import { SpecError, type FieldProblem } from '../spec/errors.js';
import { scheduleBlockSchema, type ScheduleBlock } from '../spec/scheduleBlock.js';
import { grantProblems } from '../tenants/grants.js';

export type ConfigItem =
  | { kind: 'sensor'; file: string; name: string; scheduleId: string; sensor: SensorDefinition }
  | { kind: 'cron'; file: string; name: string; scheduleId: string; spec: Record<string, unknown>; schedule: ScheduleBlock }
  | { kind: 'skipped'; file: string; reason: string }
  | { kind: 'invalid'; file: string; problems: FieldProblem[]; ids: string[] };

const CONFIG_FILE = /\.(json|ya?ml)$/i;

export function listConfigFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && CONFIG_FILE.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

export function readConfigDir(dir: string, config: Config): ConfigItem[] {
  const items = listConfigFiles(dir).map((file) => readConfigFile(file, config));
  // Two files may not claim the same Schedule (a.yaml and a.json, or the same sensor.name).
  const owner = new Map<string, string>();
  return items.map((item) => {
    if (item.kind !== 'sensor' && item.kind !== 'cron') return item;
    const first = owner.get(item.scheduleId);
    if (!first) {
      owner.set(item.scheduleId, item.file);
      return item;
    }
    const field = item.kind === 'sensor' ? 'sensor.name' : '(file name)';
    return {
      kind: 'invalid',
      file: item.file,
      ids: [],
      problems: [
        {
          field,
          message: `${path.basename(first)} already deploys ${item.scheduleId}; rename this file${item.kind === 'sensor' ? ' or set a different sensor.name' : ''}`,
        },
      ],
    };
  });
}

export function readConfigFile(file: string, config: Config): ConfigItem {
  const base = nameFromFile(file);
  // Schedules this file may own even when it is invalid: --prune must not delete them.
  const ids = [sensorScheduleId(base), cronScheduleId(base)];
  const invalid = (problems: FieldProblem[], extraIds: string[] = []): ConfigItem => ({
    kind: 'invalid',
    file,
    problems,
    ids: [...ids, ...extraIds],
  });

  let raw: unknown;
  const yaml = /\.ya?ml$/i.test(file);
  try {
    const text = fs.readFileSync(file, 'utf8');
    raw = yaml ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    return invalid([{ field: '(file)', message: `not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}` }]);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return invalid([
      { field: '(file)', message: 'expected a mapping: a sensor (project, sensor, data, run) or a job spec (inputQuery, …, schedule)' },
    ]);
  }
  const obj = raw as Record<string, unknown>;

  if ('sensor' in obj || 'data' in obj) {
    const declared = (obj.sensor as { name?: unknown } | undefined)?.name;
    const extra = typeof declared === 'string' ? [sensorScheduleId(declared)] : [];
    try {
      const sensor = parseSensorFile(raw, file, config);
      return { kind: 'sensor', file, name: sensor.name, scheduleId: sensorScheduleId(sensor.name), sensor };
    } catch (err) {
      if (err instanceof SpecError) return invalid(err.problems, extra);
      throw err;
    }
  }

  if ('inputQuery' in obj || 'schedule' in obj) {
    if (obj.schedule === undefined) return { kind: 'skipped', file, reason: 'a job spec without a schedule block (nothing to deploy)' };
    const problems: FieldProblem[] = [];
    if (!NAME.test(base))
      problems.push({ field: '(file name)', message: `"${base}" cannot name a schedule; rename the file (letters, digits, _ . and -)` });
    let spec: Record<string, unknown> | undefined;
    try {
      spec = prepareSpecForStart(raw, config, path.dirname(path.resolve(file)));
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      problems.push(...err.problems);
    }
    if (spec) problems.push(...grantProblems(config, (obj.schedule as { tenant?: string } | undefined)?.tenant, spec, 'outputTableName'));
    if (problems.length || !spec) return invalid(problems);
    const schedule = scheduleBlockSchema.parse(obj.schedule);
    return { kind: 'cron', file, name: base, scheduleId: cronScheduleId(base), spec, schedule };
  }

  return invalid([
    {
      field: '(file)',
      message:
        'neither a sensor nor a job spec: a sensor file has project, sensor, data and run; a job spec has inputQuery, outputTableName, predictor and a schedule block',
    },
  ]);
}
