// A local S3-compatible server for tests: moto's server, on loopback (shared with `bench --stage s3`).
export { s3StageEnv, startS3Server, type S3Server } from '../../src/adapters/stage/s3/motoServer.js';
