/**
 * Measures an operation for the limit rules: depth, aliases and cost with
 * every fragment expanded, and its root fields. Internal to `limits/`.
 *
 * Fragments are measured once each and the result reused, so a document
 * whose fragments spread each other many times over costs linear work,
 * not exponential. Cycles count as empty: `NoFragmentCyclesRule` reports
 * them.
 */
import {
  Kind,
  getNamedType,
  isCompositeType,
  type FieldNode,
  type GraphQLCompositeType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

import { FIELD_COSTS } from './operationCost.js';

/** What an operation amounts to, fragments expanded. */
export interface OperationMeasure {
  /** Deepest field nesting, introspection fields left out. */
  depth: number;
  /** The field that ends the deepest path, for the error's location. */
  deepestField: FieldNode | undefined;
  /** Aliased fields, counted each time they would be executed. */
  aliases: number;
  /** Graph calls, by {@link FIELD_COSTS}. */
  cost: number;
  /** Distinct response keys at the root, introspection left out. */
  rootFields: number;
}

interface SetMeasure {
  depth: number;
  deepestField: FieldNode | undefined;
  aliases: number;
  cost: number;
}

const EMPTY: SetMeasure = {
  depth: 0,
  deepestField: undefined,
  aliases: 0,
  cost: 0,
};

const measured = new WeakMap<
  ValidationContext,
  Map<OperationDefinitionNode, OperationMeasure>
>();

/**
 * Measures `operation` within the document `context` validates, once per
 * validation however many limit rules ask.
 */
export function measureOperation(
  context: ValidationContext,
  operation: OperationDefinitionNode,
): OperationMeasure {
  let byOperation = measured.get(context);
  if (!byOperation) {
    byOperation = new Map();
    measured.set(context, byOperation);
  }
  let measure = byOperation.get(operation);
  if (!measure) {
    measure = measureUncached(context, operation);
    byOperation.set(operation, measure);
  }
  return measure;
}

function measureUncached(
  context: ValidationContext,
  operation: OperationDefinitionNode,
): OperationMeasure {
  const schema = context.getSchema();
  const fragments = new Map<string, SetMeasure>();
  const inProgress = new Set<string>();

  function measureSet(
    set: SelectionSetNode,
    parent: GraphQLCompositeType | undefined,
  ): SetMeasure {
    const total = { ...EMPTY };
    const spread = new Set<string>();
    for (const selection of set.selections) {
      let part: SetMeasure;
      if (selection.kind === Kind.FIELD) {
        part = measureField(selection, parent);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        part = measureSet(
          selection.selectionSet,
          isCompositeType(type) ? type : undefined,
        );
      } else {
        // graphql-js collects a fragment once per selection set.
        const name = selection.name.value;
        if (spread.has(name)) continue;
        spread.add(name);
        part = measureFragment(name);
      }
      total.aliases += part.aliases;
      total.cost += part.cost;
      if (part.depth > total.depth) {
        total.depth = part.depth;
        total.deepestField = part.deepestField;
      }
    }
    return total;
  }

  function measureField(
    field: FieldNode,
    parent: GraphQLCompositeType | undefined,
  ): SetMeasure {
    // Introspection is bounded by graphql-js's MaxIntrospectionDepthRule
    // and costs no Graph call.
    if (field.name.value.startsWith('__')) {
      return { ...EMPTY, aliases: field.alias ? 1 : 0 };
    }
    const definition =
      parent && 'getFields' in parent
        ? parent.getFields()[field.name.value]
        : undefined;
    const type = definition ? getNamedType(definition.type) : undefined;
    const child = field.selectionSet
      ? measureSet(field.selectionSet, isCompositeType(type) ? type : undefined)
      : EMPTY;
    const own = parent
      ? (FIELD_COSTS[`${parent.name}.${field.name.value}`] ?? 0)
      : 0;
    return {
      depth: child.depth + 1,
      deepestField: child.deepestField ?? field,
      aliases: child.aliases + (field.alias ? 1 : 0),
      cost: child.cost + own,
    };
  }

  function measureFragment(name: string): SetMeasure {
    const known = fragments.get(name);
    if (known) return known;
    const fragment = context.getFragment(name);
    if (!fragment || inProgress.has(name)) return EMPTY;
    inProgress.add(name);
    const type = schema.getType(fragment.typeCondition.name.value);
    const measure = measureSet(
      fragment.selectionSet,
      isCompositeType(type) ? type : undefined,
    );
    inProgress.delete(name);
    fragments.set(name, measure);
    return measure;
  }

  const root = schema.getRootType(operation.operation) ?? undefined;
  const measure = measureSet(operation.selectionSet, root);
  return { ...measure, rootFields: countRootFields(context, operation) };
}

function countRootFields(
  context: ValidationContext,
  operation: OperationDefinitionNode,
): number {
  const keys = new Set<string>();
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!selection.name.value.startsWith('__')) {
          keys.add(selection.alias?.value ?? selection.name.value);
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = context.getFragment(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  return keys.size;
}
