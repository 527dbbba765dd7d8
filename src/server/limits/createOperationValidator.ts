/**
 * Parse and validation with the limits applied, in one call, for transports
 * that do not run Apollo's pipeline: graphql-ws's `onSubscribe` returns
 * either the execution arguments or the errors this gives it.
 */
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';

import { createLimitRules } from './limitRules.js';
import type { LimitsConfig } from './limitsConfig.js';
import { withoutSuggestions } from './withoutSuggestions.js';

/** The operation a client sent (the graphql-ws `subscribe` payload). */
export interface OperationRequest {
  query: string;
  operationName?: string | null | undefined;
  variables?: Record<string, unknown> | null | undefined;
}

/** A parsed, valid document, or why it is not one. */
export type OperationCheck =
  | { document: DocumentNode; errors?: undefined }
  | { document?: undefined; errors: readonly GraphQLError[] };

/**
 * Returns a function that parses `request.query` with the token limit and
 * validates it with graphql-js's specified rules plus the limit rules,
 * without suggestions when `limits.suggestions` is off. It never throws for
 * bad input: a syntax error comes back in `errors`.
 */
export function createOperationValidator(
  schema: GraphQLSchema,
  limits: LimitsConfig,
): (request: OperationRequest) => OperationCheck {
  const rules = [...specifiedRules, ...createLimitRules(limits)];
  const present = (errors: readonly GraphQLError[]) =>
    limits.suggestions ? errors : errors.map(withoutSuggestions);
  return (request) => {
    let document: DocumentNode;
    try {
      document = parse(request.query, { maxTokens: limits.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
    const errors = validate(schema, document, rules);
    return errors.length > 0 ? { errors: present(errors) } : { document };
  };
}
