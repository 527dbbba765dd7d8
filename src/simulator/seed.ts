/**
 * The sample data every tenant starts with: source images whose upload
 * outcome is fixed, and images in varied states. Ids and values come from
 * the documented examples of `graph-contract.md` §1 where they fit.
 * Internal to the simulator, apart from the exported ids and sources.
 */
import type {
  GraphDeviceImage,
  GraphDeviceImageErrorCode,
  GraphDeviceImageOsStatus,
  GraphSourceImageCategory,
} from '../datasource/graphModel.js';

/** What an upload from a source image ends in. */
export type UploadOutcome =
  | {
      status: 'ready';
      operatingSystem: string;
      osBuildNumber: string;
      osVersionNumber: string;
      sizeInGB: number;
      osStatus: GraphDeviceImageOsStatus;
    }
  | { status: 'failed'; errorCode: GraphDeviceImageErrorCode };

/** A seeded source image and the outcome of uploading it. */
export interface SeedSourceImage {
  resourceId: string;
  displayName: string;
  subscriptionId: string;
  subscriptionDisplayName: string;
  category: GraphSourceImageCategory;
  outcome: UploadOutcome;
}

const SUBSCRIPTION = '0ac520ee-14c0-480f-b6c9-0a90c585ffff';
/**
 * The documented create and list examples use this subscription id, one
 * hex digit short of the getSourceImages example's (contract §1, quirks).
 */
const DOCS_SUBSCRIPTION = '0ac520ee-14c0-480f-b6c9-0a90c58ffff';

function armPrefix(subscription: string): string {
  return (
    `/subscriptions/${subscription}/resourceGroups/Example/providers/` +
    'Microsoft.Compute'
  );
}
const RG = armPrefix(SUBSCRIPTION);

function managed(
  name: string,
  outcome: UploadOutcome,
  subscription = SUBSCRIPTION,
): SeedSourceImage {
  return {
    resourceId: `${armPrefix(subscription)}/images/${name}`,
    displayName: name,
    subscriptionId: subscription,
    subscriptionDisplayName: 'Reserved for IT',
    category: 'managedImage',
    outcome,
  };
}

function gallery(
  definition: string,
  version: string,
  outcome: UploadOutcome,
): SeedSourceImage {
  return {
    resourceId: `${RG}/galleries/exampleGallery/images/${definition}/versions/${version}`,
    displayName: version,
    subscriptionId: SUBSCRIPTION,
    subscriptionDisplayName: 'Reserved for IT',
    category: 'azureComputeGallery',
    outcome,
  };
}

const WIN11_24H2: UploadOutcome = {
  status: 'ready',
  operatingSystem: 'Windows 11 Enterprise',
  osBuildNumber: '24H2',
  osVersionNumber: '10.0.26100.2033',
  sizeInGB: 64,
  osStatus: 'supported',
};

const WIN11_23H2: UploadOutcome = {
  status: 'ready',
  operatingSystem: 'Windows 11 Enterprise',
  osBuildNumber: '23H2',
  osVersionNumber: '10.0.22631.3593',
  sizeInGB: 64,
  osStatus: 'supported',
};

const WIN10_22H2: UploadOutcome = {
  status: 'ready',
  operatingSystem: 'Windows 10 Enterprise',
  osBuildNumber: '22H2',
  osVersionNumber: '10.0.19045.4780',
  sizeInGB: 128,
  osStatus: 'supportedWithWarning',
};

/**
 * Source images `getSourceImages` lists, in this order. The first and the
 * gallery `1.0.0` are the contract's two documented examples; `exampleImage`
 * (under the create example's subscription id) is the source the documented
 * create example posts, so that example ends `ready`. A well-formed id that
 * matches none of them fails with `sourceImageNotFound`.
 */
export const SOURCE_IMAGES: readonly SeedSourceImage[] = [
  managed('exampleImageForDev', WIN11_24H2),
  gallery('exampleImageForDev', '1.0.0', WIN11_23H2),
  managed('exampleImage', WIN11_24H2, DOCS_SUBSCRIPTION),
  gallery('exampleImageForDev', '2.0.0', WIN11_24H2),
  managed('win10-22h2-ent', WIN10_22H2),
  managed('win11-not-generalized', {
    status: 'failed',
    errorCode: 'sourceImageNotGeneralized',
  }),
  managed('win7-legacy', {
    status: 'failed',
    errorCode: 'osVersionNotSupported',
  }),
  managed('corrupt-vhd', { status: 'failed', errorCode: 'sourceImageInvalid' }),
  gallery('withDataDisk', '1.0.0', {
    status: 'failed',
    errorCode: 'sourceImageWithDataDiskNotSupported',
  }),
];

/** Looks up a source image by ARM id; ARM ids compare case-insensitively. */
export function findSourceImage(
  resourceId: string,
): SeedSourceImage | undefined {
  const key = resourceId.toLowerCase();
  return SOURCE_IMAGES.find((s) => s.resourceId.toLowerCase() === key);
}

/** Ids of the seeded images, for tests and demos. */
export const SEED_IMAGE_IDS = {
  /** ImageForDev 0.0.1, ready (the documented list and get example). */
  ready: 'eda7ed64-7705-4079-9d08-c2bd883f4fff',
  /** ImageForTest 1.0.0, ready from a gallery (the documented delete id). */
  readyGallery: '435849e6-0263-4621-9f93-8657667af3bb',
  /**
   * ImageForRetry 1.1.0, failed with `internalServerError`; its source is
   * healthy, so a retry ends ready (the documented retryUpload id).
   */
  failedRetryable: '594e2046-2a4f-43d3-829c-be36bb984f11',
  /** ImageNotGeneralized 0.1.0, failed with `sourceImageNotGeneralized`. */
  failedNotGeneralized: '7d4a1c2e-5b6f-4e8a-9c0d-1e2f3a4b5c6d',
  /** ImageWithDataDisk 1.0.0, failed with a code after the sentinel. */
  failedDataDisk: 'b3e1f7a9-2c4d-4f6e-8a0b-9c1d2e3f4a5b',
  /** ImageWithWarning 1.2.0, status `warning` (after the sentinel). */
  warning: 'c9d8e7f6-a5b4-4c3d-9e2f-1a0b9c8d7e6f',
  /** ImageInProgress 2.0.0, pending; ends ready after `uploadMs`. */
  pending: 'f1e2d3c4-b5a6-4978-8d6c-5b4a3f2e1d0c',
} as const;

function entity(
  id: string,
  displayName: string,
  version: string,
  source: SeedSourceImage,
  lastModifiedDateTime: string,
): GraphDeviceImage {
  return {
    id,
    displayName,
    version,
    sourceImageResourceId: source.resourceId,
    operatingSystem: null,
    osBuildNumber: null,
    osVersionNumber: null,
    sizeInGB: null,
    lastModifiedDateTime,
    expirationDate: null,
    status: 'pending',
    errorCode: null,
    osStatus: null,
    statusDetails: null,
    scopeIds: [],
  };
}

function readyFields(outcome: UploadOutcome): Partial<GraphDeviceImage> {
  if (outcome.status !== 'ready') return {};
  return {
    status: 'ready',
    operatingSystem: outcome.operatingSystem,
    osBuildNumber: outcome.osBuildNumber,
    osVersionNumber: outcome.osVersionNumber,
    sizeInGB: outcome.sizeInGB,
    osStatus: outcome.osStatus,
  };
}

const [devSource, galleryV1, exampleSource, , win10, notGeneralized] =
  SOURCE_IMAGES as readonly SeedSourceImage[];
const dataDisk = SOURCE_IMAGES[8] as SeedSourceImage;

/**
 * A fresh copy of the seeded images, oldest first. The caller schedules the
 * pending one's upload.
 */
export function seedImages(): GraphDeviceImage[] {
  const ids = SEED_IMAGE_IDS;
  return [
    {
      ...entity(
        ids.ready,
        'ImageForDev',
        '0.0.1',
        devSource,
        '2024-11-03T07:03:44.970Z',
      ),
      ...readyFields(devSource.outcome),
      // Verbatim from the documented list example.
      sourceImageResourceId: `${armPrefix(DOCS_SUBSCRIPTION)}/images/exampleImageForDev`,
      osVersionNumber: '10.0.22631.3593',
      expirationDate: '2028-04-11',
    },
    {
      ...entity(
        ids.readyGallery,
        'ImageForTest',
        '1.0.0',
        galleryV1,
        '2025-02-14T09:30:00.000Z',
      ),
      ...readyFields(galleryV1.outcome),
    },
    {
      ...entity(
        ids.failedRetryable,
        'ImageForRetry',
        '1.1.0',
        exampleSource,
        '2025-06-01T12:00:00.000Z',
      ),
      status: 'failed',
      errorCode: 'internalServerError',
      statusDetails: 'internalServerError',
    },
    {
      ...entity(
        ids.failedNotGeneralized,
        'ImageNotGeneralized',
        '0.1.0',
        notGeneralized,
        '2025-06-02T12:00:00.000Z',
      ),
      status: 'failed',
      errorCode: 'sourceImageNotGeneralized',
      statusDetails: 'sourceImageNotGeneralized',
    },
    {
      ...entity(
        ids.failedDataDisk,
        'ImageWithDataDisk',
        '1.0.0',
        dataDisk,
        '2025-06-03T12:00:00.000Z',
      ),
      status: 'failed',
      errorCode: 'sourceImageWithDataDiskNotSupported',
    },
    {
      ...entity(
        ids.warning,
        'ImageWithWarning',
        '1.2.0',
        win10,
        '2025-07-01T08:00:00.000Z',
      ),
      ...readyFields(win10.outcome),
      status: 'warning',
    },
    entity(
      ids.pending,
      'ImageInProgress',
      '2.0.0',
      win10,
      new Date().toISOString(),
    ),
  ];
}
