/**
 * Maps a method and path to an operation (contract §1). Internal to the
 * simulator. Path segments match case-insensitively, as Graph's do; the
 * function accepts both `getSourceImages` and the Kiota form
 * `getSourceImages()`, optionally namespace-qualified.
 */
import { GraphHttpError } from './GraphHttpError.js';
import type { SimulatorRoute } from './types.js';

/** Where every simulated resource lives, below the version segment. */
export const COLLECTION_PATH = '/deviceManagement/virtualEndpoint/deviceImages';

const PREFIX = ('/beta' + COLLECTION_PATH).toLowerCase();

/** A matched operation, or the error an unmatched request answers. */
export interface RouteMatch {
  route: SimulatorRoute;
  id?: string | undefined;
  error?: GraphHttpError | undefined;
}

const SOURCE_IMAGES_SEGMENTS = new Set([
  'getsourceimages',
  'getsourceimages()',
  'microsoft.graph.getsourceimages',
  'microsoft.graph.getsourceimages()',
]);

const ACTIONS: Record<string, 'retryUpload' | 'reupload'> = {
  retryupload: 'retryUpload',
  'microsoft.graph.retryupload': 'retryUpload',
  reupload: 'reupload',
  'microsoft.graph.reupload': 'reupload',
};

function notAllowed(
  method: string,
  resource: string,
  allowed: string[],
): RouteMatch {
  return {
    route: 'unknown',
    error: new GraphHttpError(
      405,
      'notAllowed',
      `The HTTP method '${method}' is not allowed on ${resource}; allowed: ` +
        `${allowed.join(', ')}.`,
      { headers: { Allow: allowed.join(', ') } },
    ),
  };
}

function unknownSegment(segment: string): RouteMatch {
  return {
    route: 'unknown',
    error: new GraphHttpError(
      400,
      'BadRequest',
      `Resource not found for the segment '${segment}'.`,
    ),
  };
}

/**
 * The 404 for a path outside `/beta` (a `/v1.0` path included), or
 * undefined for a path below it.
 */
export function outsideBeta(path: string): RouteMatch | undefined {
  if (/^\/beta(\/|$)/i.test(path)) return undefined;
  return {
    route: 'unknown',
    error: new GraphHttpError(
      404,
      'itemNotFound',
      `No resource at '${path}'; the simulator serves ` +
        '/beta/deviceManagement/virtualEndpoint/deviceImages and /beta/$batch.',
    ),
  };
}

/**
 * Routes a path that starts with `/beta`; `path` excludes the query. Other
 * paths below `/beta` answer 400 `BadRequest` ("Resource not found for the
 * segment"), wrong methods 405 `notAllowed` with an `Allow` header.
 *
 * Only beta is simulated: a `/v1.0` path gets 404, until v1.0's shapes (no `statusDetails`, no source-image `id`
 * or `category`) are modelled alongside.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const outside = outsideBeta(path);
  if (outside) return outside;
  const lower = path.toLowerCase();
  if (!lower.startsWith(PREFIX)) {
    const segments = path.split('/').filter(Boolean);
    const known = PREFIX.split('/').filter(Boolean);
    const index = segments.findIndex((s, i) => s.toLowerCase() !== known[i]);
    return unknownSegment(segments[index === -1 ? 0 : index] ?? '');
  }
  const rest = path.slice(PREFIX.length);
  if (rest !== '' && rest[0] !== '/') {
    return unknownSegment(path.split('/').filter(Boolean).pop() ?? '');
  }
  const segments = rest.split('/').filter(Boolean);
  if (segments.length === 0) {
    if (method === 'GET') return { route: 'listDeviceImages' };
    if (method === 'POST') return { route: 'createDeviceImage' };
    return notAllowed(method, 'deviceImages', ['GET', 'POST']);
  }
  let first: string;
  try {
    first = decodeURIComponent(segments[0] as string);
  } catch {
    return unknownSegment(segments[0] as string);
  }
  if (SOURCE_IMAGES_SEGMENTS.has(first.toLowerCase())) {
    if (segments.length > 1) return unknownSegment(segments[1] as string);
    if (method === 'GET') return { route: 'getSourceImages' };
    return notAllowed(method, 'getSourceImages', ['GET']);
  }
  if (segments.length === 1) {
    if (method === 'GET') return { route: 'getDeviceImage', id: first };
    if (method === 'DELETE') return { route: 'deleteDeviceImage', id: first };
    return notAllowed(method, 'deviceImages/{id}', ['GET', 'DELETE']);
  }
  const actionName = (segments[1] as string).toLowerCase();
  const action = Object.hasOwn(ACTIONS, actionName)
    ? ACTIONS[actionName]
    : undefined;
  if (segments.length > 2 || !action) {
    return unknownSegment(segments[2] ?? (segments[1] as string));
  }
  if (method !== 'POST') return notAllowed(method, action, ['POST']);
  return { route: action, id: first };
}
