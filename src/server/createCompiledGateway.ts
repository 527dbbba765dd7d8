/**
 * Runs queries and mutations compiled by graphql-jit (compiledExecution.ts)
 * through Apollo Server's `gateway` option, the one hook Apollo 5 offers
 * for an executor of one's own. Apollo still parses, validates (with the
 * gateway's limit rules), runs every plugin hook but field-level ones and
 * formats errors; only execution changes. Internal to `src/server/`.
 */
import type {
  ApolloServerOptionsWithGateway,
  BaseContext,
} from '@apollo/server';
import { execute, type ExecutionResult, type GraphQLSchema } from 'graphql';

import {
  createCompiledExecution,
  type CompiledExecution,
} from './compiledExecution.js';

type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type GatewayExecutor = NonNullable<
  Awaited<ReturnType<GatewayInterface['load']>>['executor']
>;
type GatewayExecutionResult = Awaited<ReturnType<GatewayExecutor>>;

// A result already computed for an operation (by the fast path), carried
// on its context: a symbol-keyed property, since Apollo runs every
// operation on a shallow copy of the context, which keeps it.
const EXECUTED = Symbol('executed');

type CarriesResult = { [EXECUTED]?: ExecutionResult | undefined };

/**
 * Gives Apollo the result of the operation whose context is `context`, to
 * format and answer instead of executing the operation again.
 */
export function handOverResult(context: object, result: ExecutionResult): void {
  (context as CarriesResult)[EXECUTED] = result;
}

/**
 * An Apollo `gateway` that serves `schema` and executes it with `compiled`.
 * Apollo keeps parsed documents in its own bounded store per query text,
 * so the compiled operations, cached per document, are bounded with them.
 * A result handed over (`handOverResult`) is answered as it is.
 */
export function createCompiledGateway(
  schema: GraphQLSchema,
  compiled: CompiledExecution = createCompiledExecution(),
): GatewayInterface {
  const executor: GatewayExecutor = (request) => {
    const context = request.context as CarriesResult;
    const done = context[EXECUTED];
    if (done !== undefined) {
      context[EXECUTED] = undefined;
      return Promise.resolve(done as GatewayExecutionResult);
    }
    const args = {
      schema,
      document: request.document,
      operationName: request.operationName,
      variableValues: request.request.variables,
      contextValue: request.context,
    };
    // Subscriptions are served over WebSocket; over HTTP they get
    // graphql-js's answer, as they did before execution was compiled.
    const result =
      request.operation.operation === 'subscription'
        ? execute(args)
        : compiled.execute(args);
    return Promise.resolve(result as GatewayExecutionResult);
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => {};
    },
    load: () => Promise.resolve({ executor }),
    stop: () => Promise.resolve(),
  };
}
