import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { GraphDeviceImage, GraphSourceImage } from '../datasource/graphModel.js';
import type { DeviceImageConnectionModel } from '../resolvers/connection.js';
import type { ImageEvent } from '../subscriptions/events.js';
import type { GatewayContext } from '../resolvers/context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A calendar date, `YYYY-MM-DD`, e.g. `2028-04-11`. */
  Date: { input: string; output: string; }
  /** An ISO 8601 date and time in UTC, e.g. `2024-11-03T07:03:44.97Z`. */
  DateTime: { input: string; output: string; }
};

/**
 * A custom OS image uploaded to Windows 365 from an Azure source image, used to
 * provision Cloud PCs.
 */
export type CloudPcDeviceImage = {
  __typename?: 'CloudPcDeviceImage';
  /** Display name; together with `version` it identifies the image. */
  displayName?: Maybe<Scalars['String']['output']>;
  /** Why the upload failed, when it did. */
  errorCode?: Maybe<CloudPcDeviceImageErrorCode>;
  /** The date the image became or becomes unavailable. */
  expirationDate?: Maybe<Scalars['Date']['output']>;
  id: Scalars['ID']['output'];
  /** When the image last changed. */
  lastModifiedDateTime?: Maybe<Scalars['DateTime']['output']>;
  /** Operating system, e.g. `Windows 11 Enterprise`; null until uploaded. */
  operatingSystem?: Maybe<Scalars['String']['output']>;
  /** OS build, e.g. `21H2`; null until uploaded. */
  osBuildNumber?: Maybe<Scalars['String']['output']>;
  /** Support state of the image's operating system. */
  osStatus?: Maybe<CloudPcDeviceImageOsStatus>;
  /** OS version, e.g. `10.0.22631.3593`. */
  osVersionNumber?: Maybe<Scalars['String']['output']>;
  /** Role scope tags of the image. */
  scopeIds?: Maybe<Array<Scalars['String']['output']>>;
  /** Size of the image in GB. */
  sizeInGB?: Maybe<Scalars['Int']['output']>;
  /** ARM id of the Azure source image the upload came from. */
  sourceImageResourceId?: Maybe<Scalars['String']['output']>;
  /** Upload state. */
  status?: Maybe<CloudPcDeviceImageStatus>;
  /**
   * Why the upload failed, when it did.
   * @deprecated Graph stopped returning it on January 31, 2024. Use `errorCode`.
   */
  statusDetails?: Maybe<CloudPcDeviceImageStatusDetails>;
  /** Image version, `Major.Minor.Patch`, e.g. `0.0.1`. */
  version?: Maybe<Scalars['String']['output']>;
};

/** A page of device images (Relay connection). */
export type CloudPcDeviceImageConnection = {
  __typename?: 'CloudPcDeviceImageConnection';
  edges: Array<CloudPcDeviceImageEdge>;
  /** The page's images, for clients that need no cursors. */
  nodes: Array<CloudPcDeviceImage>;
  pageInfo: PageInfo;
  /** How many images match the filter, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An edge of `CloudPcDeviceImageConnection`. */
export type CloudPcDeviceImageEdge = {
  __typename?: 'CloudPcDeviceImageEdge';
  /** Pass as `after` to continue after this image. */
  cursor: Scalars['String']['output'];
  node: CloudPcDeviceImage;
};

/** Why an image failed to upload. */
export type CloudPcDeviceImageErrorCode =
  | 'INTERNAL_SERVER_ERROR'
  | 'OS_VERSION_NOT_SUPPORTED'
  | 'PAID_SOURCE_IMAGE_NOT_SUPPORT'
  | 'SOURCE_IMAGE_INVALID'
  | 'SOURCE_IMAGE_NOT_FOUND'
  | 'SOURCE_IMAGE_NOT_GENERALIZED'
  | 'SOURCE_IMAGE_NOT_SUPPORT_CUSTOMIZE_VM_NAME'
  | 'SOURCE_IMAGE_SIZE_EXCEEDS_LIMITATION'
  | 'SOURCE_IMAGE_WITH_DATA_DISK_NOT_SUPPORTED'
  | 'SOURCE_IMAGE_WITH_DISK_ENCRYPTION_SET_NOT_SUPPORTED'
  /** Graph sent a value this gateway does not know yet. */
  | 'UNKNOWN_FUTURE_VALUE'
  | 'VM_ALREADY_AZURE_ADJOINED';

/** Narrows `deviceImages`; conditions are joined with AND. */
export type CloudPcDeviceImageFilter = {
  /** Exact display name. */
  displayName?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<CloudPcDeviceImageStatus>;
};

/** Support state of the image's operating system. */
export type CloudPcDeviceImageOsStatus =
  | 'SUPPORTED'
  /** The OS has expired: still supported, but may not get security updates. */
  | 'SUPPORTED_WITH_WARNING'
  | 'UNKNOWN'
  /** Graph sent a value this gateway does not know yet. */
  | 'UNKNOWN_FUTURE_VALUE';

/**
 * Upload state of a device image. Graph may add members at any time: a value
 * this gateway does not know yet reads as `UNKNOWN_FUTURE_VALUE`.
 */
export type CloudPcDeviceImageStatus =
  /** The upload failed; `errorCode` says why. */
  | 'FAILED'
  /** The image is being uploaded and checked. */
  | 'PENDING'
  /** The image uploaded and can be used to provision Cloud PCs. */
  | 'READY'
  /** Graph sent a value this gateway does not know yet. */
  | 'UNKNOWN_FUTURE_VALUE'
  /** The image uploaded with a warning (Graph does not document its meaning). */
  | 'WARNING';

/**
 * Why an image failed to upload, in Graph's deprecated beta vocabulary.
 * Use `CloudPcDeviceImageErrorCode` instead.
 */
export type CloudPcDeviceImageStatusDetails =
  | 'INTERNAL_SERVER_ERROR'
  | 'OS_VERSION_NOT_SUPPORTED'
  | 'PAID_SOURCE_IMAGE_NOT_SUPPORT'
  | 'SOURCE_IMAGE_INVALID'
  | 'SOURCE_IMAGE_NOT_FOUND'
  | 'SOURCE_IMAGE_NOT_GENERALIZED'
  | 'SOURCE_IMAGE_NOT_SUPPORT_CUSTOMIZE_VM_NAME'
  | 'SOURCE_IMAGE_SIZE_EXCEEDS_LIMITATION'
  /** Graph sent a value this gateway does not know yet. */
  | 'UNKNOWN_FUTURE_VALUE'
  | 'VM_ALREADY_AZURE_ADJOINED';

/** An Azure image the tenant can upload as a device image. */
export type CloudPcSourceDeviceImage = {
  __typename?: 'CloudPcSourceDeviceImage';
  category?: Maybe<CloudPcSourceImageCategory>;
  displayName?: Maybe<Scalars['String']['output']>;
  /** @deprecated Graph stopped returning it on January 31, 2024. Use `resourceId`. */
  id?: Maybe<Scalars['ID']['output']>;
  /** ARM id of the image; use it as `sourceImageResourceId` when creating. */
  resourceId: Scalars['String']['output'];
  subscriptionDisplayName?: Maybe<Scalars['String']['output']>;
  subscriptionId?: Maybe<Scalars['String']['output']>;
};

/** Where a source image lives in Azure. */
export type CloudPcSourceImageCategory =
  | 'AZURE_COMPUTE_GALLERY'
  | 'MANAGED_IMAGE'
  /** Graph sent a value this gateway does not know yet. */
  | 'UNKNOWN_FUTURE_VALUE';

/** What `createDeviceImage` needs. */
export type CreateDeviceImageInput = {
  /** Display name; together with `version` it must be unique in the tenant. */
  displayName: Scalars['String']['input'];
  /**
   * ARM id of the source: a managed image
   * (`/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Compute/images/{name}`)
   * or an Azure Compute Gallery image version
   * (`…/galleries/{gallery}/images/{definition}/versions/{version}`).
   */
  sourceImageResourceId: Scalars['String']['input'];
  /** Image version, `Major.Minor.Patch`, e.g. `0.0.1`. */
  version: Scalars['String']['input'];
};

/** A change to one of the tenant's images. */
export type DeviceImageEvent = {
  __typename?: 'DeviceImageEvent';
  id: Scalars['ID']['output'];
  /** The image as it is now; null for DELETED. */
  image?: Maybe<CloudPcDeviceImage>;
  kind: DeviceImageEventKind;
  /** The status before this change; null for CREATED. */
  previousStatus?: Maybe<CloudPcDeviceImageStatus>;
};

/** What happened to an image. */
export type DeviceImageEventKind =
  | 'CREATED'
  | 'DELETED'
  | 'STATUS_CHANGED';

export type Mutation = {
  __typename?: 'Mutation';
  /** Starts uploading an image; it is returned with status `PENDING`. */
  createDeviceImage: CloudPcDeviceImage;
  /** Deletes an image and returns its id. NOT_FOUND when it does not exist. */
  deleteDeviceImage: Scalars['ID']['output'];
  /**
   * Retries the upload of a FAILED image (Graph's `retryUpload`) and returns
   * the image, now PENDING.
   */
  reuploadDeviceImage: CloudPcDeviceImage;
};


export type MutationCreateDeviceImageArgs = {
  input: CreateDeviceImageInput;
};


export type MutationDeleteDeviceImageArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReuploadDeviceImageArgs = {
  id: Scalars['ID']['input'];
};

/** Where a page of a connection stands. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The cursor of the page's last edge; null on an empty page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** One device image, or null when it does not exist. */
  deviceImage?: Maybe<CloudPcDeviceImage>;
  /**
   * The tenant's device images, a page at a time. `first` defaults to 20 and
   * may be at most 100.
   */
  deviceImages: CloudPcDeviceImageConnection;
  /** The Azure images the tenant can upload, optionally of one category. */
  sourceImages: Array<CloudPcSourceDeviceImage>;
};


export type QueryDeviceImageArgs = {
  id: Scalars['ID']['input'];
};


export type QueryDeviceImagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<CloudPcDeviceImageFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QuerySourceImagesArgs = {
  category?: InputMaybe<CloudPcSourceImageCategory>;
};

export type Subscription = {
  __typename?: 'Subscription';
  /** Every change across the tenant's images. */
  deviceImageEvents: DeviceImageEvent;
  /**
   * The image now, then the image each time its `status` or `errorCode`
   * changes. Completes when the image is deleted; NOT_FOUND for an unknown id.
   */
  deviceImageStatusChanged: CloudPcDeviceImage;
};


export type SubscriptionDeviceImageStatusChangedArgs = {
  id: Scalars['ID']['input'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  CloudPcDeviceImage: ResolverTypeWrapper<GraphDeviceImage>;
  CloudPcDeviceImageConnection: ResolverTypeWrapper<DeviceImageConnectionModel>;
  CloudPcDeviceImageEdge: ResolverTypeWrapper<Omit<CloudPcDeviceImageEdge, 'node'> & { node: ResolversTypes['CloudPcDeviceImage'] }>;
  CloudPcDeviceImageErrorCode: CloudPcDeviceImageErrorCode;
  CloudPcDeviceImageFilter: CloudPcDeviceImageFilter;
  CloudPcDeviceImageOsStatus: CloudPcDeviceImageOsStatus;
  CloudPcDeviceImageStatus: CloudPcDeviceImageStatus;
  CloudPcDeviceImageStatusDetails: CloudPcDeviceImageStatusDetails;
  CloudPcSourceDeviceImage: ResolverTypeWrapper<GraphSourceImage>;
  CloudPcSourceImageCategory: CloudPcSourceImageCategory;
  CreateDeviceImageInput: CreateDeviceImageInput;
  Date: ResolverTypeWrapper<Scalars['Date']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeviceImageEvent: ResolverTypeWrapper<ImageEvent>;
  DeviceImageEventKind: DeviceImageEventKind;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Boolean: Scalars['Boolean']['output'];
  CloudPcDeviceImage: GraphDeviceImage;
  CloudPcDeviceImageConnection: DeviceImageConnectionModel;
  CloudPcDeviceImageEdge: Omit<CloudPcDeviceImageEdge, 'node'> & { node: ResolversParentTypes['CloudPcDeviceImage'] };
  CloudPcDeviceImageFilter: CloudPcDeviceImageFilter;
  CloudPcSourceDeviceImage: GraphSourceImage;
  CreateDeviceImageInput: CreateDeviceImageInput;
  Date: Scalars['Date']['output'];
  DateTime: Scalars['DateTime']['output'];
  DeviceImageEvent: ImageEvent;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
};

export type CloudPcDeviceImageResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['CloudPcDeviceImage'] = ResolversParentTypes['CloudPcDeviceImage']> = {
  displayName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['CloudPcDeviceImageErrorCode']>, ParentType, ContextType>;
  expirationDate?: Resolver<Maybe<ResolversTypes['Date']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastModifiedDateTime?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  operatingSystem?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  osBuildNumber?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  osStatus?: Resolver<Maybe<ResolversTypes['CloudPcDeviceImageOsStatus']>, ParentType, ContextType>;
  osVersionNumber?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  scopeIds?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  sizeInGB?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  sourceImageResourceId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<Maybe<ResolversTypes['CloudPcDeviceImageStatus']>, ParentType, ContextType>;
  statusDetails?: Resolver<Maybe<ResolversTypes['CloudPcDeviceImageStatusDetails']>, ParentType, ContextType>;
  version?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type CloudPcDeviceImageConnectionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['CloudPcDeviceImageConnection'] = ResolversParentTypes['CloudPcDeviceImageConnection']> = {
  edges?: Resolver<Array<ResolversTypes['CloudPcDeviceImageEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['CloudPcDeviceImage']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type CloudPcDeviceImageEdgeResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['CloudPcDeviceImageEdge'] = ResolversParentTypes['CloudPcDeviceImageEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['CloudPcDeviceImage'], ParentType, ContextType>;
};

export type CloudPcSourceDeviceImageResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['CloudPcSourceDeviceImage'] = ResolversParentTypes['CloudPcSourceDeviceImage']> = {
  category?: Resolver<Maybe<ResolversTypes['CloudPcSourceImageCategory']>, ParentType, ContextType>;
  displayName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  resourceId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  subscriptionDisplayName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  subscriptionId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export interface DateScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Date'], any> {
  name: 'Date';
}

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeviceImageEventResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['DeviceImageEvent'] = ResolversParentTypes['DeviceImageEvent']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  image?: Resolver<Maybe<ResolversTypes['CloudPcDeviceImage']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['DeviceImageEventKind'], ParentType, ContextType>;
  previousStatus?: Resolver<Maybe<ResolversTypes['CloudPcDeviceImageStatus']>, ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  createDeviceImage?: Resolver<ResolversTypes['CloudPcDeviceImage'], ParentType, ContextType, RequireFields<MutationCreateDeviceImageArgs, 'input'>>;
  deleteDeviceImage?: Resolver<ResolversTypes['ID'], ParentType, ContextType, RequireFields<MutationDeleteDeviceImageArgs, 'id'>>;
  reuploadDeviceImage?: Resolver<ResolversTypes['CloudPcDeviceImage'], ParentType, ContextType, RequireFields<MutationReuploadDeviceImageArgs, 'id'>>;
};

export type PageInfoResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  deviceImage?: Resolver<Maybe<ResolversTypes['CloudPcDeviceImage']>, ParentType, ContextType, RequireFields<QueryDeviceImageArgs, 'id'>>;
  deviceImages?: Resolver<ResolversTypes['CloudPcDeviceImageConnection'], ParentType, ContextType, Partial<QueryDeviceImagesArgs>>;
  sourceImages?: Resolver<Array<ResolversTypes['CloudPcSourceDeviceImage']>, ParentType, ContextType, Partial<QuerySourceImagesArgs>>;
};

export type SubscriptionResolvers<ContextType = GatewayContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  deviceImageEvents?: SubscriptionResolver<ResolversTypes['DeviceImageEvent'], "deviceImageEvents", ParentType, ContextType>;
  deviceImageStatusChanged?: SubscriptionResolver<ResolversTypes['CloudPcDeviceImage'], "deviceImageStatusChanged", ParentType, ContextType, RequireFields<SubscriptionDeviceImageStatusChangedArgs, 'id'>>;
};

export type Resolvers<ContextType = GatewayContext> = {
  CloudPcDeviceImage?: CloudPcDeviceImageResolvers<ContextType>;
  CloudPcDeviceImageConnection?: CloudPcDeviceImageConnectionResolvers<ContextType>;
  CloudPcDeviceImageEdge?: CloudPcDeviceImageEdgeResolvers<ContextType>;
  CloudPcSourceDeviceImage?: CloudPcSourceDeviceImageResolvers<ContextType>;
  Date?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  DeviceImageEvent?: DeviceImageEventResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
};

