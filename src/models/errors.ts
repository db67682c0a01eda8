// What goes wrong with a model reference or a registered version. Each error lists what exists, so the
// user can pick a real name, version or function.
import { NonRetryableError } from '../nonRetryableError.js';

const listed = (items: readonly (string | number)[]) => (items.length ? items.join(', ') : '(none)');

/** A model may take 10,000 inputs and a query return as many columns: the message names the first 100. */
const firstOf = (items: readonly string[], max = 100) =>
  items.length > max ? `${listed(items.slice(0, max))} … and ${items.length - max} more` : listed(items);

export class UnknownModelError extends NonRetryableError {
  constructor(
    readonly model: string,
    readonly registered: string[],
  ) {
    super(
      `unknown model "${model}"; registered models: ${listed(registered)}. Register it with: batch-inference models register ${model} <file>`,
    );
  }
}

export class UnknownModelVersionError extends NonRetryableError {
  constructor(
    readonly model: string,
    readonly version: number,
    readonly versions: number[],
  ) {
    super(`model "${model}" has no version ${version}; its versions: ${listed(versions)}`);
  }
}

export class UnknownModelFunctionError extends NonRetryableError {
  constructor(
    readonly model: string,
    readonly version: number,
    readonly fn: string,
    readonly functions: string[],
  ) {
    super(`model ${model}@${version} has no function "${fn}"; its functions: ${listed(functions)}`);
  }
}

/** Registering a version that exists with other bytes: versions are immutable. */
export class ModelVersionExistsError extends NonRetryableError {
  constructor(
    readonly model: string,
    readonly version: number,
    readonly existingSha256: string,
    readonly newSha256: string,
  ) {
    super(
      `${model}@${version} is already registered with other bytes (sha256 ${existingSha256.slice(0, 12)}…, yours ${newSha256.slice(0, 12)}…); versions are immutable: register without --version to get the next one`,
    );
  }
}

/** The downloaded artifact's bytes are not the ones registered: it was changed or damaged on the stage. */
export class CorruptModelError extends NonRetryableError {
  constructor(
    readonly model: string,
    readonly version: number,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(
      `model ${model}@${version}: the artifact's sha256 is ${actualSha256.slice(0, 12)}…, not the registered ${expectedSha256.slice(0, 12)}…; it was changed or damaged on the stage. Register the model again as a new version`,
    );
  }
}

/** The query lacks columns the model function takes. */
export class MissingInputColumnsError extends NonRetryableError {
  constructor(
    readonly model: string,
    readonly missing: string[],
    readonly available: string[],
    /** The function that takes them, when known (preparing names it; a batch's check knows only the version). */
    readonly fn?: string,
  ) {
    super(
      `model ${model}${fn ? ` function ${fn}` : ''} needs input columns the query does not return: ${firstOf(missing)} (the query returns: ${firstOf(available)}); select them in inputQuery`,
    );
  }
}

/** An input column whose values are not numbers: a model would see NaN for every row. */
export class ModelInputTypeError extends NonRetryableError {
  constructor(
    readonly model: string,
    readonly column: string,
    readonly type: string,
  ) {
    super(`model ${model} takes numbers, but input column ${column} is ${type}; cast it in inputQuery (e.g. ${column}::DOUBLE)`);
  }
}

/** A file that this kind of model cannot take (wrong format, zipmap outputs, unnamed features). */
export class UnsupportedModelError extends NonRetryableError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`cannot register ${file}: ${problem}`);
  }
}

/** A version an open run uses cannot be deleted. */
export class ModelInUseError extends NonRetryableError {
  constructor(
    readonly model: string,
    readonly version: number,
    readonly runIds: string[],
  ) {
    super(`${model}@${version} is used by open runs: ${runIds.join(', ')}; wait for them to finish or cancel them, then delete it`);
  }
}

/** Two registrations raced for the same new version number and this one kept losing. */
export class ModelRegistrationConflictError extends NonRetryableError {
  constructor(
    readonly model: string,
    readonly attempts: number,
  ) {
    super(`could not register a new version of ${model}: other registrations took each next version ${attempts} times in a row; try again`);
  }
}
