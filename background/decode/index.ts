/**
 * The approval prompts' decoders: pure functions from a request to what the user is shown.
 * @module
 */
export {
  type DescribeMessageErrorType,
  type DescribeMessageOptions,
  type DescribeMessageReturnType,
  describeMessage,
  type ParseSiweMessageErrorType,
  parseSiweMessage,
  type SiweMessage,
  SiweParseError,
} from './message';
export {
  type DescribeTransactionErrorType,
  type DescribeTransactionParameters,
  type DescribeTransactionReturnType,
  describeTransaction,
  formatTokenAmount,
  type TokenHint,
  UNLIMITED_THRESHOLD,
} from './transaction';
export {
  type DescribeTypedDataErrorType,
  type DescribeTypedDataOptions,
  type DescribeTypedDataReturnType,
  describeTypedData,
  InvalidTypedDataError,
  type InvalidTypedDataErrorType,
  type TypedDataVersion,
} from './typedData';
export type {
  MessageInsight,
  TransactionInsight,
  TreeNode,
  TypedDataInsight,
  Warning,
  WarningKind,
} from './types';
