/**
 * The one place where Graph's camelCase enum members meet the schema's
 * SCREAMING_SNAKE_CASE values. Every map is derived from the member lists in
 * `graphModel.ts`, so a member added there appears here without a hand-edit.
 *
 * Graph's enums are evolvable (graph-contract.md §2, "Evolvable enums"): it
 * may send a member this gateway has never heard of. Such a value reads as
 * `UNKNOWN_FUTURE_VALUE` instead of failing the whole query.
 */
import {
  DEVICE_IMAGE_ERROR_CODES,
  DEVICE_IMAGE_OS_STATUSES,
  DEVICE_IMAGE_STATUS_DETAILS,
  DEVICE_IMAGE_STATUSES,
  SOURCE_IMAGE_CATEGORIES,
  type GraphDeviceImageStatus,
  type GraphSourceImageCategory,
} from '../datasource/graphModel.js';
import type {
  CloudPcDeviceImageErrorCode,
  CloudPcDeviceImageOsStatus,
  CloudPcDeviceImageStatus,
  CloudPcDeviceImageStatusDetails,
  CloudPcSourceImageCategory,
} from '../generated/graphql.js';

/** The GraphQL value every enum uses for a member it does not know. */
export const UNKNOWN_FUTURE_VALUE = 'UNKNOWN_FUTURE_VALUE';

/**
 * Converts a Graph member to its GraphQL name: a word starts at each capital
 * that follows a lower-case letter or digit, and at the last capital of an
 * acronym (`customizeVMName` → `CUSTOMIZE_VM_NAME`).
 */
export function toGraphqlEnumName(graphValue: string): string {
  return graphValue
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

/**
 * A two-way map between one Graph enum and its GraphQL enum. `toGraphql`
 * never throws: unknown Graph values become `UNKNOWN_FUTURE_VALUE`.
 */
export interface EnumMapping<TGraphql extends string, TGraph extends string> {
  /** The GraphQL value for a Graph value; null stays null. */
  toGraphql(graphValue: string | null | undefined): TGraphql | null;
  /** The Graph value for a GraphQL value (arguments and filters). */
  toGraph(graphqlValue: TGraphql): TGraph;
  /** Whether Graph's value is one this gateway knows. */
  isKnown(graphValue: string): boolean;
  /** Every GraphQL value, in Graph's wire order. */
  readonly graphqlValues: readonly TGraphql[];
}

function createEnumMapping<TGraphql extends string, TGraph extends string>(
  members: readonly TGraph[],
): EnumMapping<TGraphql, TGraph> {
  const toGraphqlMap = new Map<string, TGraphql>();
  const toGraphMap = new Map<string, TGraph>();
  for (const member of members) {
    const name = toGraphqlEnumName(member) as TGraphql;
    toGraphqlMap.set(member, name);
    toGraphMap.set(name, member);
  }
  return {
    toGraphql(graphValue) {
      if (graphValue === null || graphValue === undefined) return null;
      return toGraphqlMap.get(graphValue) ?? (UNKNOWN_FUTURE_VALUE as TGraphql);
    },
    toGraph(graphqlValue) {
      const member = toGraphMap.get(graphqlValue);
      // graphql-js has already coerced the argument to a schema value, so a
      // miss means the schema and graphModel.ts disagree: a bug, not input.
      if (member === undefined) {
        throw new Error(
          `No Graph member for GraphQL enum value ${graphqlValue}; ` +
            `expected one of ${[...toGraphMap.keys()].join(', ')}`,
        );
      }
      return member;
    },
    isKnown(graphValue) {
      return toGraphqlMap.has(graphValue);
    },
    graphqlValues: [...toGraphMap.keys()] as TGraphql[],
  };
}

/** `cloudPcDeviceImageStatus` ↔ `CloudPcDeviceImageStatus`. */
export const imageStatus = createEnumMapping<
  CloudPcDeviceImageStatus,
  GraphDeviceImageStatus
>(DEVICE_IMAGE_STATUSES);

/** `cloudPcDeviceImageErrorCode` ↔ `CloudPcDeviceImageErrorCode`. */
export const imageErrorCode = createEnumMapping<
  CloudPcDeviceImageErrorCode,
  string
>(DEVICE_IMAGE_ERROR_CODES);

/** The deprecated `cloudPcDeviceImageStatusDetails`. */
export const imageStatusDetails = createEnumMapping<
  CloudPcDeviceImageStatusDetails,
  string
>(DEVICE_IMAGE_STATUS_DETAILS);

/** `cloudPcDeviceImageOsStatus` ↔ `CloudPcDeviceImageOsStatus`. */
export const imageOsStatus = createEnumMapping<
  CloudPcDeviceImageOsStatus,
  string
>(DEVICE_IMAGE_OS_STATUSES);

/** `cloudPcSourceImageCategory` ↔ `CloudPcSourceImageCategory`. */
export const sourceImageCategory = createEnumMapping<
  CloudPcSourceImageCategory,
  GraphSourceImageCategory
>(SOURCE_IMAGE_CATEGORIES);

/**
 * `statusDetails` for an image. Graph stopped sending the deprecated
 * property (contract §2), so when it is absent the answer comes from
 * `errorCode`, whose first ten members are the same vocabulary; an error
 * code outside that vocabulary reads as `UNKNOWN_FUTURE_VALUE`.
 */
export function statusDetailsOf(image: {
  statusDetails?: string | null | undefined;
  errorCode?: string | null | undefined;
}): CloudPcDeviceImageStatusDetails | null {
  if (image.statusDetails !== null && image.statusDetails !== undefined) {
    return imageStatusDetails.toGraphql(image.statusDetails);
  }
  return imageStatusDetails.toGraphql(image.errorCode);
}
