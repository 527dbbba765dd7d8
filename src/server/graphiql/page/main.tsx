/**
 * The GraphiQL page: reads its settings from the mount element, points
 * Monaco at the gateway's own worker files and renders GraphiQL with a
 * fetcher that sends operations over HTTP and subscriptions over
 * graphql-ws, both to the page's origin.
 */
import 'graphiql/style.css';
import './page.css';

import { GraphiQL } from 'graphiql';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';

import { authorizationIn, createFetcher } from './createFetcher.js';
import { readPageSettings } from './readPageSettings.js';
import { SchemaFollowsToken } from './SchemaFollowsToken.js';
import { syncUrl } from './syncUrl.js';

const mount = document.getElementById('graphiql');
if (!mount) throw new Error('GraphiQL: the page has no #graphiql element.');
const settings = readPageSettings(mount);

// Monaco asks for a worker per language; each is a file the gateway serves,
// so the page needs neither a CDN nor `blob:` workers.
window.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    const url = settings.workers[label] ?? settings.workers.editor;
    return new Worker(url, { name: label });
  },
};

/**
 * The tabs shown when the URL names no operation: the images with their
 * status, and the event stream that shows them change.
 */
const EXAMPLE_TABS = [
  {
    query: `# The tenant's images. Ctrl+Enter runs it.
query ListImages {
  deviceImages(first: 20) {
    totalCount
    nodes {
      id
      displayName
      version
      status
      errorCode
      lastModifiedDateTime
    }
  }
}
`,
  },
  {
    query: `# Every change to the images, live.
subscription ImageEvents {
  deviceImageEvents {
    kind
    id
    previousStatus
    image {
      displayName
      status
      errorCode
    }
  }
}
`,
  },
];

/** Headers a new tab starts with when the caller brings their own token. */
const AUTH_HEADERS_HINT = '{\n  "Authorization": "Bearer "\n}';

const params = new URLSearchParams(location.search);
const fetcher = createFetcher(settings);

/** GraphiQL, configured for this gateway. */
function GatewayGraphiql() {
  const [authorization, setAuthorization] = useState<string>();
  return (
    <GraphiQL
      fetcher={fetcher}
      // GraphiQL ignores `initialQuery` when given tabs, so tabs only
      // without one.
      defaultTabs={params.has('query') ? undefined : EXAMPLE_TABS}
      initialQuery={params.get('query') ?? undefined}
      initialVariables={params.get('variables') ?? undefined}
      isHeadersEditorEnabled={settings.passthroughAuth}
      defaultHeaders={settings.passthroughAuth ? AUTH_HEADERS_HINT : undefined}
      defaultEditorToolsVisibility={
        settings.passthroughAuth ? 'headers' : undefined
      }
      // Tokens stay out of localStorage; people paste them per session.
      shouldPersistHeaders={false}
      onEditQuery={(query) => syncUrl('query', query)}
      onEditVariables={(variables) => syncUrl('variables', variables)}
      onEditHeaders={(headers) => setAuthorization(parseAuthorization(headers))}
    >
      {settings.passthroughAuth && (
        <SchemaFollowsToken authorization={authorization} />
      )}
    </GraphiQL>
  );
}

// Private: the token in the headers editor, while its text is valid JSON.
function parseAuthorization(text: string): string | undefined {
  try {
    const headers: unknown = JSON.parse(text);
    return typeof headers === 'object' && headers !== null
      ? authorizationIn(headers as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

createRoot(mount).render(
  <StrictMode>
    <GatewayGraphiql />
  </StrictMode>,
);
