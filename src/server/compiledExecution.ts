/**
 * Executes operations compiled by graphql-jit instead of interpreted by
 * graphql-js, for both transports: Apollo (through createCompiledGateway.ts)
 * and graphql-ws (attachWebSocketServer.ts). A compiled operation answers a
 * 50-image list, or one subscription event, in a fraction of graphql-js's
 * time and leaves far less garbage (BENCHMARKS.md).
 *
 * What graphql-jit would answer differently from graphql-js goes to
 * graphql-js instead: a document it cannot compile, and a query or mutation
 * refused before any resolver ran (variable coercion errors), whose shape
 * Apollo recognises to answer BAD_USER_INPUT with HTTP 400. Its other
 * errors are rebuilt as graphql-js errors. Transport-free.
 */
import {
  createSourceEventStream,
  execute,
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** What graphql-jit hands back for a failure. */
interface JitError extends Error {
  locations?: GraphQLError['locations'];
  path?: GraphQLError['path'];
  originalError?: Error;
  extensions?: GraphQLError['extensions'];
}

/**
 * A subscription that started: its source events, and how one event
 * becomes a result. They stay apart so that a transport can execute an
 * event once for every subscriber whose operation is the same.
 */
export interface EventStream {
  /** The source stream; `return()` unsubscribes upstream. */
  events: AsyncIterator<unknown>;
  /** Executes the operation with `event` as its root value. */
  execute(event: unknown): Promise<ExecutionResult>;
}

/** The compiled counterparts of graphql-js `execute` and `subscribe`. */
export interface CompiledExecution {
  execute(args: ExecutionArgs): Promise<ExecutionResult>;
  /**
   * Starts a subscription's source stream, as graphql-js's
   * `createSourceEventStream`; a stream that could not start (a refused
   * argument, say) is the result carrying its errors.
   */
  subscribe(args: ExecutionArgs): Promise<EventStream | ExecutionResult>;
}

/**
 * Creates an executor for `args.schema`, which must be the same schema on
 * every call. Compiled operations are cached per parsed document and
 * operation name; both transports keep their parsed documents in a bounded
 * cache per query text, so a document they evict takes its compiled
 * operations with it.
 */
export function createCompiledExecution(): CompiledExecution {
  const compiled = new WeakMap<
    DocumentNode,
    Map<string, CompiledQuery | ExecutionResult>
  >();

  const compile = (args: ExecutionArgs) => {
    let byName = compiled.get(args.document);
    if (byName === undefined) {
      byName = new Map();
      compiled.set(args.document, byName);
    }
    const key = args.operationName ?? '';
    let query = byName.get(key);
    if (query === undefined) {
      query = compileQuery(
        args.schema,
        args.document,
        args.operationName ?? undefined,
        {
          // Errors are rebuilt below with the stack of the error a resolver
          // threw; graphql-jit's own stacks would be waste.
          disablingCapturingStackErrors: true,
        },
      );
      byName.set(key, query);
    }
    return isCompiledQuery(query) ? query : undefined;
  };

  return {
    async execute(args) {
      const query = compile(args);
      if (query === undefined) return execute(args);
      const result = await query.query(
        args.rootValue,
        args.contextValue,
        args.variableValues,
      );
      if (result.errors === undefined || result.errors.length === 0) {
        return result;
      }
      // No data at all: refused before execution, so no resolver has run
      // and graphql-js can answer with the errors clients expect.
      if (result.data === undefined) return execute(args);
      return withGraphQLErrors(result);
    },

    async subscribe(args) {
      // graphql-js starts the stream: graphql-jit 0.8 hands the subscribe
      // resolver the operation's variables in place of the field's
      // arguments, so `deviceImageStatusChanged(id: "…")` would arrive
      // without its id. Each event is then executed compiled.
      const source = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in source)) return source;
      const events = source[Symbol.asyncIterator]();
      const query = compile(args);
      if (query === undefined) {
        return {
          events,
          execute: async (event) => execute({ ...args, rootValue: event }),
        };
      }
      return {
        events,
        execute: async (event) =>
          withGraphQLErrors(
            await query.query(event, args.contextValue, args.variableValues),
          ),
      };
    },
  };
}

function withGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (result.errors === undefined || result.errors.length === 0) {
    return result;
  }
  return { ...result, errors: result.errors.map(toGraphQLError) };
}

/**
 * graphql-jit's errors pass `instanceof GraphQLError` yet are not built by
 * it: their `extensions` may be undefined, where Apollo and the error
 * formatting expect an object. This gives each the graphql-js form, with
 * the error a resolver threw as `originalError` and its extensions; a
 * failure of graphql-jit's own (a scalar refusing a value) has no original,
 * as in graphql-js.
 */
function toGraphQLError(error: JitError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
  if (error.locations !== undefined) {
    // graphql-js derives locations from AST nodes, which graphql-jit does
    // not keep; its own locations are the same positions.
    Object.defineProperty(rebuilt, 'locations', {
      value: error.locations,
      enumerable: true,
    });
  }
  return rebuilt;
}
