import { GraphQLEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';

import {
  imageErrorCode,
  imageOsStatus,
  imageStatus,
  imageStatusDetails,
  sourceImageCategory,
  statusDetailsOf,
  toGraphqlEnumName,
} from '../../src/resolvers/enums.js';
import { createSchema } from '../../src/resolvers/index.js';

const schema = createSchema();

function schemaValues(name: string): string[] {
  const type = schema.getType(name);
  if (!(type instanceof GraphQLEnumType)) throw new Error(`${name}?`);
  return type.getValues().map((value) => value.name);
}

describe('Resolvers: enum mapping', () => {
  it.each([
    ['pending', 'PENDING'],
    ['unknownFutureValue', 'UNKNOWN_FUTURE_VALUE'],
    ['sourceImageNotFound', 'SOURCE_IMAGE_NOT_FOUND'],
    ['vmAlreadyAzureAdjoined', 'VM_ALREADY_AZURE_ADJOINED'],
    [
      'sourceImageNotSupportCustomizeVMName',
      'SOURCE_IMAGE_NOT_SUPPORT_CUSTOMIZE_VM_NAME',
    ],
    ['supportedWithWarning', 'SUPPORTED_WITH_WARNING'],
    ['azureComputeGallery', 'AZURE_COMPUTE_GALLERY'],
  ])('names %s as %s', (graph, graphql) => {
    expect(toGraphqlEnumName(graph)).toBe(graphql);
  });

  it.each([
    ['CloudPcDeviceImageStatus', imageStatus],
    ['CloudPcDeviceImageErrorCode', imageErrorCode],
    ['CloudPcDeviceImageStatusDetails', imageStatusDetails],
    ['CloudPcDeviceImageOsStatus', imageOsStatus],
    ['CloudPcSourceImageCategory', sourceImageCategory],
  ] as const)('covers exactly the values of %s', (name, mapping) => {
    expect([...mapping.graphqlValues].sort()).toEqual(
      schemaValues(name).sort(),
    );
  });

  it('maps both ways', () => {
    expect(imageStatus.toGraph('WARNING')).toBe('warning');
    expect(imageErrorCode.toGraphql('vmAlreadyAzureAdjoined')).toBe(
      'VM_ALREADY_AZURE_ADJOINED',
    );
    expect(sourceImageCategory.toGraph('MANAGED_IMAGE')).toBe('managedImage');
  });

  it('reads a value it does not know as UNKNOWN_FUTURE_VALUE and null as null', () => {
    expect(imageStatus.toGraphql('quarantined')).toBe('UNKNOWN_FUTURE_VALUE');
    expect(imageErrorCode.toGraphql('startMenuAppLimitExceeded')).toBe(
      'UNKNOWN_FUTURE_VALUE',
    );
    expect(imageStatus.toGraphql(null)).toBeNull();
    expect(imageStatus.toGraphql(undefined)).toBeNull();
  });

  it('answers statusDetails from errorCode when Graph no longer sends it', () => {
    expect(statusDetailsOf({ errorCode: 'sourceImageInvalid' })).toBe(
      'SOURCE_IMAGE_INVALID',
    );
    expect(
      statusDetailsOf({ errorCode: 'sourceImageWithDataDiskNotSupported' }),
    ).toBe('UNKNOWN_FUTURE_VALUE');
    expect(
      statusDetailsOf({
        statusDetails: 'osVersionNotSupported',
        errorCode: 'sourceImageInvalid',
      }),
    ).toBe('OS_VERSION_NOT_SUPPORTED');
    expect(statusDetailsOf({ errorCode: null })).toBeNull();
  });
});
