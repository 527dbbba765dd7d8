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
import { execute, type GraphQLSchema } from 'graphql';

import { createCompiledExecution } from './compiledExecution.js';

type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type GatewayExecutor = NonNullable<
  Awaited<ReturnType<GatewayInterface['load']>>['executor']
>;
type GatewayExecutionResult = Awaited<ReturnType<GatewayExecutor>>;

/**
 * An Apollo `gateway` that serves `schema` and executes it compiled.
 * Apollo keeps parsed documents in its own bounded store per query text,
 * so the compiled operations, cached per document, are bounded with them.
 */
export function createCompiledGateway(schema: GraphQLSchema): GatewayInterface {
  const compiled = createCompiledExecution();
  const executor: GatewayExecutor = (request) => {
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
