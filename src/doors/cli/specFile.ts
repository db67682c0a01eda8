// Reads a job spec from a .json, .yaml or .yml file.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { checkSpecSize } from '../../spec/specSize.js';
import { UsageError } from './usage.js';

export function readSpecFile(file: string): { spec: unknown; baseDir: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read spec file ${file}: ${(err as Error).message}`);
  }
  let spec: unknown;
  try {
    spec = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new UsageError(`Spec file ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
  // Before any server is reached: a spec that Temporal would refuse is refused here, at once.
  checkSpecSize(spec);
  return { spec, baseDir: path.dirname(path.resolve(file)) };
}
