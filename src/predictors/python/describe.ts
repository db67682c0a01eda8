// What a Python model offers, read before any data moves: its module is imported in a Python process
// that lists the module's functions and stops. Every problem that would stop scoring later (no
// interpreter, no pyarrow/pandas, a module that does not import, an unknown function) is an error here.
import fs from 'node:fs';
import path from 'node:path';
import { PythonFunctionNotFoundError, PythonImportError } from './errors.js';
import { resolvePythonModel, type PythonModelSource } from './modelSource.js';
import { PythonProcess, type PythonModuleInfo } from './pythonProcess.js';

/** The function run when none is named. */
export const DEFAULT_FUNCTION = 'predict';

export interface PythonModelDescription extends PythonModelSource, PythonModuleInfo {
  /** `predict`, else the module's only function; undefined when neither exists (a function must be named). */
  defaultFunction?: string;
  /** The folder's requirements.txt, recorded as it is (not installed). */
  requirements?: string;
}

export interface DescribeOptions {
  /** BATCH_PYTHON. */
  python: string;
  env?: NodeJS.ProcessEnv;
  /** A module whose import takes longer is an error (a stuck import). */
  timeoutMs?: number;
  /** When given, it must be one of the module's functions. */
  functionName?: string;
}

export function defaultFunctionOf(info: PythonModuleInfo): string | undefined {
  if (info.functions.some((f) => f.name === DEFAULT_FUNCTION)) return DEFAULT_FUNCTION;
  return info.functions.length === 1 ? info.functions[0].name : undefined;
}

/** The function to run: the one named, else the default; an error listing the module's functions otherwise. */
export function chooseFunction(info: PythonModuleInfo, modulePath: string, requested?: string): string {
  const name = requested ?? defaultFunctionOf(info) ?? DEFAULT_FUNCTION;
  if (!info.functions.some((f) => f.name === name)) {
    throw new PythonFunctionNotFoundError(
      modulePath,
      name,
      info.functions.map((f) => f.name),
    );
  }
  return name;
}

export async function describePythonModel(fileOrDir: string, options: DescribeOptions): Promise<PythonModelDescription> {
  const source = resolvePythonModel(fileOrDir);
  const process = new PythonProcess({ python: options.python, ...source, env: options.env });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const info = await Promise.race([
      process.ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new PythonImportError(source.modulePath, {
                excType: 'TimeoutError',
                message: `the import did not finish within ${timeoutMs / 1000} s`,
                frames: [],
              }),
            ),
          timeoutMs,
        );
      }),
    ]);
    if (options.functionName !== undefined) chooseFunction(info, source.modulePath, options.functionName);
    // Only a model folder's own requirements: a lone file's folder may be anything.
    const requirementsFile = path.join(source.modelDir, 'requirements.txt');
    const requirements =
      fs.statSync(fileOrDir).isDirectory() && fs.existsSync(requirementsFile) ? fs.readFileSync(requirementsFile, 'utf8') : undefined;
    return { ...source, ...info, defaultFunction: defaultFunctionOf(info), ...(requirements !== undefined ? { requirements } : {}) };
  } finally {
    clearTimeout(timer);
    process.kill();
    await process.exited;
  }
}
