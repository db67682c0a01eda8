// The HTTP API started in-process on a loopback port, over the harness's client, warehouse and task
// queue, and a small fetch wrapper. Requests are real HTTP.
import { buildApi } from '../../src/doors/http/server.js';
import { BatchInferenceClient, type StartOptions } from '../../src/client.js';
import type { Harness } from './harness.js';

export const TOKENS = { 'token-tenant-a-1234': 'tenantA', 'token-tenant-b-1234': 'tenantB', 'token-default-1234': 'default' };
export const TOKEN_A = 'token-tenant-a-1234';
export const TOKEN_B = 'token-tenant-b-1234';
export const TOKEN_DEFAULT = 'token-default-1234';

/** The real client, counting the runs it starts (so a test can prove a bad request started none). */
export class CountingClient extends BatchInferenceClient {
  starts = 0;
  override async startBatchInference(spec: unknown, options?: StartOptions) {
    this.starts++;
    return super.startBatchInference(spec, options);
  }
}

export interface ApiCall {
  status: number;
  body: any;
}

export interface TestApi {
  url: string;
  client: CountingClient;
  call(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; raw?: string; contentType?: string },
  ): Promise<ApiCall>;
  close(): Promise<void>;
}

export async function startApi(h: Harness, predictors: string[]): Promise<TestApi> {
  const client = new CountingClient(h.temporal, h.config);
  const app = buildApi({ client, warehouse: h.warehouse, config: h.config, tokens: TOKENS, predictors });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    client,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = {};
      const token = options.token === undefined ? TOKEN_A : options.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.raw !== undefined || options.body !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
        body = options.raw ?? JSON.stringify(options.body);
      }
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    close: () => app.close(),
  };
}
