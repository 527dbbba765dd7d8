/**
 * The two fixed operations the HTTP part of the bench loads, shared by the
 * floor (which answers exactly these) and the load generator. Internal to
 * `bench/`.
 */

/** Every field of `CloudPcDeviceImage`, in schema order. */
export const IMAGE_FIELDS = [
  'id',
  'displayName',
  'version',
  'operatingSystem',
  'osBuildNumber',
  'osVersionNumber',
  'sizeInGB',
  'lastModifiedDateTime',
  'expirationDate',
  'status',
  'statusDetails',
  'errorCode',
  'osStatus',
  'sourceImageResourceId',
  'scopeIds',
] as const;

/** The three fields the single-image operation selects. */
export const SINGLE_FIELDS = ['id', 'displayName', 'status'] as const;

/** One image by id, three fields. */
export const SINGLE_QUERY =
  'query BenchImage($id: ID!) { deviceImage(id: $id) { ' +
  SINGLE_FIELDS.join(' ') +
  ' } }';

/** A page of images with every field, without `totalCount`. */
export const LIST_QUERY =
  'query BenchImages($first: Int) { deviceImages(first: $first) { nodes { ' +
  IMAGE_FIELDS.join(' ') +
  ' } pageInfo { hasNextPage endCursor } } }';

/** How many images the list operation asks for. */
export const LIST_SIZE = 50;

/** The request bodies the load generator posts, by operation name. */
export function requestBodies(singleId: string): {
  single: string;
  list: string;
} {
  return {
    single: JSON.stringify({
      query: SINGLE_QUERY,
      variables: { id: singleId },
    }),
    list: JSON.stringify({
      query: LIST_QUERY,
      variables: { first: LIST_SIZE },
    }),
  };
}
