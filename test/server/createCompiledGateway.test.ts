import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NotFoundError } from '../../src/errors/index.js';
import { createCompiledGateway } from '../../src/server/createCompiledGateway.js';

const typeDefs = `
  scalar Stamp
  enum Colour { RED GREEN }
  type Item { id: ID! colour: Colour stamp: Stamp name: String! }
  type Query {
    item(id: ID!): Item
    items(first: Int = 2): [Item!]!
    missing: Item
    strict: Item!
  }
  type Mutation { push(label: String!): [String!]! }
`;

const items = [
  { id: '1', colour: 'red', stamp: 'ok', name: 'one' },
  { id: '2', colour: 'green', stamp: 'broken', name: 'two' },
  { id: '3', colour: 'red', stamp: 'ok', name: null },
];

function createSchema() {
  // Each schema gets its own log, so the two servers' mutations stay apart.
  const pushed: string[] = [];
  return makeExecutableSchema({
    typeDefs,
    resolvers: {
      Stamp: new GraphQLScalarType({
        name: 'Stamp',
        serialize: (value) => {
          if (value !== 'ok') throw new GraphQLError(`bad stamp ${value}`);
          return value;
        },
      }),
      Colour: { RED: 'red', GREEN: 'green' },
      Query: {
        item: async (_, { id }: { id: string }) =>
          items.find((item) => item.id === id) ?? null,
        items: (_, { first }: { first: number }) => items.slice(0, first),
        missing: () => Promise.reject(new NotFoundError('no such item')),
        strict: () => null,
      },
      Mutation: {
        push: async (_, { label }: { label: string }) => {
          await new Promise((resolve) => setTimeout(resolve, 3 - label.length));
          pushed.push(label);
          return [...pushed];
        },
      },
    },
  });
}

const operations: [string, string, Record<string, unknown>?][] = [
  [
    'aliases, fragments and directives',
    `query($skip: Boolean!) { a: item(id: "1") { ...F } b: item(id: "9") { id }
      items { id colour @skip(if: $skip) } }
      fragment F on Item { id colour stamp }`,
    { skip: true },
  ],
  ['a scalar refusing a value', '{ items { id stamp } }'],
  ['a non-null field resolving null', '{ items(first: 3) { id name } }'],
  ['a resolver error with a code', '{ missing { id } item(id: "1") { id } }'],
  ['null propagating to the root', '{ strict { id } }'],
  ['a missing variable', 'query($id: ID!) { item(id: $id) { id } }', {}],
  [
    'a variable of the wrong type',
    'query($first: Int) { items(first: $first) { id } }',
    { first: 'two' },
  ],
  [
    'mutations in order',
    'mutation { a: push(label: "a") b: push(label: "bb") }',
  ],
];

interface Answer {
  status: number;
  body: unknown;
}

async function post(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Answer> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.statusCode, body: await response.body.json() };
}

describe('Server: compiled execution', () => {
  const servers: ApolloServer[] = [];
  let interpretedUrl: string;
  let compiledUrl: string;

  beforeAll(async () => {
    const interpreted = new ApolloServer({ schema: createSchema() });
    const compiled = new ApolloServer({
      gateway: createCompiledGateway(createSchema()),
    });
    servers.push(interpreted, compiled);
    const listen = { listen: { port: 0, host: '127.0.0.1' } };
    interpretedUrl = (await startStandaloneServer(interpreted, listen)).url;
    compiledUrl = (await startStandaloneServer(compiled, listen)).url;
  });
  afterAll(() => Promise.all(servers.map((server) => server.stop())));

  it.each(operations)(
    'answers %s as graphql-js does',
    async (_title, query, variables) => {
      const expected = await post(interpretedUrl, query, variables);
      const actual = await post(compiledUrl, query, variables);
      expect(actual).toEqual(expected);
    },
  );

  it('answers a compiled operation again from its cache', async () => {
    const query = '{ item(id: "1") { id colour } }';
    const first = await post(compiledUrl, query);
    const second = await post(compiledUrl, query);
    expect(second).toEqual(first);
    expect(first.body).toEqual({ data: { item: { id: '1', colour: 'RED' } } });
  });

  it('keeps the code, path and locations of a resolver error', async () => {
    const { body } = await post(compiledUrl, '{ missing { id } }');
    expect(body).toMatchObject({
      data: { missing: null },
      errors: [
        {
          message: 'no such item',
          path: ['missing'],
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'NOT_FOUND' },
        },
      ],
    });
  });
});
