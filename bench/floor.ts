/**
 * The floor: the least a GraphQL-shaped proxy of Graph can cost on this
 * stack. A bare `node:http` server answers exactly the two operations of
 * `queries.ts`, makes the same upstream call the gateway makes over an
 * undici keep-alive `Pool`, and reshapes Graph's JSON by hand: no parser,
 * no validation, no executor. The bench runs it as a child process with
 * the gateway's environment (`PORT`, `HOST`, `GRAPH_BASE_URL`,
 * `GRAPH_ACCESS_TOKEN`).
 */
import { createServer, type ServerResponse } from 'node:http';

import { Pool } from 'undici';

import {
  DEVICE_IMAGE_ERROR_CODES,
  DEVICE_IMAGE_OS_STATUSES,
  DEVICE_IMAGE_PROPERTIES,
  DEVICE_IMAGE_STATUSES,
  type GraphDeviceImage,
} from '../src/datasource/graphModel.js';
import {
  IMAGE_FIELDS,
  LIST_QUERY,
  SINGLE_FIELDS,
  SINGLE_QUERY,
} from './queries.js';

const IMAGES_PATH = '/deviceManagement/virtualEndpoint/deviceImages';

/** `supportedWithWarning` → `SUPPORTED_WITH_WARNING`, as the schema names it. */
function enumName(member: string): string {
  return member
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toUpperCase();
}

/** Graph member → GraphQL member for one enum; unknown reads as future. */
function enumMapper(members: readonly string[]): (v: unknown) => unknown {
  const names = new Map(members.map((m) => [m, enumName(m)]));
  return (value) =>
    value == null
      ? null
      : (names.get(value as string) ?? 'UNKNOWN_FUTURE_VALUE');
}

const ENUM_FIELDS: Record<string, (value: unknown) => unknown> = {
  status: enumMapper(DEVICE_IMAGE_STATUSES),
  errorCode: enumMapper(DEVICE_IMAGE_ERROR_CODES),
  statusDetails: enumMapper(DEVICE_IMAGE_ERROR_CODES.slice(0, 10)),
  osStatus: enumMapper(DEVICE_IMAGE_OS_STATUSES),
};

/** Copies the selected fields in selection order, renaming enum members. */
function shape(
  image: GraphDeviceImage,
  fields: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const source = image as unknown as Record<string, unknown>;
  for (const field of fields) {
    const convert = ENUM_FIELDS[field];
    // The gateway answers the deprecated statusDetails from errorCode when
    // Graph leaves it out; the floor must answer the same.
    const value =
      field === 'statusDetails'
        ? (source.statusDetails ?? source.errorCode ?? null)
        : (source[field] ?? null);
    out[field] = convert === undefined ? value : convert(value);
  }
  return out;
}

/** The `$select` list for GraphQL fields (every one maps 1:1 to Graph). */
function selectOf(fields: readonly string[]): string {
  const wanted = new Set<string>(fields);
  return DEVICE_IMAGE_PROPERTIES.filter((p) => wanted.has(p)).join(',');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/graphql-response+json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function fail(res: ServerResponse, status: number, message: string): void {
  send(res, status, { errors: [{ message }] });
}

/** Starts the floor; resolves once it listens. */
export async function startFloor(env: NodeJS.ProcessEnv): Promise<void> {
  const base = new URL(env.GRAPH_BASE_URL ?? 'http://127.0.0.1:4001/beta');
  const prefix = base.pathname.replace(/\/$/, '') + IMAGES_PATH;
  const headers = {
    authorization: `Bearer ${env.GRAPH_ACCESS_TOKEN ?? 'bench'}`,
    accept: 'application/json',
    // As the gateway does, so Graph's answers are the same bytes.
    prefer: 'include-unknown-enum-members',
  };
  // The gateway's datasource keeps 32 sockets to Graph; so does the floor.
  const pool = new Pool(base.origin, { connections: 32 });
  const singleSelect = selectOf(SINGLE_FIELDS);
  const listSelect = selectOf(IMAGE_FIELDS);

  async function get(path: string): Promise<{ status: number; json: any }> {
    const { statusCode, body } = await pool.request({
      method: 'GET',
      path,
      headers,
    });
    return { status: statusCode, json: await body.json() };
  }

  async function single(res: ServerResponse, id: string): Promise<void> {
    const path =
      `${prefix}/${encodeURIComponent(id)}` + `?$select=${singleSelect}`;
    const upstream = await get(path);
    if (upstream.status === 404) {
      send(res, 200, { data: { deviceImage: null } });
      return;
    }
    if (upstream.status !== 200) {
      fail(res, 502, `Graph answered ${upstream.status}`);
      return;
    }
    send(res, 200, {
      data: { deviceImage: shape(upstream.json, SINGLE_FIELDS) },
    });
  }

  async function list(res: ServerResponse, first: number): Promise<void> {
    const upstream = await get(`${prefix}?$top=${first}&$select=${listSelect}`);
    if (upstream.status !== 200) {
      fail(res, 502, `Graph answered ${upstream.status}`);
      return;
    }
    const images = upstream.json.value as GraphDeviceImage[];
    const nodes = new Array(images.length);
    for (let i = 0; i < images.length; i++) {
      nodes[i] = shape(images[i]!, IMAGE_FIELDS);
    }
    const nextLink = upstream.json['@odata.nextLink'] as string | undefined;
    const last = images[images.length - 1];
    send(res, 200, {
      data: {
        deviceImages: {
          nodes,
          pageInfo: {
            hasNextPage: nextLink !== undefined,
            endCursor:
              last === undefined
                ? null
                : Buffer.from(nextLink ?? last.id).toString('base64url'),
          },
        },
      },
    });
  }

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      fail(res, 405, `Expected POST, got ${req.method}`);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let request: { query?: string; variables?: Record<string, unknown> };
      try {
        request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        fail(res, 400, 'Expected a JSON body');
        return;
      }
      const variables = request.variables ?? {};
      let work: Promise<void>;
      if (request.query === SINGLE_QUERY) {
        work = single(res, String(variables.id));
      } else if (request.query === LIST_QUERY) {
        work = list(res, Number(variables.first ?? 20));
      } else {
        fail(res, 400, 'The floor answers only the two bench operations');
        return;
      }
      work.catch((error: unknown) => fail(res, 502, String(error)));
    });
  });
  server.keepAliveTimeout = 65_000;
  const port = Number(env.PORT ?? 0);
  const host = env.HOST ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(
    JSON.stringify({
      msg: 'floor listening',
      url: `http://${host}:${bound}/graphql`,
    }) + '\n',
  );
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    void pool.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await startFloor(process.env);
