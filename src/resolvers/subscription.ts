/**
 * The `Subscription` resolvers and `DeviceImageEvent`'s field resolvers.
 * The streams come from the subscription hub through the context; this
 * file only validates arguments and maps Graph values to GraphQL ones.
 */
import type { GraphDeviceImage } from '../datasource/graphModel.js';
import { assertDeviceImageId } from '../datasource/validation.js';
import type {
  DeviceImageEventResolvers,
  SubscriptionResolvers,
} from '../generated/graphql.js';
import type { ImageEvent } from '../subscriptions/events.js';
import { imageStatus } from './enums.js';

/**
 * `deviceImageStatusChanged` and `deviceImageEvents`. Each event is the
 * field's value itself, so `resolve` passes it through unwrapped.
 */
export const subscriptionResolvers: SubscriptionResolvers = {
  deviceImageStatusChanged: {
    subscribe: (_root, { id }, { scope, dataSource, subscriptions }) => {
      assertDeviceImageId(id, 'id');
      return subscriptions.imageStatus({ scope, dataSource }, id);
    },
    resolve: (image: GraphDeviceImage) => image,
  },
  deviceImageEvents: {
    subscribe: (_root, _args, { scope, dataSource, subscriptions }) =>
      subscriptions.imageEvents({ scope, dataSource }),
    resolve: (event: ImageEvent) => event,
  },
};

/** `DeviceImageEvent.previousStatus` arrives in Graph's vocabulary. */
export const deviceImageEventResolvers: DeviceImageEventResolvers = {
  previousStatus: (event) => imageStatus.toGraphql(event.previousStatus),
};
