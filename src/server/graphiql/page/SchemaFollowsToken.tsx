/**
 * Internal to the page: in pass-through mode the gateway introspects only
 * for callers with a token, so the schema (docs, completion) is fetched
 * again whenever the Authorization header gets a new token.
 */
import { useGraphiQLActions } from '@graphiql/react';
import { useEffect } from 'react';

/** Waits for typing to pause before fetching the schema. */
const SETTLE_MS = 400;

/** Renders nothing; re-runs introspection when `authorization` changes. */
export function SchemaFollowsToken(props: {
  authorization: string | undefined;
}): null {
  const { introspect } = useGraphiQLActions();
  const { authorization } = props;
  useEffect(() => {
    if (!authorization) return undefined;
    const timer = setTimeout(() => void introspect(), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [authorization, introspect]);
  return null;
}
