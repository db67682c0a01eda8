// Object metadata from S3 (or any S3-compatible server): what S3 sensors watch. Listing and HEAD only;
// a missing object is an answer (undefined), not an error.
import { HeadBucketCommand, HeadObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound, listObjectPages } from './s3Client.js';
import { NonRetryableError } from '../../../nonRetryableError.js';

export interface ObjectMeta {
  key: string;
  size: number;
  etag?: string;
  /** ISO time. */
  lastModified?: string;
}

export interface ObjectMetadataSource {
  /** Every object whose key starts with prefix, in key order. */
  list(bucket: string, prefix: string): Promise<ObjectMeta[]>;
  /** One object's metadata, or undefined when there is no such object. */
  head(bucket: string, key: string): Promise<ObjectMeta | undefined>;
}

/** Errors no retry can fix: the bucket or the credentials are wrong. */
const PERMANENT = new Set([
  'NoSuchBucket',
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidBucketName',
  'Forbidden',
]);
/** Past this many objects a prefix is too broad to fingerprint on every tick. */
const MAX_OBJECTS = 100_000;

/** The bucket cannot be read and a retry will not change that (no such bucket, access denied, too many objects). */
export class S3AccessError extends NonRetryableError {}

export class S3Objects implements ObjectMetadataSource {
  constructor(private readonly client: S3Client) {}

  async list(bucket: string, prefix: string): Promise<ObjectMeta[]> {
    return this.call(bucket, async () => {
      const objects: ObjectMeta[] = [];
      for await (const contents of listObjectPages(this.client, bucket, prefix || undefined)) {
        for (const o of contents) {
          objects.push({ key: o.Key!, size: Number(o.Size ?? 0), etag: o.ETag, lastModified: o.LastModified?.toISOString() });
        }
        if (objects.length > MAX_OBJECTS) {
          throw new S3AccessError(`s3://${bucket}/${prefix} holds more than ${MAX_OBJECTS} objects; watch a narrower prefix`);
        }
      }
      return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    });
  }

  async head(bucket: string, key: string): Promise<ObjectMeta | undefined> {
    try {
      const o = await this.call(bucket, () => this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
      return { key, size: Number(o.ContentLength ?? 0), etag: o.ETag, lastModified: o.LastModified?.toISOString() };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // A HEAD cannot tell a missing object from a missing bucket: ask about the bucket.
      await this.call(bucket, () => this.client.send(new HeadBucketCommand({ Bucket: bucket }))).catch((bucketErr) => {
        if (bucketErr instanceof S3ServiceException && bucketErr.name === 'NotFound')
          throw new S3AccessError(`S3 bucket ${bucket}: NoSuchBucket`);
        throw bucketErr;
      });
      return undefined;
    }
  }

  private async call<T>(bucket: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      // HEAD answers have no body: a missing bucket shows only as a 404 without the NoSuchBucket code.
      if (err instanceof S3ServiceException && PERMANENT.has(err.name)) {
        throw new S3AccessError(`S3 bucket ${bucket}: ${err.name}${err.message && err.message !== err.name ? `: ${err.message}` : ''}`);
      }
      throw err;
    }
  }
}
