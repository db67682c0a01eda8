// One S3 client per process, built from the S3 settings (region, endpoint, credentials or the default chain).
import { ListObjectsV2Command, S3Client, type _Object } from '@aws-sdk/client-s3';
import type { S3Settings } from './settings.js';
import { applyEncryption } from './encryption.js';

export function createS3Client(settings: S3Settings): S3Client {
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials,
    // The SDK's own retries cover throttling and dropped connections before a response.
    maxAttempts: 5,
    // AWS_REGION defaults to us-east-1: a bucket elsewhere answers with a redirect the client then follows.
    followRegionRedirects: true,
  });
  applyEncryption(client, settings.encryption);
  return client;
}

/** s3://bucket/some/prefix → { bucket, prefix: 'some/prefix' } (no leading or trailing slash). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new Error(`Not an S3 URL: ${url} (use s3://bucket/prefix)`);
  return { bucket: match[1], prefix: match[2].replace(/^\/+|\/+$/g, '') };
}

export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** Every object under prefix, a page (at most 1,000) at a time: S3 truncates listings. */
export async function* listObjectPages(s3: S3Client, bucket: string, prefix: string | undefined): AsyncGenerator<_Object[]> {
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    yield page.Contents ?? [];
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
}
