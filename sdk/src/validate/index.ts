/** Validation of A2A (and Rightsize extension) objects: compiled ajv validators, limits and readable issues. */
export { type DocumentReport, detectKinds, validateDocument } from './detect.js';
export { formatIssues, type ValidationIssue } from './issues.js';
export { DEFAULT_LIMITS, type InputLimits, jsonDepth } from './limits.js';
export { holdsLoneSurrogate, mayHoldLoneSurrogate, withoutLoneSurrogates } from './unicode.js';
export {
  closeSchema,
  createA2AValidator,
  defaultA2AValidator,
  parseJson,
  shortcuts,
  type ValidationResult,
  Validator,
  type ValidatorOptions,
} from './validator.js';
