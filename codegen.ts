import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Generates the resolver and model types from the SDL in `schema/`.
 * Run `npm run codegen` after changing the schema; the test suite fails
 * when `src/generated/` is stale.
 */
const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useIndexSignature: false,
        useTypeImports: true,
        enumsAsTypes: true,
        contextType: '../resolvers/context.js#GatewayContext',
        mappers: {
          CloudPcDeviceImage: '../datasource/graphModel.js#GraphDeviceImage',
          CloudPcSourceDeviceImage:
            '../datasource/graphModel.js#GraphSourceImage',
          CloudPcDeviceImageConnection:
            '../resolvers/connection.js#DeviceImageConnectionModel',
          DeviceImageEvent: '../subscriptions/events.js#ImageEvent',
        },
        scalars: {
          DateTime: 'string',
          Date: 'string',
        },
      },
    },
  },
};

export default config;
