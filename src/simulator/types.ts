/**
 * The simulator's public types: the options it starts with, the faults it can
 * be told to produce and the record it keeps of what it was asked. Other
 * folders import these through `./index.js`.
 */
import type { GraphDeviceImage } from '../datasource/graphModel.js';
import type { Logger } from '../logger.js';

/**
 * Which operation a request was routed to. `unknown` covers every request that
 * matched no operation: an unknown path, or a known path with a method it
 * does not allow (405).
 */
export type SimulatorRoute =
  | 'listDeviceImages'
  | 'getDeviceImage'
  | 'createDeviceImage'
  | 'deleteDeviceImage'
  | 'getSourceImages'
  | 'retryUpload'
  | 'reupload'
  | 'batch'
  | 'unknown';

/** Standing faults that apply to every matching request until changed. */
export interface SimulatorFaults {
  /**
   * Answers 429 once a tenant has made `requests` requests within a fixed
   * window of `windowMs`; `$batch` items count one each, the envelope none.
   * @default undefined // no throttling
   */
  throttle?:
    | { requests: number; windowMs: number; retryAfterSeconds: number }
    | undefined;
  /**
   * Share of requests (0 to 1) answered 503 `serviceNotAvailable` instead.
   * @default 0
   */
  errorRate?: number | undefined;
  /** Milliseconds added before every HTTP answer. @default 0 */
  latencyMs?: number | undefined;
}

/** A one-shot fault, consumed by the next `count` matching requests. */
export interface InjectedFault {
  /** Route it hits; undefined: any route (batch items count as their own). */
  route?: SimulatorRoute | undefined;
  /** How many matching requests it hits. @default 1 */
  count?: number | undefined;
  /** Answer with this status in Graph's error shape, e.g. 429, 503, 500. */
  status?: number | undefined;
  /** Sets `Retry-After` (seconds) on the answer. */
  retryAfterSeconds?: number | undefined;
  /**
   * Applies the request's effect first (the create happens), then answers the
   * fault: an ambiguous failure. @default false
   */
  afterApply?: boolean | undefined;
  /**
   * Milliseconds to wait before answering, to provoke client timeouts; with
   * `afterApply` the effect is applied before the wait. @default 0
   */
  delayMs?: number | undefined;
  /**
   * Destroys the socket instead of answering (after applying, with
   * `afterApply`). A batch item that resets destroys the whole `$batch`
   * connection. @default false
   */
  reset?: boolean | undefined;
}

/** One entry of the request log. */
export interface RecordedRequest {
  method: string;
  route: SimulatorRoute;
  /** Path and query as sent (for a batch item: the item's `url`). */
  url: string;
  /** The tenant its token maps to; undefined when authentication failed. */
  tenant: string | undefined;
  status: number;
  /** Whether it arrived as an item of a `$batch` request. */
  batchItem: boolean;
  /** Header names lowercased; `authorization` redacted. */
  headers: Record<string, string>;
  /**
   * When the simulator began answering it, in epoch milliseconds: on
   * arrival for an HTTP request, when its turn came for a batch item.
   */
  receivedAt: number;
}

/** Options of {@link startSimulator}; defaults resolve in `options.ts`. */
export interface SimulatorOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** How long an upload stays `pending`. @default 20_000 // 20 seconds */
  uploadMs?: number;
  /** Images a tenant may hold (the service's limit). @default 20 */
  maxImages?: number;
  /**
   * Server-driven page size of the image list; a `$top` overrides it.
   * @default undefined // one page holds every image
   */
  pageSize?: number | undefined;
  /**
   * Bearer token to tenant; any other token gets 401.
   * @default undefined // any bearer token, one tenant named 'default'
   */
  tokens?: Record<string, string> | undefined;
  /** Fills each tenant with sample images at start. @default true */
  seed?: boolean;
  /** Standing faults. @default {} // none */
  faults?: SimulatorFaults;
  /** Where the simulator logs. @default a silent logger */
  logger?: Logger;
  /**
   * Entries the request log keeps before dropping the oldest; counters stay
   * exact regardless. @default 10_000
   */
  requestLogLimit?: number | undefined;
}

/** A running simulator; see `src/simulator/README.md`. */
export interface Simulator {
  /** E.g. 'http://127.0.0.1:43121/beta'. */
  readonly baseUrl: string;
  /** E.g. 'http://127.0.0.1:43121'. */
  readonly origin: string;
  /** HTTP requests and batch items, oldest first (a snapshot). */
  readonly requests: readonly RecordedRequest[];
  /**
   * Without a route: HTTP requests only (a `$batch` counts once, as
   * 'batch'). With a route: requests of that route, batch items included.
   */
  requestCount(route?: SimulatorRoute): number;
  /** Empties the request log and its counters. */
  resetRequests(): void;
  /** Queues a one-shot fault behind those already queued. */
  injectFault(fault: InjectedFault): void;
  /** Replaces the standing faults. */
  setFaults(faults: SimulatorFaults): void;
  /** A snapshot of a tenant's images, enums unfiltered. @default 'default' */
  images(tenant?: string): GraphDeviceImage[];
  /**
   * Forces a state in tests: moves `lastModifiedDateTime` (unless the patch
   * sets it) and cancels a pending upload timer when the patch sets
   * `status`. Throws for an unknown tenant or id.
   */
  updateImage(
    id: string,
    patch: Partial<GraphDeviceImage>,
    tenant?: string,
  ): void;
  /** Stops listening, drops open connections and cancels every timer. */
  close(): Promise<void>;
}
