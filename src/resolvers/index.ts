/**
 * The gateway's resolver map and executable schema: the SDL from `schema/`
 * joined with every resolver, built once and shared by HTTP and WebSocket.
 */
import { readFileSync } from 'node:fs';

import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';

import type { Resolvers } from '../generated/graphql.js';
import { mutationResolvers } from './mutationResolvers.js';
import { queryResolvers } from './queryResolvers.js';
import { DateScalar, DateTimeScalar } from './scalars.js';
import {
  deviceImageEventResolvers,
  subscriptionResolvers,
} from './subscription.js';
import { typeResolvers } from './typeResolvers.js';

export type { GatewayContext } from './context.js';

/** The SDL file, resolved from this module so it works from `dist/` too. */
export const SCHEMA_URL = new URL(
  '../../schema/deviceImages.graphql',
  import.meta.url,
);

/** Every resolver of the schema. */
export const resolvers: Resolvers = {
  ...typeResolvers,
  DateTime: DateTimeScalar,
  Date: DateScalar,
  Query: queryResolvers,
  Mutation: mutationResolvers,
  Subscription: subscriptionResolvers,
  DeviceImageEvent: deviceImageEventResolvers,
};

/** Reads the SDL the gateway serves. */
export function readTypeDefs(): string {
  return readFileSync(SCHEMA_URL, 'utf8');
}

/** Builds the executable schema; one per gateway, shared by transports. */
export function createSchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: readTypeDefs(), resolvers });
}
