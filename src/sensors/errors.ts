// A sensor's source cannot be read and a retry will not change that (no such bucket, bad credentials,
// a value too long to be a payload): the check fails visibly and the Schedule stays on.
import { NonRetryableError } from '../nonRetryableError.js';

export class SensorSourceError extends NonRetryableError {}
