// S3 object metadata for sensors, with the AWS SDK loaded on first use: workers and CLI commands
// that never watch S3 do not pay for loading it.
import type { S3Settings } from './settings.js';
import type { ObjectMetadataSource } from './s3Objects.js';

export function lazyS3Objects(settings: S3Settings): ObjectMetadataSource {
  let real: Promise<ObjectMetadataSource> | undefined;
  const load = () =>
    (real ??= Promise.all([import('./s3Objects.js'), import('./s3Client.js')]).then(
      ([{ S3Objects }, { createS3Client }]) => new S3Objects(createS3Client(settings)),
    ));
  return {
    list: async (bucket, prefix) => (await load()).list(bucket, prefix),
    head: async (bucket, key) => (await load()).head(bucket, key),
  };
}
