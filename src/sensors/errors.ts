// A sensor's source cannot be read and a retry will not change that (no such bucket, bad credentials,
// a value too long to be a payload). The check activity turns it into a non-retryable failure.
export class SensorSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SensorSourceError';
  }
}
