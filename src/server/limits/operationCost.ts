/**
 * The cost model: how many Graph calls a field makes. The gateway's Graph
 * budget is the tenant's (Graph throttles per app and tenant, contract §5),
 * so one operation must not spend an unbounded share of it.
 *
 * A field costs the Graph requests its resolver sends in the worst case:
 * - `Query.deviceImages`: 2, one Graph page, and the next when the
 *   connection page crosses a Graph page boundary (`listDeviceImages.ts`);
 *   `CloudPcDeviceImageConnection.totalCount` adds 1: it walks every page
 *   of ids, which is one page while a tenant holds at most 20 images
 *   (contract §4) and Graph does not page them (contract §5, "Paging").
 * - `Query.deviceImage`: 1 per field, although reads made together travel
 *   in one `$batch`: Graph throttles each batch item as a request of its own
 *   (contract §5, "JSON batching"), and the budget is Graph's.
 * - `Query.sourceImages`: 1 (`getSourceImages`).
 * - `createDeviceImage`, `deleteDeviceImage`: 1; `reuploadDeviceImage`: 2
 *   (`retryUpload`, then the image read back).
 * - Subscriptions: 1, the first read; later polls are shared per scope.
 * - Every other field reads what its parent already fetched: 0.
 *
 * Costs add up; they do not multiply under list fields, because no costed
 * field of the schema sits below a list (a test pins this). A schema change
 * that puts one there must add multipliers here.
 */

/** Cost of each costed field, keyed `ParentType.field`. */
export const FIELD_COSTS: Readonly<Record<string, number>> = Object.freeze({
  'Query.deviceImages': 2,
  'CloudPcDeviceImageConnection.totalCount': 1,
  'Query.deviceImage': 1,
  'Query.sourceImages': 1,
  'Mutation.createDeviceImage': 1,
  'Mutation.deleteDeviceImage': 1,
  'Mutation.reuploadDeviceImage': 2,
  'Subscription.deviceImageStatusChanged': 1,
  'Subscription.deviceImageEvents': 1,
});
