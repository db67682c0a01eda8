// The COPY INTO <table> statements of a publish: exactly the files the run listed, never whatever else
// lies under the prefix, at most MAX_FILES_PER_COPY names per statement (Snowflake's limit for FILES).
import { StageLocationError } from './names.js';
import { loadSql } from './statements.js';

export const MAX_FILES_PER_COPY = 1000;

/** Characters a file name inside FILES = ('…') may have: the same plain set a stage location allows. */
const FILE_NAME = /^[A-Za-z0-9_\-./=:@+]+$/;

/** File names relative to the prefix, in batches of at most `perStatement`, each batch one statement. */
export function loadStatements(table: string, stage: string, prefix: string, keys: string[], perStatement = MAX_FILES_PER_COPY): string[] {
  const base = `${prefix.replace(/\/+$/, '')}/`;
  const names = keys.map((key) => {
    const name = key.startsWith(base) ? key.slice(base.length) : undefined;
    if (!name || !FILE_NAME.test(name) || name.split('/').includes('..')) {
      throw new StageLocationError(
        `Output file ${JSON.stringify(key)} is not a plain file name under ${base} (use letters, digits and _ - . / = : @ +)`,
      );
    }
    return name;
  });
  const statements: string[] = [];
  for (let i = 0; i < names.length; i += perStatement) {
    statements.push(loadSql(table, stage, prefix, names.slice(i, i + perStatement)));
  }
  return statements;
}
