// Streams an S3 object to a local file. A connection dropped mid-body resumes with a Range request
// from the last byte written (pinned to the same ETag), so a large input is never refetched whole
// and never held in memory.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs/promises';
import type { Readable } from 'node:stream';

const MAX_RESUMES = 5;

export async function downloadToFile(s3: S3Client, bucket: string, key: string, dest: string): Promise<number> {
  const file = await fs.open(dest, 'w');
  let written = 0;
  let total: number | undefined;
  let etag: string | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await s3.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            Range: written > 0 ? `bytes=${written}-` : undefined,
            IfMatch: etag,
          }),
        );
        etag ??= res.ETag;
        if (total === undefined) total = res.ContentLength ?? 0;
        for await (const part of res.Body as Readable) {
          await file.write(part as Uint8Array);
          written += (part as Uint8Array).length;
        }
        if (written >= total) return written;
        throw new Error(`body ended after ${written} of ${total} bytes`);
      } catch (err) {
        // Before any byte arrived the SDK has already retried; a mid-body failure is ours to resume.
        if (attempt >= MAX_RESUMES || (written === 0 && total === undefined)) throw err;
      }
    }
  } finally {
    await file.close();
  }
}
