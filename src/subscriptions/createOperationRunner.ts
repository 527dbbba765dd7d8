/**
 * What a GraphQL operation sent over WebSocket becomes: parsed and
 * validated once per query text, given a context of its own, authorised,
 * executed compiled, and answered as the JSON the protocol frames. Errors
 * without a code are logged and masked. Internal to `src/subscriptions/`;
 * ProtocolConnection.ts calls it for each `connection_init` and `subscribe`.
 *
 * Subscription events are executed and serialised once per group of
 * subscribers, not once per subscriber: the hub hands the same event object
 * to every subscriber of a scope, and subscribers whose document, operation
 * name, variables and scope are equal would get byte-identical payloads.
 * With 10,000 subscribers on one image this is what keeps one status
 * change cheap (BENCHMARKS.md).
 */
import type { IncomingMessage } from 'node:http';

import {
  GraphQLError,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';

import { ErrorCode, GatewayError, isGatewayError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { GatewayContext } from '../resolvers/context.js';
import type { OperationKind } from '../server/auth/index.js';
import {
  createCompiledExecution,
  type EventStream,
} from '../server/compiledExecution.js';
import type {
  OperationCheck,
  OperationRequest,
} from '../server/limits/index.js';
import { stripSuggestion } from '../server/limits/withoutSuggestions.js';

/** The `connection_init` payload, when it was an object. */
export type ConnectionParams = Record<string, unknown> | undefined;

/** What a running stream sends next; payloads are JSON text. */
export type StreamFrame =
  | { type: 'next'; payload: string }
  | { type: 'error'; payload: string }
  | { type: 'complete' };

/** A subscription's frames, one at a time. `next()` never rejects. */
export interface PayloadStream {
  next(): Promise<StreamFrame>;
  /** Stops the stream and unsubscribes upstream. */
  return(): Promise<void>;
}

/** How an operation started. Payloads are JSON text. */
export type StartedOperation =
  /** A query or mutation: its one result. */
  | { kind: 'single'; payload: string }
  | { kind: 'stream'; stream: PayloadStream }
  /** Refused or failed before any result: the protocol's `error`. */
  | { kind: 'error'; payload: string }
  /** The connection's credentials no longer hold. */
  | { kind: 'forbidden' };

/** One `subscribe` message and where it came from. */
export interface StartRequest {
  id: string;
  payload: SubscribePayload;
  params: ConnectionParams;
  request: IncomingMessage;
}

/** What the protocol asks of the operations it carries. */
export interface OperationRunner {
  /** Checks the credentials of a `connection_init`. */
  accept(
    params: ConnectionParams,
    request: IncomingMessage,
  ): Promise<'accepted' | 'forbidden' | 'failed'>;
  start(request: StartRequest): Promise<StartedOperation>;
  /** The `error` payload refusing an operation beyond the socket's cap. */
  tooManyOperations(running: number, maximum: number): string;
}

/** Options of {@link createOperationRunner}; see WebSocketServerOptions. */
export interface OperationRunnerOptions {
  schema: GraphQLSchema;
  logger: Logger;
  createContext: (
    params: ConnectionParams,
    request: IncomingMessage,
  ) => Promise<GatewayContext>;
  validateOperation?:
    ((request: OperationRequest) => OperationCheck) | undefined;
  authorize?:
    ((context: GatewayContext, kind: OperationKind) => void) | undefined;
  suggestions?: boolean | undefined;
}

/** Parsed and validated documents kept, by query text. */
const DOCUMENT_CACHE_SIZE = 200;

const COMPLETE: StreamFrame = { type: 'complete' };

/** Creates the runner the WebSocket server hands every operation to. */
export function createOperationRunner(
  options: OperationRunnerOptions,
): OperationRunner {
  const { schema, logger, createContext, authorize } = options;
  const documents = new Map<string, DocumentNode>();
  // What the validator reported about a client's document: shown as it is,
  // although a rewritten message (suggestions stripped) has an
  // `originalError`, which would otherwise mark it as unexpected.
  const documentErrors = new WeakSet<GraphQLError>();
  const compiled = createCompiledExecution();
  const eventResults = createEventResults();

  // Parsing and validating once per query text matters when thousands of
  // clients send the same subscription.
  const check = options.validateOperation ?? createDefaultCheck(schema);
  const prepare = (
    request: OperationRequest,
  ): DocumentNode | readonly GraphQLError[] => {
    const cached = documents.get(request.query);
    if (cached) return cached;
    let result: OperationCheck;
    try {
      result = check(request);
    } catch (error) {
      return [toInternal(error)];
    }
    if (result.errors) {
      for (const error of result.errors) documentErrors.add(error);
      return result.errors;
    }
    if (documents.size >= DOCUMENT_CACHE_SIZE) {
      documents.delete(documents.keys().next().value as string);
    }
    documents.set(request.query, result.document);
    return result.document;
  };

  // Hints name fields the caller did not ask about; with introspection off
  // they would map the schema one typo at a time.
  // `extensions.http` is a status for Apollo Server, which removes it;
  // here it would only leak to the client.
  const present = (error: GraphQLError): GraphQLFormattedError => {
    const { http: _http, ...extensions } = error.extensions;
    const { extensions: _all, ...formatted } = error.toJSON();
    return {
      ...formatted,
      message:
        options.suggestions === false
          ? stripSuggestion(formatted.message)
          : formatted.message,
      ...(Object.keys(extensions).length > 0 ? { extensions } : {}),
    };
  };

  const mask = (
    errors: readonly GraphQLError[],
    operationId: string,
  ): GraphQLFormattedError[] =>
    errors.map((error) => {
      if (typeof error.extensions['code'] === 'string') return present(error);
      // Syntax and validation errors are raised by graphql-js itself about
      // the document the client sent: safe, and useful, to show.
      if (!error.originalError || documentErrors.has(error)) {
        return present(error);
      }
      logger.error(
        { err: error.originalError, operationId },
        'unexpected error in a WebSocket operation',
      );
      return {
        message: 'Internal server error',
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
      };
    });

  const errorsJson = (errors: readonly GraphQLError[], operationId: string) =>
    JSON.stringify(mask(errors, operationId));

  const resultJson = (result: ExecutionResult, operationId: string) =>
    JSON.stringify(
      result.errors
        ? { ...result, errors: mask(result.errors, operationId) }
        : result,
    );

  const failed = (
    errors: readonly GraphQLError[],
    operationId: string,
  ): StartedOperation => ({
    kind: 'error',
    payload: errorsJson(errors, operationId),
  });

  const streamOf = (
    source: EventStream,
    group: EventGroup,
    operationId: string,
  ): PayloadStream => ({
    async next() {
      let step: IteratorResult<unknown>;
      try {
        step = await source.events.next();
      } catch (error) {
        // The hub ends a stream with a coded error (NOT_FOUND, an overflow,
        // Graph refusing the scope's credentials); anything else is masked.
        return {
          type: 'error',
          payload: errorsJson([asGraphQLError(error)], operationId),
        };
      }
      if (step.done) return COMPLETE;
      const event = step.value;
      const payload = eventResults.payloadOf(event, group, async () => {
        try {
          return resultJson(await source.execute(event), operationId);
        } catch (error) {
          return resultJson({ errors: [toInternal(error)] }, operationId);
        }
      });
      return {
        type: 'next',
        payload: typeof payload === 'string' ? payload : await payload,
      };
    },
    async return() {
      await source.events.return?.();
    },
  });

  return {
    async accept(params, request) {
      try {
        await createContext(params, request);
        logger.debug('WebSocket connection acknowledged');
        return 'accepted';
      } catch (error) {
        if (isAuthError(error)) {
          logger.debug({ err: error }, 'WebSocket connection refused');
          return 'forbidden';
        }
        logger.error({ err: error }, 'WebSocket connection_init failed');
        return 'failed';
      }
    },

    async start({ id, payload, params, request }) {
      const document = prepare(payload);
      if (!('kind' in document)) return failed(document, id);
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) {
        return failed(
          [
            new GraphQLError(
              payload.operationName
                ? `The document has no operation named "${payload.operationName}".`
                : 'The document has several operations; name one in operationName.',
            ),
          ],
          id,
        );
      }
      let context: GatewayContext;
      try {
        context = await createContext(params, request);
      } catch (error) {
        if (isAuthError(error)) return { kind: 'forbidden' };
        return failed([isGatewayError(error) ? error : toInternal(error)], id);
      }
      if (authorize) {
        try {
          authorize(context, operation.operation);
        } catch (error) {
          return failed(
            [isGatewayError(error) ? error : toInternal(error)],
            id,
          );
        }
      }
      const operationLogger = context.logger.child({
        operationId: id,
        operationName: payload.operationName ?? undefined,
      });
      operationLogger.debug('WebSocket operation starts');
      const args: ExecutionArgs = {
        schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: { ...context, logger: operationLogger },
      };
      try {
        if (operation.operation !== 'subscription') {
          const result = await compiled.execute(args);
          return { kind: 'single', payload: resultJson(result, id) };
        }
        const started = await compiled.subscribe(args);
        if (!('events' in started)) {
          // A stream that could not start (a malformed id, say) is an
          // `error` message under the protocol, not a `next` with errors.
          return failed(started.errors ?? [], id);
        }
        return {
          kind: 'stream',
          stream: streamOf(
            started,
            {
              document,
              key: JSON.stringify([
                context.scope,
                payload.operationName ?? null,
                payload.variables ?? null,
              ]),
            },
            id,
          ),
        };
      } catch (error) {
        return failed([toInternal(error)], id);
      }
    },

    tooManyOperations(running, maximum) {
      const error = new GatewayError(
        ErrorCode.QUERY_TOO_COMPLEX,
        `This WebSocket already runs ${running} operations; the gateway ` +
          `allows at most ${maximum} per socket ` +
          '(MAX_SUBSCRIPTIONS_PER_SOCKET). Complete one, or open another ' +
          'socket.',
        {
          extensions: {
            limit: 'MAX_SUBSCRIPTIONS_PER_SOCKET',
            maximum,
            actual: running + 1,
          },
        },
      );
      return JSON.stringify([present(error)]);
    },
  };
}

/** Subscribers whose every event has the same result. */
interface EventGroup {
  /** Cached per query text, so equal texts share one node. */
  document: DocumentNode;
  /** The scope, operation name and variables, as JSON. */
  key: string;
}

/**
 * Remembers the payload of each event per group, for as long as the hub
 * keeps the event object. The promise is kept until it settles, so that
 * subscribers woken by the same event together share one execution; then
 * the text itself, so that the others need not wait on a promise.
 *
 * A group is the document, the operation name, the variables and the
 * scope. The field resolvers below `Subscription` read nothing from the
 * context (typeResolvers.ts); the scope is in the key so that, whatever
 * they come to read, one caller's result can reach only callers who see
 * the same Graph data.
 */
function createEventResults() {
  const byEvent = new WeakMap<
    object,
    Map<DocumentNode, Map<string, string | Promise<string>>>
  >();
  return {
    payloadOf(
      event: unknown,
      group: EventGroup,
      produce: () => Promise<string>,
    ): string | Promise<string> {
      if (typeof event !== 'object' || event === null) return produce();
      const { key } = group;
      let byDocument = byEvent.get(event);
      if (byDocument === undefined) {
        byDocument = new Map();
        byEvent.set(event, byDocument);
      }
      let byKey = byDocument.get(group.document);
      if (byKey === undefined) {
        byKey = new Map();
        byDocument.set(group.document, byKey);
      }
      let payload = byKey.get(key);
      if (payload === undefined) {
        const results = byKey;
        const produced = produce();
        void produced.then((text) => results.set(key, text));
        results.set(key, produced);
        payload = produced;
      }
      return payload;
    },
  };
}

// Private: parse and graphql-js's specified rules, for a gateway that
// configured no limits.
function createDefaultCheck(
  schema: GraphQLSchema,
): (request: OperationRequest) => OperationCheck {
  return ({ query }) => {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
    const errors = validate(schema, document);
    return errors.length > 0 ? { errors } : { document };
  };
}

function isAuthError(error: unknown): boolean {
  return (
    isGatewayError(error) &&
    (error.code === ErrorCode.UNAUTHENTICATED ||
      error.code === ErrorCode.FORBIDDEN)
  );
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  return toInternal(error);
}

function toInternal(error: unknown): GraphQLError {
  return new GraphQLError('Internal server error', {
    originalError: error instanceof Error ? error : undefined,
  });
}
