/** Hostile-input limits shared by the HTTP and WebSocket transports. */
export {
  DEFAULT_LIMITS,
  LIMIT_SETTINGS,
  parseLimitsConfig,
  type LimitsConfig,
} from './limitsConfig.js';
export { FIELD_COSTS } from './operationCost.js';
export {
  createAliasLimitRule,
  createCostLimitRule,
  createDepthLimitRule,
  createLimitRules,
  createRootFieldLimitRule,
} from './limitRules.js';
export { NoIntrospectionRule } from './noIntrospectionRule.js';
export { stripSuggestion, withoutSuggestions } from './withoutSuggestions.js';
export {
  createOperationValidator,
  type OperationCheck,
  type OperationRequest,
} from './createOperationValidator.js';
export { restoreGatewayErrorCode } from './restoreGatewayErrorCode.js';
