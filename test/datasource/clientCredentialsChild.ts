/**
 * Runs the datasource's client-credentials provider in a process of its
 * own, started with NODE_EXTRA_CA_CERTS so Node trusts the local token
 * service's CA: the provider has no option to trust a CA itself. Prints one
 * JSON line: what two calls returned, and what a wrong secret threw.
 */
import { createClientCredentialsTokenProvider } from '../../src/datasource/credentials.js';

const env = (name: string) => process.env[name] ?? '';
const base = {
  tenantId: env('CC_TENANT'),
  clientId: env('CC_CLIENT_ID'),
  authorityHost: env('CC_AUTHORITY'),
  disableInstanceDiscovery: true,
};

const provider = createClientCredentialsTokenProvider({
  ...base,
  clientSecret: env('CC_SECRET'),
});
const first = await provider();
const second = await provider();
const wrong = await createClientCredentialsTokenProvider({
  ...base,
  clientSecret: 'not-the-secret',
})().then(
  () => undefined,
  (error: { name?: string; message?: string; extensions?: object }) => ({
    name: error.name,
    message: error.message,
    extensions: error.extensions,
  }),
);
process.stdout.write(`${JSON.stringify({ first, second, wrong })}\n`);
