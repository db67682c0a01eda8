// Where a Python model's code is: a .py file, or a folder holding the module beside its artifacts
// (model.joblib, requirements.txt, helper modules). The folder is what load(model_dir) receives.
import fs from 'node:fs';
import path from 'node:path';
import { PythonModelPathError } from './errors.js';

export interface PythonModelSource {
  /** The module's .py file, absolute and with links resolved. */
  modulePath: string;
  /** Its folder: first on sys.path, the process's working directory, and load()'s argument. */
  modelDir: string;
}

/** The module a folder runs: model.py when there is one, else its only top-level .py file. */
export const FOLDER_MODULE = 'model.py';

export function resolvePythonModel(fileOrDir: string): PythonModelSource {
  let real: string;
  try {
    real = fs.realpathSync(fileOrDir);
  } catch {
    throw new PythonModelPathError(fileOrDir, 'no such file or folder; give a .py file or a folder holding one');
  }
  const stat = fs.statSync(real);
  if (stat.isFile()) {
    if (!real.endsWith('.py')) throw new PythonModelPathError(fileOrDir, 'is not a .py file; give the module that defines predict(df)');
    return { modulePath: real, modelDir: path.dirname(real) };
  }
  if (!stat.isDirectory()) throw new PythonModelPathError(fileOrDir, 'is neither a file nor a folder');
  const modules = fs
    .readdirSync(real, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.py'))
    .map((e) => e.name)
    .sort();
  const chosen = modules.includes(FOLDER_MODULE) ? FOLDER_MODULE : modules.length === 1 ? modules[0] : undefined;
  if (!chosen) {
    throw new PythonModelPathError(
      fileOrDir,
      modules.length
        ? `holds ${modules.join(', ')}; name the model's module ${FOLDER_MODULE} so that it is clear which one runs`
        : `holds no .py file; put the module that defines predict(df) there (as ${FOLDER_MODULE})`,
    );
  }
  return { modulePath: path.join(real, chosen), modelDir: real };
}
