// Reads a job spec from a .json, .yaml or .yml file.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { UsageError } from './usage.js';

export function readSpecFile(file: string): { spec: unknown; baseDir: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read spec file ${file}: ${(err as Error).message}`);
  }
  try {
    const spec = /\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text);
    return { spec, baseDir: path.dirname(path.resolve(file)) };
  } catch (err) {
    throw new UsageError(`Spec file ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`);
  }
}
