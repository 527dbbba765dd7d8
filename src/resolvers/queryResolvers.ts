/**
 * `Query` resolvers: the list (with paging and `$select` pushdown), one
 * image by id, and the source images a tenant can upload.
 */
import { assertDeviceImageId } from '../datasource/validation.js';
import type { DeviceImageFilter } from '../datasource/types.js';
import type {
  CloudPcDeviceImageFilter,
  QueryResolvers,
} from '../generated/graphql.js';
import { imageStatus, sourceImageCategory } from './enums.js';
import { listDeviceImages } from './listDeviceImages.js';
import { selectedImageProperties } from './selection.js';

/** Where the images sit below a `deviceImages` field. */
const CONNECTION_IMAGE_PATHS = [['edges', 'node'], ['nodes']] as const;

/** The GraphQL filter in Graph's vocabulary, for `$filter`. */
export function toGraphFilter(
  filter: CloudPcDeviceImageFilter | null | undefined,
): DeviceImageFilter {
  const graphFilter: DeviceImageFilter = {};
  if (filter?.status) graphFilter.status = imageStatus.toGraph(filter.status);
  if (filter?.displayName !== null && filter?.displayName !== undefined) {
    graphFilter.displayName = filter.displayName;
  }
  return graphFilter;
}

/** Resolvers of the `Query` type. */
export const queryResolvers: QueryResolvers = {
  deviceImages(_parent, args, context, info) {
    return listDeviceImages(context.dataSource, {
      first: args.first,
      after: args.after,
      filter: toGraphFilter(args.filter),
      select: selectedImageProperties(info, CONNECTION_IMAGE_PATHS),
    });
  },

  deviceImage(_parent, args, context, info) {
    assertDeviceImageId(args.id, 'id');
    return context.dataSource.get(args.id, selectedImageProperties(info));
  },

  sourceImages(_parent, args, context) {
    return context.dataSource.sourceImages(
      args.category ? sourceImageCategory.toGraph(args.category) : undefined,
    );
  },
};
