import { describe, expect, it } from 'vitest';

import {
  assertCreateDeviceImage,
  assertDeviceImageId,
  assertDeviceImageStatus,
  assertDisplayName,
  assertImageVersion,
  assertPageSize,
  assertSourceImageCategory,
  assertSourceImageResourceId,
} from '../../src/datasource/validation.js';
import { BadUserInputError, ErrorCode } from '../../src/errors/index.js';

const ID_EXPECTED =
  'a device image id (1 to 64 letters, digits or hyphens, starting with a ' +
  'letter or digit)';
const SOURCE_EXPECTED =
  'the resource id of a managed image ' +
  '(/subscriptions/{id}/resourceGroups/{group}/providers/' +
  'Microsoft.Compute/images/{name}) or of a gallery image version ' +
  '(…/Microsoft.Compute/galleries/{gallery}/images/{definition}/' +
  'versions/{version})';
const MANAGED =
  '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c585ffff/resourceGroups/' +
  'Example/providers/Microsoft.Compute/images/exampleImageForDev';

/** How the messages quote a string: whole up to 80 characters. */
function shown(value: string): string {
  return value.length > 80
    ? `${JSON.stringify(value.slice(0, 40))}… (${value.length} characters)`
    : JSON.stringify(value);
}

function failure(assertion: () => void): BadUserInputError {
  try {
    assertion();
  } catch (error) {
    expect(error).toBeInstanceOf(BadUserInputError);
    return error as BadUserInputError;
  }
  throw new Error('expected the assertion to throw');
}

describe('Validation: device image ids', () => {
  it('accepts GUIDs and short slugs', () => {
    expect(() =>
      assertDeviceImageId('eda7ed64-7705-4079-9d08-c2bd883f4fff', 'id'),
    ).not.toThrow();
    expect(() => assertDeviceImageId('a', 'id')).not.toThrow();
    expect(() => assertDeviceImageId('A1-b2', 'id')).not.toThrow();
  });

  it.each([
    ['../admin', '"../admin"'],
    ['a/b', '"a/b"'],
    ['a?b', '"a?b"'],
    ['a#b', '"a#b"'],
    ['a%2Fb', '"a%2Fb"'],
    ['a b', '"a b"'],
    ['', '""'],
    ['-leading', '"-leading"'],
    ['é', '"é"'],
  ])('rejects %j, naming the argument', (value, shown) => {
    const error = failure(() => assertDeviceImageId(value, 'id'));
    expect(error.message).toBe(
      `Invalid id: expected ${ID_EXPECTED}, but got ${shown}.`,
    );
    expect(error.extensions).toMatchObject({
      code: ErrorCode.BAD_USER_INPUT,
      argumentName: 'id',
    });
  });

  it('rejects the name of the function bound to the collection', () => {
    for (const name of ['getSourceImages', 'GETSOURCEIMAGES']) {
      expect(failure(() => assertDeviceImageId(name, 'id')).message).toBe(
        'Invalid id: expected a device image id, not the name of a Graph ' +
          `function, but got "${name}".`,
      );
    }
  });

  it('rejects an id over 64 characters, quoting only its start', () => {
    const error = failure(() => assertDeviceImageId('a'.repeat(65), 'id'));
    expect(error.message).toBe(
      `Invalid id: expected ${ID_EXPECTED}, but got "${'a'.repeat(65)}".`,
    );
    const huge = failure(() => assertDeviceImageId('b'.repeat(5000), 'id'));
    expect(huge.message).toBe(
      `Invalid id: expected ${ID_EXPECTED}, but got ` +
        `"${'b'.repeat(40)}"… (5000 characters).`,
    );
  });

  it('describes values that are not strings', () => {
    expect(failure(() => assertDeviceImageId(42, 'ids[0]')).message).toBe(
      `Invalid ids[0]: expected ${ID_EXPECTED}, but got number 42.`,
    );
    expect(failure(() => assertDeviceImageId(undefined, 'id')).message).toBe(
      `Invalid id: expected ${ID_EXPECTED}, but got nothing.`,
    );
    expect(failure(() => assertDeviceImageId(null, 'id')).message).toBe(
      `Invalid id: expected ${ID_EXPECTED}, but got null.`,
    );
  });
});

describe('Validation: versions', () => {
  it('accepts Major.Minor.Patch of whole numbers', () => {
    for (const version of ['0.0.1', '1.5.13', '123456789.0.999999999']) {
      expect(() => assertImageVersion(version, 'input.version')).not.toThrow();
    }
  });

  it.each(['1.0', '1.0.0.0', 'v1.0.0', '1.0.-1', '1.0.0 ', '1234567890.0.0'])(
    'rejects %j',
    (version) => {
      expect(
        failure(() => assertImageVersion(version, 'input.version')).message,
      ).toBe(
        'Invalid input.version: expected a version Major.Minor.Patch of ' +
          'whole numbers (at most 9 digits each), e.g. "1.0.0", but got ' +
          `${JSON.stringify(version)}.`,
      );
    },
  );
});

describe('Validation: display names', () => {
  const expected =
    'a display name of 1 to 256 characters, not blank and without control ' +
    'characters or unpaired surrogates';

  it('accepts names with spaces, quotes and non-Latin letters', () => {
    for (const name of ["O'Brien image", 'Образ 1', 'x'.repeat(256)]) {
      expect(() => assertDisplayName(name, 'input.displayName')).not.toThrow();
    }
  });

  it.each([
    '',
    '   ',
    'tab\there',
    'bell\u0007',
    'del\u007f',
    'c1\u0085',
    'lone \ud800 high',
    'lone \udc00 low',
  ])('rejects %j', (name) => {
    expect(
      failure(() => assertDisplayName(name, 'input.displayName')).message,
    ).toBe(
      `Invalid input.displayName: expected ${expected}, but got ` +
        `${JSON.stringify(name)}.`,
    );
  });

  it('rejects a name of 257 characters', () => {
    expect(
      failure(() => assertDisplayName('x'.repeat(257), 'input.displayName'))
        .message,
    ).toBe(
      `Invalid input.displayName: expected ${expected}, but got ` +
        `"${'x'.repeat(40)}"… (257 characters).`,
    );
  });
});

describe('Validation: source image resource ids', () => {
  it.each([
    MANAGED,
    // Microsoft's own example: the last GUID group has 11 digits.
    '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c58ffff/resourceGroups/' +
      'Example/providers/Microsoft.Compute/images/exampleImage',
    '/subscriptions/0ac520ee-14c0-480f-b6c9-0a90c585ffff/resourceGroups/' +
      'Example/providers/Microsoft.Compute/galleries/exampleGallery/images/' +
      'exampleImageForDev/versions/1.0.0',
    '/SUBSCRIPTIONS/0AC520EE-14C0-480F-B6C9-0A90C585FFFF/resourcegroups/' +
      'rg_(1).x/providers/microsoft.compute/images/img-2_b.c',
  ])('accepts %s', (value) => {
    expect(() =>
      assertSourceImageResourceId(value, 'input.sourceImageResourceId'),
    ).not.toThrow();
  });

  it.each([
    MANAGED.replace('/images/', '/disks/'),
    MANAGED + '/',
    MANAGED.replace('exampleImageForDev', '../x'),
    MANAGED.replace('Example', 'Ex ample'),
    MANAGED.replace('0ac520ee-14c0-480f-b6c9-0a90c585ffff', 'not-a-guid'),
    MANAGED + '?x=1',
    'exampleImageForDev',
    MANAGED.replace('images/exampleImageForDev', 'galleries/g/images/d') +
      '/versions/latest',
  ])('rejects %s', (value) => {
    expect(
      failure(() =>
        assertSourceImageResourceId(value, 'input.sourceImageResourceId'),
      ).message,
    ).toBe(
      `Invalid input.sourceImageResourceId: expected ${SOURCE_EXPECTED}, ` +
        `but got ${shown(value)}.`,
    );
  });
});

describe('Validation: create input', () => {
  it('checks each field under its own argument name', () => {
    expect(
      failure(() =>
        assertCreateDeviceImage(
          { displayName: 'x', version: '1', sourceImageResourceId: MANAGED },
          'input',
        ),
      ).extensions['argumentName'],
    ).toBe('input.version');
    expect(
      failure(() =>
        assertCreateDeviceImage(
          { displayName: 'x', version: '1.0.0', sourceImageResourceId: 'x' },
          'input',
        ),
      ).extensions['argumentName'],
    ).toBe('input.sourceImageResourceId');
  });

  it('rejects a value that is not an object', () => {
    expect(failure(() => assertCreateDeviceImage('x', 'input')).message).toBe(
      'Invalid input: expected an object with displayName, version and ' +
        'sourceImageResourceId, but got "x".',
    );
  });
});

describe('Validation: enums and page sizes', () => {
  it('lists the allowed statuses', () => {
    expect(
      failure(() => assertDeviceImageStatus('READY', 'filter.status')).message,
    ).toBe(
      'Invalid filter.status: expected one of pending, ready, failed, ' +
        'unknownFutureValue, warning, but got "READY".',
    );
  });

  it('lists the allowed source image categories', () => {
    expect(
      failure(() => assertSourceImageCategory('vhd', 'category')).message,
    ).toBe(
      'Invalid category: expected one of managedImage, azureComputeGallery, ' +
        'unknownFutureValue, but got "vhd".',
    );
  });

  it.each([0, -1, 1.5, 1001, Number.NaN])('rejects page size %s', (top) => {
    expect(failure(() => assertPageSize(top, 'top')).message).toBe(
      `Invalid top: expected a whole number from 1 to 1000, but got number ${top}.`,
    );
  });
});
