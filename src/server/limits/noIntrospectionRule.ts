/**
 * Refuses introspection where it is turned off (production by default):
 * the schema's shape is not for strangers to map. `__typename` stays
 * allowed: clients need it and it reveals nothing.
 */
import type { ValidationRule } from 'graphql';

import { ErrorCode, GatewayError } from '../../errors/index.js';

/** Reports each `__schema` or `__type` field as FORBIDDEN. */
export const NoIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    const name = node.name.value;
    if (name !== '__schema' && name !== '__type') return;
    context.reportError(
      new GatewayError(
        ErrorCode.FORBIDDEN,
        `Introspection is turned off on this gateway (GRAPHQL_INTROSPECTION=false), but the operation selects ${name}.`,
        { nodes: node },
      ),
    );
  },
});
