/**
 * GraphiQL served by the gateway itself: the page, its bundle and its
 * workers, all from the gateway's own origin.
 */
export {
  createGraphiqlHandler,
  type GraphiqlHandler,
  type GraphiqlHandlerOptions,
} from './createGraphiqlHandler.js';
