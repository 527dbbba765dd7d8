/**
 * The limit rules: graphql-js validation rules, so the same code guards
 * Apollo Server (`validationRules`) and graphql-ws (its `validate` option or
 * `onSubscribe`). Each refusal is a {@link QueryTooComplexError} naming the
 * setting, its value and what the operation amounted to.
 */
import type { ValidationRule } from 'graphql';

import { QueryTooComplexError } from '../../errors/index.js';
import { LIMIT_SETTINGS, type LimitsConfig } from './limitsConfig.js';
import { measureOperation } from './measureOperation.js';
import { NoIntrospectionRule } from './noIntrospectionRule.js';

/** Refuses operations that nest fields deeper than `maximum`. */
export function createDepthLimitRule(maximum: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const { depth, deepestField } = measureOperation(context, operation);
      if (depth <= maximum) return;
      context.reportError(
        new QueryTooComplexError(
          `The operation nests fields ${depth} deep; the gateway allows at most ${maximum} (${LIMIT_SETTINGS.maxDepth}).`,
          { limit: LIMIT_SETTINGS.maxDepth, maximum, actual: depth },
          { nodes: deepestField ?? operation },
        ),
      );
    },
  });
}

/** Refuses operations with more than `maximum` aliased fields. */
export function createAliasLimitRule(maximum: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const { aliases } = measureOperation(context, operation);
      if (aliases <= maximum) return;
      context.reportError(
        new QueryTooComplexError(
          `The operation uses ${aliases} aliases (fragments expanded); the gateway allows at most ${maximum} (${LIMIT_SETTINGS.maxAliases}).`,
          { limit: LIMIT_SETTINGS.maxAliases, maximum, actual: aliases },
          { nodes: operation },
        ),
      );
    },
  });
}

/** Refuses operations with more than `maximum` distinct root fields. */
export function createRootFieldLimitRule(maximum: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const { rootFields } = measureOperation(context, operation);
      if (rootFields <= maximum) return;
      context.reportError(
        new QueryTooComplexError(
          `The operation selects ${rootFields} root fields; the gateway allows at most ${maximum} (${LIMIT_SETTINGS.maxRootFields}).`,
          { limit: LIMIT_SETTINGS.maxRootFields, maximum, actual: rootFields },
          { nodes: operation },
        ),
      );
    },
  });
}

/**
 * Refuses operations that would make more than `maximum` Graph calls, by
 * the cost model of `operationCost.ts`.
 */
export function createCostLimitRule(maximum: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const { cost } = measureOperation(context, operation);
      if (cost <= maximum) return;
      context.reportError(
        new QueryTooComplexError(
          `The operation would make ${cost} Graph calls; the gateway allows at most ${maximum} per operation (${LIMIT_SETTINGS.maxCost}). Each deviceImage, deviceImages, totalCount, sourceImages and mutation field counts.`,
          { limit: LIMIT_SETTINGS.maxCost, maximum, actual: cost },
          { nodes: operation },
        ),
      );
    },
  });
}

/**
 * Every rule `limits` asks for, to append to graphql-js's `specifiedRules`:
 * the four limits, and {@link NoIntrospectionRule} when introspection is off.
 */
export function createLimitRules(limits: LimitsConfig): ValidationRule[] {
  return [
    createDepthLimitRule(limits.maxDepth),
    createAliasLimitRule(limits.maxAliases),
    createRootFieldLimitRule(limits.maxRootFields),
    createCostLimitRule(limits.maxCost),
    ...(limits.introspection ? [] : [NoIntrospectionRule]),
  ];
}
