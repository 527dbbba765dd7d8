/**
 * Resolvers of the object types. Most fields read Graph's property of the
 * same name through graphql-js's default resolver; only enums (renamed, see
 * enums.ts) and the connection's derived fields need code.
 */
import type { Resolvers } from '../generated/graphql.js';
import {
  imageErrorCode,
  imageOsStatus,
  imageStatus,
  sourceImageCategory,
  statusDetailsOf,
} from './enums.js';

/** Resolvers of every object type but the root types. */
export const typeResolvers: Resolvers = {
  CloudPcDeviceImage: {
    status: (image) => imageStatus.toGraphql(image.status),
    errorCode: (image) => imageErrorCode.toGraphql(image.errorCode),
    osStatus: (image) => imageOsStatus.toGraphql(image.osStatus),
    // The deprecated field stays answerable after Graph dropped it.
    statusDetails: (image) => statusDetailsOf(image),
  },

  CloudPcSourceDeviceImage: {
    category: (source) => sourceImageCategory.toGraphql(source.category),
  },

  CloudPcDeviceImageConnection: {
    nodes: (connection) => connection.edges.map((edge) => edge.node),
    pageInfo: (connection) => ({
      hasNextPage: connection.hasNextPage,
      endCursor: connection.edges.at(-1)?.cursor ?? null,
    }),
    totalCount: (connection) => connection.totalCount(),
  },
};
