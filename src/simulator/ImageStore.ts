/**
 * One tenant's images and their upload lifecycle (contract §4). Internal to
 * the simulator. Domain rules that do not depend on HTTP live here: the
 * duplicate (displayName, version) check, the image limit, the retry rule
 * and the timers that move an upload from `pending` to its outcome.
 */
import {
  DEVICE_IMAGE_STATUS_DETAILS,
  type GraphCreateDeviceImage,
  type GraphDeviceImage,
} from '../datasource/graphModel.js';
import { GraphHttpError } from './GraphHttpError.js';
import { findSourceImage, seedImages, SEED_IMAGE_IDS } from './seed.js';

/** An image with the sequence number that orders it and keys paging. */
export interface StoredImage {
  readonly seq: number;
  image: GraphDeviceImage;
  timer: NodeJS.Timeout | undefined;
}

/** Settings every tenant's store shares. */
export interface ImageStoreSettings {
  uploadMs: number;
  maxImages: number;
}

/** The images of one tenant. */
export class ImageStore {
  private readonly byId = new Map<string, StoredImage>();
  private nextSeq = 1;

  constructor(
    readonly tenant: string,
    private readonly settings: ImageStoreSettings,
  ) {}

  /** Replaces every image with the seed (or nothing), cancelling timers. */
  reset(seed: boolean): void {
    this.close();
    this.byId.clear();
    if (!seed) return;
    for (const image of seedImages()) {
      const stored = this.insert(image);
      if (image.id === SEED_IMAGE_IDS.pending) this.scheduleUpload(stored);
    }
  }

  /** Images in creation order; with `afterSeq`, only those created later. */
  list(afterSeq = 0): StoredImage[] {
    const all = [...this.byId.values()];
    return afterSeq === 0 ? all : all.filter((s) => s.seq > afterSeq);
  }

  get(id: string): StoredImage | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /**
   * Creates a pending image. A (displayName, version) pair already taken
   * answers 409 `nameAlreadyExists` (contract §4: the pair identifies an
   * image; its error is not documented). Display names compare
   * case-insensitively. A tenant at its limit answers 400
   * `quotaLimitReached`.
   */
  create(input: GraphCreateDeviceImage): GraphDeviceImage {
    const name = input.displayName.toLowerCase();
    for (const { image } of this.byId.values()) {
      if (
        image.displayName?.toLowerCase() === name &&
        image.version === input.version
      ) {
        throw new GraphHttpError(
          409,
          'nameAlreadyExists',
          `An image named '${input.displayName}' with version ` +
            `'${input.version}' already exists (id ${image.id}); the display ` +
            'name and version identify an image and must be unique together.',
        );
      }
    }
    if (this.byId.size >= this.settings.maxImages) {
      throw new GraphHttpError(
        400,
        'quotaLimitReached',
        `The tenant already has ${this.byId.size} images, the most allowed ` +
          `is ${this.settings.maxImages}; delete an image before adding one.`,
      );
    }
    const stored = this.insert({
      id: crypto.randomUUID(),
      displayName: input.displayName,
      version: input.version,
      sourceImageResourceId: input.sourceImageResourceId,
      operatingSystem: null,
      osBuildNumber: null,
      osVersionNumber: null,
      sizeInGB: null,
      lastModifiedDateTime: new Date().toISOString(),
      expirationDate: null,
      status: 'pending',
      errorCode: null,
      osStatus: null,
      statusDetails: null,
      scopeIds: [],
    });
    this.scheduleUpload(stored);
    return stored.image;
  }

  /**
   * Deletes an image and cancels its upload; false when unknown. Deleting
   * always succeeds: the service refuses an image a provisioning policy
   * uses (contract §4), which cannot happen until policies are simulated.
   */
  delete(id: string): boolean {
    const stored = this.get(id);
    if (!stored) return false;
    clearTimeout(stored.timer);
    this.byId.delete(stored.image.id.toLowerCase());
    return true;
  }

  /**
   * Sends a failed image back to `pending` and runs the upload again. Only a
   * failed image may be retried (contract §4: "that previously failed"); any
   * other answers 400 `invalidRequest`, an unknown id 404.
   */
  retryUpload(id: string): void {
    const stored = this.require(id);
    if (stored.image.status !== 'failed') {
      throw new GraphHttpError(
        400,
        'invalidRequest',
        `Only an image whose upload failed can be retried; image ${id} has ` +
          `status '${stored.image.status}', expected 'failed'.`,
      );
    }
    this.transition(stored, {
      status: 'pending',
      errorCode: null,
      statusDetails: null,
    });
    this.scheduleUpload(stored);
  }

  /** Forces a state (tests only); a patched status cancels the timer. */
  update(id: string, patch: Partial<GraphDeviceImage>): void {
    const stored = this.get(id);
    if (!stored) {
      throw new TypeError(
        `updateImage(): tenant '${this.tenant}' has no image with id '${id}'.`,
      );
    }
    if (patch.status !== undefined) {
      clearTimeout(stored.timer);
      stored.timer = undefined;
    }
    const { id: _ignored, ...rest } = patch;
    this.transition(stored, rest);
  }

  /** Copies of the images, enums unfiltered. */
  snapshot(): GraphDeviceImage[] {
    return this.list().map((s) => structuredClone(s.image));
  }

  /** Cancels every pending upload timer. */
  close(): void {
    for (const stored of this.byId.values()) {
      clearTimeout(stored.timer);
      stored.timer = undefined;
    }
  }

  private require(id: string): StoredImage {
    const stored = this.get(id);
    if (!stored) throw imageNotFound(id);
    return stored;
  }

  private insert(image: GraphDeviceImage): StoredImage {
    const stored: StoredImage = {
      seq: this.nextSeq++,
      image,
      timer: undefined,
    };
    this.byId.set(image.id.toLowerCase(), stored);
    return stored;
  }

  /**
   * Applies a change and moves `lastModifiedDateTime`, strictly forward so
   * that every transition is visible even within one millisecond.
   */
  private transition(
    stored: StoredImage,
    patch: Partial<GraphDeviceImage>,
  ): void {
    const previous = Date.parse(stored.image.lastModifiedDateTime ?? '') || 0;
    const now = Math.max(Date.now(), previous + 1);
    stored.image = {
      ...stored.image,
      lastModifiedDateTime: new Date(now).toISOString(),
      ...patch,
    };
  }

  /**
   * Ends the upload after `uploadMs`. The timer is unref'd so a forgotten
   * simulator never keeps a process alive; delete and close cancel it.
   */
  private scheduleUpload(stored: StoredImage): void {
    clearTimeout(stored.timer);
    stored.timer = setTimeout(() => {
      stored.timer = undefined;
      this.completeUpload(stored);
    }, this.settings.uploadMs);
    stored.timer.unref();
  }

  /**
   * The outcome follows from the source image (seed.ts); a well-formed id
   * that matches no source fails with `sourceImageNotFound`. The deprecated
   * `statusDetails` is set only where beta has a member (the first ten).
   */
  private completeUpload(stored: StoredImage): void {
    const source = findSourceImage(stored.image.sourceImageResourceId ?? '');
    const outcome = source?.outcome ?? {
      status: 'failed' as const,
      errorCode: 'sourceImageNotFound' as const,
    };
    if (outcome.status === 'failed') {
      const code = outcome.errorCode;
      this.transition(stored, {
        status: 'failed',
        errorCode: code,
        statusDetails: DEVICE_IMAGE_STATUS_DETAILS.includes(code) ? code : null,
      });
      return;
    }
    this.transition(stored, {
      status: 'ready',
      operatingSystem: outcome.operatingSystem,
      osBuildNumber: outcome.osBuildNumber,
      osVersionNumber: outcome.osVersionNumber,
      sizeInGB: outcome.sizeInGB,
      osStatus: outcome.osStatus,
      errorCode: null,
      statusDetails: null,
    });
  }
}

/** The 404 for an unknown image id. */
export function imageNotFound(id: string): GraphHttpError {
  return new GraphHttpError(
    404,
    'itemNotFound',
    `No device image with id '${id}' exists in this tenant.`,
  );
}
