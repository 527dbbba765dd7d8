/**
 * `Mutation` resolvers. Input is checked with the datasource's validation
 * helpers before any upstream call; after each change the event sink hears
 * of it, so subscribers learn at once rather than at the next poll.
 */
import type { GraphDeviceImage } from '../datasource/graphModel.js';
import {
  assertCreateDeviceImage,
  assertDeviceImageId,
} from '../datasource/validation.js';
import { NotFoundError } from '../errors/index.js';
import type { MutationResolvers } from '../generated/graphql.js';
import type { GatewayContext } from './context.js';

/**
 * Tells subscribers about a change. The change has already happened in
 * Graph, so a failing sink must not turn the mutation into an error: the
 * poller will report the change later anyway.
 */
function publish(
  context: GatewayContext,
  what: string,
  send: () => void,
): void {
  try {
    send();
  } catch (error) {
    context.logger.error({ err: error, event: what }, 'publishing failed');
  }
}

/** Resolvers of the `Mutation` type. */
export const mutationResolvers: MutationResolvers = {
  async createDeviceImage(_parent, args, context) {
    const input = {
      displayName: args.input.displayName,
      version: args.input.version,
      sourceImageResourceId: args.input.sourceImageResourceId,
    };
    assertCreateDeviceImage(input, 'input');
    const image = await context.dataSource.create(input);
    publish(context, 'imageCreated', () =>
      context.events.imageCreated(context.scope, image),
    );
    return image;
  },

  async deleteDeviceImage(_parent, args, context) {
    assertDeviceImageId(args.id, 'id');
    await context.dataSource.delete(args.id);
    publish(context, 'imageDeleted', () =>
      context.events.imageDeleted(context.scope, args.id),
    );
    return args.id;
  },

  async reuploadDeviceImage(_parent, args, context) {
    assertDeviceImageId(args.id, 'id');
    await context.dataSource.retryUpload(args.id);
    // retryUpload answers 204 with no body (contract §1), so the image is
    // read again, whole, for the answer and for subscribers.
    const image: GraphDeviceImage | null = await context.dataSource.get(
      args.id,
    );
    if (image === null) {
      throw new NotFoundError(
        `Device image ${args.id} was deleted right after its upload was ` +
          'retried.',
      );
    }
    publish(context, 'imageChanged', () =>
      context.events.imageChanged(context.scope, image),
    );
    return image;
  },
};
