import { readFileSync } from 'node:fs';

import {
  buildSchema,
  getIntrospectionQuery,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  specifiedRules,
  validate,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';

import { ErrorCode, QueryTooComplexError } from '../../../src/errors/index.js';
import {
  DEFAULT_LIMITS,
  FIELD_COSTS,
  createLimitRules,
  type LimitsConfig,
} from '../../../src/server/limits/index.js';

const schema = buildSchema(
  readFileSync(
    new URL('../../../schema/deviceImages.graphql', import.meta.url),
    'utf8',
  ),
);

function check(query: string, limits: Partial<LimitsConfig> = {}) {
  const rules = createLimitRules({ ...DEFAULT_LIMITS, ...limits });
  return validate(schema, parse(query), [...specifiedRules, ...rules]);
}

const aliasedReads = (count: number) =>
  Array.from(
    { length: count },
    (_, i) => `r${i}: deviceImage(id: "${i}") { id }`,
  ).join(' ');

describe('Limits: depth', () => {
  it('accepts the deepest operation the schema allows', () => {
    expect(
      check('{ deviceImages { edges { node { id } } } }', { maxDepth: 4 }),
    ).toEqual([]);
  });

  it('refuses one level more, naming the setting, the limit and the depth', () => {
    const [error, ...rest] = check(
      '{ deviceImages { edges { node { id } } } }',
      { maxDepth: 3 },
    );
    expect(rest).toEqual([]);
    expect(error?.message).toBe(
      'The operation nests fields 4 deep; the gateway allows at most 3 (MAX_DEPTH).',
    );
    expect(error?.extensions).toMatchObject({
      code: ErrorCode.QUERY_TOO_COMPLEX,
      limit: 'MAX_DEPTH',
      maximum: 3,
      actual: 4,
    });
    expect(error?.locations).toEqual([{ line: 1, column: 33 }]);
  });

  it('counts depth through fragments', () => {
    const query = `
      { ...A }
      fragment A on Query { deviceImages { ...B } }
      fragment B on CloudPcDeviceImageConnection { edges { node { id } } }`;
    expect(check(query, { maxDepth: 3 })[0]?.extensions).toMatchObject({
      limit: 'MAX_DEPTH',
      actual: 4,
    });
  });

  it('leaves introspection to graphql-js, so the full introspection query passes', () => {
    expect(check(getIntrospectionQuery({ descriptions: true }))).toEqual([]);
  });

  it('still refuses introspection nested to fan out (MaxIntrospectionDepthRule)', () => {
    const errors = check(
      '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }',
    );
    expect(errors.map((e) => e.message)).toEqual([
      'Maximum introspection depth exceeded',
    ]);
  });
});

describe('Limits: aliases', () => {
  it('accepts as many aliases as the limit', () => {
    expect(
      check(`{ ${aliasedReads(5)} }`, { maxAliases: 5, maxCost: 99 }),
    ).toEqual([]);
  });

  it('refuses one alias more', () => {
    const errors = check(`{ ${aliasedReads(6)} }`, {
      maxAliases: 5,
      maxCost: 99,
    });
    expect(errors.map((e) => e.message)).toEqual([
      'The operation uses 6 aliases (fragments expanded); the gateway allows at most 5 (MAX_ALIASES).',
    ]);
  });

  it('counts an aliased fragment once per place it is spread', () => {
    const query = `
      { a: deviceImages { ...Page } b: deviceImages { ...Page } }
      fragment Page on CloudPcDeviceImageConnection {
        x: totalCount y: totalCount z: totalCount
      }`;
    expect(check(query, { maxAliases: 7 })[0]?.extensions).toMatchObject({
      limit: 'MAX_ALIASES',
      actual: 8,
    });
  });

  it('measures fragments that spread each other in linear time', () => {
    // 40 fragments, each spreading the next twice: 2^40 fields if expanded
    // naively. Counting must finish and report an enormous number.
    const fragments = Array.from({ length: 40 }, (_, i) =>
      i === 39
        ? `fragment F${i} on CloudPcDeviceImage { a: id }`
        : `fragment F${i} on CloudPcDeviceImage { x: id ...F${i + 1} ... on CloudPcDeviceImage { ...F${i + 1} } }`,
    ).join('\n');
    const errors = check(`{ deviceImage(id: "1") { ...F0 } } ${fragments}`);
    const aliases = errors.find((e) => e.extensions['limit'] === 'MAX_ALIASES');
    expect(aliases?.extensions['actual']).toBeGreaterThan(2 ** 39);
  });
});

describe('Limits: root fields', () => {
  it('counts distinct response keys, so a repeated field counts once', () => {
    expect(
      check('{ deviceImages { nodes { id } } deviceImages { totalCount } }', {
        maxRootFields: 1,
      }),
    ).toEqual([]);
  });

  it('refuses more root fields than the limit, fragments included', () => {
    const query = `{ sourceImages { resourceId } ...R }
      fragment R on Query { deviceImages { totalCount } deviceImage(id: "1") { id } }`;
    expect(check(query, { maxRootFields: 2 })[0]?.extensions).toMatchObject({
      code: ErrorCode.QUERY_TOO_COMPLEX,
      limit: 'MAX_ROOT_FIELDS',
      maximum: 2,
      actual: 3,
    });
  });

  it('does not count __typename', () => {
    expect(
      check('{ __typename sourceImages { resourceId } }', { maxRootFields: 1 }),
    ).toEqual([]);
  });
});

describe('Limits: upstream cost', () => {
  it('costs a list 2 and its totalCount 1 more', () => {
    const query = '{ deviceImages { totalCount nodes { id } } }';
    expect(check(query, { maxCost: 3 })).toEqual([]);
    expect(check(query, { maxCost: 2 })[0]?.extensions).toMatchObject({
      limit: 'MAX_COST',
      maximum: 2,
      actual: 3,
    });
  });

  it('costs each by-id read 1', () => {
    expect(check(`{ ${aliasedReads(20)} }`)).toEqual([]);
    const [error] = check(
      `{ ${aliasedReads(20)} sourceImages { resourceId } }`,
      {
        maxRootFields: 30,
      },
    );
    expect(error).toBeInstanceOf(QueryTooComplexError);
    expect(error?.message).toBe(
      'The operation would make 21 Graph calls; the gateway allows at most 20 per operation (MAX_COST). Each deviceImage, deviceImages, totalCount, sourceImages and mutation field counts.',
    );
  });

  it('costs reuploadDeviceImage 2', () => {
    const errors = check(
      'mutation { a: reuploadDeviceImage(id: "1") { id } b: deleteDeviceImage(id: "2") }',
      { maxCost: 2 },
    );
    expect(errors[0]?.extensions['actual']).toBe(3);
  });

  it('measures only the operation being validated, one at a time', () => {
    const query = `query A { ${aliasedReads(3)} } query B { sourceImages { resourceId } }`;
    const errors = check(query, { maxCost: 2 });
    expect(errors.map((e) => e.extensions['actual'])).toEqual([3]);
  });

  it('prices only fields that no list field sits above', () => {
    // The model adds costs without multiplying: true only while no costed
    // field can be reached through a list.
    const costed = new Set(Object.keys(FIELD_COSTS));
    const underList: string[] = [];
    const walk = (s: GraphQLSchema) => {
      for (const type of Object.values(s.getTypeMap())) {
        if (!isObjectType(type) || type.name.startsWith('__')) continue;
        for (const field of Object.values(type.getFields())) {
          if (!isList(field.type)) continue;
          const below = getNamedType(field.type);
          if (!isObjectType(below)) continue;
          for (const name of Object.keys(below.getFields())) {
            if (costed.has(`${below.name}.${name}`))
              underList.push(`${below.name}.${name}`);
          }
        }
      }
    };
    walk(schema);
    expect(underList).toEqual([]);
    for (const key of costed) {
      const [type, field] = key.split('.') as [string, string];
      const parent = schema.getType(type);
      expect(
        isObjectType(parent) && parent.getFields()[field],
        key,
      ).toBeTruthy();
    }
  });
});

describe('Limits: introspection switch', () => {
  it('refuses __schema and __type when introspection is off', () => {
    const errors = check(
      '{ __schema { queryType { name } } __type(name: "Query") { name } }',
      {
        introspection: false,
      },
    );
    expect(errors.map((e) => [e.extensions['code'], e.message])).toEqual([
      [
        ErrorCode.FORBIDDEN,
        'Introspection is turned off on this gateway (GRAPHQL_INTROSPECTION=false), but the operation selects __schema.',
      ],
      [
        ErrorCode.FORBIDDEN,
        'Introspection is turned off on this gateway (GRAPHQL_INTROSPECTION=false), but the operation selects __type.',
      ],
    ]);
  });

  it('keeps __typename when introspection is off', () => {
    expect(check('{ __typename }', { introspection: false })).toEqual([]);
  });
});

function isList(type: GraphQLOutputType): boolean {
  const inner = isNonNullType(type) ? type.ofType : type;
  return isListType(inner);
}
