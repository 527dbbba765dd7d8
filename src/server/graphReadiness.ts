/**
 * The readiness check `/readyz` runs: a Graph token can be had and the
 * cheapest Graph call there is, one image id
 * (`GET deviceImages?$select=id&$top=1`, contract §1 "Query options"),
 * succeeds. Internal to `src/server/`.
 */
import type { GraphClient, TokenProvider } from '../datasource/index.js';

/** The path of the probe, relative to Graph's version root. */
export const READINESS_PATH =
  '/deviceManagement/virtualEndpoint/deviceImages?$select=id&$top=1';

export interface GraphReadinessOptions {
  client: Pick<GraphClient, 'request'>;
  /**
   * The gateway's own token source; undefined in pass-through mode, where
   * the gateway holds no token and can only show that Graph answers.
   */
  getToken: TokenProvider | undefined;
}

/**
 * Creates the check. It rejects with an `Error` whose message says what
 * failed, in a form fit for the 503 body: no token, Graph unreachable, or
 * Graph's status, error code and `request-id`.
 */
export function createGraphReadinessCheck(
  options: GraphReadinessOptions,
): () => Promise<void> {
  const { client, getToken } = options;
  return async () => {
    let token: string;
    try {
      // In pass-through mode any answer, 401 included, proves Graph is up;
      // the placeholder is a bearer Graph rejects without side effects.
      token = getToken ? await getToken() : 'readiness-probe';
    } catch (err) {
      throw new Error(`no Graph token could be had: ${messageOf(err)}`, {
        cause: err,
      });
    }
    let status: number;
    let code: string | undefined;
    let requestId: string | undefined;
    try {
      // Readiness should report Graph as it is now: a throttled answer may
      // be waited out, but a failure is not retried into a late success.
      const response = await client.request<{ error?: { code?: string } }>({
        method: 'GET',
        path: READINESS_PATH,
        token,
        retry: 'throttleOnly',
      });
      if (response.ok) return;
      status = response.status;
      code = response.body?.error?.code;
      requestId = response.requestId;
    } catch (err) {
      throw new Error(`Graph is unreachable: ${messageOf(err)}`, {
        cause: err,
      });
    }
    if (!getToken && (status === 401 || status === 403)) return;
    throw new Error(
      `Graph answered ${status}${code ? ` ${code}` : ''} to GET deviceImages` +
        (requestId ? ` (request-id ${requestId})` : ''),
    );
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
