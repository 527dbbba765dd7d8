/**
 * The collection-bound function `getSourceImages` (contract §1, §3).
 * Internal to the simulator.
 */
import { SOURCE_IMAGE_CATEGORIES } from '../datasource/graphModel.js';
import type { OperationRequest, OperationResponse } from './handleOperation.js';
import {
  assertSupportedOptions,
  parseCount,
  parseFilter,
  parseInteger,
  parseQuery,
  parseSelect,
} from './odata.js';
import { SOURCE_IMAGES } from './seed.js';

const SOURCE_FIELDS = [
  'id',
  'resourceId',
  'displayName',
  'subscriptionId',
  'subscriptionDisplayName',
  'category',
];

/**
 * The collection-bound function (contract §1, §3). `$filter` takes
 * `category`, `displayName` and `subscriptionId`; `$top`, `$skip`, `$count`
 * and `$select` are honoured as the Kiota SDKs may send them.
 */
export function getSourceImages(req: OperationRequest): OperationResponse {
  const options = parseQuery(req.search);
  assertSupportedOptions(
    options,
    ['$filter', '$select', '$top', '$skip', '$count'],
    'getSourceImages',
  );
  const clauses = parseFilter(options.get('$filter'), {
    category: SOURCE_IMAGE_CATEGORIES,
    displayName: true,
    subscriptionId: true,
  });
  const select = parseSelect(
    options.get('$select'),
    SOURCE_FIELDS,
    'cloudPcSourceDeviceImage',
  );
  const top = parseInteger('$top', options.get('$top'), 1, 999);
  const skip = parseInteger('$skip', options.get('$skip'), 0, 999) ?? 0;
  const matching = SOURCE_IMAGES.filter((s) =>
    clauses.every(
      (c) => s[c.property as 'category' | 'displayName'] === c.value,
    ),
  );
  const page = matching.slice(skip, top === undefined ? undefined : skip + top);
  const body: Record<string, unknown> = {
    '@odata.context':
      req.origin +
      '/beta/$metadata#Collection(microsoft.graph.cloudPcSourceDeviceImage)',
  };
  if (parseCount(options.get('$count'))) body['@odata.count'] = matching.length;
  body.value = page.map((s) => {
    const item: Record<string, unknown> = {
      id: s.resourceId,
      resourceId: s.resourceId,
      displayName: s.displayName,
      subscriptionId: s.subscriptionId,
      subscriptionDisplayName: s.subscriptionDisplayName,
      category: s.category,
    };
    if (!select) return item;
    return Object.fromEntries(select.map((name) => [name, item[name]]));
  });
  return { status: 200, body };
}
