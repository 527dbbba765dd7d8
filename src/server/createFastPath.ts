/**
 * Answers the hot queries of a running gateway without entering Apollo's
 * request pipeline, which costs about as much CPU as everything else a
 * single-image read does (BENCHMARKS.md). Internal to `src/server/`.
 *
 * The fast path only repeats what Apollo has already done: a query text
 * becomes eligible once Apollo answered it with data and no error, and a
 * request's `Accept` value once Apollo chose a content type for it, which
 * the fast path then reuses. An eligible request runs the same context
 * factory, authorization and compiled execution as Apollo's path would;
 * an answer without errors is written as Apollo would have written it
 * (the HTTP tests compare both byte for byte), and anything else goes back
 * to Apollo: an answer with errors is handed over to be formatted, logged
 * and counted there, without executing again. Mutations, GET requests,
 * batches and bodies with anything but `query`, `variables` and
 * `operationName` always take Apollo's path.
 */
import { performance } from 'node:perf_hooks';

import {
  getOperationAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';

import type { GatewayContext } from '../resolvers/context.js';
import { authorizeOperation } from './auth/index.js';
import type { CompiledExecution } from './compiledExecution.js';
import type { OperationCheck, OperationRequest } from './limits/index.js';
import type { ServerMetrics } from './metricsSink.js';
import {
  REQUEST_ID_HEADER,
  finishOperation,
  operationRequestId,
} from './operationMetricsPlugin.js';

/** Options of {@link createFastPath}. */
export interface FastPathOptions {
  schema: GraphQLSchema;
  /** The executor Apollo's path uses too. */
  execution: CompiledExecution;
  /**
   * Parses and validates a query text with the rules Apollo applies (the
   * hostile-input limits included); `createOperationValidator`.
   */
  validateOperation: (request: OperationRequest) => OperationCheck;
  metrics: Pick<ServerMetrics, 'operationFinished' | 'fastPathAnswered'>;
  /**
   * Distinct operations kept eligible; the oldest is forgotten past it.
   * @default 500
   */
  maxOperations?: number | undefined;
}

/** A request the fast path may answer, once its context is built. */
export interface FastOperation {
  /**
   * Authorizes and executes the operation. `answered`: the response was
   * written. Otherwise `result` is set when it ran (its errors are for
   * Apollo to format), unset when it was refused before running.
   */
  run(
    context: GatewayContext,
    res: FastResponse,
  ): Promise<
    { answered: true } | { answered: false; result?: ExecutionResult }
  >;
}

/** The part of `ServerResponse` the fast path writes to. */
export interface FastResponse {
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  end(body: string): unknown;
}

/** What Apollo answered, for {@link FastPath.learn}. */
export interface ApolloAnswer {
  status?: number | undefined;
  headers: { get(name: string): string | undefined };
  body: { kind: 'complete'; string: string } | { kind: 'chunked' };
}

export interface FastPath {
  /** The operation of a parsed POST body, if the fast path may answer it. */
  prepare(body: unknown, accept: string | undefined): FastOperation | undefined;
  /** Learns from an answer Apollo gave to a parsed POST body. */
  learn(body: unknown, accept: string | undefined, answer: ApolloAnswer): void;
}

/** What the fast path knows of one query text and operation name. */
interface Known {
  document: DocumentNode;
  /** The name of the operation run, as Apollo reports it. */
  name: string | undefined;
}

interface Body {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

// `Accept` values remembered; a caller could otherwise grow the map
// without bound by sending a new one with every request.
const MAX_ACCEPT_VALUES = 64;

/** Creates the fast path of one gateway. */
export function createFastPath(options: FastPathOptions): FastPath {
  const { schema, execution, metrics } = options;
  const maxOperations = options.maxOperations ?? 500;
  const operations = new Map<string, Known>();
  const contentTypes = new Map<string, string>();

  const keyOf = (body: Body) => `${body.operationName ?? ''}\n${body.query}`;

  return {
    prepare(body, accept) {
      if (!isPlainBody(body)) return undefined;
      const contentType = contentTypes.get(accept ?? '');
      const known = operations.get(keyOf(body));
      if (contentType === undefined || known === undefined) return undefined;
      return {
        async run(context, res) {
          try {
            authorizeOperation(context.caller, 'query');
          } catch {
            // Apollo's own check refuses it again, with its status.
            return { answered: false };
          }
          const started = performance.now();
          let result: ExecutionResult;
          try {
            result = await execution.execute({
              schema,
              document: known.document,
              operationName: body.operationName,
              variableValues: body.variables,
              contextValue: context,
            });
          } catch {
            // A fault of the executor itself, not a resolver's: Apollo runs
            // the query again and answers (and logs) as it does for any
            // unexpected failure. A query only reads, so a rerun is safe.
            return { answered: false };
          }
          if (result.errors !== undefined && result.errors.length > 0) {
            return { answered: false, result };
          }
          // Apollo's answer to a result without errors: its fields in
          // Apollo's order, compact JSON, the negotiated content type.
          const text = JSON.stringify({
            data: result.data,
            extensions: result.extensions,
          });
          res.writeHead(200, {
            [REQUEST_ID_HEADER]: operationRequestId(context.logger) ?? '',
            'content-type': contentType,
            'content-length': Buffer.byteLength(text),
          });
          res.end(text);
          metrics.fastPathAnswered();
          finishOperation(metrics, context.logger, {
            name: known.name,
            outcome: 'success',
            seconds: (performance.now() - started) / 1000,
          });
          return { answered: true };
        },
      };
    },

    learn(body, accept, answer) {
      if (!isPlainBody(body)) return;
      if ((answer.status ?? 200) !== 200 || answer.body.kind !== 'complete') {
        return;
      }
      // Apollo writes `errors` before `data`: an answer opening on `data`
      // has no errors.
      if (!answer.body.string.startsWith('{"data":')) return;
      const contentType = answer.headers.get('content-type');
      if (contentType !== undefined && contentTypes.size < MAX_ACCEPT_VALUES) {
        contentTypes.set(accept ?? '', contentType);
      }
      const key = keyOf(body);
      if (operations.has(key)) return;
      const checked = options.validateOperation(body);
      if (checked.document === undefined) return;
      const operation = getOperationAST(checked.document, body.operationName);
      if (operation?.operation !== 'query') return;
      if (operations.size >= maxOperations) {
        operations.delete(operations.keys().next().value as string);
      }
      operations.set(key, {
        document: checked.document,
        name: operation.name?.value ?? body.operationName ?? undefined,
      });
    },
  };
}

// Private: a body with a query text and nothing Apollo would treat
// specially (extensions such as persisted queries, batches).
function isPlainBody(body: unknown): body is Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return false;
  }
  const { query, variables, operationName, ...rest } = body as Record<
    string,
    unknown
  >;
  return (
    typeof query === 'string' &&
    Object.keys(rest).length === 0 &&
    (variables === undefined ||
      variables === null ||
      (typeof variables === 'object' && !Array.isArray(variables))) &&
    (operationName === undefined ||
      operationName === null ||
      typeof operationName === 'string')
  );
}
