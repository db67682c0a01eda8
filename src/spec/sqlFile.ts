// A .sql file named by a spec or sensor file is read only from inside that file's folder: a relative
// path without "..", whose real location (symlinks resolved) is still inside. Errors name the path
// and the rule, never the file's content.
import fs from 'node:fs';
import path from 'node:path';

export class SqlFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'SqlFileError';
  }
}

export function readSqlFileInside(baseDir: string, name: string): string {
  if (path.isAbsolute(name) || /^[A-Za-z]:/.test(name)) {
    throw new SqlFileError(
      name,
      `an absolute path is not allowed; put the file in the folder of the spec (${baseDir}) and give its path relative to it`,
    );
  }
  if (name.split(/[\\/]/).includes('..')) {
    throw new SqlFileError(name, `".." is not allowed; put the file in the folder of the spec (${baseDir}) or below it`);
  }
  const root = fs.realpathSync(baseDir);
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(root, name));
  } catch {
    throw new SqlFileError(name, `no such file in ${baseDir}`);
  }
  if (!real.startsWith(root + path.sep)) {
    throw new SqlFileError(name, `it leads out of ${baseDir} (a symbolic link); copy the SQL into that folder instead`);
  }
  try {
    return fs.readFileSync(real, 'utf8');
  } catch (err) {
    throw new SqlFileError(name, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
