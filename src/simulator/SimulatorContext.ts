/**
 * The state one running simulator shares between its HTTP layer, `$batch`
 * and the library API, and the authentication rule. Internal to the
 * simulator.
 */
import type { Logger } from '../logger.js';
import type { FaultController } from './FaultController.js';
import { GraphHttpError } from './GraphHttpError.js';
import type { ImageStore } from './ImageStore.js';
import type { RequestRecorder } from './RequestRecorder.js';

/** The tenant a token without a token map belongs to. */
export const DEFAULT_TENANT = 'default';

/** Everything a request handler reaches. */
export interface SimulatorContext {
  stores: Map<string, ImageStore>;
  /** Token to tenant; undefined accepts any bearer token. */
  tokens: Record<string, string> | undefined;
  faults: FaultController;
  recorder: RequestRecorder;
  logger: Logger;
  pageSize: number | undefined;
  seed: boolean;
}

/** A caller's tenant and its images. */
export interface Caller {
  tenant: string;
  store: ImageStore;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Maps `Authorization: Bearer …` to a tenant. A missing or malformed
 * header, or a token the map does not know, answers 401
 * `InvalidAuthenticationToken` as Graph does, with `WWW-Authenticate`.
 *
 * Tokens are opaque strings: no JWT is validated and no scope or role is
 * checked, so Graph's 403 for a missing CloudPC permission only comes from
 * an injected fault, until tokens carry claims the simulator reads.
 */
export function authenticate(
  context: SimulatorContext,
  authorization: string | undefined,
): Caller {
  const header = { 'WWW-Authenticate': 'Bearer realm=""' };
  if (!authorization) {
    throw new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      'Access token is empty; expected an Authorization: Bearer <token> ' +
        'header.',
      { headers: header },
    );
  }
  const token = BEARER.exec(authorization)?.[1];
  let tenant: string | undefined;
  if (token && !context.tokens) tenant = DEFAULT_TENANT;
  else if (token && Object.hasOwn(context.tokens ?? {}, token)) {
    tenant = context.tokens?.[token];
  }
  const store = tenant === undefined ? undefined : context.stores.get(tenant);
  if (!store || tenant === undefined) {
    throw new GraphHttpError(
      401,
      'InvalidAuthenticationToken',
      token
        ? 'Access token validation failure: the token is not one this ' +
            'simulator was configured with.'
        : `The Authorization header is not of the form 'Bearer <token>'.`,
      { headers: header },
    );
  }
  return { tenant, store };
}

/** Whether a Prefer header asks for evolvable enum members (contract §2). */
export function prefersUnknownEnums(prefer: string | undefined): boolean {
  return (
    prefer !== undefined &&
    prefer.toLowerCase().includes('include-unknown-enum-members')
  );
}
