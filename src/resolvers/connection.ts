/**
 * The model behind `CloudPcDeviceImageConnection`: one page of images and
 * what the connection's fields need to answer lazily.
 */
import type { GraphDeviceImage } from '../datasource/graphModel.js';

export interface DeviceImageConnectionModel {
  edges: { cursor: string; node: GraphDeviceImage }[];
  hasNextPage: boolean;
  /** Counts every image matching the filter; called only when selected. */
  totalCount: () => Promise<number>;
}
