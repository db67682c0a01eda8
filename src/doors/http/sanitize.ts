// Error messages on their way out of the API: a run's error (or an internal one) may quote where the
// worker keeps its files. Callers get the reason, never the worker's folders or the stage's layout.

const STAGE_URL = /\b(?:s3|gs|file):\/\/[^\s'"`),;]+/g;
// Two or more segments from a leading "/", not inside a word or a relative path ("2026/02/26", "a/b").
const ABSOLUTE_PATH = /(?<![\w.~/-])(?:\/[^\s'"`),;/]+){2,}\/?/g;
const WINDOWS_PATH = /\b[A-Za-z]:\\[^\s'"`),;]+/g;
// A run's staged files: runs/<run id>/input|output/...
const STAGE_KEY = /(?<![\w/-])runs\/[^\s'"`),;]+/g;

export function sanitizeMessage(message: string): string {
  return message
    .replace(STAGE_URL, '<stage>')
    .replace(WINDOWS_PATH, '<path>')
    .replace(ABSOLUTE_PATH, '<path>')
    .replace(STAGE_KEY, '<stage file>');
}
