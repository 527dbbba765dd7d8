/**
 * The model behind `CloudPcDeviceImageConnection`: one page of images and
 * what the connection's fields need to answer lazily.
 */
import type { GraphDeviceImage } from '../datasource/graphModel.js';

export interface DeviceImageConnectionModel {
  /** Each edge's cursor may be encoded only when read. */
  edges: { readonly cursor: string; readonly node: GraphDeviceImage }[];
  hasNextPage: boolean;
  /** Counts every image matching the filter; called only when selected. */
  totalCount: () => Promise<number>;
}
