/**
 * The wire shapes of Microsoft Graph's Cloud PC `deviceImages` API (beta), as
 * `graph-contract.md` §2 and §3 describe them. Both the datasource and the
 * simulator speak these shapes; GraphQL names live in `src/resolvers/`.
 */

/**
 * Members of `cloudPcDeviceImageStatus` in CSDL (wire) order. Members after
 * `unknownFutureValue` are evolvable: Graph sends them only to requests with
 * `Prefer: include-unknown-enum-members` (contract §2, "Evolvable enums").
 */
export const DEVICE_IMAGE_STATUSES = [
  'pending',
  'ready',
  'failed',
  'unknownFutureValue',
  'warning',
] as const;
export type GraphDeviceImageStatus = (typeof DEVICE_IMAGE_STATUSES)[number];

/** Members of `cloudPcDeviceImageErrorCode` in beta wire order (contract §2). */
export const DEVICE_IMAGE_ERROR_CODES = [
  'internalServerError',
  'sourceImageNotFound',
  'osVersionNotSupported',
  'sourceImageInvalid',
  'sourceImageNotGeneralized',
  'unknownFutureValue',
  'vmAlreadyAzureAdjoined',
  'paidSourceImageNotSupport',
  'sourceImageNotSupportCustomizeVMName',
  'sourceImageSizeExceedsLimitation',
  'sourceImageWithDataDiskNotSupported',
  'sourceImageWithDiskEncryptionSetNotSupported',
] as const;
export type GraphDeviceImageErrorCode =
  (typeof DEVICE_IMAGE_ERROR_CODES)[number];

/**
 * Members of the deprecated beta `cloudPcDeviceImageStatusDetails`: the ten
 * v1.0 error codes in the same order (contract §2).
 */
export const DEVICE_IMAGE_STATUS_DETAILS = DEVICE_IMAGE_ERROR_CODES.slice(
  0,
  10,
) as readonly GraphDeviceImageErrorCode[];

/** Members of `cloudPcDeviceImageOsStatus` (contract §2). */
export const DEVICE_IMAGE_OS_STATUSES = [
  'supported',
  'supportedWithWarning',
  'unknown',
  'unknownFutureValue',
] as const;
export type GraphDeviceImageOsStatus =
  (typeof DEVICE_IMAGE_OS_STATUSES)[number];

/** Members of `cloudPcSourceImageCategory` (contract §3). */
export const SOURCE_IMAGE_CATEGORIES = [
  'managedImage',
  'azureComputeGallery',
  'unknownFutureValue',
] as const;
export type GraphSourceImageCategory = (typeof SOURCE_IMAGE_CATEGORIES)[number];

/**
 * A `cloudPcDeviceImage` entity as Graph sends it. Every property but `id`
 * may be missing from a response that used `$select`. Enum-typed properties
 * are typed as `string` because Graph may add members at any time.
 */
export interface GraphDeviceImage {
  id: string;
  displayName?: string | null;
  version?: string | null;
  sourceImageResourceId?: string | null;
  operatingSystem?: string | null;
  osBuildNumber?: string | null;
  osVersionNumber?: string | null;
  sizeInGB?: number | null;
  lastModifiedDateTime?: string | null;
  expirationDate?: string | null;
  status?: string | null;
  errorCode?: string | null;
  osStatus?: string | null;
  /** @deprecated Graph stopped documenting it in favour of `errorCode`. */
  statusDetails?: string | null;
  scopeIds?: string[] | null;
}

/** Every selectable property of `cloudPcDeviceImage`, in contract order. */
export const DEVICE_IMAGE_PROPERTIES = [
  'id',
  'displayName',
  'version',
  'sourceImageResourceId',
  'operatingSystem',
  'osBuildNumber',
  'osVersionNumber',
  'sizeInGB',
  'lastModifiedDateTime',
  'expirationDate',
  'status',
  'errorCode',
  'osStatus',
  'statusDetails',
  'scopeIds',
] as const satisfies readonly (keyof GraphDeviceImage)[];
export type DeviceImageProperty = (typeof DEVICE_IMAGE_PROPERTIES)[number];

/** A `cloudPcSourceDeviceImage` complex type as beta sends it (contract §3). */
export interface GraphSourceImage {
  resourceId: string;
  /** @deprecated Equal to `resourceId`; Graph stopped documenting it. */
  id?: string | null;
  displayName?: string | null;
  subscriptionId?: string | null;
  subscriptionDisplayName?: string | null;
  category?: string | null;
}

/** The body of a create request: the three writable properties (contract §4). */
export interface GraphCreateDeviceImage {
  displayName: string;
  version: string;
  sourceImageResourceId: string;
}

/** Graph's error body (contract §5, "Errors"). */
export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError?: {
      date?: string;
      'request-id'?: string;
      'client-request-id'?: string;
      [key: string]: unknown;
    };
  };
}
