/** The Graph simulator: a local HTTP implementation of `deviceImages`. */
export type {
  InjectedFault,
  RecordedRequest,
  Simulator,
  SimulatorFaults,
  SimulatorOptions,
  SimulatorRoute,
} from './types.js';
export { startSimulator } from './startSimulator.js';
export { SOURCE_IMAGES, SEED_IMAGE_IDS } from './seed.js';
