// Server-side encryption on every object the worker writes. A bucket policy that requires aws:kms
// refuses a PUT without the header, so the setting goes on each writing request: PutObject, and for
// multipart uploads CreateMultipartUpload (S3 takes SSE there; its parts inherit it), and CopyObject.
// One middleware on the client covers every path, including @aws-sdk/lib-storage's Upload.
import type { S3Client } from '@aws-sdk/client-s3';

export type SseMode = 'AES256' | 'aws:kms';

export interface S3Encryption {
  mode: SseMode;
  /** Only with aws:kms; without it S3 uses the account's default aws/s3 key. */
  kmsKeyId?: string;
}

const WRITES = new Set(['PutObjectCommand', 'CreateMultipartUploadCommand', 'CopyObjectCommand']);

export function applyEncryption(client: S3Client, encryption: S3Encryption | undefined): void {
  if (!encryption) return;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (WRITES.has(context.commandName ?? '')) {
        const input = args.input as { ServerSideEncryption?: string; SSEKMSKeyId?: string };
        input.ServerSideEncryption = encryption.mode;
        if (encryption.kmsKeyId) input.SSEKMSKeyId = encryption.kmsKeyId;
      }
      return next(args);
    },
    { step: 'initialize', name: 'batchInferenceServerSideEncryption' },
  );
}
