/**
 * Internal to the page: the settings the gateway renders into the mount
 * element's `data-*` attributes (see `../page.ts`).
 */

/** What the gateway tells the page. */
export interface PageSettings {
  /** Path of the GraphQL endpoint, for HTTP and WebSocket alike. */
  graphqlPath: string;
  /** The caller supplies the Authorization header. */
  passthroughAuth: boolean;
  /** Monaco worker script URLs by label; `editor` is the fallback. */
  workers: Record<string, string> & { editor: string };
}

/** Reads and checks the settings, naming the attribute that is wrong. */
export function readPageSettings(mount: HTMLElement): PageSettings {
  const { graphqlPath, passthroughAuth, workers } = mount.dataset;
  if (!graphqlPath?.startsWith('/')) {
    throw new Error(
      `GraphiQL: data-graphql-path must be an absolute path, got ` +
        `${JSON.stringify(graphqlPath)}.`,
    );
  }
  const parsed: unknown = JSON.parse(workers ?? 'null');
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as { editor?: unknown }).editor !== 'string'
  ) {
    throw new Error(
      `GraphiQL: data-workers must be a JSON object with an "editor" URL, ` +
        `got ${JSON.stringify(workers)}.`,
    );
  }
  return {
    graphqlPath,
    passthroughAuth: passthroughAuth === 'true',
    workers: parsed as PageSettings['workers'],
  };
}
